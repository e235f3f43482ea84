"""Gradient flow: each layer's colour, the smoothing of its noisy lines, and the demonstration's figure. The live
charts themselves (lines per layer, distributions, dead units) are panels of ui/labs/gradient_flow.py's live view."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

LAYER_SCALE = "Plasma"


def layer_colors(n: int) -> list[str]:
    """One colour per layer, first layer darkest, the same in every chart of the lab."""
    return sample_colorscale(LAYER_SCALE, [i / max(1, n - 1) * 0.85 for i in range(n)])


def trailing_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Each row replaced by the mean of itself and up to ``window - 1`` rows before it. (T, L) → (T, L)"""
    if window <= 1 or len(values) == 0:
        return values
    sums = np.cumsum(np.vstack([np.zeros((1, values.shape[1])), values]), axis=0)
    counts = np.minimum(np.arange(1, len(values) + 1), window)[:, None]
    return (sums[1:] - sums[np.maximum(0, np.arange(1, len(values) + 1) - window)]) / counts


def gradient_profile(profiles: dict[str, np.ndarray], title: str, height: int = 340) -> go.Figure:
    """Mean gradient norm per layer (first hidden layer → output), one line per network."""
    fig = go.Figure()
    for name, norms in profiles.items():
        layers = [f"layer {i}" for i in range(1, len(norms))] + ["output"]
        fig.add_trace(go.Scatter(x=layers, y=norms, mode="lines+markers", name=name,
                                 hovertemplate="%{x}: %{y:.2e}<extra>" + name + "</extra>"))
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10), yaxis_type="log",
                      yaxis_title="mean ‖∇W‖", legend=dict(orientation="h", y=-0.25))
    return fig
