"""The code plane of an autoencoder: the test digits' codes coloured by class, a walk, a clicked point and a
drawn digit's code, updated in place on every tick; a click anywhere sends that point of the plane back."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Sequence

import numpy as np
import streamlit as st

from dl_core.viz.generative import DIGIT_COLORS

_HERE = Path(__file__).parent
_component = st.components.v2.component(
    "dl_lab_code_plane",
    js=(_HERE / "code_plane.js").read_text(),
    css=(_HERE / "code_plane.css").read_text(),
)


def clicked_point(key: str) -> tuple[float, float] | None:
    """The point of the plane last clicked in the view with this key (None if none, or not two finite numbers)."""
    view = st.session_state.get(key)
    point = view.get("clicked") if isinstance(view, Mapping) else None
    if isinstance(point, (list, tuple)) and len(point) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in point):
        return float(point[0]), float(point[1])
    return None


def _pair(point) -> list[float] | None:
    return None if point is None else [round(float(point[0]), 3), round(float(point[1]), 3)]


def code_plane(key: str, points: np.ndarray, labels: np.ndarray, class_names: Sequence[str],
               bounds: Sequence[float], axis_titles: Sequence[str], title: str, walk: np.ndarray | None = None,
               marked=None, drawn=None) -> None:
    """Codes on the plane (N, 2) with their classes (N,); ``bounds`` (x₀, x₁, y₀, y₁) is what must be in view;
    ``walk`` (S, 2) is drawn as a path, ``marked`` (2,) as a cross, ``drawn`` (2,) as a diamond. Read clicks with
    ``clicked_point(key)``."""
    data = {
        "points": np.round(np.asarray(points, dtype=np.float64), 3).ravel().tolist(),
        "labels": np.asarray(labels).astype(int).tolist(),
        "names": list(class_names), "colors": list(DIGIT_COLORS), "title": title,
        "bounds": [float(b) for b in bounds], "titles": list(axis_titles),
        "walk": None if walk is None else np.round(np.asarray(walk, dtype=np.float64), 3).tolist(),
        "marked": _pair(marked), "drawn": _pair(drawn),
    }
    _component(data=data, key=key, default={"clicked": None}, on_clicked_change=lambda: None)
