"""Figures for one example's forward and backward pass: values per unit, and a small network
drawn with every number on it."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .colors import NEGATIVE, POSITIVE, rgb


def unit_bars(series: dict[str, np.ndarray], title: str, selected: int | None = None, height: int = 260,
              labels: list[str] | None = None) -> go.Figure:
    """Grouped bars, one group per unit: e.g. {"z (before f)": z, "a = f(z)": a}; ``labels`` name the groups."""
    fig = go.Figure()
    for name, values in series.items():
        units = labels or [f"unit {i + 1}" for i in range(len(values))]
        fig.add_trace(go.Bar(x=units, y=values, name=name, text=[f"{v:+.3f}" for v in values],
                             textposition="outside", hovertemplate="%{x}: %{y:.4f}<extra>" + name + "</extra>"))
    if selected is not None:
        fig.add_vrect(x0=selected - 0.5, x1=selected + 0.5, fillcolor="gold", opacity=0.2, line_width=0)
    fig.update_layout(title=title, barmode="group", height=height, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", y=-0.25))
    return fig


def matrix_heatmap(matrix: np.ndarray, title: str, row_label: str, column_label: str, height: int = 260) -> go.Figure:
    """A weight-shaped matrix (rows: units of this layer, columns: inputs), zero in the middle of the colours.
    Each cell's number is written as text to three figures: numbers sent as float32 print all their digits
    (0.2662999927997589) in the browser."""
    limit = float(np.abs(matrix).max()) or 1.0
    fig = go.Figure(go.Heatmap(
        z=matrix, x=[f"{column_label} {i + 1}" for i in range(matrix.shape[1])],
        y=[f"{row_label} {j + 1}" for j in range(matrix.shape[0])], zmin=-limit, zmax=limit,
        colorscale=[[0, rgb(NEGATIVE)], [0.5, "white"], [1, rgb(POSITIVE)]],
        text=[[f"{v:.3g}" for v in row] for row in matrix.tolist()],
        texttemplate="%{text}" if matrix.size <= 64 else None,
        hovertemplate="%{y} ← %{x}: %{z:.5f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def every_number_diagram(sizes: list[int], node_text: list[list[str]], edge_text: list[np.ndarray],
                         weights: list[np.ndarray], into: tuple[int, int] = (1, 0), height: int = 440) -> go.Figure:
    """A small network with its numbers on it. Each node's numbers stand below it on a white card; the edges
    into one unit (``into`` = (layer, unit), layer 1 the first after the inputs) carry their labels at their
    middles, and every edge's label shows on hover over its middle: labelling every edge at once laid the
    labels over each other. ``edge_text[l][j][i]`` labels the edge from unit i of layer l to unit j of layer l+1;
    ``weights`` set each edge's colour and width."""
    gap = 3.0
    pos = [[(layer * gap, (size - 1) / 2 - i) for i in range(size)] for layer, size in enumerate(sizes)]
    fig = go.Figure()
    middles: list[tuple[float, float, str]] = []
    for layer, w in enumerate(weights):
        for j, (x1, y1) in enumerate(pos[layer + 1]):
            chosen = (layer + 1, j) == into
            for i, (x0, y0) in enumerate(pos[layer]):
                color = rgb(POSITIVE if w[j, i] >= 0 else NEGATIVE)
                fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", hoverinfo="skip",
                                         opacity=1.0 if chosen else 0.45,
                                         line=dict(color=color, width=1 + 3 * min(abs(float(w[j, i])), 1.0))))
                middle = ((x0 + x1) / 2, (y0 + y1) / 2, edge_text[layer][j][i])
                middles.append(middle)
                if chosen:
                    fig.add_annotation(x=middle[0], y=middle[1], text=middle[2], showarrow=False,
                                       font=dict(size=12), bgcolor="rgba(255,255,255,0.9)")
    fig.add_trace(go.Scatter(x=[m[0] for m in middles], y=[m[1] for m in middles], mode="markers",
                             marker=dict(size=14, opacity=0), hovertext=[m[2] for m in middles],
                             hovertemplate="%{hovertext}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[x for column in pos for x, _ in column], y=[y for column in pos for _, y in column],
                             mode="markers", hoverinfo="skip",
                             marker=dict(size=26, color="white", line=dict(color="#444", width=2))))
    for column, texts in zip(pos, node_text):
        for (x, y), text in zip(column, texts):
            fig.add_annotation(x=x, y=y, yshift=-15, yanchor="top", text=text, showarrow=False, font=dict(size=12),
                               bgcolor="rgba(255,255,255,0.9)")
    tallest = max(sizes)
    fig.update_xaxes(visible=False, range=[-1.2, (len(sizes) - 1) * gap + 1.2])
    fig.update_yaxes(visible=False, range=[-(tallest - 1) / 2 - 1.2, (tallest - 1) / 2 + 0.6])
    fig.update_layout(height=height, showlegend=False, margin=dict(l=5, r=5, t=5, b=5), plot_bgcolor="white")
    return fig
