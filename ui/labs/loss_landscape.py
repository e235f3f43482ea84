"""The Loss Landscape lab's view: the optimiser's path growing live, 2D and 1D slices through the weights,
the sharpness of the minimum, and experiments."""

from __future__ import annotations

import streamlit as st

from dl_core import Run, with_value
from dl_core.analyses.landscape import (
    MAX_GRID_RESOLUTION, batches_under_vmap, check_grid, compare_minima, flat_parameters,
)
from dl_core.observe.path import PathRecorder
from dl_core.viz.landscape import landscape_contour, landscape_surface, loss_slices
from ui import cached, state
from ui.controls import plain
from ui.jobs import heavy
from ui.live import live_panel
from ui.page import guarded

LIVE_SECONDS = 0.5  # the path view recomputes a small grid each tick
PATH_RESOLUTION = 25
PATH_RESOLUTION_SLOW = 9  # a network vmap cannot batch costs a full pass per grid point: keep the live view quick
SPANS = [0.1, 0.25, 0.5, 1.0, 2.0]


def record_path(trainer) -> PathRecorder:
    recorder = PathRecorder(trainer.model)
    trainer.on("after_step", recorder)
    return recorder


def path_view(slot: str, run: Run) -> None:
    recorder = run.probe("path", record_path)
    st.subheader("The optimiser's path")
    if len(recorder.snapshots) < 3:
        st.info("Press Play or Step: the path appears after a few steps and grows as training runs.",
                icon=":material/route:")
        return
    resolution = PATH_RESOLUTION if batches_under_vmap(run.model) else PATH_RESOLUTION_SLOW
    weights, snapshots = flat_parameters(run), cached.snapshots_array(recorder.snapshots)
    surface, projection = heavy("The loss around the path…", lambda progress: cached.path(
        run.spec, weights, snapshots, resolution, _uploads=state.uploads()), cached=True)
    first, second = projection.explained
    st.plotly_chart(landscape_contour(
        surface.alphas, surface.betas, surface.losses, log=True, path=projection.coordinates,
        path_steps=recorder.steps, axis_titles=(f"1st PCA direction ({first:.0%} of the path)",
                                                f"2nd PCA direction ({second:.0%})"),
        title=f"{len(recorder.snapshots)} snapshots since step {recorder.steps[0]}, projected on their two main "
              f"directions ({first + second:.1%} of the path's variance)"), key=state.widget_key(slot, "path"))
    st.caption("Each snapshot minus the last one, projected on the two main (PCA) directions of those "
               "differences; the contours are the loss on that plane. Paths of plain SGD tend to lie in very few "
               "directions: the share explained says how flat the path is.")


@guarded
def plane_view(slot: str, run: Run) -> None:
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    batched = batches_under_vmap(run.model)
    c1, c2, c3, c4 = st.columns(4)
    resolution = c1.number_input("Grid points per side", 3, 201, 31 if batched else 15, step=2,
                                 key=key("resolution", "fast" if batched else "slow"),  # its own default each
                                 help=f"At most {MAX_GRID_RESOLUTION}: {MAX_GRID_RESOLUTION}² evaluations of the "
                                      "loss on the whole training set, within the landscape budget.")
    span = c2.select_slider("Span (±)", SPANS, value=1.0, key=key("span"),
                            help="How far along each direction, in units of the weights' own size.")
    seed = c3.number_input("Directions seed", 0, 1_000_000, 0, key=key("directions"),
                           help="Another seed, other directions.")
    log = c4.toggle("Log scale", key=key("log"), help="Shows detail near the minimum.")
    problem = check_grid(run, int(resolution))
    if problem:
        st.error(plain(problem), icon=":material/block:")
        return
    weights = flat_parameters(run)
    surface = heavy(f"Evaluating the loss at {int(resolution) ** 2:,} points…", lambda progress: cached.plane(
        run.spec, weights, int(resolution), float(span), int(seed), state.uploads(), progress=progress), cached=True)
    left, right = st.columns(2)
    title = f"L(θ + αδ + βη), L(θ) = {surface.centre_loss:.4f}"
    left.plotly_chart(landscape_contour(surface.alphas, surface.betas, surface.losses, log, title=title),
                      key=key("contour"))
    right.plotly_chart(landscape_surface(surface.alphas, surface.betas, surface.losses, log, title=title),
                       key=key("surface"))


