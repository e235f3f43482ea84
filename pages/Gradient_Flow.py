"""Gradient Flow: how gradients travel back through the layers while training runs."""

import streamlit as st

from ui.controls import show_problems, sidebar_controls
from ui.labs import gradient_flow
from ui.page import setup_page
from ui.slots import finish, open_slot

LAB = setup_page("gradient_flow")
st.caption("Backpropagation multiplies the gradient by each layer's weights and activation slope on its way "
           "back. If those factors are below 1 it shrinks layer by layer (vanishing); above 1 it grows "
           "(exploding). Here you watch it happen in your own network.")
SLOT = open_slot(LAB, ("playground", "builder"))
sidebar_controls(SLOT)
show_problems(SLOT)
gradient_flow.show(SLOT)
finish(SLOT, LAB)
