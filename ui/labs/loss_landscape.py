"""The Loss Landscape lab's view: the optimiser's path growing live, a 2D slice through the weights that appears
coarse at once and sharpens in place, its convexity map, 1D slices, the sharpness of the minimum, and the five
findings of Li et al. (2018) tried on the learner's own network."""

from __future__ import annotations

import hashlib
import itertools
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dl_core import Run, with_value
from dl_core.analyses.landscape import (
    CONVEXITY_RESOLUTION, LANCZOS_STEPS, MAX_GRID_RESOLUTION, Cancelled, ConvexityMap, Surface, batches_under_vmap,
    check_grid, convexity_map, convexity_problem, evaluation_data, flat_parameters, refinement, refining_random_plane,
)
from dl_core.analyses.landscape_experiments import EXPERIMENTS, PATH_SHARE, TEST_ERROR, Experiment, ExperimentResult
from dl_core.errors import Refusal
from dl_core.viz.landscape import common_range, convexity_heatmap, landscape_contour, landscape_surface, loss_slices
from ui import cached, state
from ui.controls import plain
from ui.jobs import heavy
from ui.labs import landscape_path
from ui.page import guarded

SPANS = [0.1, 0.25, 0.5, 1.0, 2.0]
GRID_DEFAULT, GRID_DEFAULT_SLOW = 31, 21  # points a side; the slow kind is evaluated one point at a time
CONVEXITY_SIDES = [5, 7, 9, 11, 13, 15]
PICTURE_HEIGHT = 400
SIDE_BY_SIDE_HEIGHT = 340


def memory_of(slot: str) -> dict:
    """This session's results on this page for one slot: the grid being sharpened, maps, experiments."""
    return state.results(f"loss_landscape.{slot}")


def digest(weights: np.ndarray) -> str:
    """The weights in a few bytes: what tells one picture's weights from another's (the step count does not:
    the same step after a Reset with another learning rate is other weights)."""
    return hashlib.blake2b(weights.tobytes(), digest_size=12).hexdigest()


def seconds(t: float) -> str:
    """A duration as a learner reads it: no milliseconds, minutes past two of them."""
    if t < 0.1:
        return "under 0.1 s"
    if t < 10:
        return f"{t:.1f} s"
    return f"{t:.0f} s" if t < 120 else f"{t / 60:.1f} minutes"


def about(t: float) -> str:
    """An estimate: "about 4.2 s" (a measured cost times a count is not exact)."""
    return seconds(t) if t < 0.1 else f"about {seconds(t)}"


# ---------------------------------------------------------------- the 2D slice, coarse to fine


@dataclass
class PlaneGrid:
    """The 2D slice this session is looking at: what determines it, and the last picture of it computed (coarse
    while it sharpens, or where a Cancel left it). Kept between reruns so that a cancelled grid stays as it is."""

    key: tuple  # the weights' digest, the resolution, the span, the directions' seed
    resolution: int
    surface: Surface | None = None
    stopped: bool = False  # cancelled: kept until the learner asks to sharpen it
    seconds: float = 0.0  # how long the run that computed it took
    cost: float | None = None  # seconds a point, as measured here when it started (or after its first picture)
    draw: float = 0.0  # seconds to draw one level, as measured in this session when it started

    @property
    def estimate(self) -> float | None:
        """What the info box said the grid would take, before it ran."""
        return None if self.cost is None else grid_seconds(self.resolution, self.cost, self.draw)[0]

    @property
    def shown(self) -> int:
        return 0 if self.surface is None else len(self.surface.alphas)

    @property
    def complete(self) -> bool:
        return self.shown == self.resolution


def grid_seconds(resolution: int, cost: float, draw: float) -> tuple[float, float]:
    """(the whole grid, its first picture) in seconds: every point at its measured cost, and every level's drawing
    (two figures serialised and sent) at what drawing last took in this session."""
    levels = refinement(resolution)
    first = sum(len(block) for block in levels[0].blocks)
    return resolution ** 2 * cost + len(levels) * draw, first * cost + draw


