"""The decision boundary (or regression surface) with the training and test points over it."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .colors import CLASS_COLORS, DIVERGING_SCALE, class_mix, diverging, png_data_uri, rgb


def heatmap_image(values: np.ndarray, discretize: bool = False) -> str:
    """A map of scores (R, R) in [-1, 1] or probabilities (C, R, R) as a PNG data URI."""
    if values.ndim == 3:
        return png_data_uri(class_mix(values, discretize))
    return png_data_uri(diverging(np.sign(values) if discretize else values))


def decision_boundary(
    output: np.ndarray,
    extent: float,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray] | None = None,
    n_classes: int = 2,
    discretize: bool = False,
    title: str = "Output",
    height: int = 420,
) -> go.Figure:
    """``output`` is a map as in ``NetworkMaps.output``; ``train``/``test`` are (points (N, 2), labels (N,))."""
    fig = go.Figure()
    fig.add_layout_image(
        source=heatmap_image(output, discretize), xref="x", yref="y", x=-extent, y=extent,
        sizex=2 * extent, sizey=2 * extent, sizing="stretch", layer="below",
    )
    splits = [("train", train, "white")] + ([("test", test, "black")] if test is not None else [])
    for name, (points, labels), outline in splits:
        if n_classes == 0:
            marker = dict(color=labels, colorscale=DIVERGING_SCALE, cmin=-1, cmax=1)
            fig.add_trace(_points(points, f"{name} points", marker, outline,
                                  [f"target {v:.2f}" for v in labels]))
            continue
        for c in range(n_classes):
            chosen = labels == c
            marker = dict(color=rgb(CLASS_COLORS[c]))
            fig.add_trace(_points(points[chosen], f"{name}: class {c}", marker, outline,
                                  [f"class {c}"] * int(chosen.sum())))
    fig.update_xaxes(range=[-extent, extent], constrain="domain", title="x₁", zeroline=False, showgrid=False)
    fig.update_yaxes(range=[-extent, extent], scaleanchor="x", title="x₂", zeroline=False, showgrid=False)
    fig.update_layout(
        title=title, height=height, margin=dict(l=10, r=10, t=40, b=10), plot_bgcolor="white",
        legend=dict(orientation="h", y=-0.15), uirevision="boundary",
    )
    return fig


def _points(points: np.ndarray, name: str, marker: dict, outline: str, text: list[str]) -> go.Scatter:
    return go.Scatter(
        x=np.round(points[:, 0], 3), y=np.round(points[:, 1], 3), mode="markers", name=name,
        marker=dict(size=7, line=dict(color=outline, width=1), **marker), text=text,
        hovertemplate="x₁ %{x}<br>x₂ %{y}<br>%{text}<extra>" + name.split(":")[0] + "</extra>",
    )
