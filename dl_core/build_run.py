"""A Builder network on its task: the spec (task, layers, training, seed), its validation,
its JSON form, and the Trainer that runs it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np
import torch

from .builder import LayerDef, ShapeError, build, plan
from .objective import objective
from .optimizers import OPTIMIZERS
from .spec import MAX_LEARNING_RATE, TrainSpec
from .tasks import POINT_SETS, PRESETS, TASKS, TaskData, points
from .train import Trainer

BATCH_SIZES = (16, 32, 64, 128, 256, 2000)


def default_train(task: str) -> TrainSpec:
    loss = "cross_entropy" if TASKS[task].n_classes else "mse"
    return TrainSpec(loss=loss, optimizer="adam", learning_rate=0.01, batch_size=64)


@dataclass(frozen=True)
class BuilderSpec:
    task: str = "digits"
    layers: tuple[LayerDef, ...] = PRESETS["lenet"].layers
    train: TrainSpec = field(default_factory=lambda: default_train("digits"))
    seed: int = 0
    points: str = "spiral"  # which Playground set, for the 2D points task

    def rebuild_key(self) -> tuple:
        return (self.task, self.points, self.layers, self.train.loss, self.train.optimizer, self.seed)

    def to_json(self) -> str:
        return json.dumps({"task": self.task, "points": self.points, "seed": self.seed,
                           "layers": [asdict(layer) for layer in self.layers], "train": asdict(self.train)}, indent=2)


def from_preset(name: str, seed: int = 0) -> BuilderSpec:
    preset = PRESETS[name]
    return BuilderSpec(preset.task, preset.layers, default_train(preset.task), seed)


def validate_build(spec: BuilderSpec) -> list[str]:
    """What stops this spec from being built or trained, in sentences; [] when it can be."""
    if spec.task not in TASKS:
        return [f"Unknown task '{spec.task}' (choose from {', '.join(TASKS)})."]
    task = TASKS[spec.task]
    problems = []
    if spec.points not in POINT_SETS:
        problems.append(f"Unknown set of points '{spec.points}' (choose from {', '.join(POINT_SETS)}).")
    if spec.train.optimizer not in OPTIMIZERS:
        problems.append(f"Unknown optimiser '{spec.train.optimizer}'.")
    if not 1e-6 <= spec.train.learning_rate <= MAX_LEARNING_RATE:
        problems.append(f"The learning rate must be between 1e-06 and {MAX_LEARNING_RATE:g}.")
    if spec.train.batch_size < 1:
        problems.append("The batch size must be at least 1.")
    if spec.train.loss != default_train(spec.task).loss:
        problems.append(f"The {task.label} task trains with {default_train(spec.task).loss}.")
    try:
        plan(list(spec.layers), task.input_shape, task.n_classes or 1)
    except ShapeError as error:
        problems.append(str(error))
    return problems


def task_data(spec: BuilderSpec) -> TaskData:
    return points(spec.seed, spec.points) if spec.task == "points" else TASKS[spec.task].make(spec.seed)


def build_trainer(spec: BuilderSpec, record_every: int | None = None) -> Trainer:
    """A Trainer for the built network on its task's data (inputs keep their shapes: images, sequences)."""
    task = TASKS[spec.task]
    data = task_data(spec)
    goal = objective(spec.train.loss, task.n_classes)
    model = build(list(spec.layers), task.input_shape, goal.n_outputs, spec.seed)
    return Trainer.from_parts(spec, model, goal, (data.x_train, data.y_train), (data.x_test, data.y_test), spec.seed,
                              record_every=record_every)


def from_json(text: str) -> tuple[BuilderSpec, list[str]]:
    """A spec from its JSON; anything unreadable falls back to the default with a warning."""
    try:
        data = json.loads(text)
        task = str(data["task"])
        layer_names = {f.name for f in fields(LayerDef)}
        layers = tuple(LayerDef(**{k: v for k, v in layer.items() if k in layer_names}) for layer in data["layers"])
        train_names = {f.name for f in fields(TrainSpec)}
        base = default_train(task) if task in TASKS else TrainSpec()
        train = replace(base, **{k: v for k, v in data.get("train", {}).items() if k in train_names})
        spec = BuilderSpec(task, layers, train, int(data.get("seed", 0)), str(data.get("points", "spiral")))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        return BuilderSpec(), [f"Could not read this network ({error}); the default one is open instead."]
    problems = validate_build(spec)
    if problems:
        return BuilderSpec(), [f"This network cannot be built ({problems[0]}); the default one is open instead."]
    return spec, []


@torch.no_grad()
def class_probabilities(trainer: Trainer, example: np.ndarray) -> np.ndarray:
    """The trained network's probability for each class, for one example shaped like the task's input."""
    trainer.model.eval()
    out = trainer.model(torch.as_tensor(example, dtype=torch.float32, device=trainer.device)[None])
    trainer.model.train()
    return torch.softmax(out, dim=1)[0].cpu().numpy()
