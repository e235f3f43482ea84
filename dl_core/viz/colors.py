"""Colours shared by every figure, and heatmaps as small PNG images.

A heatmap redrawn several times a second travels as a PNG of a few kilobytes rather than
as thousands of numbers in the figure's JSON; the browser scales it up.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

NEGATIVE, NEUTRAL, POSITIVE = (245, 147, 34), (232, 234, 235), (8, 119, 189)  # orange, grey, blue
CLASS_COLORS = [NEGATIVE, POSITIVE, (44, 160, 44), (148, 103, 189), (214, 39, 40)]
DIVERGING_SCALE = [[0.0, "rgb(245,147,34)"], [0.5, "rgb(232,234,235)"], [1.0, "rgb(8,119,189)"]]


def rgb(color: tuple[int, int, int]) -> str:
    return f"rgb{color}"


def diverging(values: np.ndarray) -> np.ndarray:
    """Values in [-1, 1] (clipped) → uint8 RGB: orange below zero, blue above. (...) → (..., 3)"""
    v = np.clip(np.nan_to_num(values), -1, 1)[..., None]
    neutral, negative, positive = (np.array(c, dtype=np.float32) for c in (NEUTRAL, NEGATIVE, POSITIVE))
    mixed = np.where(v < 0, neutral + (negative - neutral) * -v, neutral + (positive - neutral) * v)
    return mixed.astype(np.uint8)


def class_mix(probabilities: np.ndarray, discretize: bool = False) -> np.ndarray:
    """(C, R, R) class probabilities → (R, R, 3): each class's colour, paler where unsure."""
    c = probabilities.shape[0]
    palette = np.array(CLASS_COLORS[:c], dtype=np.float32)  # (C, 3)
    if discretize:
        winner = probabilities.argmax(axis=0)
        return palette[winner].astype(np.uint8)
    mixed = np.einsum("crs,ck->rsk", probabilities, palette)
    confidence = (probabilities.max(axis=0)[..., None] - 1 / c) / (1 - 1 / c)  # 0 unsure, 1 sure
    neutral = np.array(NEUTRAL, dtype=np.float32)
    return (neutral + (mixed - neutral) * confidence).astype(np.uint8)


def png_data_uri(image: np.ndarray) -> str:
    """(R, R, 3) uint8 with row 0 at the bottom → a data URI with row 0 at the top, as images are."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image[::-1])).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
