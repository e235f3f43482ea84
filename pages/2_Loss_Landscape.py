"""Loss Landscape: the loss around your own network's weights, and the path the optimiser took."""

from dataclasses import replace

import streamlit as st

from dl_core import LayerSpec
from dl_core.landscape import (
    MAX_GRID_RESOLUTION, PathRecorder, check_grid, compare_minima, flat_parameters, uses_convolutions,
)
from dl_core.viz.landscape import landscape_contour, landscape_surface, loss_slices
from ui import landscape_cache as cached
from ui.lab import apply_spec, chosen_run
from ui.page import LABS, setup_page
from ui.run_controls import live_controls

LIVE_SECONDS = 0.5  # the path view recomputes a small grid each tick
PATH_RESOLUTION = 25
PATH_RESOLUTION_CONV = 9  # a conv net costs a full forward pass per grid point: keep the live view quick
REMEMBERED = "ls.remembered"  # (rebuild key, step, flattened weights) the learner chose to keep
SPANS = [0.1, 0.25, 0.5, 1.0, 2.0]

setup_page(LABS[1])
st.title(":material/landscape: Loss Landscape")
st.caption("The loss of *your* network on *your* training data, around its current weights θ. "
           "A direction in weight space has as many numbers as the network has weights; the plots walk along "
           "one or two of them. Directions are filter-normalised (Li et al. 2018): each unit's incoming weights "
           "in the direction have the same size as in θ, so slices of different networks can be compared.")
spec, run, run_key, steps_per_tick, on_builder = chosen_run("Loss_Landscape", "ls.network")
convolutional = uses_convolutions(run.trainer.model)
if convolutional:
    st.info("A network with convolutions is evaluated one grid point at a time (each point is a pass over the "
            "whole training set), so its grids are smaller by default and take a few seconds.",
            icon=":material/hourglass_top:")


def record_path(trainer):
    recorder = PathRecorder(trainer.model)
    trainer.on("after_step", recorder)
    return recorder


recorder = run.probe("path", record_path)


@st.fragment(run_every=LIVE_SECONDS if run.playing else None)
def path_panel():
    trainer = live_controls(run_key, steps_per_tick)
    st.subheader("The optimiser's path")
    if len(recorder.snapshots) < 3:
        st.info("Press Play or Step: the path appears after a few steps and grows as training runs.",
                icon=":material/route:")
        return
    surface, projection = cached.path(spec, flat_parameters(trainer), cached.snapshots_array(recorder.snapshots),
                                      PATH_RESOLUTION_CONV if convolutional else PATH_RESOLUTION)
    first, second = projection.explained
    st.plotly_chart(landscape_contour(
        surface.alphas, surface.betas, surface.losses, log=True, path=projection.coordinates,
        path_steps=recorder.steps, axis_titles=(f"1st PCA direction ({first:.0%} of the path)",
                                                f"2nd PCA direction ({second:.0%})"),
        title=f"{len(recorder.snapshots)} snapshots since step {recorder.steps[0]}, projected on their two main "
              f"directions ({first + second:.1%} of the path's variance)"), key="ls.path")
    st.caption("Each snapshot minus the last one, projected on the two main (PCA) directions of those "
               "differences; the contours are the loss on that plane. Paths of plain SGD tend to lie in very few "
               "directions: the share explained says how flat the path is.")


path_panel()
trainer = run.trainer
weights = flat_parameters(trainer)
st.caption(f"The views below use the weights at step {trainer.step_count:,}; they follow training when it pauses.")

plane_tab, slices_tab, sharp_tab, experiments_tab = st.tabs(
    ["2D slice", "1D slices", "Sharpness", "Experiments"])

with plane_tab:
    c1, c2, c3, c4 = st.columns(4)
    resolution = c1.number_input("Grid points per side", 3, 201, 15 if convolutional else 31, step=2,
                                 key=f"ls.resolution.{'conv' if convolutional else 'dense'}",  # own default each
                                 help=f"At most {MAX_GRID_RESOLUTION}: {MAX_GRID_RESOLUTION}² evaluations of the "
                                      "loss on the whole training set.")
    span = c2.select_slider("Span (±)", SPANS, value=1.0, key="ls.span",
                            help="How far along each direction, in units of the weights' own size.")
    seed = c3.number_input("Directions seed", 0, 1_000_000, 0, key="ls.seed", help="Another seed, other directions.")
    log = c4.toggle("Log scale", key="ls.log", help="Shows detail near the minimum.")
    problem = check_grid(int(resolution), len(trainer.x_train))
    if problem:
        st.error(problem, icon=":material/block:")
    else:
        bar = st.progress(0.0, text=f"Evaluating the loss at {int(resolution) ** 2:,} points…")
        surface = cached.plane(spec, weights, int(resolution), float(span), int(seed),
                               progress=bar.progress)
        bar.empty()
        left, right = st.columns(2)
        title = f"L(θ + αδ + βη), L(θ) = {surface.centre_loss:.4f}"
        left.plotly_chart(landscape_contour(surface.alphas, surface.betas, surface.losses, log, title=title),
                          key="ls.contour")
        right.plotly_chart(landscape_surface(surface.alphas, surface.betas, surface.losses, log, title=title),
                           key="ls.surface")

