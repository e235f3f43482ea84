"""Forward & Backward: one example through a network and back, with every number."""

import streamlit as st

from ui.lab import on_builders_network
from ui.page import LABS, setup_page
from ui.pass_views import builder_pass_view, mlp_pass_view

setup_page(LABS[3])
st.title(":material/swap_horiz: Forward & Backward")
st.caption("Pick one example. The forward pass computes each layer from the one before; the backward pass "
           "sends ∂L/∂(output) back with the chain rule, layer by layer, to every weight.")
if on_builders_network("fb.network"):
    builder_pass_view()
else:
    mlp_pass_view()
