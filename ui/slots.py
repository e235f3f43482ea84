"""The flow every lab page runs on its network: the URL (when it brings something new) or the session's
spec, the choice between the 2D network and the Builder's, and, at the end, the URL rewritten, a link to
share and a teacher's link with controls hidden or locked."""

from __future__ import annotations

import streamlit as st

from dl_core import KINDS, fields_of, to_query
from ui import state, url
from ui.registry import Lab

NETWORKS = {"playground": "The 2D network (edited in the sidebar)", "builder": "The Builder's network"}


def open_slot(page: Lab, kinds: tuple[str, ...] = ("playground",)) -> str:
    """The slot this page shows: a link's spec when the URL is new to this session, else the session's own.
    With two kinds the learner chooses which network (a link's kind chooses for them)."""
    for kind in kinds:
        state.slot(kind, KINDS[kind])
    from_link = url.read_link({kind: kind for kind in kinds}, kinds[0])
    choice_name = f"{page.key}.network"
    if from_link:
        state.set_choice(choice_name, from_link)
    if len(kinds) == 1:
        return kinds[0]
    chosen = state.choice(choice_name, kinds[0])
    key = state.widget_key(page.key, "network")
    state.set_widget(key, chosen)
    room = state.classroom()
    st.radio("Network", kinds, format_func=lambda kind: NETWORKS.get(kind, KINDS[kind].label), key=key, horizontal=True,
             disabled=bool(room.lock) and room.kind in kinds,
             on_change=lambda: state.set_choice(choice_name, state.widget_value(key)))
    return state.choice(choice_name, kinds[0])


def finish(name: str, page: Lab) -> None:
    """The URL mirrors the slot's valid spec; the sidebar offers a link to share and a teacher's link."""
    spec = state.current(name).valid
    url.write(spec)
    room = state.classroom()
    in_class = room.applies_to(spec) and bool(room.hide or room.lock)
    with st.sidebar.popover("Share this network", icon=":material/link:", width="stretch"):
        st.caption("This link reopens this page with the same data, network and seed"
                   + (", and your teacher's settings." if in_class else ":"))
        query = to_query(spec) | (url.classroom_query(spec, room.hide, room.lock) if in_class else {})
        st.code(url.link_to(page.url_path, query), language=None, wrap_lines=True)
    if in_class:
        return
    with st.sidebar.popover("For teachers", icon=":material/school:", width="stretch"):
        st.caption("A link for your class: the settings you tick are hidden, or shown but locked at their "
                   "current values. The server refuses a changed locked value, in the page and in the URL.")
        labels = {f.key: f.label for f in fields_of(spec) if f.applies(spec)}
        hide = st.multiselect("Hide", list(labels), format_func=labels.get, key=state.widget_key(name, "hide"))
        lock = st.multiselect("Lock", [k for k in labels if k not in hide], format_func=labels.get,
                              key=state.widget_key(name, "lock"))
        teacher_query = to_query(spec) | url.classroom_query(spec, frozenset(hide), frozenset(lock))
        st.code(url.link_to(page.url_path, teacher_query), language=None, wrap_lines=True)

