"""Page set-up shared by every page: title, layout, navigation, and the device in use."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dl_core import describe, pick_device


@dataclass(frozen=True)
class Lab:
    path: str  # the page file; its name after the number is its URL path
    title: str
    icon: str  # a Material Symbols name, bundled with Streamlit (no emoji font needed)
    summary: str


HOME = Lab("app.py", "Home", ":material/home:", "What dl-lab is, and a map of the labs.")
LABS = [
    Lab("pages/1_Playground.py", "Playground", ":material/science:",
        "Train a small network on 2D points and watch the decision boundary and every neuron change as it "
        "learns. Choose the dataset, input features, layers, activations, loss, optimiser and regularisation; "
        "share the exact network as a link."),
    Lab("pages/2_Loss_Landscape.py", "Loss Landscape", ":material/landscape:",
        "See the terrain your own network's optimiser walks: the loss on a 2D slice through the weights "
        "(filter-normalised directions), as contours and as a 3D surface; the optimiser's path on the plane "
        "of its two main directions, growing as training runs; 1D slices; and the sharpness of the minimum."),
    Lab("pages/3_Gradient_Flow.py", "Gradient Flow", ":material/waterfall_chart:",
        "Watch gradients travel back through each layer while training runs: their size, the weights' size, "
        "how far each update moves them, dead ReLU units and saturated sigmoids. A health panel names what it "
        "sees (vanishing, exploding, dead, saturated) and applies a remedy in one click."),
    Lab("pages/4_Forward_Backward.py", "Forward & Backward", ":material/swap_horiz:",
        "Follow one example through the network and back with the actual numbers: each layer's z = Σwx + b "
        "and a = f(z), then the loss, and the chain rule layer by layer down to ∂L/∂W. Apply one optimiser "
        "step and see which weights moved, and by how much."),
    Lab("pages/5_Builder.py", "Builder", ":material/construction:",
        "Stack layers (dense, convolution, pooling, normalisation, dropout, residual blocks, RNN, LSTM, GRU, "
        "self-attention) and see each one's shape and parameter count; an impossible stack is refused with the "
        "reason. Train on handwritten digits, sequences, tabular data or 2D points, from seven presets."),
]


@st.cache_resource
def device_line() -> str:
    """The same for every user of the server: which device trains."""
    return describe(pick_device())


def setup_page(lab: Lab) -> None:
    st.set_page_config(page_title=f"{lab.title} · dl-lab", page_icon=lab.icon, layout="wide")
    with st.sidebar:
        for page in [HOME, *LABS]:
            st.page_link(page.path, label=page.title, icon=page.icon)
        st.caption(f"Training on: {device_line()}")
        st.divider()
