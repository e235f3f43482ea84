"""Gradient Flow: how gradients travel back through the layers while training runs."""

import math

import streamlit as st

from dl_core.gradflow import GradientFlow, current_gradients, deep_net_comparison, diagnose, unit_stats
from dl_core.viz.gradflow import gradient_profile, layer_bars, layer_distributions, layer_lines
from ui.lab import apply_spec, chosen_run
from ui.page import LABS, setup_page
from ui.run_controls import live_controls

LIVE_SECONDS = 0.5  # six plotly charts redraw each tick
SMOOTH = 10  # records averaged in the gradient and update lines: minibatch gradients are noisy
VERDICT_STYLE = {"healthy": st.success, "vanishing": st.error, "exploding": st.error, "dead": st.warning,
                 "saturated": st.warning}

setup_page(LABS[2])
st.title(":material/waterfall_chart: Gradient Flow")
st.caption("Backpropagation multiplies the gradient by each layer's weights and activation slope on its way "
           "back. If those factors are below 1 it shrinks layer by layer (vanishing); above 1 it grows "
           "(exploding). Here you watch it happen in your own network.")
spec, run, run_key, steps_per_tick, on_builder = chosen_run("Gradient_Flow", "gf.network")
flow = run.probe("gradflow", GradientFlow)


@st.fragment(run_every=LIVE_SECONDS if run.playing else None)
def flow_panel():
    trainer = live_controls(run_key, steps_per_tick)
    units = unit_stats(trainer)

    st.subheader("Health")
    for k, verdict in enumerate(diagnose(flow, units, diverged=bool(trainer.diverged))):
        VERDICT_STYLE[verdict.kind](verdict.message)
        if verdict.remedies and on_builder:  # a remedy edits the 2D network; the Builder's is edited there
            st.caption("Remedies to try on the Builder page: " + "; ".join(f"**{r.label}**: {r.why}"
                                                                          for r in verdict.remedies) + ".")
        elif verdict.remedies:
            buttons = st.columns(len(verdict.remedies) + 1)
            for column, remedy in zip(buttons, verdict.remedies):
                if column.button(remedy.label, key=f"gf.remedy.{k}.{remedy.label}", help=remedy.why,
                                 icon=":material/healing:"):
                    apply_spec(remedy.apply(spec))
    if not flow.steps:
        st.info("Press Play or Step: the statistics start with the first update.", icon=":material/timeline:")
        return

    names = flow.names
    grads, weights, updates = (flow.series(n) for n in ("grad_norm", "weight_norm", "update_ratio"))
    left, middle, right = st.columns(3)
    left.plotly_chart(layer_lines(flow.steps, grads, names, "Gradient norm ‖∇W‖", "‖∇W‖", smooth=SMOOTH),
                      key="gf.grads")
    middle.plotly_chart(layer_lines(flow.steps, weights, names, "Weight norm ‖W‖", "‖W‖"), key="gf.weights")
    right.plotly_chart(layer_lines(flow.steps, updates, names, "Update size ‖ΔW‖ / ‖W‖", "ratio", smooth=SMOOTH),
                       key="gf.updates")
    st.caption(f"Gradient and update lines are averaged over the last {SMOOTH} records. A healthy update "
               "moves each layer's weights by roughly 0.1 % to 1 % per step. Far below, the "
               "layer has stopped learning; far above, training is unstable.")
    left, right = st.columns(2)
    left.plotly_chart(layer_distributions(current_gradients(trainer), names, "Gradients of the last step"),
                      key="gf.grad_dist")
    hidden = [u.name for u in units]
    right.plotly_chart(layer_distributions([u.values for u in units], hidden, "Activations on the training set"),
                       key="gf.act_dist")
    relu = [u for u in units if not math.isnan(u.dead_share)]
    if relu:
        st.plotly_chart(layer_bars([u.name for u in relu], [u.dead_share for u in relu],
                                   "Dead ReLU units: never active on any training point"), key="gf.dead")


flow_panel()

st.subheader("Demonstration: ten sigmoid layers against ten ReLU layers")
st.markdown("Two networks with ten hidden layers of 8 neurons learn the circle dataset for the same number of "
            "steps. One uses sigmoid with Xavier initialisation, the other ReLU with He initialisation. The chart "
            "shows each layer's mean gradient norm on a log scale.")
if st.button("Run the demonstration", icon=":material/play_circle:", key="gf.demo_run"):
    bar = st.progress(0.0, text="Training both networks…")
    st.session_state["gf.demo"] = deep_net_comparison(steps=100, progress=bar.progress)
    bar.empty()
if "gf.demo" in st.session_state:
    profiles = st.session_state["gf.demo"]
    st.plotly_chart(gradient_profile(profiles, "Mean gradient norm per layer, first hidden layer → output"),
                    key="gf.demo_chart")
    sigmoid, relu = profiles.values()
    st.caption(f"With sigmoid the first layer's gradient is {sigmoid[-1] / sigmoid[0]:,.0f}× smaller than the "
               f"output layer's; with ReLU and He it is {relu[-1] / relu[0]:.1f}×. The sigmoid's slope is at most "
               "¼, and backpropagation multiplies one such factor per layer.")
