"""The class board's picture: how the learners' best figures spread on each check.

One small panel per check, each with its own scale, because an accuracy near 1 and a loss near 0.05 share no
axis. The same picture serves the class (anonymous: figures only) and the teacher (nicknames on hover).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .colors import NEGATIVE, POSITIVE, rgb

MAX_PANELS = 24  # a board with more checks draws the first 24 (the tables above it list them all)


def _text(raw: str) -> str:
    """Plotly reads a few HTML tags and entities in titles and hover text: anything typed is escaped first."""
    return html.escape(str(raw), quote=False)


def check_spread(checks: Sequence[str], figures: Sequence[Sequence[float]], lower_is_better: Sequence[bool],
                 names: Sequence[Sequence[str]] | None = None, own: Sequence[float | None] | None = None,
                 columns: int = 3, panel_height: int = 230) -> go.Figure:
    """A box of each check's figures with every learner as a dot; ``names`` (the teacher's board only) label the
    dots on hover; ``own`` (a learner's page) marks that learner's best as a diamond, so they see where they stand
    without seeing who the others are. ``figures[i]`` are check ``i``'s figures, one per learner (their best)."""
    shown = min(len(checks), MAX_PANELS)
    cols = max(1, min(columns, shown))
    rows = max(1, math.ceil(shown / cols))
    better = ["lower is better" if low else "higher is better" for low in lower_is_better[:shown]]
    gap = min(0.3, 70 / (rows * panel_height))  # ~70 px between rows, room for the next row's titles
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.08, vertical_spacing=gap,
                        subplot_titles=[f"{_text(c)}<br><sup>{b}</sup>" for c, b in zip(checks[:shown], better)])
    for i in range(shown):
        labels = [_text(n) for n in names[i]] if names is not None else None
        where = dict(row=i // cols + 1, col=i % cols + 1)
        fig.add_trace(go.Box(
            y=list(figures[i]), name="all", boxpoints="all", jitter=0.5, pointpos=0, text=labels,
            marker=dict(color=rgb(POSITIVE), size=9, opacity=0.8), line=dict(color="#555"), fillcolor="rgba(0,0,0,0)",
            hovertemplate=("%{text}: %{y:.4g}" if labels else "%{y:.4g}") + "<extra></extra>",
        ), **where)
        if own is not None and own[i] is not None:
            fig.add_trace(go.Scatter(
                x=["all"], y=[own[i]], mode="markers", hovertemplate="you: %{y:.4g}<extra></extra>",
                marker=dict(symbol="diamond", size=15, color=rgb(NEGATIVE), line=dict(color="white", width=1.5)),
            ), **where)
    fig.update_xaxes(showticklabels=False)
    fig.update_annotations(font_size=13)
    fig.update_layout(height=rows * panel_height, showlegend=False, margin=dict(l=10, r=10, t=50, b=10),
                      uirevision="board")
    return fig
