"""The Gradient Flow lab's view: a health panel that names what it sees with one-click remedies, each layer's
gradient, weight and update sizes over time, distributions, dead units, and a demonstration."""

from __future__ import annotations

import math

import streamlit as st

from dl_core import Run
from dl_core.analyses.diagnosis import deep_net_comparison, diagnose
from dl_core.observe.gradients import GradientFlow, current_gradients, unit_stats
from dl_core.specs.remedies import REMEDIES, apply_remedy
from dl_core.viz.gradflow import gradient_profile, layer_bars, layer_distributions, layer_lines
from ui import state
from ui.jobs import heavy
from ui.live import live_panel

LIVE_SECONDS = 0.5  # six plotly charts redraw each tick
SMOOTH = 10  # records averaged in the gradient and update lines: minibatch gradients are noisy
VERDICT_STYLE = {"waiting": st.info, "healthy": st.success, "vanishing": st.error, "exploding": st.error,
                 "dead": st.warning, "saturated": st.warning}


def health(slot: str, run: Run, flow: GradientFlow, units: list) -> None:
    """The verdicts, each with the remedies this network can take as buttons, the others as advice."""
    st.subheader("Health")
    for k, verdict in enumerate(diagnose(flow, units, diverged=bool(run.trainer.diverged))):
        VERDICT_STYLE[verdict.kind](verdict.message)
        offered = [name for name in verdict.remedies if apply_remedy(run.spec, name) is not None]
        advice = [name for name in verdict.remedies if name not in offered]
        for column, name in zip(st.columns(len(offered) + 1) if offered else [], offered):
            if column.button(REMEDIES[name].label, key=state.widget_key(slot, "remedy", k, name),
                             help=REMEDIES[name].why, icon=":material/healing:"):
                state.propose(slot, apply_remedy(state.current(slot).draft, name))
                st.rerun()  # the whole page: the controls show the remedy, the run is rebuilt
        if advice:
            st.caption("Also worth trying by hand: " + "; ".join(f"**{REMEDIES[n].label}**: {REMEDIES[n].why}"
                                                                 for n in advice) + ".")


def charts(slot: str, run: Run, flow: GradientFlow, units: list) -> None:
    key = lambda name: state.widget_key(slot, name)  # noqa: E731
    names = flow.names
    grads, weights, updates = (flow.series(n) for n in ("grad_norm", "weight_norm", "update_ratio"))
    left, middle, right = st.columns(3)
    left.plotly_chart(layer_lines(flow.steps, grads, names, "Gradient norm ‖∇W‖", "‖∇W‖", smooth=SMOOTH),
                      key=key("grads"))
    middle.plotly_chart(layer_lines(flow.steps, weights, names, "Weight norm ‖W‖", "‖W‖"), key=key("weights"))
    right.plotly_chart(layer_lines(flow.steps, updates, names, "Update size ‖ΔW‖ / ‖W‖", "ratio", smooth=SMOOTH),
                       key=key("updates"))
    st.caption(f"Gradient and update lines are averaged over the last {SMOOTH} records. A healthy update "
               "moves each layer's weights by roughly 0.1 % to 1 % per step. Far below, the "
               "layer has stopped learning; far above, training is unstable.")
    left, right = st.columns(2)
    left.plotly_chart(layer_distributions(current_gradients(run.trainer), names, "Gradients of the last step"),
                      key=key("grad_dist"))
    right.plotly_chart(layer_distributions([u.values for u in units], [u.name for u in units],
                                           "Activations on the training set"), key=key("act_dist"))
    relu = [u for u in units if not math.isnan(u.dead_share)]
    if relu:
        st.plotly_chart(layer_bars([u.name for u in relu], [u.dead_share for u in relu],
                                   "Dead ReLU units: never active on any training point"), key=key("dead"))


def demonstration(slot: str) -> None:
    st.subheader("Demonstration: ten sigmoid layers against ten ReLU layers")
    st.markdown("Two networks with ten hidden layers of 8 neurons learn the circle dataset for the same number of "
                "steps. One uses sigmoid with Xavier initialisation, the other ReLU with He initialisation. The "
                "chart shows each layer's mean gradient norm on a log scale.")
    memory = state.results(f"gradient_flow.{slot}")
    if st.button("Run the demonstration", icon=":material/play_circle:", key=state.widget_key(slot, "demo_run")):
        memory["demo"] = heavy("Training both networks…", lambda progress: deep_net_comparison(steps=100,
                                                                                              progress=progress))
    if "demo" in memory:
        profiles = memory["demo"]
        st.plotly_chart(gradient_profile(profiles, "Mean gradient norm per layer, first hidden layer → output"),
                        key=state.widget_key(slot, "demo_chart"))
        sigmoid, relu = profiles.values()
        st.caption(f"With sigmoid the first layer's gradient is {sigmoid[-1] / sigmoid[0]:,.0f}× smaller than the "
                   f"output layer's; with ReLU and He it is {relu[-1] / relu[0]:.1f}×. The sigmoid's slope is at most "
                   "¼, and backpropagation multiplies one such factor per layer.")


def show(slot: str, with_demonstration: bool = True) -> None:
    def draw(run: Run) -> None:
        flow = run.probe("gradflow", GradientFlow)
        units = unit_stats(run.trainer)
        health(slot, run, flow, units)
        if flow.steps:
            charts(slot, run, flow, units)

    live_panel(slot, draw, every=LIVE_SECONDS)
    if with_demonstration:
        demonstration(slot)