def grid_note(grid: PlaneGrid) -> str:
    """The info box: how many evaluations, what one costs here (measured), and so how long the grid takes."""
    r = grid.resolution
    levels = refinement(r)
    first = levels[0].resolution
    text = f"A {r}×{r} grid is {r * r:,} evaluations of the loss. "
    if grid.cost is None:
        return text + (f"The first {first}×{first} picture measures what one costs on this server; this box then "
                       "says how long the rest takes.")
    total, first_seconds = grid_seconds(r, grid.cost, grid.draw)
    text += f"One costs {grid.cost * 1000:.2g} ms on this server (measured on this network's last grids), so this "
    text += f"grid takes {about(total)}"
    text += f", its first {first}×{first} picture {about(first_seconds)}. " if len(levels) > 1 else ". "
    return text + "Points already computed, by you or by another learner with the same weights, come back at once."


def draw_plane(contour: DeltaGenerator, surface_slot: DeltaGenerator, surface: Surface, log: bool,
               key: Callable[..., str], draws: int, final: bool = True) -> None:
    """The contour and the 3D surface, drawn into their placeholders: each level replaces the one before.
    ``draws`` counts the drawings in this run, so that a level drawn twice (kept, then recomputed) keeps a key
    of its own. The 3D surface waits for the ``final`` level: a browser without a GPU draws it in software for
    seconds, and while a grid sharpens that would freeze the page (Cancel included) at every level."""
    title = f"L(θ + αδ + βη), L(θ) = {surface.centre_loss:.4f}"
    n = len(surface.alphas)
    contour.plotly_chart(landscape_contour(surface.alphas, surface.betas, surface.losses, log, title=title,
                                           height=PICTURE_HEIGHT), key=key("contour", draws))
    if not final:
        surface_slot.caption(f"The 3D view comes once the grid is done (or cancelled): now {n}×{n}.")
        return
    surface_slot.plotly_chart(landscape_surface(surface.alphas, surface.betas, surface.losses, log,
                                                title=f"The same slice in 3D ({n}×{n} points)", height=PICTURE_HEIGHT),
                              key=key("surface", draws))


def sharpen(run: Run, grid: PlaneGrid, weights: np.ndarray, span: float, seed: int,
            draw: Callable[[Surface, bool], None], note: Callable[[], None]) -> None:
    """Computes the grid coarse to fine, block by cached block, drawing each level as it arrives. A click on
    Cancel (or on anything else) stops the run at its next progress report; the last level drawn stays in
    ``grid``. Blocks computed before (a rerun, a cancelled grid sharpened later) come from the cache."""
    r = grid.resolution

    def points(indices: np.ndarray) -> np.ndarray:
        return cached.plane_points(run.spec, weights, r, span, seed, indices, _run=run)

    def work(progress: Callable[[float], None]) -> None:
        started = time.perf_counter()
        for surface in refining_random_plane(run, r, span, seed, progress, points=points):
            grid.surface, grid.seconds = surface, time.perf_counter() - started
            draw(surface, len(surface.alphas) == r)
            note()

    heavy(f"Sharpening the 2D slice to {r}×{r}…", work, cached=True)


def grid_settings(slot: str, run: Run) -> tuple[int, float, int, bool]:
    """The 2D slice's controls: (points a side, span, directions' seed, log scale)."""
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    batched = batches_under_vmap(run.model)
    c1, c2, c3, c4 = st.columns(4)
    resolution = c1.number_input("Grid points per side", 3, 201, GRID_DEFAULT if batched else GRID_DEFAULT_SLOW,
                                 step=2, key=key("resolution", "fast" if batched else "slow"),  # its own default each
                                 help=f"At most {MAX_GRID_RESOLUTION}: {MAX_GRID_RESOLUTION}² evaluations of the "
                                      "loss on the evaluation data, within the landscape budget. The picture appears "
                                      "coarse at once and sharpens to this.")
    span = c2.select_slider("Span (±)", SPANS, value=1.0, key=key("span"),
                            help="How far along each direction, in units of the weights' own size.")
    seed = c3.number_input("Directions seed", 0, 1_000_000, 0, key=key("directions"),
                           help="Another seed, other directions.")
    log = c4.toggle("Log scale", key=key("log"), help="Shows detail near the minimum.")
    return int(resolution), float(span), int(seed), bool(log)


