"""A store in the learner's own browser (localStorage) for their lesson progress: nothing is drawn.

On its first draw in a page load the browser sends what it kept (``stored``); from then on Python sends
the progress to keep (``data``) whenever it changes, and the browser writes it. Python sends None until it
has merged the browser's copy, so a fresh session never overwrites what the browser kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import streamlit as st

_HERE = Path(__file__).parent
_component = st.components.v2.component("dl_lab_progress_store", js=(_HERE / "progress_store.js").read_text())


def stored(key: str) -> Any:
    """What the browser had kept when the page loaded (untrusted JSON; {} when nothing), or None until it
    has answered."""
    value = st.session_state.get(key)
    return value.get("stored") if isinstance(value, Mapping) else None


def mount(key: str, keep: dict | None) -> None:
    """Draws the (invisible) store; ``keep`` is written to the browser, None writes nothing."""
    _component(key=key, data={"keep": keep}, default={"stored": None}, on_stored_change=lambda: None)
