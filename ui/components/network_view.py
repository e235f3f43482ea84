"""The network diagram view: hover a neuron to see its heatmap large, click to pin it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import streamlit as st

_HERE = Path(__file__).parent
_component = st.components.v2.component(
    "dl_lab_network",
    js=(_HERE / "network_view.js").read_text(),
    css=(_HERE / "network_view.css").read_text(),
)


def clicked_neuron(key: str) -> tuple[int, int] | None:
    """The (layer, neuron) the learner last clicked in the view with this key; None for the output."""
    state = st.session_state.get(key)
    selected = state.get("selected") if isinstance(state, Mapping) else None
    return (int(selected[0]), int(selected[1])) if selected else None


def network_view(layout: dict, key: str) -> None:
    """Draws ``dl_core.viz.network_layout(...)``; read clicks with ``clicked_neuron(key)`` before drawing."""
    _component(data=layout, key=key, default={"selected": None}, on_selected_change=lambda: None)
