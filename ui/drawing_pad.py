"""A pad to draw a digit on: 32×32 cells, read back as a 0/1 grid."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import streamlit as st

_HERE = Path(__file__).parent
_component = st.components.v2.component(
    "dl_lab_drawing_pad",
    js=(_HERE / "drawing_pad.js").read_text(),
    css=(_HERE / "drawing_pad.css").read_text(),
)
DRAWING = "bd.drawing"  # the last drawing, kept apart from the pad's own state, which other pages drop


def drawing_pad(key: str) -> np.ndarray | None:
    """Draws the pad; returns the last finished drawing as a (32, 32) array of 0/1, or None when empty."""
    _component(key=key, default={"pixels": None}, on_pixels_change=lambda: None)
    state = st.session_state.get(key)
    pixels = state.get("pixels") if isinstance(state, Mapping) else None
    drawing = np.asarray(pixels, dtype=np.float32).reshape(32, 32) if pixels and len(pixels) == 32 * 32 else None
    st.session_state[DRAWING] = drawing
    return drawing


def drawn_digit() -> np.ndarray | None:
    """The last drawing made on the Builder page, from any page."""
    return st.session_state.get(DRAWING)
