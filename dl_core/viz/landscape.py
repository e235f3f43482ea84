"""Loss landscape figures: contour and 3D surface of a 2D slice, 1D slices, the optimiser's path."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

SURFACE_SCALE = "Viridis"


def _shown(losses: np.ndarray, log: bool) -> np.ndarray:
    return np.log10(np.maximum(losses, 1e-12)) if log else losses


def landscape_contour(alphas: np.ndarray, betas: np.ndarray, losses: np.ndarray, log: bool = False,
                      path: np.ndarray | None = None, path_steps: list[int] | None = None,
                      axis_titles: tuple[str, str] = ("α (direction δ)", "β (direction η)"),
                      title: str = "", height: int = 430) -> go.Figure:
    """``losses`` is (len(betas), len(alphas)); ``path`` (T, 2) is drawn over it when given."""
    label = "log₁₀ loss" if log else "loss"
    fig = go.Figure(go.Contour(
        x=alphas, y=betas, z=_shown(losses, log), colorscale=SURFACE_SCALE, ncontours=25,
        colorbar=dict(title=label), hovertemplate="α %{x:.3f}<br>β %{y:.3f}<br>" + label + " %{z:.4f}<extra></extra>",
    ))
    if path is not None:
        fig.add_trace(go.Scatter(
            x=path[:, 0], y=path[:, 1], mode="lines+markers", name="optimiser's path",
            line=dict(color="white", width=2), marker=dict(size=5, color=path_steps, colorscale="Reds",
                                                           line=dict(color="black", width=0.5)),
            text=[f"step {s}" for s in (path_steps or [])], hovertemplate="%{text}<extra></extra>",
        ))
        fig.add_trace(go.Scatter(x=[path[-1, 0]], y=[path[-1, 1]], mode="markers", name="now",
                                 marker=dict(symbol="star", size=14, color="red", line=dict(color="white", width=1))))
    else:
        fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", name="current weights θ",
                                 marker=dict(symbol="star", size=14, color="red", line=dict(color="white", width=1))))
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10),
                      xaxis_title=axis_titles[0], yaxis_title=axis_titles[1], legend=dict(orientation="h", y=-0.2))
    return fig


def landscape_surface(alphas: np.ndarray, betas: np.ndarray, losses: np.ndarray, log: bool = False,
                      title: str = "", height: int = 430) -> go.Figure:
    label = "log₁₀ loss" if log else "loss"
    fig = go.Figure(go.Surface(x=alphas, y=betas, z=_shown(losses, log), colorscale=SURFACE_SCALE,
                               colorbar=dict(title=label), contours=dict(z=dict(show=True, usecolormap=True,
                                                                                  project_z=True))))
    fig.update_layout(title=title, height=height, margin=dict(l=0, r=0, t=40, b=0),
                      scene=dict(xaxis_title="α", yaxis_title="β", zaxis_title=label,
                                 camera=dict(eye=dict(x=1.5, y=-1.5, z=1.0))))
    return fig


def loss_slices(slices: dict[str, tuple[np.ndarray, np.ndarray]], log: bool = False, x_title: str = "step size α",
                marks: dict[str, float] | None = None, title: str = "", height: int = 340) -> go.Figure:
    """Several 1D slices on one chart: name → (positions, losses); ``marks`` draws vertical lines."""
    fig = go.Figure()
    for name, (x, losses) in slices.items():
        fig.add_trace(go.Scatter(x=x, y=losses, mode="lines", name=name,
                                 hovertemplate="%{x:.3f}: %{y:.4f}<extra>" + name + "</extra>"))
    for name, x in (marks or {}).items():
        fig.add_vline(x=x, line=dict(dash="dot", color="grey"), annotation_text=name)
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10), xaxis_title=x_title,
                      yaxis_title="loss", yaxis_type="log" if log else "linear", legend=dict(orientation="h", y=-0.3))
    return fig


def convexity_heatmap(alphas: np.ndarray, betas: np.ndarray, ratio: np.ndarray, cap: float = 1.0, title: str = "",
                      height: int = 430) -> go.Figure:
    """Li et al. 2018's convexity map: |λmin/λmax| of the Hessian, (len(betas), len(alphas)), as colours from 0
    (blue: the loss curves upwards in every direction, or nearly) to ``cap`` and beyond (yellow: it curves down
    as strongly as up). Hovering shows the ratio itself."""
    fig = go.Figure(go.Heatmap(
        x=alphas, y=betas, z=np.minimum(ratio, cap), customdata=ratio, colorscale="Cividis", zmin=0, zmax=cap,
        colorbar=dict(title="|λmin/λmax|"),
        hovertemplate="α %{x:.3f}<br>β %{y:.3f}<br>|λmin/λmax| %{customdata:.3g}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", name="the minimum θ",
                             marker=dict(symbol="star", size=14, color="red", line=dict(color="white", width=1))))
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10), xaxis_title="α (direction δ)",
                      yaxis_title="β (direction η)", legend=dict(orientation="h", y=-0.2))
    return fig
