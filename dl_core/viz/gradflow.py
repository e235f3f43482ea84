"""Gradient flow figures: a line per layer over time, distributions per layer, dead-unit shares."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

LAYER_SCALE = "Plasma"


def _layer_colors(n: int) -> list[str]:
    return sample_colorscale(LAYER_SCALE, [i / max(1, n - 1) * 0.85 for i in range(n)])


def trailing_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Each row replaced by the mean of itself and up to ``window - 1`` rows before it. (T, L) → (T, L)"""
    if window <= 1 or len(values) == 0:
        return values
    sums = np.cumsum(np.vstack([np.zeros((1, values.shape[1])), values]), axis=0)
    counts = np.minimum(np.arange(1, len(values) + 1), window)[:, None]
    return (sums[1:] - sums[np.maximum(0, np.arange(1, len(values) + 1) - window)]) / counts


def layer_lines(steps: list[int], values: np.ndarray, names: list[str], title: str, y_title: str,
                log: bool = True, smooth: int = 1, height: int = 300) -> go.Figure:
    """``values`` is (records, layers): one line per layer, first layer darkest; ``smooth`` > 1 draws a
    trailing mean over that many records (minibatch gradients are noisy)."""
    values = trailing_mean(values, smooth)
    fig = go.Figure()
    for name, color, column in zip(names, _layer_colors(len(names)), values.T):
        fig.add_trace(go.Scatter(x=steps, y=column, mode="lines", name=name, line=dict(color=color, width=2),
                                 hovertemplate="step %{x}: %{y:.2e}<extra>" + name + "</extra>"))
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10), xaxis_title="step",
                      yaxis_title=y_title, yaxis_type="log" if log else "linear", legend=dict(font=dict(size=10)))
    return fig


def layer_distributions(samples: list[np.ndarray], names: list[str], title: str, height: int = 300,
                        max_points: int = 2000) -> go.Figure:
    """A violin per layer of the values in ``samples[i]`` (thinned to ``max_points`` each)."""
    fig = go.Figure()
    rng = np.random.default_rng(0)
    for name, color, values in zip(names, _layer_colors(len(names)), samples):
        values = values.reshape(-1)
        if values.size > max_points:
            values = rng.choice(values, max_points, replace=False)
        fig.add_trace(go.Violin(y=values, name=name, line_color=color, box_visible=True, meanline_visible=True,
                                points=False, spanmode="hard"))
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10), showlegend=False)
    return fig


def layer_bars(names: list[str], shares: list[float], title: str, height: int = 260) -> go.Figure:
    fig = go.Figure(go.Bar(x=names, y=shares, marker_color=_layer_colors(len(names)),
                           text=[f"{s:.0%}" for s in shares], textposition="outside",
                           hovertemplate="%{x}: %{y:.0%}<extra></extra>"))
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10),
                      yaxis=dict(range=[0, 1.15], tickformat=".0%"))
    return fig


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
