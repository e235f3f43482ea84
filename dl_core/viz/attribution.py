"""Attribution figures: maps beside and over the input, several maps side by side, arrows and the
integrated-gradients path over a 2D boundary, feature bars, sequence strips, deletion curves, sanity checks,
attention matrices, adversarial examples. Plain arrays in, ``go.Figure`` out.

Maps use one diverging scale centred on zero (orange below, blue above, as in every figure of the app);
each map is divided by its largest |value| so that maps of different methods can stand side by side.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import plotly.figure_factory as ff
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .boundary import decision_boundary
from .colors import DIVERGING_SCALE, NEGATIVE, POSITIVE, rgb

SIGNS = {"all": "positive and negative", "positive": "positive only", "negative": "negative only",
         "absolute": "absolute value"}
BLEND_SCALE = [[0.0, "rgba(245,147,34,0.95)"], [0.5, "rgba(232,234,235,0)"], [1.0, "rgba(8,119,189,0.95)"]]
MARGIN = dict(l=10, r=10, t=50, b=10)


def shown(values: np.ndarray, sign: str = "all") -> np.ndarray:
    """The part of a map a learner chose to see: all of it, its positive or negative part, or its size."""
    if sign == "positive":
        return np.maximum(values, 0)
    if sign == "negative":
        return np.minimum(values, 0)
    if sign == "absolute":
        return np.abs(values)
    return values


def scaled(values: np.ndarray) -> np.ndarray:
    """Divided by the largest |value|: into [-1, 1], zero staying zero."""
    largest = float(np.abs(values).max()) if values.size else 0.0
    return values / largest if largest > 0 else values


def picture(values: np.ndarray) -> np.ndarray:
    """Any map as a 2D array to draw: an image (C, H, W) summed over channels → (H, W); a sequence (T, F)
    → (F, T), a row per feature; a vector (F,) → (1, F)."""
    if values.ndim == 3:
        return values.sum(axis=0)
    if values.ndim == 2:
        return values.T
    return values.reshape(1, -1)


def _map_trace(values: np.ndarray, showscale: bool, blend: bool = False) -> go.Heatmap:
    return go.Heatmap(
        z=scaled(values), customdata=values, zmin=-1, zmax=1, zmid=0,
        colorscale=BLEND_SCALE if blend else DIVERGING_SCALE, showscale=showscale,
        colorbar=dict(title="share of largest", len=0.8, thickness=12),
        hovertemplate="row %{y}, column %{x}: %{customdata:.4g}<extra></extra>",
    )


def _image_trace(image: np.ndarray) -> go.Heatmap:
    gray = image.mean(axis=0) if image.ndim == 3 else image
    return go.Heatmap(z=gray, colorscale="Greys", showscale=False, hovertemplate="input %{z:.3f}<extra></extra>")


def _square_cells(fig: go.Figure, **y_settings) -> None:
    """Row 0 at the top and square cells in every panel: each y axis tied to its own panel's x axis."""
    fig.update_xaxes(constrain="domain")
    for name in [key for key in fig.layout if key.startswith("yaxis")]:
        fig.layout[name].update(autorange="reversed", scaleanchor="x" + name[len("yaxis"):], **y_settings)


def _picture_axes(fig: go.Figure) -> None:
    """Every panel a picture: no axes, row 0 at the top, square pixels."""
    fig.update_xaxes(visible=False)
    _square_cells(fig, visible=False)


def image_attribution(image: np.ndarray, values: np.ndarray, sign: str = "all", title: str = "",
                      height: int = 300) -> go.Figure:
    """An image (C, H, W) or (H, W), its attribution map (same shape) and the map blended over it."""
    values = picture(shown(values, sign)) if values.ndim == 3 else shown(values, sign)
    fig = make_subplots(rows=1, cols=3, subplot_titles=["input", f"attribution ({SIGNS[sign]})", "over the input"],
                        horizontal_spacing=0.04)
    fig.add_trace(_image_trace(image), row=1, col=1)
    fig.add_trace(_map_trace(values, True), row=1, col=2)
    fig.add_trace(_image_trace(image), row=1, col=3)
    fig.add_trace(_map_trace(values, False, blend=True), row=1, col=3)
    _picture_axes(fig)
    fig.update_layout(title=title, height=height, margin=MARGIN)
    return fig