@guarded
def plane_view(slot: str, run: Run) -> None:
    """The 2D slice: an estimate of its time from the cost measured here, then the picture coarse at once and
    sharper in place, with a progress bar and Cancel; a cancelled grid stays as it was until Sharpen."""
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    r, span, seed, log = grid_settings(slot, run)
    problem = check_grid(run, r)
    if problem:
        st.error(plain(problem), icon=":material/block:")
        return
    weights = flat_parameters(run)
    memory = memory_of(slot)
    grid_key = (digest(weights), r, span, seed)
    grid = memory.get("plane")
    if grid is None or grid.key != grid_key:
        grid = memory["plane"] = PlaneGrid(grid_key, r)

    info = st.empty()
    status, button_column = st.columns([3, 1], vertical_alignment="center")
    button = button_column.empty()  # Cancel goes once the grid is done
    pending = not grid.complete and not grid.stopped
    if pending and button.button("Cancel", icon=":material/stop:", key=key("cancel_grid"), width="stretch",
                                 help="Stop sharpening: the picture so far stays, and says how coarse it is."):
        grid.stopped = True
        st.rerun()
    if grid.stopped and button.button("Sharpen", icon=":material/deblur:", key=key("sharpen_grid"), width="stretch",
                                      help=f"Go on to {r}×{r}; the points already computed are kept."):
        grid.stopped = False
        st.rerun()
    if pending and grid.surface is None and grid.cost is None:  # the estimate, from what was measured before
        grid.cost, grid.draw = cached.seconds_per_point(run.spec), memory.get("draw_seconds", 0.0)

    def note() -> None:
        if grid.cost is None and grid.surface is not None:  # the network's first grid here: its first picture
            grid.cost, grid.draw = cached.seconds_per_point(run.spec), memory.get("draw_seconds", 0.0)  # measured it
        info.info(grid_note(grid), icon=":material/timer:")

    note()
    left, right = st.columns(2)
    contour, surface_slot = left.empty(), right.empty()

    draws = itertools.count()

    def draw(surface: Surface, final: bool = True) -> None:
        started = time.perf_counter()
        draw_plane(contour, surface_slot, surface, log, key, next(draws), final)
        memory["draw_seconds"] = time.perf_counter() - started  # part of the next estimate: levels × drawing

    if grid.surface is not None:
        draw(grid.surface)
    if pending:
        with status:
            sharpen(run, grid, weights, span, seed, draw, note)
        button.empty()
    if grid.stopped:
        status.warning(f"Cancelled: this picture is {grid.shown}×{grid.shown}, coarser than the {r}×{r} you chose."
                       if grid.surface is not None else "Cancelled before the first picture.", icon=":material/stop:")
    elif grid.complete:
        status.caption(f"{r}×{r} points, computed in {seconds(grid.seconds)}"
                       + (f" (estimated {seconds(grid.estimate)})." if grid.estimate else "."))
    convexity_view(slot, run, grid_key, span, seed)


