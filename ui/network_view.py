"""The network diagram view: hover a neuron to see its heatmap large, click to pin it."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_HERE = Path(__file__).parent
_component = st.components.v2.component(
    "dl_lab_network",
    js=(_HERE / "network_view.js").read_text(),
    css=(_HERE / "network_view.css").read_text(),
)


def network_view(layout: dict, key: str) -> tuple[int, int] | None:
    """Draws ``dl_core.viz.network_layout(...)``; returns the neuron the learner clicked, if any."""
    result = _component(data=layout, key=key, default={"selected": None}, on_selected_change=lambda: None)
    selected = getattr(result, "selected", None)
    return tuple(selected) if selected else None
