"""The Loss Landscape's growing path: the optimiser's path on the plane of its two main (PCA) directions, over
the loss on that plane, in one live view that repaints about 30 times a second while training plays.

The loss grid is the expensive part (R² evaluations of the loss), so it is computed rarely: when there is none,
when the path leaves the grid, every few seconds while playing, and once when training pauses or steps (then the
plane is centred on the final weights, exactly as a fresh computation would be). It is a cached heavy job
(``ui.cached.path``) that takes its turn among the server's heavy jobs; while playing, a turn that is not free
does not hold the frames up: the old plane stays and the grid is tried again at a later frame. Between two grids
each frame sends only the new snapshots, projected on the last grid's plane, so the picture does not jump."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import streamlit as st
import torch

from dl_core import Run
from dl_core.analyses.chart_frames import LossPath, Panel
from dl_core.analyses.landscape import PathProjection, Surface, batches_under_vmap, flat_parameters, flatten
from dl_core.jobs import Busy
from dl_core.observe.path import PathRecorder
from dl_core.trainer import Trainer
from ui import cached, state
from ui.jobs import heavy
from ui.live import live_charts_panel

PATH_RESOLUTION = 25
PATH_RESOLUTION_SLOW = 9  # a network vmap cannot batch costs a full pass per grid point: keep the live view quick
REFRESH_SECONDS = 4.0  # while playing, a new plane at least this often (the path turns into new directions)
LEAVING_SECONDS = 1.0  # and as soon as the path leaves the grid, but not more often than this
EDGE = 0.9  # the path has left the grid once its newest point is beyond this share of the grid's half-width


def record_path(trainer: Trainer) -> PathRecorder:
    recorder = PathRecorder(trainer.model)
    trainer.on("after_step", recorder)
    return recorder


@dataclass
class PathPlane:
    """One grid computation: the loss over the plane, the plane itself (its centre and two directions,
    flattened), and every snapshot's place on it so far (by step), so that a frame projects only new ones."""

    trainer: Trainer
    surface: Surface
    projection: PathProjection
    centre: torch.Tensor  # (P,) float64: the last snapshot when the grid was computed
    basis: torch.Tensor  # (2, P) float64, orthonormal
    last_step: int  # the step of the newest snapshot it was computed from
    computed: float  # time.monotonic() when it was computed
    places: dict[int, tuple[float, float]] = field(default_factory=dict)  # step → (α, β)

    def place(self, steps: list[int], snapshots: list[torch.Tensor]) -> np.ndarray:
        """(T, 2): each snapshot on this plane; those not yet placed are projected now (newest last)."""
        for step, snapshot in zip(reversed(steps), reversed(snapshots)):
            if step in self.places:
                break
            a, b = (self.basis @ (snapshot.double() - self.centre)).tolist()
            self.places[step] = (a, b)
        return np.array([self.places.get(s, (np.nan, np.nan)) for s in steps], dtype=np.float64).reshape(-1, 2)

    def left_grid(self, point: np.ndarray) -> bool:
        s = self.surface
        for value, axis in zip(point, (s.alphas, s.betas)):
            middle, half = (axis[0] + axis[-1]) / 2, (axis[-1] - axis[0]) / 2
            if not abs(value - middle) <= EDGE * half:
                return True
        return False


def _compute(run: Run, recorder: PathRecorder, playing: bool) -> PathPlane | None:
    """A new plane from the path so far; None while playing if no heavy-job turn is free (tried again later)."""
    resolution = PATH_RESOLUTION if batches_under_vmap(run.model) else PATH_RESOLUTION_SLOW
    weights, snapshots = flat_parameters(run), cached.snapshots_array(recorder.snapshots)

    def work(progress=None):
        return cached.path(run.spec, weights, snapshots, resolution, _uploads=state.uploads())

    if playing:
        try:
            surface, projection = work()
        except Busy:
            return None
    else:
        surface, projection = heavy("The loss around the path…", work, cached=True)
    plane = PathPlane(run.trainer, surface, projection, flatten(projection.centre).double(),
                      torch.stack([flatten(d).double() for d in projection.directions]), recorder.steps[-1],
                      time.monotonic())
    plane.places = {s: (float(a), float(b)) for s, (a, b) in zip(recorder.steps, projection.coordinates)}
    return plane


def _due(plane: PathPlane | None, run: Run, recorder: PathRecorder, playing: bool) -> bool:
    if plane is None or plane.trainer is not run.trainer:
        return True
    if recorder.steps[-1] == plane.last_step:
        return False
    if not playing:
        return True  # paused or stepped: the plane of the whole path, centred on the final weights
    age = time.monotonic() - plane.computed
    newest = plane.place(recorder.steps[-1:], recorder.snapshots[-1:])[-1]
    return age >= REFRESH_SECONDS or (age >= LEAVING_SECONDS and plane.left_grid(newest))


def path_panel(slot: str, run: Run) -> Panel:
    recorder = run.probe("path", record_path)
    title = "The optimiser's path, on the plane of its two main directions"
    axes = dict(x_title="1st PCA direction", y_title="2nd PCA direction", wide=True, log=True)
    if len(recorder.snapshots) < 3:
        return LossPath(key="path", title=title, alphas=None, betas=None, losses=None, path=np.zeros((0, 2)),
                        path_steps=[], waiting="Press Play or Step: the path appears after a few steps.", **axes)
    memory = state.results(f"landscape_path.{slot}")
    playing = state.live(slot).playing
    plane = memory.get("plane")
    if _due(plane, run, recorder, playing):
        plane = _compute(run, recorder, playing) or plane
        memory["plane"] = plane
    if plane is None or plane.trainer is not run.trainer:  # the first grid waits for a free turn
        return LossPath(key="path", title=title, alphas=None, betas=None, losses=None, path=np.zeros((0, 2)),
                        path_steps=[], waiting="The loss around the path waits for a turn on the server…", **axes)
    first, second = plane.projection.explained
    surface = plane.surface
    note = (f"{len(recorder.snapshots)} snapshots since step {recorder.steps[0]:,}, projected on their two main "
            f"directions ({first:.0%} and {second:.0%}: {first + second:.1%} of the path's variance)")
    if plane.last_step != recorder.steps[-1]:
        note += f"; the plane and the loss are those of step {plane.last_step:,}, until they are computed again"
    return LossPath(key="path", title=title, alphas=surface.alphas, betas=surface.betas, losses=surface.losses,
                    path=plane.place(recorder.steps, recorder.snapshots), path_steps=recorder.steps, note=note,
                    **axes)


def show(slot: str) -> None:
    """The live view of the path, and what it shows in words."""
    live_charts_panel(slot, lambda run: [path_panel(slot, run)])
    st.caption("Each snapshot minus the last one, projected on the two main (PCA) directions of those differences; "
               "the colours are the loss on that plane. Paths of plain SGD tend to lie in very few directions: the "
               "share explained says how flat the path is. While training plays, new snapshots are placed on the "
               "last plane computed, and the plane is computed again every few seconds and when training pauses.")
