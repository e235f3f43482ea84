"""The optimiser's path: flattened snapshots of the weights as training runs, for the landscape's PCA plane."""

from __future__ import annotations

import torch
from torch import nn

from ..trainer import Trainer
from .thinning import EveryNth


class PathRecorder:
    """Flattened snapshots of the weights as training runs (at most ``limit``, evenly thinned).
    Subscribe it to the Trainer's ``after_step`` event."""

    def __init__(self, model: nn.Module, limit: int = 200):
        self.model = model
        self.sampling = EveryNth(limit)
        self.snapshots: list[torch.Tensor] = []
        self.steps: list[int] = []
        self.record(0)

    def record(self, step: int) -> None:
        self.snapshots.append(torch.cat([p.detach().reshape(-1).cpu() for p in self.model.parameters()]))
        self.steps.append(step)
        self.snapshots, self.steps = self.sampling.thin(self.snapshots, self.steps)

    def __call__(self, trainer: Trainer) -> None:
        if self.sampling.due():
            self.record(trainer.step_count)
