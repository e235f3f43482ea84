"""What each neuron computes over the whole plane: the heatmaps of the Playground."""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

import numpy as np
import torch

from ..data.points import EXTENT
from ..runs import Run
from ..trainer import evaluating

MAX_RESOLUTION = 200  # a 200×200 grid is 40,000 points: the most one tick may evaluate


@dataclass(frozen=True)
class NetworkMaps:
    """Values on a resolution × resolution grid; row 0 is the bottom of the plane (y = −EXTENT)."""

    inputs: np.ndarray  # (F, R, R) each input feature
    hidden: list[np.ndarray]  # per hidden layer (width, R, R) activations
    output: np.ndarray  # (R, R) score in about [-1, 1], or (C, R, R) class probabilities
    extent: float


def grid_points(resolution: int, extent: float = EXTENT) -> torch.Tensor:
    """(R·R, 2) points in row-major order: x varies fastest, y rises with the row."""
    if not 2 <= resolution <= MAX_RESOLUTION:
        raise ValueError(f"grid resolution must be between 2 and {MAX_RESOLUTION}, not {resolution}")
    axis = torch.linspace(-extent, extent, resolution)
    y, x = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([x.reshape(-1), y.reshape(-1)], dim=1)


def _as_maps(values: torch.Tensor, resolution: int) -> np.ndarray:
    """(R·R, K) → (K, R, R)"""
    return values.T.reshape(-1, resolution, resolution).float().cpu().numpy()


@torch.no_grad()
def decision_map(run: Run, resolution: int = 50) -> np.ndarray:
    """The output over the plane for any network on 2D points: (R, R) scores in about [-1, 1], or (C, R, R)
    class probabilities."""
    inputs = run.plane.encode(grid_points(resolution, run.plane.extent)).to(run.trainer.device)
    with evaluating(run.model) as model:
        score = run.objective.score(model(inputs))
    return _as_maps(score, resolution) if score.ndim == 2 else _as_maps(score[:, None], resolution)[0]


_GRIDS: WeakKeyDictionary = WeakKeyDictionary()  # a plane → {(resolution, device): its grid's encoded inputs}


def grid_inputs(run: Run, resolution: int) -> torch.Tensor:
    """(R·R, F) what the network takes at the grid's points: the same for every frame of a run's plane, so kept
    with the plane (a plane's input features are fixed when it is made)."""
    grids = _GRIDS.setdefault(run.plane, {})
    key = (resolution, str(run.trainer.device))
    if key not in grids:
        grids.clear()  # one grid a plane is what the live view asks for
        grids[key] = run.plane.encode(grid_points(resolution, run.plane.extent)).to(run.trainer.device)
    return grids[key]


@torch.no_grad()
def network_maps(run: Run, resolution: int = 50) -> NetworkMaps:
    """One forward pass of the Playground's MLP over the grid gives every neuron's map and the output's."""
    inputs = grid_inputs(run, resolution)  # (R·R, F)
    with evaluating(run.model) as model:
        layers = model.forward_all(inputs)
    score = run.objective.score(layers[-1])  # (R·R,) or (R·R, C)

    def as_maps(values: torch.Tensor) -> np.ndarray:
        return _as_maps(values, resolution)

    output = as_maps(score) if score.ndim == 2 else as_maps(score[:, None])[0]
    return NetworkMaps(
        inputs=as_maps(inputs),
        hidden=[as_maps(a) for a in layers[:-1]],
        output=output,
        extent=run.plane.extent,
    )
