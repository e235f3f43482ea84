"""Forward & Backward: one example through a network and back, with every number."""

import streamlit as st

from ui.controls import show_problems, sidebar_controls
from ui.labs import forward_backward
from ui.page import setup_page
from ui.slots import finish, open_slot

LAB = setup_page("forward_backward")
st.caption("Pick one example. The forward pass computes each layer from the one before; the backward pass "
           "sends ∂L/∂(output) back with the chain rule, layer by layer, to every weight.")
SLOT = open_slot(LAB, ("playground", "builder"))
sidebar_controls(SLOT)
show_problems(SLOT)
forward_backward.show(SLOT)
finish(SLOT, LAB)
