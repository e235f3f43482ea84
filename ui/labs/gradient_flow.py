"""The Gradient Flow lab's view: a health panel that names what it sees with one-click remedies, then one live view
of each layer's gradient, weight and update sizes over time, the distributions of the last gradients and of the
activations, and dead units; and a demonstration.

The lines grow every frame (about 30 a second). What needs a pass over the training set (activations, dead units,
the verdicts) is measured once a second while playing, and at once when paused or stepped: one ``Reading`` that
the verdicts and the charts share, so that they always say the same thing."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import streamlit as st

from dl_core import Run
from dl_core.analyses.chart_frames import Bars, Distributions, Lines, Panel
from dl_core.analyses.diagnosis import DEAD_SHARE, Verdict, deep_net_comparison, diagnose
from dl_core.observe.gradients import GradientFlow, UnitStats, current_gradients, unit_stats
from dl_core.specs.remedies import REMEDIES, apply_remedy
from dl_core.trainer import Trainer
from dl_core.viz.gradflow import gradient_profile, layer_colors, trailing_mean
from ui import state
from ui.jobs import heavy
from ui.live import every_while_playing, live_charts_panel

READING_SECONDS = 1.0  # how often, while playing, activations and verdicts are measured again
SMOOTH = 10  # records averaged in the gradient and update lines: minibatch gradients are noisy
VERDICT_STYLE = {"waiting": st.info, "healthy": st.success, "vanishing": st.error, "exploding": st.error,
                 "dead": st.warning, "saturated": st.warning}


@dataclass(frozen=True)
class Reading:
    """One measurement of a network's health at one step: its activations (dead and saturated units), the last
    step's gradients and the verdicts drawn from them. The verdicts and the charts show the same reading."""

    trainer: Trainer
    step: int
    taken: float  # time.monotonic() when it was taken
    units: list[UnitStats]
    gradients: list[np.ndarray]
    verdicts: list[Verdict]


def reading(slot: str, run: Run) -> Reading:
    """The slot's current reading: taken again when the run is new, or trained since the last one and either
    paused (a Step must show its verdict at once) or a second old (playing)."""
    memory = state.results(f"gradient_flow.{slot}")
    last: Reading | None = memory.get("reading")
    trainer = run.trainer
    moved = last is None or last.trainer is not trainer or last.step != trainer.step_count
    due = last is None or not state.live(slot).playing or time.monotonic() - last.taken >= READING_SECONDS
    if moved and due:
        flow = run.probe("gradflow", GradientFlow)
        units = unit_stats(trainer)
        last = memory["reading"] = Reading(trainer, trainer.step_count, time.monotonic(), units,
                                           current_gradients(trainer),
                                           diagnose(flow, units, diverged=bool(trainer.diverged)))
    return last


def health(slot: str) -> None:
    """The verdicts, each with the remedies this network can take as buttons, the others as advice; redrawn once
    a second while playing (a fragment of its own), so that the live view's frames never wait for them."""

    @st.fragment(run_every=every_while_playing(slot, READING_SECONDS))
    def verdicts() -> None:
        run = state.live(slot).run
        st.subheader("Health")
        for k, verdict in enumerate(reading(slot, run).verdicts):
            VERDICT_STYLE[verdict.kind](verdict.message)
            offered = [name for name in verdict.remedies if apply_remedy(run.spec, name) is not None]
            advice = [name for name in verdict.remedies if name not in offered]
            for column, name in zip(st.columns(len(offered) + 1) if offered else [], offered):
                if column.button(REMEDIES[name].label, key=state.widget_key(slot, "remedy", k, name),
                                 help=REMEDIES[name].why, icon=":material/healing:"):
                    state.propose(slot, apply_remedy(state.current(slot).draft, name))
                    st.rerun(scope="app")  # the whole page: the controls show the remedy, the run is rebuilt
            if advice:
                st.caption("Also worth trying by hand: " + "; ".join(
                    f"**{REMEDIES[n].label}**: {REMEDIES[n].why}" for n in advice) + ".")

    verdicts()


def chart_panels(slot: str, run: Run) -> list[Panel]:
    """The live view's panels: three lines per layer every frame; distributions and dead units from the reading."""
    flow = run.probe("gradflow", GradientFlow)
    names = flow.names
    colors = layer_colors(len(names))
    color_of = dict(zip(names, colors))
    lines = dict(names=names, colors=colors, log=True)
    measured = reading(slot, run)
    units = measured.units
    at = f"at step {measured.step:,}"
    version = (id(measured), measured.step)  # the distributions and bars change with the reading only
    panels: list[Panel] = [
        Lines(key="grads", title="Gradient norm ‖∇W‖", steps=flow.steps, y_title="‖∇W‖",
              series=trailing_mean(flow.series("grad_norm"), SMOOTH).T, **lines),
        Lines(key="weights", title="Weight norm ‖W‖", steps=flow.steps, y_title="‖W‖", legend=False,
              series=flow.series("weight_norm").T, **lines),
        Lines(key="updates", title="Update size ‖ΔW‖ / ‖W‖", steps=flow.steps, y_title="ratio", legend=False,
              series=trailing_mean(flow.series("update_ratio"), SMOOTH).T, **lines),
        Distributions(key="grad_dist", title="Gradients of the last step", samples=measured.gradients, labels=names,
                      colors=colors, y_title="∂L/∂w", note=at if measured.step else "", version=version),
        Distributions(key="act_dist", title="Activations on the training set", samples=[u.values for u in units],
                      labels=[u.name for u in units], y_title="activation", note=at,
                      colors=[color_of.get(u.name, colors[0]) for u in units], version=version),
    ]
    relu = [u for u in units if not math.isnan(u.dead_share)]
    if relu:
        panels.append(Bars(key="dead", title="Dead ReLU units: never active on any training point",
                           labels=[u.name for u in relu], values=[u.dead_share for u in relu],
                           colors=[color_of.get(u.name, colors[0]) for u in relu], threshold=DEAD_SHARE,
                           threshold_label=f"{DEAD_SHARE:.0%}: the verdict calls a layer dead", note=at,
                           version=version))
    return panels


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
    health(slot)
    live_charts_panel(slot, lambda run: chart_panels(slot, run))
    st.caption(f"Gradient and update lines are averaged over the last {SMOOTH} records; every axis of sizes is a log "
               "scale. A healthy update moves each layer's weights by roughly 0.1 % to 1 % per step. Far below, the "
               "layer has stopped learning; far above, training is unstable. Hover a chart to read its values.")
    if with_demonstration:
        demonstration(slot)
