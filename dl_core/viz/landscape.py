"""Loss landscape figures: contour and 3D surface of a 2D slice, 1D slices, the optimiser's path, the convexity map.

Every figure keeps its plot area at a projector's width (a column of ~340 px at 1024×768): short titles in a
smaller font, legends inside the plot or below it with room added for them, and colour bars thin."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

SURFACE_SCALE = "Viridis"
TITLE_FONT = dict(size=14)
LEGEND_ROW = 22  # pixels a legend entry below a chart takes: added to the chart's height, not taken from the plot
STAR = dict(symbol="star", size=14, color="red", line=dict(color="white", width=1))


def _shown(losses: np.ndarray, log: bool) -> np.ndarray:
    return np.log10(np.maximum(losses, 1e-12)) if log else losses


def loss_label(log: bool) -> str:
    return "log₁₀ loss" if log else "loss"


def common_range(surfaces: Sequence[np.ndarray], log: bool = False) -> tuple[float, float]:
    """One colour and height range for several surfaces drawn side by side, so a sharper one looks sharper."""
    shown = [_shown(np.asarray(s), log) for s in surfaces]
    return float(min(np.nanmin(s) for s in shown)), float(max(np.nanmax(s) for s in shown))


def _title(title: str) -> dict:
    return dict(text=title, font=TITLE_FONT, x=0.01, xanchor="left")


def _colorbar(label: str) -> dict:
    """Below the plot, across it: beside it, a colour bar and its labels took a third of a narrow column's width."""
    return dict(title=dict(text=label, side="right"), orientation="h", thickness=10, len=1.0, x=0.5, xanchor="center",
                y=-0.2, yanchor="top", tickfont=dict(size=12))


def landscape_contour(alphas: np.ndarray, betas: np.ndarray, losses: np.ndarray, log: bool = False,
                      path: np.ndarray | None = None, path_steps: list[int] | None = None,
                      axis_titles: tuple[str, str] = ("α (direction δ)", "β (direction η)"),
                      title: str = "", height: int = 430, z_range: tuple[float, float] | None = None,
                      show_scale: bool = True, show_legend: bool = True) -> go.Figure:
    """``losses`` is (len(betas), len(alphas)); ``path`` (T, 2) is drawn over it when given, its legend inside
    the plot's lower left corner (``show_legend=False`` for small charts side by side: a caption says it).
    ``z_range`` fixes the colours (several contours compared side by side)."""
    label = loss_label(log)
    zmin, zmax = z_range or (None, None)
    fig = go.Figure(go.Contour(
        x=alphas, y=betas, z=_shown(losses, log), colorscale=SURFACE_SCALE, ncontours=25, zmin=zmin, zmax=zmax,
        showscale=show_scale, colorbar=_colorbar(label),
        hovertemplate="α %{x:.3f}<br>β %{y:.3f}<br>" + label + " %{z:.4f}<extra></extra>",
    ))
    if path is not None:
        fig.add_trace(go.Scatter(
            x=path[:, 0], y=path[:, 1], mode="lines+markers", name="optimiser's path",
            line=dict(color="white", width=2), marker=dict(size=5, color=path_steps, colorscale="Reds",
                                                           line=dict(color="black", width=0.5)),
            text=[f"step {s}" for s in (path_steps or [])], hovertemplate="%{text}<extra></extra>",
        ))
        fig.add_trace(go.Scatter(x=[path[-1, 0]], y=[path[-1, 1]], mode="markers", name="now", marker=STAR,
                                 hovertemplate="now<extra></extra>"))
    else:
        fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", name="current weights θ", marker=STAR,
                                 hovertemplate="the current weights θ<extra></extra>"))
    fig.update_layout(title=_title(title), height=height, margin=dict(l=10, r=10, t=36, b=10),
                      xaxis_title=axis_titles[0], yaxis_title=axis_titles[1],
                      showlegend=path is not None and show_legend,
                      legend=dict(x=0.01, y=0.01, xanchor="left", yanchor="bottom", bgcolor="rgba(255,255,255,0.7)",
                                  font=dict(size=12)))
    return fig


