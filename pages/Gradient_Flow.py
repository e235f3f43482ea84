"""Gradient Flow: how gradients travel back through the layers while training runs."""

import math

import streamlit as st

from dl_core.analyses.diagnosis import deep_net_comparison, diagnose
from dl_core.observe.gradients import GradientFlow, current_gradients, unit_stats
from dl_core.specs.remedies import REMEDIES, apply_remedy
from dl_core.viz.gradflow import gradient_profile, layer_bars, layer_distributions, layer_lines
from ui import state
from ui.controls import show_problems, sidebar_controls
from ui.live import live_panel
from ui.page import setup_page
from ui.slots import finish, open_slot

LIVE_SECONDS = 0.5  # six plotly charts redraw each tick
SMOOTH = 10  # records averaged in the gradient and update lines: minibatch gradients are noisy
VERDICT_STYLE = {"waiting": st.info, "healthy": st.success, "vanishing": st.error, "exploding": st.error,
                 "dead": st.warning, "saturated": st.warning}

LAB = setup_page("gradient_flow")
st.caption("Backpropagation multiplies the gradient by each layer's weights and activation slope on its way "
           "back. If those factors are below 1 it shrinks layer by layer (vanishing); above 1 it grows "
           "(exploding). Here you watch it happen in your own network.")
SLOT = open_slot(LAB, ("playground", "builder"))
sidebar_controls(SLOT)
show_problems(SLOT)


def apply(name: str) -> None:
    changed = apply_remedy(state.current(SLOT).draft, name)
    if changed is not None:
        state.propose(SLOT, changed)


def flow_view(run) -> None:
    flow = run.probe("gradflow", GradientFlow)
    units = unit_stats(run.trainer)
    st.subheader("Health")
    for k, verdict in enumerate(diagnose(flow, units, diverged=bool(run.trainer.diverged))):
        VERDICT_STYLE[verdict.kind](verdict.message)
        offered = [name for name in verdict.remedies if apply_remedy(run.spec, name) is not None]
        advice = [name for name in verdict.remedies if name not in offered]
        if offered:
            for column, name in zip(st.columns(len(offered) + 1), offered):
                if column.button(REMEDIES[name].label, key=f"gf.remedy.{k}.{name}", help=REMEDIES[name].why,
                                 icon=":material/healing:"):
                    apply(name)
                    st.rerun()  # the whole page: the controls show the remedy, the run is rebuilt
        if advice:
            st.caption("Also worth trying by hand: " + "; ".join(f"**{REMEDIES[n].label}**: {REMEDIES[n].why}"
                                                                 for n in advice) + ".")
    if not flow.steps:
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
    left.plotly_chart(layer_distributions(current_gradients(run.trainer), names, "Gradients of the last step"),
                      key="gf.grad_dist")
    right.plotly_chart(layer_distributions([u.values for u in units], [u.name for u in units],
                                           "Activations on the training set"), key="gf.act_dist")
    relu = [u for u in units if not math.isnan(u.dead_share)]
    if relu:
        st.plotly_chart(layer_bars([u.name for u in relu], [u.dead_share for u in relu],
                                   "Dead ReLU units: never active on any training point"), key="gf.dead")


live_panel(SLOT, flow_view, every=LIVE_SECONDS)

st.subheader("Demonstration: ten sigmoid layers against ten ReLU layers")
st.markdown("Two networks with ten hidden layers of 8 neurons learn the circle dataset for the same number of "
            "steps. One uses sigmoid with Xavier initialisation, the other ReLU with He initialisation. The chart "
            "shows each layer's mean gradient norm on a log scale.")
memory = state.results(LAB.key)
if st.button("Run the demonstration", icon=":material/play_circle:", key="gf.demo_run"):
    bar = st.progress(0.0, text="Training both networks…")
    memory["demo"] = deep_net_comparison(steps=100, progress=bar.progress)
    bar.empty()
if "demo" in memory:
    profiles = memory["demo"]
    st.plotly_chart(gradient_profile(profiles, "Mean gradient norm per layer, first hidden layer → output"),
                    key="gf.demo_chart")
    sigmoid, relu = profiles.values()
    st.caption(f"With sigmoid the first layer's gradient is {sigmoid[-1] / sigmoid[0]:,.0f}× smaller than the "
               f"output layer's; with ReLU and He it is {relu[-1] / relu[0]:.1f}×. The sigmoid's slope is at most "
               "¼, and backpropagation multiplies one such factor per layer.")
finish(SLOT, LAB)
