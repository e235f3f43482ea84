"""Forward & Backward: one example through a network and back, with every number."""

import streamlit as st

from dl_core.analyses.worked_example import explains_units
from ui import state
from ui.controls import show_problems, sidebar_controls
from ui.examples import pick_example
from ui.live import live_panel
from ui.page import setup_page
from ui.pass_views import any_network_view, mlp_view
from ui.slots import finish, open_slot

LAB = setup_page("forward_backward")
st.caption("Pick one example. The forward pass computes each layer from the one before; the backward pass "
           "sends ∂L/∂(output) back with the chain rule, layer by layer, to every weight.")
SLOT = open_slot(LAB, ("playground", "builder"))
sidebar_controls(SLOT)
show_problems(SLOT)
live_panel(SLOT, lambda run: None, every=0.5)
run = state.live(SLOT).run
st.subheader("The example")
example = pick_example(run, "fb.example")
if explains_units(run):
    mlp_view(run, example)
else:
    st.caption("Each layer's values and gradients are shown as they are. (For a plain MLP on 2D points, each "
               "layer exactly a = f(W·x + b), every unit is written out in numbers.)")
    any_network_view(run, example)
finish(SLOT, LAB)