@guarded
def slices_view(slot: str, run: Run) -> None:
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    memory = state.results(f"loss_landscape.{slot}")
    spec, weights = run.spec, flat_parameters(run)
    remembered = memory.get("remembered")
    if remembered and remembered[0] != spec.rebuild_key():  # weights of another network cannot be compared
        remembered = memory["remembered"] = None
    if st.button("Remember these weights", icon=":material/bookmark_add:", key=key("remember"),
                 help="Train on (or change the learning rate, or the batch size), then compare: "
                      "the loss on the straight line between the two states."):
        remembered = memory["remembered"] = (spec.rebuild_key(), run.trainer.step_count, weights)
    span, seed = float(state.widget_value(key("span"), 1.0)), int(state.widget_value(key("directions"), 0))
    lines = heavy("The loss along three lines…", lambda progress: cached.slices(
        spec, weights, span, seed, remembered[1:] if remembered else None, _uploads=state.uploads()), cached=True)
    st.plotly_chart(loss_slices(lines, log=True, marks={"θ now": 0.0, "θ now ": 1.0}, x_title="α",
                                title="The loss along lines through the weights"), key=key("slices"))
    st.caption("On the straight line from the initial weights to now, a loss that only falls means training "
               "could have walked straight there; a bump means it went around a barrier.")


@guarded
def sharpness_view(slot: str, run: Run) -> None:
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    if not st.toggle("Estimate the sharpness", key=key("sharp_on"),
                     help="Power iteration on Hessian-vector products: a few dozen passes over the training set."):
        return
    spec = run.spec
    weights = flat_parameters(run)
    sharp = heavy("Power iteration on the Hessian…", lambda progress: cached.curvature(
        spec, weights, 1.0, _uploads=state.uploads()), cached=True)
    st.metric("Sharpness: the Hessian's largest eigenvalue", f"{sharp.eigenvalue:.4g}",
              help="The curvature of the loss along its steepest direction, by power iteration on "
                   "Hessian-vector products. Gradient descent is unstable once it exceeds 2 / learning rate.")
    st.caption(f"2 / learning rate = {2 / spec.train.learning_rate:.4g}: "
               + ("the optimiser can still settle here." if sharp.eigenvalue < 2 / spec.train.learning_rate
                  else "steps this large bounce out of a minimum this sharp."))
    st.plotly_chart(loss_slices({"top eigenvector": (sharp.alphas, sharp.losses)}, x_title="α along the eigenvector",
                                title="The loss along the sharpest direction"), key=key("sharp"))


@guarded
def experiments_view(slot: str, run: Run) -> None:
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    memory = state.results(f"loss_landscape.{slot}")
    spec = run.spec
    st.markdown("**Small or large batches: sharp or flat minima?** The same network trained twice, with "
                "batch 10 and with the full training set, then each minimum measured.")
    steps = st.select_slider("Steps for each", [200, 500, 1000, 2000], value=500, key=key("exp_steps"))
    if st.button("Run the comparison", icon=":material/compare_arrows:", key=key("compare")):
        variants = {f"batch {b}": with_value(spec, "batch", b)[0] for b in (10, 2000)}
        memory["minima"] = heavy("Training both networks…", lambda progress: compare_minima(
            variants, int(steps), progress=progress, uploads=state.uploads()))
    minima = memory.get("minima")
    if minima:
        st.plotly_chart(loss_slices(
            {f"{name}: sharpness {m.eigenvalue:.3g}, test accuracy {m.test_accuracy:.1%}": (m.alphas, m.losses)
             for name, m in minima.items()}, log=True, x_title="α (filter-normalised direction)",
            title="The minimum each reached, along the same kind of direction"), key=key("minima_chart"))
    st.divider()
    st.markdown("**A learning rate that is too large.** Set it to 3, press Play, and watch the path bounce "
                "across the valley instead of settling into it.")
    if st.button("Set the learning rate to 3", key=key("big_lr")):
        state.propose(slot, with_value(state.current(slot).draft, "lr", 3.0)[0])
        st.rerun()


def show(slot: str) -> None:
    run = state.live(slot).run
    if not batches_under_vmap(run.model):
        st.info("This network's layers are evaluated one grid point at a time (each point is a pass over the whole "
                "training set), so its grids are smaller by default and take a few seconds.",
                icon=":material/hourglass_top:")
    live_panel(slot, lambda run: path_view(slot, run), every=LIVE_SECONDS)
    run = state.live(slot).run
    st.caption(f"The views below use the weights at step {run.trainer.step_count:,}; they follow training when it "
               "pauses.")
    plane_tab, slices_tab, sharp_tab, experiments_tab = st.tabs(["2D slice", "1D slices", "Sharpness", "Experiments"])
    with plane_tab:
        plane_view(slot, run)
    with slices_tab:
        slices_view(slot, run)
    with sharp_tab:
        sharpness_view(slot, run)
    with experiments_tab:
        experiments_view(slot, run)
