"""Checkpoints: copies of the whole network (weights and running statistics) as training runs, for looking at
the same example through the network as it was at earlier steps ("attribution over training")."""

from __future__ import annotations

from copy import deepcopy

import torch
from torch import nn

from ..trainer import Trainer
from .thinning import EveryNth

DEFAULT_LIMIT = 16  # a 200,000-parameter network (the largest allowed) keeps 13 MB of checkpoints


class Checkpoints:
    """At most ``limit`` copies of the network's state, evenly thinned (``EveryNth``), the first taken when
    it subscribes. It subscribes itself to ``after_step``: ``run.probe("checkpoints", Checkpoints)``."""

    def __init__(self, trainer: Trainer, limit: int = DEFAULT_LIMIT):
        self.trainer = trainer
        self.model = trainer.model
        self.sampling = EveryNth(limit)
        self.steps: list[int] = []
        self.states: list[dict[str, torch.Tensor]] = []
        self.record(trainer.step_count)
        self.detach = trainer.on("after_step", self)

    def record(self, step: int) -> None:
        # state_dict, not parameters: BatchNorm's running statistics belong to the network as it was
        self.states.append({name: t.detach().to("cpu", copy=True) for name, t in self.model.state_dict().items()})
        self.steps.append(step)
        self.states, self.steps = self.sampling.thin(self.states, self.steps)

    def __call__(self, trainer: Trainer) -> None:
        if self.sampling.due():
            self.record(trainer.step_count)

    def __len__(self) -> int:
        return len(self.steps)

    def model_at(self, index: int) -> nn.Module:
        """A copy of the network with the weights of checkpoint ``index`` (the run's own network is untouched)."""
        copy = deepcopy(self.model)
        copy.load_state_dict(self.states[index])
        return copy

    def models(self, now: bool = True) -> list[tuple[int, nn.Module]]:
        """(step, network copy) for every checkpoint; with ``now``, the network as it is now comes last when
        training went on after the last checkpoint."""
        pairs = [(step, self.model_at(k)) for k, step in enumerate(self.steps)]
        if now and self.trainer.step_count > self.steps[-1]:
            pairs.append((self.trainer.step_count, deepcopy(self.model)))
        return pairs

    def __repr__(self) -> str:
        return f"Checkpoints({len(self)} kept, steps {self.steps[0]}–{self.steps[-1]})"
