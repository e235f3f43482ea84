"""What every page starts with (its registry entry, the device line) and the guard that keeps a learner
from ever seeing a traceback: an error in a lab is shown as one sentence, logged with its details on the
server, and the session stays usable."""

from __future__ import annotations

import functools
import logging
from typing import Callable, TypeVar

import streamlit as st
from PIL import Image, ImageDraw

from dl_core import describe, pick_device
from dl_core.errors import Refusal
from ui import state
from ui.registry import HOME, LABS, Lab, lab

LOG = logging.getLogger("dl_lab")
F = TypeVar("F", bound=Callable)


@st.cache_resource
def device_line() -> str:
    """The same for every user of the server: which device trains."""
    return describe(pick_device())


def guarded(fn: F) -> F:
    """Runs ``fn``; a refusal is shown as its message, anything else as one sentence (details in the server log)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Refusal as error:  # a budget, a limit, a field: its message is for the learner
            from ui.controls import plain

            st.error(plain(str(error)), icon=":material/block:")
        except Exception:  # noqa: BLE001 - the guard's purpose: no traceback reaches a learner
            LOG.exception("a lab failed")
            st.error("Something went wrong in this view; the details are in the server's log. Your settings "
                     "are kept: change a setting, press Reset, or reload the page.", icon=":material/error:")
        return None

    return wrapper  # type: ignore[return-value]


def navigation():
    """Registers every page of the registry with st.navigation, in its sections; returns the page to run."""
    sections: dict[str, list] = {"": [st.Page(HOME.script, title=HOME.title, icon=HOME.icon, default=True)]}
    for entry in LABS:
        sections.setdefault(entry.section, []).append(
            st.Page(entry.script, title=entry.title, icon=entry.icon, url_path=entry.url_path))
    return st.navigation(sections)


# Streamlit leaves 6rem above a page's title and 5rem on each side: on a 1024×768 projector beside the sidebar that
# is a tenth of the height and a quarter of the width. The labs are laid out for what remains (ui/layer_editor.py).
PAGE_CSS = ("<style>[data-testid='stMainBlockContainer'] { padding-top: 2.5rem; padding-left: 2.5rem; "
            "padding-right: 2.5rem; }</style>")


@functools.cache
def favicon() -> Image.Image:
    """Three neurons feeding one, drawn here: a Material icon as favicon would be fetched from Google's font
    servers, and nothing of the app reaches the network."""
    icon = Image.new("RGBA", (64, 64))
    draw = ImageDraw.Draw(icon)
    for y in (12, 32, 52):
        draw.line([(14, y), (50, 32)], fill=(8, 119, 189, 255), width=4)
        draw.ellipse([6, y - 8, 22, y + 8], fill=(245, 147, 34, 255))
    draw.ellipse([38, 20, 62, 44], fill=(8, 119, 189, 255))
    return icon


def page_config() -> None:
    """The whole app's page settings: wide (the labs are laid out for a projector's width), title, icon, and
    less empty space above the title."""
    st.set_page_config(page_title="dl-lab", page_icon=favicon(), layout="wide")
    st.html(PAGE_CSS)


def leave_folder_mode() -> None:
    """Streamlit starts an app that has a pages/ folder in folder mode: a deep-linked page runs without app.py
    (so without our navigation's titles and sections) until some session calls st.navigation, which flips a
    process-wide flag. In such a run the page registers the real navigation itself; pages are found by URL
    path, and each page's URL path is its file's stem, so this is the same page. It then reruns through the
    router at once: widgets drawn in the folder-mode run have other ids than the router's, so the learner's first
    click or typed value would be lost on the next run."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not state.routed():  # the router has not run in this session yet
        page_config()  # app.py did not run either: without this, a cold deep link opens in the narrow layout
        navigation()
        if state.first_unrouted_run():  # once: a page run on its own (a test of it alone) must not loop
            st.rerun()


def setup_page(key: str) -> Lab:
    """The page's registry entry, its title and one line of what it is for."""
    leave_folder_mode()
    entry = lab(key)
    state.set_page(key)
    st.title(f"{entry.icon} {entry.title}")
    return entry
