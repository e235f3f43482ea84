"""The Builder's spec: a task, a stack of layers, how it is initialised and trained, and its seed.

Its layers travel in the URL as one compact string (``conv2d:6:3,activation:relu,maxpool,…``), so
a Builder network can be shared as a link like the Playground's; in JSON they are a list of objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Mapping

from ..data import Data, DataError
from ..data.points import DATASETS
from ..data.tasks import POINT_SETS, TASKS, is_upload, task_shape
from ..nets.layers import LAYERS, MAX_LAYERS, LayerDef, PlannedLayer, ShapeError, layer_problem, plan, planned_layers
from ..nets.mlp import INITS
from ..objective import LOSSES, losses_for, task_of
from ..transfer import SCRATCH, STARTS, start_problem
from . import budget
from .fields import BadValue, Custom, Field, choice_field, number_field, parse_float, parse_int, parse_name, shown
from .training import TrainSpec, speed_field, train_fields

MAX_SEED = 2**31 - 1
BUILDER_INITS = {"default": "PyTorch's default", **{name: info.label for name, info in INITS.items()}}

LENET = (
    LayerDef("conv2d", 6), LayerDef("activation"), LayerDef("maxpool"),  # 6×4×4
    LayerDef("conv2d", 16), LayerDef("activation"), LayerDef("maxpool"),  # 16×2×2
    LayerDef("flatten"), LayerDef("linear", 64), LayerDef("activation"),
)


def default_train(task_classes: int) -> TrainSpec:
    """Adam at 0.01, batch 64, and the loss that fits the task."""
    return TrainSpec(loss=losses_for(task_classes)[0] if task_classes != 2 else "cross_entropy", optimizer="adam",
                     learning_rate=0.01, batch_size=64)


@dataclass(frozen=True)
class BuilderView:
    speed: int = 100  # training steps a second while playing


@dataclass(frozen=True)
class BuilderSpec:
    kind: ClassVar[str] = "builder"
    label: ClassVar[str] = "The Builder's network"
    FIELDS: ClassVar[tuple[Field, ...]]  # below
    task: str = "digits"  # a name in TASKS, or "upload:<digest>" for a table the learner uploaded
    points: str = "spiral"  # which Playground set, for the 2D points task
    layers: tuple[LayerDef, ...] = LENET
    init: str = "default"
    train: TrainSpec = field(default_factory=lambda: default_train(10))
    seed: int = 0
    view: BuilderView = field(default_factory=BuilderView)
    start: str = SCRATCH  # random weights, or a source task in ``transfer.SOURCES`` whose weights it starts from

    def shape(self, uploads: Mapping[str, Data] | None = None):
        return task_shape(self.task, uploads)

    def n_classes(self, uploads: Mapping[str, Data] | None = None) -> int:
        return self.shape(uploads).n_classes

    def rebuild_key(self) -> tuple:
        return (self.task, self.points, self.layers, self.init, self.train.loss, self.train.optimizer, self.seed,
                self.start)

    def for_task(self, task: str, layers: tuple[LayerDef, ...] | None = None,
                 uploads: Mapping[str, Data] | None = None) -> BuilderSpec:
        """This spec moved to another task: its loss and (unless given) a preset's layers that fit it."""
        from .presets import first_preset_for

        moved = replace(self, task=task, layers=layers if layers is not None else first_preset_for(task).layers)
        n_classes = moved.shape(uploads).n_classes
        if task_of(n_classes) not in LOSSES[moved.train.loss].tasks:
            moved = replace(moved, train=replace(moved.train, loss=default_train(n_classes).loss))
        return moved

    def planned(self, uploads: Mapping[str, Data] | None = None):
        shape = self.shape(uploads)
        n_outputs = 1 if shape.n_classes in (0, 2) and self.train.loss != "cross_entropy" else max(shape.n_classes, 1)
        return plan(self.layers, shape.input_shape, n_outputs)

    def planned_so_far(self, uploads: Mapping[str, Data] | None = None) -> tuple[list[PlannedLayer], str | None]:
        """The layers up to the first that cannot follow, with their shapes, and that refusal (None when every
        layer and the output head fit: then the head is the last entry). For the editor, which shows each row's
        shape even while a later row is impossible."""
        done: list[PlannedLayer] = []
        try:
            for layer in planned_layers(self.layers, self.shape(uploads).input_shape):
                done.append(layer)
            return self.planned(uploads), None
        except (ShapeError, DataError) as error:
            return done, str(error)

    def work(self, uploads: Mapping[str, Data] | None = None) -> budget.Work:
        planned = self.planned(uploads)
        heaviest = max(planned, key=lambda p: p.cost.macs)
        name = "the output layer" if heaviest is planned[-1] else \
            f"layer {heaviest.index} ({LAYERS[heaviest.layer.kind].label})"
        return budget.Work(sum(p.cost.macs for p in planned), sum(p.cost.stored for p in planned),
                           sum(p.parameters for p in planned), name, sum(p.cost.overhead for p in planned))

    def problems(self, uploads: Mapping[str, Data] | None = None) -> list[str]:
        """Checks across fields (each field alone is valid); [] when it can be built and trained."""
        try:
            shape = self.shape(uploads)
        except DataError as error:
            return [str(error)[0].upper() + str(error)[1:] + "."]
        task = task_of(shape.n_classes)
        if task not in LOSSES[self.train.loss].tasks:
            return [f"{LOSSES[self.train.loss].label} does not fit the {shape.label} task; "
                    f"use {LOSSES[losses_for(shape.n_classes)[0]].label}."]
        try:
            planned = self.planned(uploads)
        except ShapeError as error:
            return [str(error)]
        problems = [p for p in [start_problem(self.start, self.layers, shape.input_shape)] if p]
        one_value_each = any(p.layer.kind == "batchnorm" and (len(p.input) == 1 or p.input[1:] == (1, 1))
                             for p in planned)  # a batch of one has no spread to normalise by
        if self.train.batch_size < 2 and one_value_each:
            problems.append("BatchNorm normalises over the batch, so it needs batches of at least 2 examples: "
                            "raise the batch size or use LayerNorm.")
        return problems + budget.training_problems(self.work(uploads), self.train.batch_size, shape.examples)

    def repaired(self, uploads: Mapping[str, Data] | None = None) -> BuilderSpec:
        """A spec that passes ``problems``: the task's default network when this one cannot be trained."""
        spec = self
        try:
            spec.shape(uploads)
        except DataError:
            spec = BuilderSpec(seed=self.seed)
        if start_problem(spec.start, spec.layers, spec.shape(uploads).input_shape):
            spec = replace(spec, start=SCRATCH)
        n_classes = spec.shape(uploads).n_classes
        if task_of(n_classes) not in LOSSES[spec.train.loss].tasks:
            spec = replace(spec, train=replace(spec.train, loss=default_train(n_classes).loss))
        if spec.problems(uploads):
            spec = spec.for_task(spec.task, uploads=uploads)
        if spec.problems(uploads):
            spec = replace(spec.for_task(spec.task, uploads=uploads), train=default_train(n_classes))
        return spec

    def remedy(self, name: str) -> BuilderSpec | None:
        """This spec with a named remedy applied (see ``specs.remedies``); None when it has no such remedy."""
        if name in ("relu", "leaky_relu", "tanh"):
            if not any(layer.kind in ("activation", "residual") for layer in self.layers):
                return None
            return replace(self, layers=tuple(replace(layer, activation=name)
                                              if layer.kind in ("activation", "residual") else layer
                                              for layer in self.layers))
        if name == "he_init":
            return replace(self, init="he")
        if name == "layer_norm":
            layers: list[LayerDef] = []
            for layer, after in zip(self.layers, self.layers[1:] + (None,)):
                layers.append(layer)
                if layer.kind == "linear" and (after is None or after.kind != "layernorm"):
                    layers.append(LayerDef("layernorm"))
            fits = len(self.layers) < len(layers) <= MAX_LAYERS
            return replace(self, layers=tuple(layers)) if fits else None
        return None


