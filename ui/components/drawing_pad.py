"""A pad to draw a digit on: 32×32 cells, read back as a 0/1 grid."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import streamlit as st

from ui import state

_HERE = Path(__file__).parent
_component = st.components.v2.component(
    "dl_lab_drawing_pad",
    js=(_HERE / "drawing_pad.js").read_text(),
    css=(_HERE / "drawing_pad.css").read_text(),
)


def drawing_pad(key: str) -> np.ndarray | None:
    """Draws the pad; returns the last finished drawing as a (32, 32) array of 0/1, or None when empty.
    The drawing is kept in the session, so other pages can use it."""
    _component(key=key, default={"pixels": None}, on_pixels_change=lambda: None)
    pad = st.session_state.get(key)
    pixels = pad.get("pixels") if isinstance(pad, Mapping) else None
    valid = isinstance(pixels, list) and len(pixels) == 32 * 32 and all(v in (0, 1) for v in pixels)
    drawing = np.asarray(pixels, dtype=np.float32).reshape(32, 32) if valid else None
    if drawing is not None or state.drawing() is None:
        state.set_drawing(drawing)
    return drawing
