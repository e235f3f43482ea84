"""Transfer learning: a network that starts from weights another task taught it, instead of random ones.

A Builder spec names where its network starts (``start``): "scratch" (random weights), or a source task
such as the digits 0–4. For a source, the same stack of layers is first trained on that task for a fixed
number of steps (the same seed always gives the same weights); every layer except the output layer then
keeps what it learnt, and the output layer starts afresh, because the new task's answers are new. Only
networks whose input has the source's shape can start from it, and the pretraining is checked against a
work budget before anything is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import torch
from torch import nn

from .data import Data
from .data.scarce import digits_0_4
from .nets.layers import LayerDef, build, plan
from .objective import objective
from .specs.budget import STEP_COST, Budget, over
from .specs.training import TrainSpec

SCRATCH = "scratch"
PRETRAIN_WORK = Budget("the pretraining budget", 30e9, "multiply-adds", "use a smaller network")


@dataclass(frozen=True)
class Source:
    name: str
    label: str  # what the start control calls it
    input_shape: tuple[int, ...]
    n_classes: int
    make: Callable[[int], Data]  # seed → the source task's data
    steps: int = 300
    train: TrainSpec = TrainSpec("cross_entropy", "adam", 0.01, 64)


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source("digits_0_4", "Weights learnt on the digits 0–4 (300 steps)", (1, 8, 8), 5, digits_0_4),
    )
}
STARTS = {SCRATCH: "Random weights (from scratch)", **{name: s.label for name, s in SOURCES.items()}}


def start_problem(start: str, layers: tuple[LayerDef, ...], input_shape: tuple[int, ...]) -> str | None:
    """Why a network cannot start from ``start``; None when it can (or starts from scratch)."""
    if start == SCRATCH:
        return None
    source = SOURCES[start]
    if tuple(input_shape) != source.input_shape:
        return (f"Starting from {source.label[0].lower()}{source.label[1:]} needs the same input, 8×8 images: "
                "choose a digits task or start from scratch.")
    macs = sum(p.cost.macs for p in plan(layers, source.input_shape, source.n_classes))
    cost = source.steps * STEP_COST * source.train.batch_size * macs
    return over(PRETRAIN_WORK, cost, f"Pretraining this network for {source.steps} steps")


@lru_cache(maxsize=16)
def pretrained_weights(start: str, layers: tuple[LayerDef, ...], seed: int) -> dict[str, torch.Tensor]:
    """The state of ``layers`` (and an output layer for the source's classes) after training on the source
    task; cached, because the same arguments always give the same weights and a reset must not retrain."""
    from .trainer import Trainer  # imported here: the Trainer imports the specs, which import this module

    source = SOURCES[start]
    data = source.make(seed)
    goal = objective(source.train.loss, source.n_classes)
    model = build(layers, source.input_shape, goal.n_outputs, seed)
    trainer = Trainer(model, goal, data, source.train, seed, torch.device("cpu"))
    trainer.step(source.steps)
    return {name: value.detach().clone() for name, value in trainer.model.state_dict().items()}


def start_from(model: nn.Sequential, start: str, layers: tuple[LayerDef, ...], seed: int) -> None:
    """Copies what the pretrained network learnt into ``model``, every layer but the output layer (the last)."""
    head = f"{len(model) - 1}."
    learnt = {name: value for name, value in pretrained_weights(start, layers, seed).items()
              if not name.startswith(head)}
    model.load_state_dict({**model.state_dict(), **learnt})