# ---------------------------------------------------------------- layers in the URL and in JSON


def format_layer(layer: LayerDef) -> str:
    """``conv2d:6:3``: the kind, then the values its kind reads, in order."""
    values = [getattr(layer, name) for name in LAYERS[layer.kind].reads] if layer.kind in LAYERS else []
    return ":".join([layer.kind] + [f"{v:g}" if isinstance(v, float) else str(v) for v in values])


def _layer_from(kind: Any, values: Mapping[str, Any], index: int) -> LayerDef:
    if not isinstance(kind, str) or kind not in LAYERS:
        raise BadValue(f"layer {index} has an unknown kind '{shown(kind)}' (choose from {', '.join(LAYERS)})")
    layer = LayerDef(kind)
    readers = {"size": parse_int, "kernel": parse_int, "rate": parse_float,
               "activation": lambda v: v if isinstance(v, str) else _bad("expected an activation's name")}
    for name in LAYERS[kind].reads:
        if name in values:
            try:
                layer = replace(layer, **{name: readers[name](values[name])})
            except BadValue as error:
                raise BadValue(f"layer {index} ({LAYERS[kind].label}) {name}='{shown(values[name])}': {error}") \
                    from None
    return layer


def _bad(message: str):
    raise BadValue(message)


def parse_layers(raw: Any) -> tuple[LayerDef, ...]:
    """'conv2d:6:3,activation:relu,…' (the URL) or [{"kind": "conv2d", "size": 6, …}, …] (JSON)."""
    if isinstance(raw, str):
        if len(raw) > 2_000:
            raise BadValue("too long")
        items = [item.strip() for item in raw.split(",") if item.strip()]
        if len(items) > MAX_LAYERS:
            raise BadValue(f"at most {MAX_LAYERS} layers, not {len(items)}")
        layers = []
        for index, item in enumerate(items, 1):
            kind, *values = item.split(":")
            reads = LAYERS[kind].reads if kind in LAYERS else ()
            layers.append(_layer_from(kind, dict(zip(reads, values)), index))
        return tuple(layers)
    if not isinstance(raw, (list, tuple)):
        raise BadValue("expected a list of layers")
    if len(raw) > MAX_LAYERS:
        raise BadValue(f"at most {MAX_LAYERS} layers, not {len(raw)}")
    layers = []
    for index, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise BadValue(f"layer {index} is not an object with a kind")
        layers.append(_layer_from(item.get("kind"), item, index))
    return tuple(layers)


