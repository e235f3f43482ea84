"""Page set-up shared by every page: title, layout, and the device line in the sidebar."""

from __future__ import annotations

import streamlit as st

from dl_core import describe, pick_device


@st.cache_resource
def device_line() -> str:
    """The same for every user of the server: which device trains."""
    return describe(pick_device())


def setup_page(title: str, icon: str) -> None:
    st.set_page_config(page_title=f"{title} · dl-lab", page_icon=icon, layout="wide")
    st.sidebar.caption(f"Training on: {device_line()}")
