"""Loss Landscape: the loss around your own network's weights, and the path the optimiser took."""

import streamlit as st

from ui.controls import show_problems, sidebar_controls
from ui.labs import loss_landscape
from ui.page import setup_page
from ui.slots import finish, open_slot

LAB = setup_page("loss_landscape")
st.caption("The loss of *your* network on *your* training data, around its current weights θ. "
           "A direction in weight space has as many numbers as the network has weights; the plots walk along "
           "one or two of them. Directions are filter-normalised (Li et al. 2018): each unit's incoming weights "
           "in the direction have the same size as in θ, so slices of different networks can be compared.")
SLOT = open_slot(LAB, ("playground", "builder"))
sidebar_controls(SLOT)
show_problems(SLOT)
loss_landscape.show(SLOT)
finish(SLOT, LAB)
