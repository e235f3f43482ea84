"""Playground: a small network learning a 2D dataset, live, every neuron visible."""

import streamlit as st

from dl_core.playground import confusion_figure, learning_curves, snapshot
from ui.lab import RUN, lab_run
from ui.network_view import clicked_neuron, network_view
from ui.page import LABS, setup_page
from ui.run_controls import CURVES_SECONDS, TICK_SECONDS, live_controls

NETWORK = "pg.network"

setup_page(LABS[0])
st.title(":material/science: Playground")
st.caption("Pick a dataset, shape a network, press Play, and watch every neuron learn. "
           "Hover a neuron to see what it computes; click it to show it large on the right.")
spec, run, steps_per_tick = lab_run("Playground")


@st.fragment(run_every=TICK_SECONDS if run.playing else None)
def live_panel():
    trainer = live_controls(RUN, steps_per_tick)
    picture = snapshot(trainer, spec.view, clicked_neuron(NETWORK))
    left, right = st.columns([1.25, 1])
    with left:
        network_view(picture.network, key=NETWORK)
    with right:
        st.plotly_chart(picture.boundary, key="pg.boundary", config={"displayModeBar": False})


@st.fragment(run_every=CURVES_SECONDS if run.playing else None)
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
