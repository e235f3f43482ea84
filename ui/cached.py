"""Landscape analyses cached by what determines them: the spec, the weights, the directions and the grid.

Pure results, so ``st.cache_data`` may share them between sessions; each cached call rebuilds the run
from the spec and the flattened weights (uploaded data travels unhashed: its name in the spec is its
content's digest). Each takes a turn among the server's heavy jobs when it computes, without waiting: a
page calls it through ``ui.jobs.heavy(..., cached=True)``, which waits where the learner can see it."""

from __future__ import annotations

from typing import Callable

import numpy as np
import streamlit as st
import torch

from dl_core import Spec
from dl_core.jobs import HEAVY
from dl_core.analyses.landscape import (
    PathProjection, Sharpness, Surface, interpolation, path_plane, plane_from_rows, random_plane_rows, random_slice,
    run_at, sharpness, unflatten,
)

CACHE = dict(max_entries=24, show_spinner=False)


@st.cache_data(max_entries=256, show_spinner=False)
def _plane_rows(spec: Spec, weights: np.ndarray, resolution: int, span: float, seed: int,
                first: int, stop: int, _uploads=None) -> np.ndarray:
    with HEAVY.turn(wait=False):
        return random_plane_rows(run_at(spec, weights, _uploads), resolution, span, seed, range(first, stop))


@st.cache_data(**CACHE)
def _centre(spec: Spec, weights: np.ndarray, _uploads=None) -> float:
    from dl_core.analyses.landscape import centre_loss

    return centre_loss(run_at(spec, weights, _uploads))


def plane(spec: Spec, weights: np.ndarray, resolution: int, span: float, seed: int, uploads=None,
          progress: Callable[[float], None] | None = None) -> Surface:
    """Cached by blocks of rows, so that a progress bar (drawn outside the cache) can follow the work."""
    return plane_from_rows(resolution, span, lambda rows: _plane_rows(spec, weights, resolution, span, seed,
                                                                      rows.start, rows.stop, _uploads=uploads),
                           _centre(spec, weights, _uploads=uploads), progress)


@st.cache_data(**CACHE)
def path(spec: Spec, weights: np.ndarray, snapshots: np.ndarray, resolution: int,
         _uploads=None) -> tuple[Surface, PathProjection]:
    with HEAVY.turn(wait=False):
        return path_plane(run_at(spec, weights, _uploads), list(torch.as_tensor(snapshots)), resolution)


@st.cache_data(**CACHE)
def slices(spec: Spec, weights: np.ndarray, span: float, seed: int,
           remembered: tuple[int, np.ndarray] | None = None, _uploads=None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """1D slices: a random direction, the line from the initial weights, and from remembered ones (step, weights)."""
    with HEAVY.turn(wait=False):
        return _slices(run_at(spec, weights, _uploads), span, seed, remembered)


def _slices(run, span: float, seed: int,
            remembered: tuple[int, np.ndarray] | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    start = {name: t.clone() for name, t in run.trainer.initial_parameters.items()}
    lines = {
        "random filter-normalised direction (α = 0 is now)": random_slice(run, span, 61, seed),
        "straight line from the initial weights (α = 0) to now (α = 1)": interpolation(run, start),
    }
    if remembered is not None:
        step, saved = remembered
        lines[f"straight line from the weights remembered at step {step:,} (α = 0) to now (α = 1)"] = interpolation(
            run, unflatten(torch.as_tensor(saved), start))
    return lines


@st.cache_data(**CACHE)
def curvature(spec: Spec, weights: np.ndarray, span: float, _uploads=None) -> Sharpness:
    with HEAVY.turn(wait=False):
        return sharpness(run_at(spec, weights, _uploads), span)


def snapshots_array(snapshots: list[torch.Tensor]) -> np.ndarray:
    return torch.stack(snapshots).numpy()
