"""Loss and accuracy over training, and the confusion matrix."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

MAX_CURVE_POINTS = 400  # longer histories are thinned evenly before they are drawn


def _thin(values: list, keep: int) -> list:
    if len(values) <= keep:
        return values
    index = np.linspace(0, len(values) - 1, keep).round().astype(int)
    return [values[i] for i in index]


EMPTY_STEPS = 100  # the x axis of a chart with nothing trained yet: 0 to 100 steps, not plotly's −1 to 1


def _x_axis(fig: go.Figure, steps: list[int]) -> None:
    """Steps on the x axis, from 0; before anything is trained (no step, or step 0 only) a sensible empty range."""
    fig.update_xaxes(title_text="step", rangemode="tozero")
    if not steps or max(steps) <= 0:
        fig.update_xaxes(range=[0, EMPTY_STEPS])


def loss_curves(steps: list[int], series: dict[str, list[float]], accuracy: dict[str, list[float]] | None = None,
                log_y: bool = False, height: int = 260) -> go.Figure:
    """Loss per split over steps; accuracy per split on a second panel when given."""
    rows = 2 if accuracy else 1
    fig = make_subplots(rows=1, cols=rows, subplot_titles=["Loss", "Accuracy"][:rows], horizontal_spacing=0.12)
    x = _thin(steps, MAX_CURVE_POINTS)
    styles = {"train": dict(color="#555"), "test": dict(color="#0877bd", dash="dot")}
    for col, panel in enumerate([series] + ([accuracy] if accuracy else []), start=1):
        for name, values in panel.items():
            fig.add_trace(go.Scatter(
                x=x, y=_thin(values, MAX_CURVE_POINTS), mode="lines", name=name, showlegend=col == 1,
                line=dict(width=2, **styles.get(name, {})),
                hovertemplate="step %{x}: %{y:.4f}<extra>" + name + "</extra>",
            ), row=1, col=col)
    _x_axis(fig, steps)
    if log_y:
        fig.update_yaxes(type="log", row=1, col=1)
    if accuracy:
        fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=-0.3),
                      uirevision="curves")
    return fig


def confusion_matrix(counts: np.ndarray, class_names: list[str], height: int = 260) -> go.Figure:
    """Rows are the true class, columns the predicted one."""
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros(counts.shape, dtype=float), where=totals > 0)
    fig = go.Figure(go.Heatmap(
        z=share, x=class_names, y=class_names, colorscale="Blues", zmin=0, zmax=1, showscale=False,
        text=counts, texttemplate="%{text}", hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>",
    ))
    fig.update_xaxes(title="predicted", side="bottom")
    fig.update_yaxes(title="true", autorange="reversed", scaleanchor="x")
    accuracy = np.trace(counts) / counts.sum() if counts.sum() else math.nan
    fig.update_layout(title=f"Confusion matrix (test accuracy {accuracy:.1%})", height=height,
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


def comparison_curves(histories: dict, log_y: bool = False, height: int = 300) -> go.Figure:
    """Loss (and accuracy, for classes) of several runs over steps on one chart: name → History."""
    classification = any(any(v == v for v in h.test_accuracy) for h in histories.values())
    panels = ["Loss", "Test accuracy"] if classification else ["Loss"]
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=panels, horizontal_spacing=0.1)
    colors = ["#0877bd", "#e8590c", "#2b8a3e", "#862e9c"]
    for color, (name, h) in zip(colors, histories.items()):
        steps = _thin(h.step, MAX_CURVE_POINTS)
        for split, dash in (("train", "solid"), ("test", "dot")):
            fig.add_trace(go.Scatter(x=steps, y=_thin(getattr(h, f"{split}_loss"), MAX_CURVE_POINTS), mode="lines",
                                     name=f"{name}: {split}", line=dict(color=color, dash=dash, width=2),
                                     hovertemplate="step %{x}: %{y:.4f}<extra>" + f"{name}, {split}" + "</extra>"),
                          row=1, col=1)
        if classification:
            fig.add_trace(go.Scatter(x=steps, y=_thin(h.test_accuracy, MAX_CURVE_POINTS), mode="lines",
                                     name=f"{name}: test accuracy", showlegend=False,
                                     line=dict(color=color, width=2),
                                     hovertemplate="step %{x}: %{y:.1%}<extra>" + name + "</extra>"), row=1, col=2)
    _x_axis(fig, [s for h in histories.values() for s in h.step[-1:]])
    if log_y:
        fig.update_yaxes(type="log", row=1, col=1)
    if classification:
        fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=2)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=-0.25),
                      uirevision="comparison")
    return fig
