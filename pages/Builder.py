"""Builder: a network layer by layer, with shapes, parameters and cost, trained live on real data."""

import streamlit as st

from ui.controls import sidebar_controls
from ui.labs import builder
from ui.page import setup_page
from ui.slots import finish, open_slot

LAB = setup_page("builder")
st.caption("Stack layers, see the shape each one gives and what it costs, then train on real data. An impossible "
           "stack is refused with the layer and the reason, and the last network that worked stays and trains.")
SLOT = open_slot(LAB, ("builder",))
sidebar_controls(SLOT, groups=("Task",))
builder.presets_and_uploads(SLOT, st.sidebar)
sidebar_controls(SLOT, groups=("Network", "Training", "View"))
builder.show(SLOT)
finish(SLOT, LAB)
