"""The Playground's live view: one keyed components-v2 element that keeps its drawing in the browser and
repaints it in place from each compact frame (dl_core/analyses/live_frames.py). Its buttons and edits
come back as trigger values; a clicked neuron as state."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import streamlit as st

from ui.components.loader import LiveComponent

_HERE = Path(__file__).parent
# its code goes to a tab once, not with every frame
_component = LiveComponent("dl_lab_live_view", _HERE / "live_view.js", _HERE / "live_view.css")


def live_view(frame: bytes, key: str) -> None:
    """Draws (or repaints) the view from ``frame``. Its Play/Pause/Step/Reset and diagram edits arrive as trigger
    values of the next run (read them with ``trigger``), a clicked neuron as state (``selected_neuron``)."""
    _component(frame, key, default={"selected": None}, on_selected_change=lambda: None,
               on_command_change=lambda: None, on_edit_change=lambda: None)


def _state(key: str) -> Mapping:
    value = st.session_state.get(key)
    return value if isinstance(value, Mapping) else {}


def selected_neuron(key: str) -> tuple[int, int] | None:
    """The (layer, neuron) last clicked in the view, or None; anything else a browser sends is ignored."""
    selected = _state(key).get("selected")
    if isinstance(selected, list) and len(selected) == 2 and all(isinstance(v, int) and 0 <= v < 64
                                                                  for v in selected):
        return int(selected[0]), int(selected[1])
    return None


def trigger(key: str, name: str, handled: dict) -> Any:
    """The command or edit the view sent for this run, once: each carries an id, and ``handled`` remembers the
    last id acted on (a rerun within the same run must not act twice). None when there is nothing new."""
    sent = _state(key).get(name)
    if not isinstance(sent, Mapping) or not isinstance(sent.get("id"), str) or handled.get(name) == sent["id"]:
        return None
    handled[name] = sent["id"]
    return sent.get("value")
