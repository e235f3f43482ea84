"""Live charts as compact binary frames: the panels of a lab's live view (line charts over the steps, a confusion
matrix, misclassified digits, per-layer bars and distributions, the loss under the optimiser's path) encoded in
the Playground's frame format (``frames``) for ui/components/live_charts.js, which keeps one canvas per panel
and repaints it in place. No plotly JSON travels while training plays.

A panel says two things. Its ``layout`` (kind, title, series names, axis titles, colours) changes only with the
network: it travels in the first frame and again when it changes. Its content travels when it changed: a line
chart sends only the records after the last step it sent (``FrameLog.sent``), every other panel only when a
digest of its content differs from the last one sent (``FrameLog.digests``). Every size is bounded (points per
frame, series, images, cells, bars), so no frame grows with the length of a run.

Text a learner may have typed (a CSV's class names, layer names) travels as JSON strings and is drawn as text.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass
from typing import ClassVar, Sequence

import numpy as np

from .frames import Blobs, FrameLog, pack

MAX_POINTS = 2_000  # records of a line chart sent in one frame: a first frame thins a long history to this
MAX_SERIES = 32
MAX_IMAGES = 32
MAX_IMAGE_SIDE = 64
MAX_CELLS = 40  # rows and columns of a heatmap
MAX_BARS = 64
MAX_TEXT = 80  # characters of any one label
MAX_NOTE = 400  # characters of a panel's note
MAX_SAMPLES = 20_000  # values a distribution is estimated from (every k-th of a larger sample)
BINS = 40
LEVELS = 255  # a loss grid's colour levels, as uint8

TRAIN_COLOR, TEST_COLOR = "rgb(85,85,85)", "rgb(8,119,189)"  # the Playground's curves
CATEGORICAL = ("rgb(8,119,189)", "rgb(245,147,34)", "rgb(44,160,44)", "rgb(214,39,40)", "rgb(148,103,189)",
               "rgb(140,86,75)", "rgb(227,119,194)", "rgb(127,127,127)", "rgb(188,189,34)", "rgb(23,190,207)")
BLUES = ("rgb(247,251,255)", "rgb(8,119,189)")  # a share from 0 to 1
VIRIDIS = ("rgb(68,1,84)", "rgb(71,44,122)", "rgb(59,81,138)", "rgb(45,114,142)", "rgb(34,144,140)",
           "rgb(45,174,127)", "rgb(96,200,96)", "rgb(172,220,49)", "rgb(253,231,37)")  # as the landscape's plotly


def _text(value: object) -> str:
    """A label as plain text of bounded length (it is drawn as text, never read as markup)."""
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def _note(text: str) -> str:
    return text if len(text) <= MAX_NOTE else text[:MAX_NOTE - 1] + "…"


def _texts(values: Sequence[object], limit: int) -> list[str]:
    return [_text(v) for v in list(values)[:limit]]


def _digest(content: dict, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.blake2b(json.dumps(content, sort_keys=True, allow_nan=False).encode(), digest_size=16)
    for name in sorted(arrays):
        h.update(name.encode())
        h.update(np.ascontiguousarray(arrays[name]).tobytes())
    return h.hexdigest()


def _thinned(indices: np.ndarray, limit: int) -> np.ndarray:
    """At most ``limit`` of ``indices``, evenly spread, the newest always kept."""
    if len(indices) <= limit:
        return indices
    return indices[np.unique(np.linspace(0, len(indices) - 1, limit).round().astype(int))]


@dataclass(frozen=True, kw_only=True)
class Panel:
    """One chart of a live view. ``key`` names it in frames (unique within a view), ``note`` is a line of text
    under it that may change every frame, ``wide`` gives it the view's whole width."""

    kind: ClassVar[str] = ""
    key: str
    title: str
    note: str = ""
    wide: bool = False
    version: object = None  # when given and the same as the last frame's, the content is not even computed

    def layout(self) -> dict:
        return {"kind": self.kind, "key": self.key, "title": _text(self.title), "wide": self.wide,
                **self._layout()}

    def _layout(self) -> dict:
        return {}

    def content(self) -> tuple[dict, dict[str, np.ndarray]]:
        """What this frame shows: JSON fields and arrays (named without the panel's key)."""
        return {}, {}

    def encode(self, panels: dict, blobs: Blobs, log: FrameLog) -> None:
        """Adds this panel's content to the frame unless the browser already has the same."""
        if self.version is not None and log.digests.get(("version", self.key)) == self.version:
            return
        log.digests[("version", self.key)] = self.version
        fields, arrays = self.content()
        fields = {**fields, "note": _note(self.note)}
        digest = _digest(fields, arrays)
        if log.digests.get(self.key) == digest:
            return
        log.digests[self.key] = digest
        panels[self.key] = fields
        for name, array in arrays.items():
            blobs.add(f"{self.key}.{name}", array)


