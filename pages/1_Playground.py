"""Playground: a small network learning a 2D dataset, live, every neuron visible."""

import math

import streamlit as st

from dl_core import validate
from dl_core.playground import learning_curves, snapshot, confusion_figure
from ui.network_view import clicked_neuron, network_view
from ui.page import LABS, setup_page
from ui.playground_controls import playground_controls
from ui.run_controls import CURVES_SECONDS, TICK_SECONDS, live_run, run_buttons
from ui.spec_state import initial_spec, keep_spec, share_link, show_link_warnings

SPEC, RUN, NETWORK = "pg.spec", "pg.run", "pg.network"

setup_page(LABS[0])
st.title(":material/science: Playground")
st.caption("Pick a dataset, shape a network, press Play, and watch every neuron learn. "
           "Hover a neuron to see what it computes; click it to show it large on the right.")
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
live_run(RUN, spec)

with st.sidebar.popover("Share this network", icon=":material/link:", width="stretch"):
    st.caption("This link reopens the same data, network and seed:")
    st.code(share_link(spec, "Playground"), language=None, wrap_lines=True)


@st.fragment(run_every=TICK_SECONDS if st.session_state[RUN].playing else None)
def live_panel():
    run = run_buttons(RUN, steps_per_tick)
    trainer = run.trainer
    if run.playing:
        trainer.step(steps_per_tick)
        if trainer.diverged:  # stop the timer and redraw the buttons
            run.playing = False
            st.rerun()
    if trainer.diverged:
        st.error(trainer.diverged, icon=":material/warning:")
    h = trainer.history
    accuracy = h.last("test_accuracy")
    st.markdown(
        f"**Step {trainer.step_count:,}** · epoch {trainer.epoch:,.1f} · "
        f"train loss **{h.last('train_loss'):.4f}** · test loss **{h.last('test_loss'):.4f}**"
        + ("" if math.isnan(accuracy) else f" · test accuracy **{accuracy:.1%}**")
    )
    picture = snapshot(trainer, spec.view, clicked_neuron(NETWORK))
    left, right = st.columns([1.25, 1])
    with left:
        network_view(picture.network, key=NETWORK)
    with right:
        st.plotly_chart(picture.boundary, key="pg.boundary", config={"displayModeBar": False})


@st.fragment(run_every=CURVES_SECONDS if st.session_state[RUN].playing else None)
def progress_panel():
    trainer = st.session_state[RUN].trainer
    curves, confusion = st.columns([1.6, 1])
    curves.plotly_chart(learning_curves(trainer), key="pg.curves", config={"displayModeBar": False})
    if trainer.objective.is_classification:
        confusion.plotly_chart(confusion_figure(trainer), key="pg.confusion", config={"displayModeBar": False})
    with st.expander("The network in PyTorch terms"):
        st.code(repr(trainer.model), language=None)


live_panel()
progress_panel()
