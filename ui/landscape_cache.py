"""Landscape analyses cached by what determines them: spec, weights, directions and grid.

Pure results, so ``st.cache_data`` may share them between sessions; the trainer is rebuilt
from the spec and the flattened weights inside each cached call."""

from __future__ import annotations

from typing import Callable

import numpy as np
import streamlit as st
import torch

from dl_core import Spec
from dl_core.landscape import (
    PathProjection, Sharpness, Surface, interpolation, path_plane, plane_from_rows, random_plane_rows, random_slice,
    sharpness, trainer_at, unflatten,
)

CACHE = dict(max_entries=24, show_spinner=False)


@st.cache_data(max_entries=256, show_spinner=False)
def _plane_rows(spec: Spec, weights: np.ndarray, resolution: int, span: float, seed: int,
                first: int, stop: int) -> np.ndarray:
    return random_plane_rows(trainer_at(spec, weights), resolution, span, seed, range(first, stop))


def plane(spec: Spec, weights: np.ndarray, resolution: int, span: float, seed: int,
          progress: Callable[[float], None] | None = None) -> Surface:
    """Cached by blocks of rows, so that a progress bar (drawn outside the cache) can follow the work."""
    return plane_from_rows(resolution, span, lambda rows: _plane_rows(spec, weights, resolution, span, seed,
                                                                      rows.start, rows.stop), progress)


@st.cache_data(**CACHE)
def path(spec: Spec, weights: np.ndarray, snapshots: np.ndarray, resolution: int) -> tuple[Surface, PathProjection]:
    trainer = trainer_at(spec, weights)
    return path_plane(trainer, list(torch.as_tensor(snapshots)), resolution)


@st.cache_data(**CACHE)
def slices(spec: Spec, weights: np.ndarray, span: float, seed: int,
           remembered: tuple[int, np.ndarray] | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """1D slices: a random direction, the line from the initial weights, and from remembered ones (step, weights)."""
    trainer = trainer_at(spec, weights)
    start = {name: t.clone() for name, t in trainer.initial_parameters.items()}
    lines = {
        "random filter-normalised direction (α = 0 is now)": random_slice(trainer, span, 61, seed),
        "straight line from the initial weights (α = 0) to now (α = 1)": interpolation(trainer, start),
    }
    if remembered is not None:
        step, saved = remembered
        lines[f"straight line from the weights remembered at step {step:,} (α = 0) to now (α = 1)"] = interpolation(
            trainer, unflatten(torch.as_tensor(saved), start))
    return lines


@st.cache_data(**CACHE)
def curvature(spec: Spec, weights: np.ndarray, span: float) -> Sharpness:
    return sharpness(trainer_at(spec, weights), span)


def snapshots_array(snapshots: list[torch.Tensor]) -> np.ndarray:
    return torch.stack(snapshots).numpy()