def convexity_view(slot: str, run: Run, grid_key: tuple, span: float, seed: int) -> None:
    """Li et al.'s convexity map of the same plane, on a button: a Lanczos run at every point is far dearer than a
    loss, so it is coarse and refused beyond the sharpness budget."""
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    memory = memory_of(slot)
    st.markdown("**Where is the landscape convex?** The paper's convexity map: at each point of the same plane, "
                "the Hessian's smallest and largest eigenvalues, as |λmin/λmax|.")
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    side = c1.select_slider("Convexity map: points per side", CONVEXITY_SIDES, value=CONVEXITY_RESOLUTION,
                            key=key("convexity_side"),
                            help=f"Each point is a Lanczos run of {LANCZOS_STEPS} Hessian-vector products on the "
                                 "evaluation data: far dearer than a loss, so the map is coarse.")
    map_key = (grid_key[0], int(side), span, seed)
    if c2.button("Map the convexity", icon=":material/grid_on:", key=key("convexity"),
                 help="|λmin/λmax| of the Hessian over this plane (same directions): near 0, the loss curves only "
                      "upwards there (convex); near 1 or more, it curves down as strongly as up."):
        problem = convexity_problem(run, int(side))
        memory["convexity"] = (map_key, problem or heavy(
            f"Lanczos at {int(side) ** 2} points…",
            lambda progress: convexity_map(run, int(side), span, seed, progress=progress)))
    kept = memory.get("convexity")
    if not kept or kept[0] != map_key:
        return
    found = kept[1]
    if isinstance(found, str):
        st.error(plain(found), icon=":material/block:")
        return
    left, right = st.columns(2)
    left.plotly_chart(convexity_heatmap(found.alphas, found.betas, found.ratio, title="|λmin/λmax| over the plane",
                                        height=PICTURE_HEIGHT), key=key("convexity_map"))
    right.metric("Mean |λmin/λmax|", f"{found.mean_ratio:.3g}",
                 help="0: convex everywhere on the plane; the paper saw near 0 around the minima of networks with "
                      "skip connections and large values for deep networks without.")
    right.caption(convexity_reading(found))


def convexity_reading(found: ConvexityMap) -> str:
    """What the map says, in numbers: the share of points where the loss curves down at least a tenth as much."""
    share = float((found.ratio >= 0.1).mean())
    return (f"At {share:.0%} of the {found.ratio.size} points the loss curves downwards at least a tenth as "
            f"strongly as it curves upwards (|λmin/λmax| ≥ 0.1). Blue: nearly convex there; yellow: strongly "
            f"non-convex. Evaluated on {found.evaluated_on}.")


# ---------------------------------------------------------------- 1D slices and sharpness


@guarded
def slices_view(slot: str, run: Run) -> None:
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    memory = memory_of(slot)
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
    st.caption("A random direction: α is the distance from the weights now (α = 0), in the weights' own size. "
               "The straight lines: α = 0 is the earlier weights, α = 1 the weights now. On the line from the initial "
               "weights, a loss that only falls means training could have walked straight there; a bump means it "
               f"went around a barrier. Evaluated on {evaluation_data(run).description}.")


@guarded
def sharpness_view(slot: str, run: Run) -> None:
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    if not st.toggle("Estimate the sharpness", key=key("sharp_on"),
                     help="Power iteration on Hessian-vector products: a few dozen passes over the evaluation data."):
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
                  else "steps this large bounce out of a minimum this sharp.")
               + f" Evaluated on {sharp.evaluated_on}.")
    st.plotly_chart(loss_slices({"top eigenvector": (sharp.alphas, sharp.losses)}, x_title="α along the eigenvector",
                                title="The loss along the sharpest direction"), key=key("sharp"))


# ---------------------------------------------------------------- the paper's five findings


WHAT_EACH_RUNS = {  # in a learner's words; the sizes are in the results' names and tables
    "skips": "Trains a deep plain ReLU network and the same network with skip connections on your 2D points "
             "(noisy spirals if your network has none), then maps each minimum: a 2D slice, its sharpness and its "
             "convexity map.",
    "batch": "Trains your network with a small and a large batch for the same number of epochs, then measures how "
             "much the loss rises half a filter-normalised step away from each minimum, its sharpness and its test "
             "error.",
    "normalisation": "Trains your network with a small and a large batch, each without and with weight decay, and "
                     "looks at each minimum along plain directions (not filter-normalised) as well as normalised "
                     "ones.",
    "width": "Trains a narrow and a wide network of the same depth on your 2D points (noisy circles if your "
             "network has none), then measures each minimum's flatness, sharpness and convexity map.",
    "paths": "Trains your network from the same start with SGD, with momentum and with Adam, then finds the plane "
             "of each path's two main PCA directions and draws the path on the loss over it.",
}


@dataclass(frozen=True)
class ExperimentRecord:
    result: ExperimentResult
    seconds: float
    step: int  # the learner's step count when it ran (the experiments train their own copies)