def _check_layers(layers: tuple[LayerDef, ...]) -> str | None:
    for index, layer in enumerate(layers, 1):
        problem = layer_problem(index, layer)
        if problem:
            return f"are refused: {problem[0].lower()}{problem[1:]}"
    return None


def _layers_json(layers: tuple[LayerDef, ...]) -> list[dict]:
    return [{"kind": layer.kind, **{name: getattr(layer, name) for name in LAYERS[layer.kind].reads}}
            for layer in layers]


def _check_task(value: str) -> str | None:
    if value in TASKS or (is_upload(value) and len(value) <= 40):
        return None
    return f"has no task named '{shown(value)}' (choose from {', '.join(TASKS)})"


FIELDS: tuple[Field, ...] = (
    Field("task", "Data", "task", parse_name, _check_task, Custom("task"), "Task",
          "; ".join(f"{t.label}: {t.description}" for t in TASKS.values())),
    replace(choice_field("points", "Which points", "points", {name: DATASETS[name].label for name in POINT_SETS},
                         "set of points", "Task", "For the 2D points task: which of the Playground's sets."),
            applies=lambda spec: spec.task == "points"),
    Field("layers", "Layers", "layers", parse_layers, _check_layers, Custom("builder_layers", edited_on="builder"),
          "Network", "The stack of layers, first to last; the output layer is added to fit the task.",
          lambda v: ",".join(format_layer(layer) for layer in v), _layers_json),
    choice_field("init", "Initial weights", "init", BUILDER_INITS, "initialisation", "Network",
                 "How Linear and convolution weights start; biases start at 0. " +
                 "; ".join(f"{i.label}: {i.explanation}" for i in INITS.values())),
    replace(choice_field("start", "Start from", "start", STARTS, "starting point", "Network",
                         "Random weights, or the weights this same network learnt on another task (transfer "
                         "learning): every layer but the output layer keeps them."),
            applies=lambda spec: spec.task in TASKS and TASKS[spec.task].input_shape == (1, 8, 8)),
    *train_fields(),
    number_field("seed", "Seed", "seed", 0, MAX_SEED, Custom("seed"), "Training",
                 "One number decides the data's split, the initial weights and the order of the batches.", whole=True),
    speed_field(),
)
ADVANCED = ("init", "start", "reg", "rate", "clip", "seed")
FIELDS = tuple(replace(f, advanced=f.key in ADVANCED) for f in FIELDS)
BuilderSpec.FIELDS = FIELDS
