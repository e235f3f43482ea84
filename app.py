"""dl-lab home: what the app is, a map of the labs, and the device that trains."""

import streamlit as st

from ui.page import device_line, setup_page

setup_page("Home", "🧠")
st.title("🧠 dl-lab")
st.markdown(
    "**Learn how neural networks work by building them, training them live, and looking inside.** "
    "Every number on these pages is computed by a real PyTorch network running on the server: "
    "nothing is pre-recorded."
)
st.subheader("The labs")
LABS = [
    ("pages/1_Playground.py", "🧪 Playground",
     "Train a small network on 2D data and watch the decision boundary and every neuron change as it learns. "
     "Choose the dataset, features, layers, activations, loss, optimiser and regularisation; share the exact "
     "network as a link."),
]
for path, title, text in LABS:
    with st.container(border=True):
        st.page_link(path, label=title)
        st.write(text)
st.caption(f"Training on: {device_line()}")
