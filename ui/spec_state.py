"""The spec of a page, kept in the session and mirrored in the URL so any state can be shared."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from dl_core import Spec, from_query


def initial_spec(state_key: str) -> Spec:
    """This session's spec for the page; on a first visit, the URL's (bad values warned about)."""
    if state_key not in st.session_state:
        spec, warnings = from_query(st.query_params.to_dict())
        st.session_state[state_key] = spec
        st.session_state[state_key + ".warnings"] = warnings
    return st.session_state[state_key]


def show_link_warnings(state_key: str) -> None:
    """What the link asked for and could not have: shown until the learner changes something."""
    warnings = st.session_state.get(state_key + ".warnings")
    if warnings:
        st.warning("This link had settings that could not be used:\n\n" + "\n".join(f"- {w}" for w in warnings),
                   icon=":material/warning:")


def keep_spec(state_key: str, spec: Spec) -> None:
    """Stores a valid spec and writes it into the URL."""
    if spec != st.session_state.get(state_key):
        st.session_state[state_key + ".warnings"] = []
    st.session_state[state_key] = spec
    query = spec.to_query()
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def share_link(spec: Spec, page_path: str) -> str:
    """A link that reopens this page with this spec: same data, network and seed."""
    base = (st.context.url or "http://localhost:8501").split("?")[0]
    origin = base.split("/", 3)
    root = "/".join(origin[:3]) if len(origin) >= 3 else base
    return f"{root}/{page_path}?{urlencode(spec.to_query())}"
