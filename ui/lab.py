"""What every lab on the shared 2D network starts with: the session's spec (from the link on a
first visit), the sidebar controls, validation, the URL, and the live run."""

from __future__ import annotations

import streamlit as st

from dl_core import Spec, validate
from dl_core.build_run import BuilderSpec, build_trainer
from dl_core.tasks import TASKS
from ui.builder_controls import VALID
from ui.playground_controls import playground_controls
from ui.run_controls import LiveRun, live_run
from ui.spec_state import initial_spec, keep_spec, share_link, show_link_warnings

SPEC, RUN = "lab.spec", "lab.run"  # one spec and one run per session, shared by the labs
BUILDER_RUN = "bd.run"  # the Builder page's run, which the labs can look at too
BUILDER_NETWORK = "The Builder's network"


def lab_run(page_path: str) -> tuple[Spec, LiveRun, int]:
    """The spec the controls describe (the last valid one if they describe none), its run, and steps per tick."""
    opened_with = initial_spec(SPEC)
    show_link_warnings(SPEC)
    spec, steps_per_tick = playground_controls(opened_with)
    problems = validate(spec)
    if problems:
        st.error("These settings can't be trained, so the last working network stays:\n\n"
                 + "\n".join(f"- {p}" for p in problems), icon=":material/block:")
        spec = st.session_state[SPEC]
    else:
        keep_spec(SPEC, spec)
    with st.sidebar.popover("Share this network", icon=":material/link:", width="stretch"):
        st.caption("This link reopens this page with the same data, network and seed:")
        st.code(share_link(spec, page_path), language=None, wrap_lines=True)
    return spec, live_run(RUN, spec), steps_per_tick


def apply_spec(spec: Spec) -> None:
    """Replaces the session's spec (a remedy, an experiment) and lets the controls show it."""
    for key in [k for k in st.session_state if str(k).startswith("pg.")]:
        del st.session_state[key]
    st.session_state[SPEC] = spec
    st.rerun()


def on_builders_network(key: str) -> bool:
    """The choice at the top of a lab: the shared 2D network, or the Builder's."""
    return st.radio("Network", ["The 2D network (edited in the sidebar)", BUILDER_NETWORK], key=key,
                    horizontal=True) == BUILDER_NETWORK


def builder_run() -> tuple[BuilderSpec, LiveRun]:
    """The Builder's last buildable network and its run (built here if the Builder page has not been opened)."""
    spec = st.session_state.get(VALID, BuilderSpec())
    st.caption(f"The Builder's network for **{TASKS[spec.task].label}**; build it on the Builder page.")
    return spec, live_run(BUILDER_RUN, spec, build_trainer)


def chosen_run(page_path: str, key: str) -> tuple[object, LiveRun, str, int, bool]:
    """(spec, run, run key, steps per tick, whether it is the Builder's) for the network chosen at the top."""
    if on_builders_network(key):
        spec, run = builder_run()
        return spec, run, BUILDER_RUN, 5, True
    spec, run, steps_per_tick = lab_run(page_path)
    return spec, run, RUN, steps_per_tick, False
