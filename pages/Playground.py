"""Playground: a small network learning a 2D dataset, live, every neuron visible."""

import streamlit as st

from dl_core.analyses.playground_pictures import confusion_figure, learning_curves, snapshot
from ui import state
from ui.components.network_view import clicked_neuron, network_view
from ui.controls import show_problems, sidebar_controls
from ui.live import live_panel
from ui.page import setup_page
from ui.slots import finish, open_slot
from ui.uploads import upload_csv

CURVES_SECONDS = 1.0  # plotly charts are slow to rebuild: curves and the confusion matrix once a second

LAB = setup_page("playground")
st.caption("Pick a dataset, shape a network, press Play, and watch every neuron learn. "
           "Hover a neuron to see what it computes; click it to show it large on the right.")
SLOT = open_slot(LAB)
sidebar_controls(SLOT)
with st.sidebar.expander("Your own points (CSV)", icon=":material/upload_file:"):
    uploaded = upload_csv(SLOT, "points")
    if uploaded and st.button("Train on these points", key=state.widget_key(SLOT, "use_upload")):
        state.propose(SLOT, state.current(SLOT).draft.with_dataset(uploaded, state.uploads()))
        st.rerun()
show_problems(SLOT)
NETWORK = state.widget_key(SLOT, "network_view")


def draw(run) -> None:
    picture = snapshot(run, clicked_neuron(NETWORK))
    left, right = st.columns([1.25, 1])
    with left:
        network_view(picture.network, key=NETWORK)
    with right:
        st.plotly_chart(picture.boundary, key=state.widget_key(SLOT, "boundary"), config={"displayModeBar": False})


live_panel(SLOT, draw)


@st.fragment(run_every=CURVES_SECONDS if state.live(SLOT).playing else None)
def progress_panel():
    trainer = state.live(SLOT).run.trainer
    curves, confusion = st.columns([1.6, 1])
    curves.plotly_chart(learning_curves(trainer), key=state.widget_key(SLOT, "curves"),
                        config={"displayModeBar": False})
    if trainer.objective.is_classification:
        confusion.plotly_chart(confusion_figure(trainer), key=state.widget_key(SLOT, "confusion"),
                               config={"displayModeBar": False})
    with st.expander("The network in PyTorch terms"):
        st.code(repr(trainer.model), language=None)


progress_panel()
finish(SLOT, LAB)
