"""A square of the plane to draw points on with the mouse: a GAN's own target."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
import numpy as np
import streamlit as st

_HERE = Path(__file__).parent
_component = st.components.v2.component(
    "dl_lab_plane_pad",
    js=(_HERE / "plane_pad.js").read_text(),
    css=(_HERE / "plane_pad.css").read_text(),
)
MAX_SENT = 4_000  # points a browser may send at once (the pad sends at most this many)


def drawn_points(key: str) -> np.ndarray | None:
    """The points the pad with this key last sent, (N, 2) in plane coordinates, or None when what it holds is
    not a list of at most ``MAX_SENT`` pairs of finite numbers (the browser is not trusted)."""
    pad = st.session_state.get(key)
    points = pad.get("points") if isinstance(pad, Mapping) else None
    if not isinstance(points, list) or len(points) > MAX_SENT:
        return None
    if not all(isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                            and math.isfinite(v) for v in p) for p in points):
        return None
    return np.asarray(points, dtype=np.float64).reshape(-1, 2)


def plane_pad(key: str, points, extent: float, locked: bool = False) -> None:
    """Draws the pad showing ``points`` ((N, 2) in [−extent, extent]²). A finished stroke or a cleared pad
    reruns the page; read what the pad sent with ``drawn_points(key)``."""
    _component(key=key, data={"points": [list(map(float, p)) for p in points], "extent": extent, "locked": locked},
               default={"points": None}, on_points_change=lambda: None)
