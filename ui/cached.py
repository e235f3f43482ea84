"""Landscape analyses cached by what determines them: the spec, the weights, the directions and the grid.

Pure results, so ``st.cache_data`` may share them between sessions; a cached call rebuilds the run from the
spec and the flattened weights (uploaded data travels unhashed: its name in the spec is its content's digest),
except the 2D slice's blocks, which borrow the page's run unhashed (many blocks a grid). Each takes a turn among
the server's heavy jobs when it computes, without waiting: a page calls it through
``ui.jobs.heavy(..., cached=True)``, which waits where the learner can see it."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st
import torch

from dl_core import Run, Spec
from dl_core.analyses.landscape import (
    PathProjection, Sharpness, Surface, interpolation, path_plane, random_plane_points, random_slice, run_at, sharpness,
    unflatten,
)
from dl_core.jobs import HEAVY

CACHE = dict(max_entries=24, show_spinner=False)
COST_MEMORY = 0.5  # weight of the newest measurement of a network's cost a grid point: the server's load changes

_seconds_per_point: dict[tuple, float] = {}  # measured on cache misses, shared by every session (no learner's data)


def _cost_key(spec: Spec) -> tuple:
    return type(spec).__name__, spec.rebuild_key()


def seconds_per_point(spec: Spec) -> float | None:
    """What one point of a landscape grid of this network last cost on this server (None: not measured yet).
    The architecture and the data set the cost, not the weights, so every learner's grids measure it for all."""
    return _seconds_per_point.get(_cost_key(spec))


def _measured(spec: Spec, points: int, seconds: float) -> None:
    key, now = _cost_key(spec), seconds / max(1, points)
    before = _seconds_per_point.get(key)
    _seconds_per_point[key] = now if before is None else COST_MEMORY * now + (1 - COST_MEMORY) * before


@st.cache_data(max_entries=2048, show_spinner=False)
def plane_points(spec: Spec, weights: np.ndarray, resolution: int, span: float, seed: int, indices: np.ndarray,
                 _run: Run) -> np.ndarray:
    """The losses at one block of the 2D slice's grid (flat indices j·R + i, as ``refine_grid`` asks for them),
    cached by what determines them. A block is the unit of the coarse-to-fine refinement, so a rerun, a
    cancelled grid sharpened later and another learner's identical grid reuse every block already computed.
    ``_run`` is the page's own run, whose weights are ``weights``: no rebuilding per block (a LeNet run takes
    ~0.2 s to build); its time on a miss is the cost that the page's estimates extrapolate."""
    with HEAVY.turn(wait=False):
        started = time.perf_counter()
        losses = random_plane_points(_run, resolution, span, seed, indices)
        _measured(spec, len(indices), time.perf_counter() - started)
        return losses


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
        "a random direction": random_slice(run, span, 61, seed),
        "from the initial weights": interpolation(run, start),
    }
    if remembered is not None:
        step, saved = remembered
        lines[f"from the weights remembered at step {step:,}"] = interpolation(
            run, unflatten(torch.as_tensor(saved), start))
    return lines


@st.cache_data(**CACHE)
def curvature(spec: Spec, weights: np.ndarray, span: float, _uploads=None) -> Sharpness:
    with HEAVY.turn(wait=False):
        return sharpness(run_at(spec, weights, _uploads), span)


def snapshots_array(snapshots: list[torch.Tensor]) -> np.ndarray:
    return torch.stack(snapshots).numpy()