def map_grid(maps: dict[str, np.ndarray], image: np.ndarray | None = None, sign: str = "all", columns: int = 4,
             title: str = "", height_per_row: int = 190) -> go.Figure:
    """Several maps side by side (methods, checkpoints, sanity-check stages), each on its own zero-centred
    scale; ``image`` (the input) first when given. Maps of any shape (see ``picture``)."""
    panels = (["input"] if image is not None else []) + list(maps)
    columns = max(1, min(columns, len(panels)))
    rows = max(1, math.ceil(len(panels) / columns))
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=panels, horizontal_spacing=0.03,
                        vertical_spacing=0.25 / rows)
    k = 0
    if image is not None:
        fig.add_trace(_image_trace(picture(image) if image.ndim != 3 else image), row=1, col=1)
        k = 1
    for n, values in enumerate(maps.values()):
        fig.add_trace(_map_trace(picture(shown(values, sign)), n == 0), row=k // columns + 1, col=k % columns + 1)
        k += 1
    _picture_axes(fig)
    fig.update_annotations(font_size=12)
    fig.update_layout(title=title, height=rows * height_per_row + 60, margin=MARGIN)
    return fig


def plane_attribution(output: np.ndarray, extent: float, train: tuple[np.ndarray, np.ndarray],
                      points: np.ndarray, gradients: np.ndarray, path: np.ndarray | None = None,
                      example_point: np.ndarray | None = None, test: tuple[np.ndarray, np.ndarray] | None = None,
                      n_classes: int = 2, title: str = "Input gradient over the decision boundary",
                      height: int = 460) -> go.Figure:
    """The decision boundary (``output`` as in ``decision_boundary``) with the input gradient as arrows at
    ``points`` (N, 2), ``gradients`` (N, 2), the longest as long as the grid's spacing; ``path`` (S, 2) is the
    integrated-gradients path from the baseline to ``example_point``."""
    fig = decision_boundary(output, extent, train, test, n_classes, title=title, height=height)
    norms = np.linalg.norm(gradients, axis=1)
    spacing = 2 * extent / max(1.0, math.sqrt(len(points)) - 1)
    scale = spacing / float(norms.max()) if norms.size and norms.max() > 0 else 0.0
    arrows = ff.create_quiver(points[:, 0], points[:, 1], gradients[:, 0], gradients[:, 1], scale=scale,
                              arrow_scale=0.3, name="input gradient", line=dict(color="rgb(40,40,40)", width=1.2))
    for trace in arrows.data:
        trace.hoverinfo = "skip"
        fig.add_trace(trace)
    if path is not None:
        fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines", name="integrated-gradients path",
                                 line=dict(color="crimson", width=3, dash="dot"), hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=path[:1, 0], y=path[:1, 1], mode="markers", name="baseline",
                                 marker=dict(symbol="x", size=12, color="crimson")))
    if example_point is not None:
        fig.add_trace(go.Scatter(x=[example_point[0]], y=[example_point[1]], mode="markers", name="the example",
                                 marker=dict(symbol="star", size=16, color="gold", line=dict(color="black", width=1))))
    return fig


def feature_bars(names: Sequence[str], values: np.ndarray, sign: str = "all", title: str = "",
                 height: int | None = None) -> go.Figure:
    """One bar per feature (tables, point features, a layer's units), largest |value| on top, blue positive and
    orange negative."""
    values = shown(np.asarray(values, dtype=float).reshape(-1), sign)
    order = np.argsort(np.abs(values))  # plotly draws the first bar at the bottom
    colours = [rgb(POSITIVE) if v >= 0 else rgb(NEGATIVE) for v in values[order]]
    fig = go.Figure(go.Bar(x=values[order], y=[str(names[i]) for i in order], orientation="h", marker_color=colours,
                           hovertemplate="%{y}: %{x:.4g}<extra></extra>"))
    fig.add_vline(x=0, line=dict(color="grey", width=1))
    fig.update_layout(title=title, height=height or 80 + 22 * len(values), margin=MARGIN, xaxis_title="attribution")
    return fig


