"""Optimisers by name, each a function of (parameters, learning rate)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import torch


@dataclass(frozen=True)
class OptimizerInfo:
    name: str
    label: str
    explanation: str
    make: Callable[[Iterable[torch.nn.Parameter], float], torch.optim.Optimizer]


OPTIMIZERS: dict[str, OptimizerInfo] = {
    info.name: info
    for info in (
        OptimizerInfo("sgd", "SGD", "w ← w − η·∇L", lambda p, lr: torch.optim.SGD(p, lr=lr)),
        OptimizerInfo("momentum", "SGD + momentum", "a velocity that remembers 90 % of past steps",
                      lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9)),
        OptimizerInfo("adam", "Adam", "per-weight steps from running means of ∇L and ∇L²",
                      lambda p, lr: torch.optim.Adam(p, lr=lr)),
        OptimizerInfo("rmsprop", "RMSprop", "steps divided by a running RMS of ∇L",
                      lambda p, lr: torch.optim.RMSprop(p, lr=lr)),
        OptimizerInfo("adamw", "AdamW", "Adam with weight decay 0.01 applied to the weights directly",
                      lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.01)),
    )
}
