"""Attribution: which parts of an input made your network give its answer, and whether the map can be trusted."""

import streamlit as st

from ui.controls import show_problems, sidebar_controls
from ui.labs import attribution
from ui.page import setup_page
from ui.slots import finish, open_slot

LAB = setup_page("attribution")
st.caption("Pick an example and a method: the map says which inputs raised the network's score for a class (blue) "
           "and which lowered it (orange). Then test the map: is it faithful, does it survive random weights, "
           "how does it move when the input is attacked, how did it grow during training?")
SLOT = open_slot(LAB, ("playground", "builder"))
sidebar_controls(SLOT)
show_problems(SLOT)
attribution.show(SLOT)
finish(SLOT, LAB)