def sequence_strips(values: np.ndarray, inputs: np.ndarray, feature_names: Sequence[str], sign: str = "all",
                    title: str = "", height: int | None = None) -> go.Figure:
    """A sequence (T, F) and its map: the input above (a line for one feature, a strip per feature otherwise),
    a strip per feature of the attribution below, and their sum per step at the bottom; steps left to right."""
    values = shown(values, sign)
    steps = np.arange(1, len(values) + 1)
    names = [str(n) for n in feature_names] or [f"feature {f + 1}" for f in range(values.shape[1])]
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.35, 0.45, 0.2],
                        subplot_titles=["input", f"attribution ({SIGNS[sign]})", "sum over features, per step"])
    if inputs.shape[1] == 1:
        fig.add_trace(go.Scatter(x=steps, y=inputs[:, 0], mode="lines+markers", name=names[0], showlegend=False,
                                 line=dict(color="#555")), row=1, col=1)
    else:
        fig.add_trace(go.Heatmap(x=steps, y=names, z=inputs.T, colorscale="Greys", showscale=False,
                                 hovertemplate="step %{x}, %{y}: %{z:.3f}<extra></extra>"), row=1, col=1)
    strip = _map_trace(values.T, True)
    strip.update(x=steps, y=names, hovertemplate="step %{x}, %{y}: %{customdata:.4g}<extra></extra>")
    fig.add_trace(strip, row=2, col=1)
    per_step = values.sum(axis=1)
    fig.add_trace(go.Bar(x=steps, y=per_step, showlegend=False, hovertemplate="step %{x}: %{y:.4g}<extra></extra>",
                         marker_color=[rgb(POSITIVE) if v >= 0 else rgb(NEGATIVE) for v in per_step]), row=3, col=1)
    fig.update_xaxes(title_text="step", row=3, col=1)
    fig.update_layout(title=title, height=height or 360 + 12 * len(names), margin=MARGIN)
    return fig


def deletion_curves(removed: np.ndarray, curves: dict[str, np.ndarray], score_name: str, title: str = "",
                    height: int = 320) -> go.Figure:
    """The score as more and more inputs are removed: one line per order (the map's, random, other methods')."""
    fig = go.Figure()
    for name, scores in curves.items():
        area = float(np.trapezoid(scores, removed))
        fig.add_trace(go.Scatter(x=removed, y=scores, mode="lines+markers", name=f"{name} (area {area:.3f})",
                                 line=dict(dash="dot" if "random" in name else "solid"),
                                 hovertemplate="%{x:.0%} removed: %{y:.3f}<extra>" + name + "</extra>"))
    fig.update_layout(title=title, height=height, margin=MARGIN, xaxis=dict(title="share of inputs removed",
                                                                            tickformat=".0%"),
                      yaxis_title=score_name, legend=dict(orientation="h", y=-0.25))
    return fig


def sanity_metrics(labels: Sequence[str], rank: Sequence[float], rank_abs: Sequence[float],
                   ssim: Sequence[float | None] | None = None, title: str = "", height: int = 320) -> go.Figure:
    """Similarity to the trained network's map at each stage of a randomisation check (Adebayo et al. 2018):
    Spearman's rank correlation with and without absolute values, and SSIM where it is defined."""
    fig = go.Figure()
    series = {"rank correlation": rank, "rank correlation of |map|": rank_abs}
    if ssim is not None and any(s is not None for s in ssim):
        series["SSIM of |map|"] = [math.nan if s is None else s for s in ssim]
    for name, values in series.items():
        fig.add_trace(go.Scatter(x=list(labels), y=list(values), mode="lines+markers", name=name,
                                 hovertemplate="%{x}: %{y:.3f}<extra>" + name + "</extra>"))
    fig.add_hline(y=0, line=dict(color="grey", width=1, dash="dot"))
    fig.update_layout(title=title, height=height, margin=MARGIN, yaxis=dict(range=[-1.05, 1.05],
                                                                            title="similarity to the trained map"),
                      legend=dict(orientation="h", y=-0.35))
    return fig


