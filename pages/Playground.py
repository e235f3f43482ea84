"""Playground: a small network learning a 2D dataset, live, every neuron visible."""

import streamlit as st

from ui import state
from ui.controls import show_problems, sidebar_controls
from ui.labs import playground
from ui.page import setup_page
from ui.slots import finish, open_slot
from ui.uploads import upload_csv

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
playground.show(SLOT)
finish(SLOT, LAB)