def interruptible(placeholder: DeltaGenerator) -> Callable[[], bool]:
    """``should_stop`` for an experiment. Streamlit stops a run at its next message to the browser once the learner
    clicks (Cancel, or anything else); an experiment's stages (a convexity map, a Lanczos run) can go seconds
    without a progress report, so between stages this sends one, an empty placeholder, to let a click take effect
    there. It never asks to stop by itself."""

    def should_stop() -> bool:
        placeholder.empty()
        return False

    return should_stop


def figure_text(name: str, value: float | None) -> str:
    if value is None or value != value:
        return "–"
    return f"{value:.1%}" if name in (TEST_ERROR, PATH_SHARE) else f"{value:.3g}"


def figures_table(result: ExperimentResult) -> dict[str, list[str]]:
    """Each variant's numbers, one column a variant, for ``st.table`` (it reads Markdown: every cell is plain)."""
    names = list(dict.fromkeys(name for v in result.variants.values() for name in v.figures))
    table = {"figure": [plain(name) for name in names]}
    for v in result.variants.values():
        table[plain(v.name)] = [plain(figure_text(name, v.figures.get(name))) for name in names]
    return table


def experiment_pictures(slot: str, result: ExperimentResult) -> None:
    """Pictures where a picture beats a number, side by side on one scale: surfaces, convexity maps, paths on
    their planes, and slices (one chart a kind of direction, a line a variant)."""
    key = lambda *parts: state.widget_key(slot, "experiment", result.key, *parts)  # noqa: E731
    variants = list(result.variants.values())
    with_path = [v for v in variants if v.path is not None and v.surface is not None]
    if with_path:
        for column, v in zip(st.columns(len(with_path)), with_path):
            s = v.surface
            column.plotly_chart(landscape_contour(
                s.alphas, s.betas, s.losses, log=True, path=v.path.coordinates, path_steps=list(v.path_steps),
                axis_titles=("1st PCA direction", "2nd PCA direction"), show_scale=False, show_legend=False,
                height=SIDE_BY_SIDE_HEIGHT, title=f"{v.name}: {v.figures[PATH_SHARE]:.1%}"),
                key=key("path", v.name))
        st.caption("Each optimiser's path (white, redder later) from the same start to its last weights (the star), "
                   "on the plane of its own two main PCA directions, with the share of the path's variance they "
                   "explain; the colours are the loss there, darker lower.")
    surfaces = [v for v in variants if v.surface is not None and v.path is None]
    if surfaces:
        z = common_range([v.surface.losses for v in surfaces], log=True)
        for column, v in zip(st.columns(len(surfaces)), surfaces):
            s = v.surface
            column.plotly_chart(landscape_surface(s.alphas, s.betas, s.losses, log=True, z_range=z, title=v.name,
                                                  height=SIDE_BY_SIDE_HEIGHT), key=key("surface", v.name))
        st.caption("Each minimum at the centre of a filter-normalised plane, on one height scale (log₁₀ loss).")
    maps = [v for v in variants if v.convexity is not None]
    if maps:
        for k, (column, v) in enumerate(zip(st.columns(len(maps)), maps)):
            c = v.convexity
            column.plotly_chart(convexity_heatmap(c.alphas, c.betas, c.ratio, height=SIDE_BY_SIDE_HEIGHT,
                                                  title=f"{v.name}: mean {c.mean_ratio:.3g}",
                                                  show_scale=k == len(maps) - 1),  # one scale for all: the same cap
                                key=key("convexity", v.name))
        st.caption("|λmin/λmax| over each plane, from 0 (dark: the loss curves only upwards) to 1 and more "
                   "(yellow: it curves down as strongly as up).")
    kinds = list(dict.fromkeys(kind for v in variants for kind in v.slices))
    if kinds:
        for column, kind in zip(st.columns(len(kinds)), kinds):
            column.plotly_chart(loss_slices({v.name: v.slices[kind] for v in variants if kind in v.slices}, log=True,
                                            x_title="α", title=f"Along a {kind} direction",
                                            height=SIDE_BY_SIDE_HEIGHT - 40), key=key("slices", kind))
        st.caption("The loss through each minimum (α = 0) along one random direction of each kind; the filter-"
                   "normalised direction is scaled to each network's own weights, the plain one is not.")


