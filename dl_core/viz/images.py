"""Small images in a grid: misclassified digits, a drawn digit."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots


def image_grid(images: np.ndarray, titles: list[str], columns: int = 8, height_per_row: int = 110) -> go.Figure:
    """``images`` (N, H, W) in [0, 1], drawn dark on light like ink on paper."""
    rows = max(1, math.ceil(len(images) / columns))
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=titles, horizontal_spacing=0.01,
                        vertical_spacing=0.12 / rows)
    for k, image in enumerate(images):
        fig.add_trace(go.Heatmap(z=image[::-1], colorscale="Greys", zmin=0, zmax=1, showscale=False,
                                 hovertemplate="%{z:.2f}<extra></extra>"), row=k // columns + 1, col=k % columns + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_annotations(font_size=12)
    fig.update_layout(height=rows * height_per_row + 20, margin=dict(l=0, r=0, t=24, b=0))
    return fig


def feature_maps(maps: np.ndarray, title: str, columns: int = 8, height_per_row: int = 120,
                 limit: int = 16) -> go.Figure:
    """(C, H, W) maps as a grid of heatmaps on one shared diverging scale (white is zero)."""
    maps = maps[:limit]
    largest = float(np.abs(maps).max()) or 1.0
    columns = min(columns, len(maps))
    rows = max(1, math.ceil(len(maps) / columns))
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[f"channel {c + 1}" for c in range(len(maps))],
                        horizontal_spacing=0.02, vertical_spacing=0.15 / rows)
    for k, image in enumerate(maps):
        fig.add_trace(go.Heatmap(z=image[::-1], colorscale="RdBu", zmid=0, zmin=-largest, zmax=largest,
                                 showscale=k == 0, hovertemplate="%{z:.4f}<extra></extra>"),
                      row=k // columns + 1, col=k % columns + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_annotations(font_size=12)
    fig.update_layout(title=title, height=rows * height_per_row + 50, margin=dict(l=0, r=0, t=50, b=0))
    return fig