def sanity_grid(labels: Sequence[str], maps: Sequence[np.ndarray], rank: Sequence[float],
                image: np.ndarray | None = None, sign: str = "absolute", columns: int = 5,
                title: str = "") -> go.Figure:
    """The map at every stage of a randomisation check, each titled with its rank correlation."""
    titled = {(f"{label}<br>ρ = {r:.2f}" if math.isfinite(r) else f"{label}<br>ρ undefined"): m
              for label, m, r in zip(labels, maps, rank)}
    return map_grid(titled, image, sign, columns, title)


def attention_matrices(weights: np.ndarray, step_labels: Sequence[str] | None = None, title: str = "",
                       height: int = 320) -> go.Figure:
    """Each head's attention (heads, T, T) as a matrix: row = the step that looks, column = the step it looks at."""
    heads, steps = weights.shape[0], weights.shape[1]
    labels = list(step_labels) if step_labels is not None else [str(s + 1) for s in range(steps)]
    fig = make_subplots(rows=1, cols=heads, subplot_titles=[f"head {h + 1}" for h in range(heads)],
                        horizontal_spacing=0.05)
    largest = float(weights.max()) or 1.0  # one scale for every head, from 0: the weights are shares
    for h in range(heads):
        fig.add_trace(go.Heatmap(z=weights[h], x=labels, y=labels, zmin=0, zmax=largest, colorscale="Blues",
                                 showscale=h == 0, colorbar=dict(title="weight", thickness=12),
                                 hovertemplate="step %{y} looks at step %{x}: %{z:.3f}<extra></extra>"),
                      row=1, col=h + 1)
    fig.update_xaxes(title_text="key step (looked at)", type="category")
    _square_cells(fig, type="category")
    fig.update_yaxes(title_text="query step", row=1, col=1)
    fig.update_layout(title=title, height=height, margin=MARGIN)
    return fig


def probability_bars(probabilities: np.ndarray, class_names: Sequence[str], chosen: int | None = None,
                     title: str = "", height: int = 240) -> go.Figure:
    """Every class's probability; the class explained drawn darker."""
    colours = [rgb(POSITIVE) if c == chosen else "rgb(160,190,215)" for c in range(len(probabilities))]
    fig = go.Figure(go.Bar(x=[str(n) for n in class_names], y=probabilities, marker_color=colours,
                           text=[f"{p:.0%}" for p in probabilities], textposition="outside",
                           hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    fig.update_layout(title=title, height=height, margin=MARGIN, yaxis=dict(range=[0, 1.15], tickformat=".0%"))
    fig.update_xaxes(type="category")
    return fig


def attack_images(original: np.ndarray, adversarial: np.ndarray, title: str = "",
                  height: int = 260) -> go.Figure:
    """An image (C, H, W) or (H, W), the perturbation added (diverging, zero-centred) and the adversarial image."""
    perturbation = adversarial - original
    fig = make_subplots(rows=1, cols=3, subplot_titles=["original", "perturbation", "adversarial"],
                        horizontal_spacing=0.04)
    low, high = float(min(original.min(), adversarial.min())), float(max(original.max(), adversarial.max()))
    for col, image in ((1, original), (3, adversarial)):
        trace = _image_trace(image)
        trace.update(zmin=low, zmax=high)
        fig.add_trace(trace, row=1, col=col)
    fig.add_trace(_map_trace(picture(perturbation) if perturbation.ndim == 3 else perturbation, True), row=1, col=2)
    _picture_axes(fig)
    fig.update_layout(title=title, height=height, margin=MARGIN)
    return fig


def robustness_plot(epsilons: Sequence[float], accuracies: Sequence[float], losses: Sequence[float] | None = None,
                    title: str = "Test accuracy under attack", height: int = 300) -> go.Figure:
    """The test accuracy (or, for regression, the loss) as the attack's ε grows."""
    regression = all(math.isnan(a) for a in accuracies)
    y, name = (losses, "test loss") if regression and losses is not None else (accuracies, "test accuracy")
    fig = go.Figure(go.Scatter(x=list(epsilons), y=list(y), mode="lines+markers", name=name,
                               hovertemplate="ε %{x:.3g}: %{y:.3f}<extra></extra>"))
    fig.update_layout(title=title, height=height, margin=MARGIN, xaxis_title="ε (largest change of any input)",
                      yaxis=dict(title=name, **({} if regression else dict(range=[0, 1.02], tickformat=".0%"))))
    return fig
