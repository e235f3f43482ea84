"""Input features of a 2D point, as in TensorFlow Playground: x₁, x₂, their squares, product and sines."""

from __future__ import annotations

from typing import Callable

import torch

FEATURES: dict[str, tuple[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]] = {
    "x1": ("x₁", lambda x1, x2: x1),
    "x2": ("x₂", lambda x1, x2: x2),
    "x1sq": ("x₁²", lambda x1, x2: x1 * x1),
    "x2sq": ("x₂²", lambda x1, x2: x2 * x2),
    "x1x2": ("x₁·x₂", lambda x1, x2: x1 * x2),
    "sinx1": ("sin x₁", lambda x1, x2: torch.sin(x1)),
    "sinx2": ("sin x₂", lambda x1, x2: torch.sin(x2)),
}


def feature_matrix(points: torch.Tensor, names: tuple[str, ...]) -> torch.Tensor:
    """The network's input: one column per chosen feature of each 2D point. (N, 2) → (N, F)."""
    x1, x2 = points[:, 0], points[:, 1]
    return torch.stack([FEATURES[name][1](x1, x2) for name in names], dim=1)


def feature_labels(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(FEATURES[name][0] for name in names)