@dataclass(frozen=True, kw_only=True)
class Lines(Panel):
    """Several named series over the steps: ``series[k]`` (T,) against ``steps`` (T,), ascending. Sent
    incrementally: each frame carries the records after the last step the browser has, found by bisection, so a
    frame's cost does not grow with the history. ``percent``: shares drawn as 0–100 %."""

    kind: ClassVar[str] = "lines"
    steps: Sequence[float]
    series: Sequence[Sequence[float]]
    names: Sequence[str]
    log: bool = False
    percent: bool = False
    y_title: str = ""
    x_title: str = "step"
    colors: Sequence[str] = ()
    dashes: Sequence[bool] = ()
    legend: bool = True

    def _layout(self) -> dict:
        names = _texts(self.names, MAX_SERIES)
        colors = list(self.colors) or [CATEGORICAL[k % len(CATEGORICAL)] for k in range(len(names))]
        return {"names": names, "colors": colors[:len(names)], "dashes": [bool(d) for d in self.dashes][:len(names)],
                "log": self.log, "percent": self.percent, "y_title": _text(self.y_title),
                "x_title": _text(self.x_title), "legend": self.legend}

    def encode(self, panels: dict, blobs: Blobs, log: FrameLog) -> None:
        steps, count = self.steps, len(self.steps)
        last = log.sent.get(self.key)
        reset = last is None or (count > 0 and steps[-1] < last)
        start = 0 if reset else bisect.bisect_right(steps, last)
        note = _note(self.note)
        if not reset and start >= count and log.digests.get(self.key) == note:
            return
        rows = _thinned(np.arange(count - start), MAX_POINTS)
        new_steps = np.asarray(steps[start:], dtype=np.float64)[rows]
        columns = [np.asarray(values[start:], dtype=np.float64)[rows] for values in list(self.series)[:MAX_SERIES]]
        values = np.stack(columns, axis=1) if columns else np.zeros((len(rows), 0))
        panels[self.key] = {"reset": bool(reset), "note": note}
        blobs.add(f"{self.key}.x", new_steps.astype(np.float32))
        blobs.add(f"{self.key}.y", values.astype(np.float32))
        log.sent[self.key] = float(steps[-1]) if count else float("-inf")
        log.digests[self.key] = note


@dataclass(frozen=True, kw_only=True)
class Heatmap(Panel):
    """A matrix with labelled rows and columns (a confusion matrix: true classes down, answers across).
    ``counts`` writes each cell's value in it; a cell's colour is its share of its row (``shade="row"``) or of
    the largest cell (``"all"``)."""

    kind: ClassVar[str] = "heatmap"
    values: np.ndarray
    rows: Sequence[str]
    columns: Sequence[str]
    x_title: str = ""
    y_title: str = ""
    counts: bool = True
    shade: str = "row"
    scale: Sequence[str] = BLUES

    def _layout(self) -> dict:
        return {"rows": _texts(self.rows, MAX_CELLS), "columns": _texts(self.columns, MAX_CELLS),
                "x_title": _text(self.x_title), "y_title": _text(self.y_title), "counts": self.counts,
                "shade": self.shade, "scale": list(self.scale)}

    def content(self) -> tuple[dict, dict[str, np.ndarray]]:
        values = np.nan_to_num(np.asarray(self.values, dtype=np.float64))[:MAX_CELLS, :MAX_CELLS]
        kind = np.int32 if self.counts else np.float32
        return {"more": bool(np.shape(self.values)[0] > MAX_CELLS)}, {"values": values.astype(kind)}