with slices_tab:
    remembered = st.session_state.get(REMEMBERED)
    if remembered and remembered[0] != spec.rebuild_key():  # weights of another network cannot be compared
        remembered = st.session_state[REMEMBERED] = None
    if st.button("Remember these weights", icon=":material/bookmark_add:", key="ls.remember",
                 help="Train on (or change the learning rate, or the batch size), then compare: "
                      "the loss on the straight line between the two states."):
        remembered = st.session_state[REMEMBERED] = (spec.rebuild_key(), trainer.step_count, weights)
    lines = cached.slices(spec, weights, float(st.session_state.get("ls.span", 1.0)),
                          int(st.session_state.get("ls.seed", 0)), remembered[1:] if remembered else None)
    st.plotly_chart(loss_slices(lines, log=True, marks={"θ now": 0.0, "θ now ": 1.0}, x_title="α",
                                title="The loss along lines through the weights"), key="ls.slices")
    st.caption("On the straight line from the initial weights to now, a loss that only falls means training "
               "could have walked straight there; a bump means it went around a barrier.")

with sharp_tab:
    sharp = cached.curvature(spec, weights, 1.0)
    st.metric("Sharpness: the Hessian's largest eigenvalue", f"{sharp.eigenvalue:.4g}",
              help="The curvature of the loss along its steepest direction, by power iteration on "
                   "Hessian-vector products. Gradient descent is unstable once it exceeds 2 / learning rate.")
    st.caption(f"2 / learning rate = {2 / spec.train.learning_rate:.4g}: "
               + ("the optimiser can still settle here." if sharp.eigenvalue < 2 / spec.train.learning_rate
                  else "steps this large bounce out of a minimum this sharp."))
    st.plotly_chart(loss_slices({"top eigenvector": (sharp.alphas, sharp.losses)}, x_title="α along the eigenvector",
                                title="The loss along the sharpest direction"), key="ls.sharp")

with experiments_tab:
    st.markdown("**Small or large batches: sharp or flat minima?** The same network trained twice, with "
                "batch 10 and with the full training set, then each minimum measured.")
    steps = st.select_slider("Steps for each", [200, 500, 1000, 2000], value=500, key="ls.exp_steps")
    if st.button("Run the comparison", icon=":material/compare_arrows:", key="ls.compare"):
        bar = st.progress(0.0, text="Training both networks…")
        variants = {f"batch {b}": replace(spec, train=replace(spec.train, batch_size=b)) for b in (10, 2000)}
        st.session_state["ls.minima"] = compare_minima(variants, int(steps), progress=bar.progress)
        bar.empty()
    minima = st.session_state.get("ls.minima")
    if minima:
        st.plotly_chart(loss_slices(
            {f"{name}: sharpness {m.eigenvalue:.3g}, test accuracy {m.test_accuracy:.1%}": (m.alphas, m.losses)
             for name, m in minima.items()}, log=True, x_title="α (filter-normalised direction)",
            title="The minimum each reached, along the same kind of direction"), key="ls.minima_chart")
    if on_builder:
        st.caption("The experiments with the learning rate and with skip connections change the 2D network.")
        st.stop()
    st.divider()
    st.markdown("**A learning rate that is too large.** Set it to 3, press Play, and watch the path bounce "
                "across the valley instead of settling into it.")
    if st.button("Set the learning rate to 3", key="ls.big_lr"):
        apply_spec(replace(spec, train=replace(spec.train, learning_rate=3.0)))
    st.divider()
    st.markdown("**Skip connections on a deep network** (Li et al. 2018): eight ReLU layers of 8 units, He "
                "initialisation, trained on this data with and without skip connections, then a 2D slice through "
                "each minimum.")
    if st.button("Run the comparison", icon=":material/compare_arrows:", key="ls.skips"):
        bar = st.progress(0.0, text="Training both networks…")
        deep = replace(spec.model, hidden=(LayerSpec(8, "relu"),) * 8, init="he", norm=False)
        variants = {label: replace(spec, model=replace(deep, skip=skip))
                    for label, skip in (("without skips", False), ("with skips", True))}
        st.session_state["ls.skip_minima"] = compare_minima(variants, int(steps), progress=bar.progress)
        bar.empty()
    minima = st.session_state.get("ls.skip_minima")
    if minima:
        for column, (name, m) in zip(st.columns(len(minima)), minima.items()):
            s = m.surface
            column.plotly_chart(landscape_contour(
                s.alphas, s.betas, s.losses, log=True,
                title=f"{name}: sharpness {m.eigenvalue:.3g}, test accuracy {m.test_accuracy:.1%}"),
                key=f"ls.skip_chart.{name}")