def experiment_view(slot: str, run: Run, experiment: Experiment) -> None:
    """One experiment: the paper's claim, what it trains, Run and Cancel, and the learner's result beside the claim."""
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    memory = memory_of(slot)
    done = memory.setdefault("experiments", {})
    st.markdown(f"**What the paper found.** {plain(experiment.claim)}")
    st.caption(WHAT_EACH_RUNS.get(experiment.key, ""))
    go, stop, status = st.columns([2, 1, 3], vertical_alignment="center")
    interrupted = memory.get("running") == experiment.key  # a click stopped the run that was computing it
    start = go.button("Run this experiment", icon=":material/science:", type="primary", width="stretch",
                      key=key("experiment", experiment.key),
                      help="Trains the variants on your data, measures each minimum, and sets your numbers beside "
                           "the paper's. Cancel stops it; nothing of an unfinished run is kept.")
    cancelled = stop.button("Cancel", icon=":material/stop:", key=key("cancel_experiment", experiment.key),
                            width="stretch", disabled=not (start or interrupted),
                            help="Stop this experiment: it is not kept, and your own network is untouched.")
    if interrupted and not start:
        memory.pop("running", None)
        status.warning("Cancelled: nothing of it was kept." if cancelled else
                       "Stopped by another click before it finished: run it again.", icon=":material/stop:")
    if start:
        memory["running"] = experiment.key
        started = time.perf_counter()
        with status:
            tick = st.empty()
            try:
                result = heavy(f"{experiment.title}: training and measuring…", lambda progress: experiment.run(
                    run.spec, uploads=state.uploads(), progress=progress, should_stop=interruptible(tick)))
            except Refusal as refusal:
                memory.pop("running", None)
                st.error(plain(str(refusal)), icon=":material/block:")
                return
            except Cancelled:
                memory.pop("running", None)
                st.warning("Cancelled: nothing of it was kept.", icon=":material/stop:")
                return
        memory.pop("running", None)
        done[experiment.key] = ExperimentRecord(result, time.perf_counter() - started, run.trainer.step_count)
    record = done.get(experiment.key)
    if record is None:
        return
    result = record.result
    show_verdict = st.success if result.agrees else st.warning
    show_verdict(f"**Your networks:** {plain(result.verdict)}",
                 icon=":material/check_circle:" if result.agrees else ":material/help:")
    st.caption(f"Run at your step {record.step:,}, in {seconds(record.seconds)}. Landscapes evaluated on "
               f"{plain(result.evaluated_on)}.")
    st.table(figures_table(result), hide_index=True)
    experiment_pictures(slot, result)


@guarded
def experiments_view(slot: str, run: Run) -> None:
    st.markdown("Li et al. (2018) used these pictures to explain why some networks train and generalise better. "
                "Each experiment below tries one of their findings on your own network and data, and says whether "
                "your numbers agree.")
    for tab, experiment in zip(st.tabs([e.title for e in EXPERIMENTS.values()]), EXPERIMENTS.values()):
        with tab:
            experiment_view(slot, run, experiment)
    st.divider()
    st.markdown("**A learning rate that is too large.** Set it to 3, press Play, and watch the path bounce "
                "across the valley instead of settling into it.")
    if st.button("Set the learning rate to 3", key=state.widget_key(slot, "big_lr"),
                 help="Changes your network's learning rate; the path above shows what it does."):
        state.propose(slot, with_value(state.current(slot).draft, "lr", 3.0)[0])
        st.rerun()


def show(slot: str) -> None:
    landscape_path.show(slot)  # the optimiser's path, live (ui/labs/landscape_path.py)
    run = state.live(slot).run
    st.caption(f"The views below use the weights at step {run.trainer.step_count:,}; they follow training when it "
               f"pauses. They show {plain(evaluation_data(run).description)}.")
    plane_tab, slices_tab, sharp_tab, experiments_tab = st.tabs(["2D slice", "1D slices", "Sharpness", "Experiments"])
    with plane_tab:
        plane_view(slot, run)
    with slices_tab:
        slices_view(slot, run)
    with sharp_tab:
        sharpness_view(slot, run)
    with experiments_tab:
        experiments_view(slot, run)