@dataclass(frozen=True, kw_only=True)
class Images(Panel):
    """Small grayscale images with a caption each (misclassified digits: "true → answered"); ``images`` (N, H, W)
    in [0, 1], drawn dark on light like ink on paper."""

    kind: ClassVar[str] = "images"
    images: np.ndarray
    captions: Sequence[str]

    def content(self) -> tuple[dict, dict[str, np.ndarray]]:
        images = np.asarray(self.images, dtype=np.float64)[:MAX_IMAGES]
        if images.size == 0:
            images = np.zeros((0, 1, 1))
        stride = max(1, -(-max(images.shape[1:]) // MAX_IMAGE_SIDE))
        images = images[:, ::stride, ::stride]
        pixels = np.clip(np.round(np.nan_to_num(images) * 255), 0, 255).astype(np.uint8)
        return {"captions": _texts(self.captions, len(pixels))}, {"pixels": pixels}


@dataclass(frozen=True, kw_only=True)
class Bars(Panel):
    """One bar per label (a share of each layer's units, say); ``percent`` draws 0–100 %. ``threshold`` marks the
    value at which the page's verdict changes (labelled ``threshold_label``), so that bars and words agree."""

    kind: ClassVar[str] = "bars"
    labels: Sequence[str]
    values: Sequence[float]
    percent: bool = True
    colors: Sequence[str] = ()
    threshold: float | None = None
    threshold_label: str = ""

    def _layout(self) -> dict:
        labels = _texts(self.labels, MAX_BARS)
        colors = list(self.colors) or [CATEGORICAL[0]] * len(labels)
        return {"labels": labels, "colors": colors[:len(labels)], "percent": self.percent,
                "threshold": self.threshold, "threshold_label": _text(self.threshold_label)}

    def content(self) -> tuple[dict, dict[str, np.ndarray]]:
        return {}, {"values": np.asarray(self.values, dtype=np.float32)[:MAX_BARS]}


@dataclass(frozen=True, kw_only=True)
class Distributions(Panel):
    """The spread of each group's values (each layer's gradients or activations) on one shared axis: a
    histogram drawn as a violin, with the quartiles marked."""

    kind: ClassVar[str] = "distributions"
    samples: Sequence[np.ndarray]
    labels: Sequence[str]
    colors: Sequence[str] = ()
    y_title: str = ""

    def _layout(self) -> dict:
        labels = _texts(self.labels, MAX_BARS)
        colors = list(self.colors) or [CATEGORICAL[k % len(CATEGORICAL)] for k in range(len(labels))]
        return {"labels": labels, "colors": colors[:len(labels)], "y_title": _text(self.y_title)}

    def content(self) -> tuple[dict, dict[str, np.ndarray]]:
        groups = [_sample(s) for s in list(self.samples)[:MAX_BARS]]
        pooled = np.concatenate(groups) if groups else np.zeros(0)
        if not pooled.size:  # nothing measured yet (no step, no gradient)
            return {"low": None, "high": None}, {}
        low, high = np.percentile(pooled, [0.5, 99.5])
        if high <= low:
            low, high = low - 0.5, high + 0.5
        density = np.zeros((len(groups), BINS))
        quartiles = np.full((len(groups), 3), np.nan)
        for k, values in enumerate(groups):
            if values.size:
                density[k] = _density(np.clip(values, low, high), low, high)
                quartiles[k] = np.percentile(values, [25, 50, 75])
        return ({"low": float(low), "high": float(high)},
                {"density": np.round(density * 255).astype(np.uint8), "quartiles": quartiles.astype(np.float32)})


def _density(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """(BINS,) a smoothed histogram at the bins' centres, scaled to a peak of 1: a Gaussian kernel density with
    Silverman's bandwidth (a violin, as plotly draws one), computed from 10× finer counts so that its cost stays
    linear in the number of values."""
    fine = BINS * 10
    counts, edges = np.histogram(values, bins=fine, range=(low, high))
    spread = min(values.std(), np.subtract(*np.percentile(values, [75, 25])) / 1.34) or values.std()
    width = max(0.9 * spread * len(values) ** -0.2, (high - low) / BINS / 2)
    centres = low + (np.arange(BINS) + 0.5) * (high - low) / BINS
    fine_centres = (edges[:-1] + edges[1:]) / 2
    density = (np.exp(-0.5 * ((centres[:, None] - fine_centres[None, :]) / width) ** 2) * counts[None, :]).sum(axis=1)
    return density / max(density.max(), 1e-300)


def _sample(values: np.ndarray) -> np.ndarray:
    """Finite values, every k-th of them when there are more than ``MAX_SAMPLES``."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    values = values[np.isfinite(values)]
    step = -(-len(values) // MAX_SAMPLES)
    return values[::max(1, step)]


@dataclass(frozen=True, kw_only=True)
class LossPath(Panel):
    """The loss over a plane (``losses`` (R, R), row j at ``betas[j]``; None while it is being computed) as a
    colour image with a colour scale, and a path drawn over it: ``path`` (T, 2) in the plane's coordinates at
    ``path_steps`` (T,). The grid is sent when it changed; the path incrementally, from its start again whenever
    the grid (and so the plane) changed. ``log``: colours by log₁₀ of the loss. ``waiting`` is said in place of
    the picture while there is no grid."""

    kind: ClassVar[str] = "loss_path"
    alphas: np.ndarray | None
    betas: np.ndarray | None
    losses: np.ndarray | None
    path: np.ndarray
    path_steps: Sequence[float]
    log: bool = True
    x_title: str = ""
    y_title: str = ""
    scale: Sequence[str] = VIRIDIS
    waiting: str = "the loss around the path is being computed…"

    def _layout(self) -> dict:
        return {"log": self.log, "x_title": _text(self.x_title), "y_title": _text(self.y_title),
                "scale": list(self.scale)}

    def _grid(self) -> tuple[dict, dict[str, np.ndarray]]:
        if self.losses is None or self.alphas is None or self.betas is None:
            return {"extent": None, "waiting": _note(self.waiting)}, {}
        losses = np.asarray(self.losses, dtype=np.float64)
        shown = np.log10(np.maximum(losses, 1e-12)) if self.log else losses
        finite = shown[np.isfinite(shown)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        span = (high - low) or 1.0
        levels = np.round((np.nan_to_num(shown, nan=high, posinf=high, neginf=low) - low) / span * LEVELS)
        alphas, betas = np.asarray(self.alphas, float), np.asarray(self.betas, float)
        extent = [float(alphas[0]), float(alphas[-1]), float(betas[0]), float(betas[-1])]
        return {"extent": extent, "low": low, "high": high}, {"grid": np.clip(levels, 0, LEVELS).astype(np.uint8)}

    def encode(self, panels: dict, blobs: Blobs, log: FrameLog) -> None:
        fields, arrays = self._grid()
        grid_key, path_key = f"{self.key}.grid", f"{self.key}.path"
        digest = _digest(fields, arrays)
        new_grid = log.digests.get(grid_key) != digest
        steps = np.asarray(self.path_steps, dtype=np.float64).reshape(-1)
        path = np.asarray(self.path, dtype=np.float64).reshape(len(steps), 2)
        last = None if new_grid else log.sent.get(path_key)
        reset = last is None or (len(steps) > 0 and steps[-1] < last)
        new = np.arange(len(steps)) if reset else np.flatnonzero(steps > last)
        note = _note(self.note)
        if not new_grid and not reset and not len(new) and log.digests.get(self.key) == note:
            return
        entry: dict = {"note": note, "reset": bool(reset)}
        if new_grid:
            entry["grid"] = fields
            for name, array in arrays.items():
                blobs.add(f"{self.key}.{name}", array)
        rows = _thinned(new, MAX_POINTS)
        blobs.add(f"{self.key}.path", path[rows].astype(np.float32))
        blobs.add(f"{self.key}.steps", steps[rows].astype(np.float32))
        panels[self.key] = entry
        log.digests[grid_key], log.digests[self.key] = digest, note
        log.sent[path_key] = float(steps[-1]) if len(steps) else float("-inf")


def chart_frame(panels: Sequence[Panel], log: FrameLog, status: dict, identity: object = None) -> bytes:
    """One frame of a live charts view: the status line's figures (``frames.run_status``), the panels' layout
    when it changed (or the run did: ``identity``), and each panel's content the browser does not have yet.
    ``log`` remembers, per browser, what went out."""
    layout = [panel.layout() for panel in panels]
    keys = [entry["key"] for entry in layout]
    if len(set(keys)) != len(keys):
        raise ValueError(f"panel keys must be unique: {keys}")
    static_key = (json.dumps(layout, sort_keys=True), identity)
    log.sequence += 1  # the browser asks for everything again when one is missing (a busy server can lose one)
    header: dict = {"status": status, "panels": {}, "seq": log.sequence}
    if log.static_key != static_key:
        header["layout"] = layout
        log.static_key, log.sent, log.digests = static_key, {}, {}
    blobs = Blobs()
    for panel in panels:
        panel.encode(header["panels"], blobs, log)
    return pack(header, blobs)
