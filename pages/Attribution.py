"""Attribution: which parts of an input made your network give its answer, and whether the map can be trusted."""

import streamlit as st

from dl_core.analyses.attention import has_attention
from dl_core.observe.checkpoints import Checkpoints
from ui import state
from ui.attribution_views import (
    attention_view, class_control, compare_view, example_view, explain_view, faithfulness_view, fool_view, key,
    method_controls, network_key, prediction_view, sanity_view, training_view,
)
from ui.controls import show_problems, sidebar_controls
from ui.examples import pick_example
from ui.live import live_panel
from ui.page import setup_page
from ui.slots import finish, open_slot

LAB = setup_page("attribution")
st.caption("Pick an example and a method: the map says which inputs raised the network's score for a class (blue) "
           "and which lowered it (orange). Then test the map: is it faithful, does it survive random weights, "
           "how does it move when the input is attacked, how did it grow during training?")
SLOT = open_slot(LAB, ("playground", "builder"))
sidebar_controls(SLOT)
show_problems(SLOT)


def keep_checkpoints(run) -> None:
    run.probe("checkpoints", Checkpoints)  # from the first step this page sees: the "Over training" tab's maps


keep_checkpoints(state.live(SLOT).run)
live_panel(SLOT, keep_checkpoints, every=0.5)
run = state.live(SLOT).run
st.caption(f"The views below use the weights at step {run.trainer.step_count:,}; they follow training when it "
           "pauses.")

st.subheader("The example")
example = pick_example(run, key("example"))
left, right = st.columns([1, 1.5])
with left:
    example_view(run, example)
with right:
    target = class_control(run, st)
    prediction_view(run, example, target)

st.subheader("The method")
chosen = method_controls(run, target)
network = network_key(run)
labels = ["Explain", "Compare methods", "Can you trust it?", "Fool it", "Over training"]
labels += ["Attention"] if has_attention(run) else []
tabs = dict(zip(labels, st.tabs(labels, key=key("tab"), on_change="rerun")))
if tabs["Explain"].open:
    with tabs["Explain"]:
        explain_view(run, example, chosen, network)
if tabs["Compare methods"].open:
    with tabs["Compare methods"]:
        compare_view(run, example, chosen, network)
if tabs["Can you trust it?"].open:
    with tabs["Can you trust it?"]:
        faithfulness_view(run, example, chosen, network)
        st.divider()
        sanity_view(run, example, chosen, network)
if tabs["Fool it"].open:
    with tabs["Fool it"]:
        fool_view(run, example, chosen, network)
if tabs["Over training"].open:
    with tabs["Over training"]:
        training_view(run, example, chosen, network)
if "Attention" in tabs and tabs["Attention"].open:
    with tabs["Attention"]:
        attention_view(run, example)
finish(SLOT, LAB)