def landscape_surface(alphas: np.ndarray, betas: np.ndarray, losses: np.ndarray, log: bool = False,
                      title: str = "", height: int = 430, z_range: tuple[float, float] | None = None,
                      show_scale: bool = False) -> go.Figure:
    """The 2D slice as a 3D surface. No colour bar by default: its height axis already reads the loss, and the
    bar would take a fifth of a narrow column. A 3D scene scales with the figure's height, not its width, so a
    narrow column cuts its sides: the camera stands back in proportion to the height, far enough that no corner
    or axis title is cut in a 300 px column (half the page at 1024×768)."""
    label = loss_label(log)
    zmin, zmax = z_range or (None, None)
    stand_back = height / 400  # measured: at 400 px high the scene fits a 300 px column with its axis titles
    fig = go.Figure(go.Surface(x=alphas, y=betas, z=_shown(losses, log), colorscale=SURFACE_SCALE, cmin=zmin,
                               cmax=zmax, showscale=show_scale, colorbar=_colorbar(label),
                               contours=dict(z=dict(show=True, usecolormap=True, project_z=True)),
                               hovertemplate="α %{x:.3f}<br>β %{y:.3f}<br>" + label + " %{z:.4f}<extra></extra>"))
    axis = lambda text: dict(title=dict(text=text, font=dict(size=12)), tickfont=dict(size=12))  # noqa: E731
    fig.update_layout(title=_title(title), height=height, margin=dict(l=0, r=0, t=36, b=0),
                      scene=dict(xaxis=axis("α"), yaxis=axis("β"),
                                 zaxis=dict(axis(label), range=list(z_range) if z_range else None),
                                 aspectratio=dict(x=1, y=1, z=0.75),
                                 camera=dict(eye=dict(x=2.3 * stand_back, y=-2.3 * stand_back, z=1.6 * stand_back))))
    return fig


def loss_slices(slices: dict[str, tuple[np.ndarray, np.ndarray]], log: bool = False, x_title: str = "step size α",
                marks: dict[str, float] | None = None, title: str = "", height: int = 340) -> go.Figure:
    """Several 1D slices on one chart: name → (positions, losses); ``marks`` draws vertical lines. The legend sits
    below, and the chart grows by a row for each entry so the lines keep their room."""
    fig = go.Figure()
    for name, (x, losses) in slices.items():
        fig.add_trace(go.Scatter(x=x, y=losses, mode="lines", name=name,
                                 hovertemplate="%{x:.3f}: %{y:.4f}<extra>" + name + "</extra>"))
    for name, x in (marks or {}).items():
        fig.add_vline(x=x, line=dict(dash="dot", color="grey"), annotation_text=name)
    legend_rows = len(slices) if len(slices) > 1 else 0
    fig.update_layout(title=_title(title), height=height + LEGEND_ROW * legend_rows,
                      margin=dict(l=10, r=10, t=36, b=10 + LEGEND_ROW * legend_rows), xaxis_title=x_title,
                      yaxis=_loss_axis([losses for _, losses in slices.values()], log),
                      showlegend=legend_rows > 0,  # at the foot of the figure, under the axis title, in its own room
                      legend=dict(orientation="h", x=0, xanchor="left", yref="container", y=0, yanchor="bottom",
                                  font=dict(size=12)))
    return fig


def _loss_axis(curves: list[np.ndarray], log: bool) -> dict:
    """The loss axis. On a log axis plotly labels minor ticks by their leading digit alone ("5" for 0.5) and, over a
    decade or two, every digit: labels in full, at 1, 2 and 5 of each decade once the curves span one."""
    axis = dict(title=dict(text="loss"), type="log" if log else "linear")
    if log:
        values = np.concatenate([np.asarray(c, dtype=float).ravel() for c in curves])
        values = values[np.isfinite(values) & (values > 0)]
        wide = len(values) and np.log10(values.max() / values.min()) >= 1
        axis.update(tickformat=".3~g", **(dict(dtick="D2") if wide else {}))
    return axis


def convexity_heatmap(alphas: np.ndarray, betas: np.ndarray, ratio: np.ndarray, cap: float = 1.0, title: str = "",
                      height: int = 430, show_scale: bool = True) -> go.Figure:
    """Li et al. 2018's convexity map: |λmin/λmax| of the Hessian, (len(betas), len(alphas)), as colours from 0
    (blue: the loss curves upwards in every direction, or nearly) to ``cap`` and beyond (yellow: it curves down
    as strongly as up). Hovering shows the ratio itself."""
    fig = go.Figure(go.Heatmap(
        x=alphas, y=betas, z=np.minimum(ratio, cap), customdata=ratio, colorscale="Cividis", zmin=0, zmax=cap,
        showscale=show_scale, colorbar=_colorbar("|λmin/λmax|"),
        hovertemplate="α %{x:.3f}<br>β %{y:.3f}<br>|λmin/λmax| %{customdata:.3g}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", name="the weights θ", marker=STAR,
                             hovertemplate="the weights θ<extra></extra>"))
    fig.update_layout(title=_title(title), height=height, margin=dict(l=10, r=10, t=36, b=10),
                      xaxis_title="α (direction δ)", yaxis_title="β (direction η)", showlegend=False)
    return fig
