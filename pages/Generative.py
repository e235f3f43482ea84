"""Generative: an autoencoder (plain, denoising or variational) on the digits, and a GAN on the plane."""

import streamlit as st

from ui.controls import show_problems, sidebar_controls
from ui.labs import generative
from ui.page import setup_page
from ui.slots import finish, open_slot

LAB = setup_page("generative")
st.caption("Two ways a network learns to make data. An autoencoder squeezes each digit into a short code and "
           "rebuilds it; the code space becomes a map you can click and walk. A GAN's generator learns to fool a "
           "discriminator until its points look like the target's.")
SLOT = open_slot(LAB, ("autoencoder", "gan"))
sidebar_controls(SLOT)
show_problems(SLOT)
generative.show(SLOT)
finish(SLOT, LAB)
