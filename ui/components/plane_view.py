"""Square panels of a plane (a GAN's scene, its noise grid folded), drawn on canvases in the browser and
repainted in place on every tick: the server sends numbers, never a chart. Each panel is a dict made with
``panel`` from layers made with ``points``, ``lines``, ``arrows`` and ``rings`` (plane units, y up)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import streamlit as st

_HERE = Path(__file__).parent
_component = st.components.v2.component(
    "dl_lab_plane_view",
    js=(_HERE / "plane_view.js").read_text(),
    css=(_HERE / "plane_view.css").read_text(),
)


def _flat(xy: np.ndarray) -> list[float]:
    return np.round(np.asarray(xy, dtype=np.float64), 3).ravel().tolist()


def points(xy: np.ndarray, color: str = "", size: float = 3, alpha: float = 1.0, outline: str = "",
           values: np.ndarray | None = None, sizes: np.ndarray | None = None) -> dict[str, Any]:
    """Dots at (N, 2); coloured ``color``, or by ``values`` (N,) in [0, 1] on viridis; ``sizes`` (N,) radii."""
    layer = {"kind": "points", "xy": _flat(xy), "color": color, "size": size, "alpha": alpha, "outline": outline}
    if values is not None:
        layer["values"] = np.round(np.asarray(values, dtype=np.float64), 3).tolist()
    if sizes is not None:
        layer["sizes"] = np.round(np.asarray(sizes, dtype=np.float64), 2).tolist()
    return layer


def lines(polylines: Sequence[np.ndarray], color: str, width: float = 1, alpha: float = 1.0) -> dict[str, Any]:
    """Polylines, each (K, 2)."""
    return {"kind": "lines", "lines": [_flat(line) for line in polylines], "color": color, "width": width,
            "alpha": alpha}


def arrows(starts: np.ndarray, ends: np.ndarray, color: str) -> dict[str, Any]:
    """An arrow from each start (N, 2) to its end (N, 2)."""
    return {"kind": "arrows", "xy": _flat(np.concatenate([starts, ends], axis=1)), "color": color}


def rings(centres: np.ndarray, colors: Sequence[str], radius: float = 9) -> dict[str, Any]:
    """Open circles of ``radius`` screen pixels around centres (N, 2), each in its colour."""
    return {"kind": "rings", "xy": _flat(centres), "colors": list(colors), "radius": radius}


def panel(title: str, extent: tuple[float, float, float, float], layers: list[dict], image: str | None = None,
          legend: Sequence[tuple[str, str, str]] = (), max_width: int = 520) -> dict[str, Any]:
    """One square panel showing (x₀, x₁, y₀, y₁) of the plane; ``image`` (a data URI) fills it behind the layers;
    ``legend`` is (label, colour, shape) with shape "dot", "ring", "line" or "arrow"."""
    return {"title": title, "extent": [float(v) for v in extent], "layers": layers, "image": image,
            "legend": [{"label": label, "color": color, "shape": shape} for label, color, shape in legend],
            "max_width": max_width}


def plane_view(key: str, panels: list[dict]) -> None:
    """Draws the panels side by side (they wrap on a narrow screen), repainting them in place."""
    _component(data={"panels": panels}, key=key)
