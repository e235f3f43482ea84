"""The Generative lab's view, for a slot holding either kind of run.

An autoencoder on the digits: the test digits' codes on the plane, live, where a click decodes any point;
originals beside their reconstructions; the loss split into reconstruction and KL; a straight walk between
two digits' codes; a grid decoded over the plane; a drawn digit read, with its anomaly score.

A GAN on the plane: the real and generated points with the discriminator's verdict behind them and each
generated point's push, the noise grid folded by the generator, the share of the target's modes covered
with one-click remedies for collapse, and the losses over time.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import streamlit as st

from dl_core import Run
from dl_core.data.tasks import digit_from_drawing
from dl_core.generative.autoencoder import (
    GRID_SIZE, MAX_GRID_SIZE, PRIOR_REACH, autoencoder_frame, codes_of, decode_points, decoded_grid, latent_walk,
    read_digit, reconstruction_errors,
)
from dl_core.generative.gan import GAN_LOSSES, GanFrame, collapse_verdict, gan_frame
from dl_core.specs.generative import gan_remedies
from dl_core.viz.generative import (
    COVERED, FAKE, MISSED, REAL, anomaly_histogram, arrow_segments, critic_image, decoded_grid_figure, decoded_walk,
    gan_loss_curves, grid_marks, loss_split_curves, mosaic,
)
from ui import state
from ui.components import plane_view
from ui.components.code_plane import clicked_point, code_plane
from ui.components.drawing_pad import drawing_pad
from ui.controls import plain
from ui.live import every_while_playing, live_panel
from ui.page import guarded

LIVE_SECONDS = 0.15  # the live views: components repainted in place, a few small images
SLOW_SECONDS = 1.0  # curves, the walk, the grid and a drawn digit's reading follow training once a second
WALK_STEPS = (4, 20, 10)  # the fewest, the most and the default steps of a walk
EARLY_STEPS = 300  # before this, few modes are covered because the generator has barely started
PIXEL = 15  # screen pixels a side for each of a shown digit's 8×8 pixels
CHART = {"displayModeBar": False}
PUSH = "rgba(50,50,50,0.8)"  # the generator's pushes


def key(slot: str, *parts) -> str:
    """The key of one of this view's widgets or elements (apart from the field table's: ``folding`` is a field)."""
    return state.widget_key(slot, "view", *parts)


def show(slot: str) -> None:
    """The view for the slot's kind of run."""
    VIEWS[state.current(slot).valid.kind](slot)


def _following(slot: str, draw: Callable[[Run], None], after_divergence: bool = False) -> None:
    """``draw(run)`` in a fragment redrawn once a second while playing: views that follow training, not every
    tick. Views of the weights are not drawn once they are NaN (the live panel says why); curves still are."""

    @st.fragment(run_every=every_while_playing(slot, SLOW_SECONDS))
    @guarded
    def part() -> None:
        run = state.live(slot).run
        if after_divergence or not run.trainer.diverged:
            draw(run)

    part()


def _ink(image: np.ndarray) -> np.ndarray:
    """An (8, 8) digit in [0, 1], dark on light and enlarged for ``st.image``: (8·PIXEL, 8·PIXEL)."""
    return np.pad(np.kron(1.0 - np.clip(image, 0, 1), np.ones((PIXEL, PIXEL))), 1, constant_values=0.75)  # a frame


# ---------------------------------------------------------------- the autoencoder


def _walk_ends(run: Run, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """The first test digits of two classes, (8, 8) each."""
    x, y = run.trainer.x_test, run.trainer.y_test.cpu().numpy()
    return tuple(x[int(np.flatnonzero(y == c)[0]), 0].cpu().numpy() for c in (first, last))


def _autoencoder_live(slot: str) -> None:
    plane_key = key(slot, "code_plane")

    def draw(run: Run) -> None:
        trainer, spec = run.trainer, run.spec
        if trainer.diverged:  # NaN weights: nothing to draw (the panel says why)
            return
        h = trainer.history
        kl = f" + β·KL (β = {spec.train.beta:g}): {h.last('test_reconstruction'):.2f} + " \
             f"{spec.train.beta:g} × {h.last('test_kl'):.2f}" if spec.variational else ""
        st.caption(f"Loss per test digit: reconstruction{kl}. Mean squared pixel error of the test digits rebuilt: "
                   f"{h.last('test_pixel_error'):.4f}.")
        frame = autoencoder_frame(trainer)
        plane = frame.plane
        clicked = clicked_point(plane_key)
        walk = state.choice(f"{slot}.walk")
        drawing = state.choice(f"{slot}.drawn_digit")
        path = plane.to_plane(latent_walk(trainer.model, *_walk_ends(run, walk[0], walk[1]), walk[2]).codes) \
            if walk else None
        drawn = plane.to_plane(codes_of(trainer.model, drawing))[0] if drawing is not None else None
        shown = np.vstack([plane.low, plane.high] + [np.reshape(p, (-1, 2)) for p in (path, clicked, drawn)
                                                     if p is not None])  # all of it stays in view
        low, high = shown.min(axis=0), shown.max(axis=0)
        names = [run.data.class_name(c) for c in range(run.data.n_classes)]
        left, right = st.columns([1.35, 1])
        with left:
            code_plane(plane_key, frame.points, frame.labels, names,
                       (low[0], high[0], low[1], high[1]),
                       plane.titles, "The test digits' codes: click anywhere to decode", path, clicked, drawn)
        with right:
            if clicked:
                st.markdown(f"**Decoded at ({clicked[0]:.2f}, {clicked[1]:.2f})**")
                image = decode_points(trainer.model, plane, np.asarray([clicked]))[0]
                st.image(_ink(image), width=8 * PIXEL, clamp=True)
            else:
                st.info("Click anywhere on the code plane to see the digit the decoder makes from that point.",
                        icon=":material/ads_click:")
            st.markdown("**Test digits, and rebuilt from their codes**")
            pairs = mosaic(np.stack([frame.originals, frame.reconstructions]))  # (2·9 − 1, S·9 − 1), NaN between
            st.image(np.kron(1.0 - np.nan_to_num(pairs, nan=0.0), np.ones((5, 5))), clamp=True,
                     caption="Top: " + " ".join(names[c] for c in frame.labels[:len(frame.originals)])
                     + ". Bottom: the same, rebuilt.")
        if spec.latent > 2:
            st.caption(f"The code has {spec.latent} numbers; the plane shows its two principal directions (those "
                       "along which the test digits' codes spread most), and a click decodes the code at that "
                       "point of the plane.")

    live_panel(slot, draw, every=LIVE_SECONDS)


def _autoencoder_curves(slot: str) -> None:
    def draw(run: Run) -> None:
        h, spec = run.trainer.history, run.spec
        kl = {"train": h.train_kl, "test": h.test_kl} if spec.variational else {}
        st.plotly_chart(loss_split_curves(h.step, {"train": h.train_reconstruction, "test": h.test_reconstruction},
                                          kl, spec.train.beta if spec.variational else None),
                        key=key(slot, "loss_split"), config=CHART)

    _following(slot, draw, after_divergence=True)


def _walk(slot: str, run: Run) -> None:
    """Choose two digits' classes and the steps; the walk is drawn on the plane above and decoded here."""
    names = [run.data.class_name(c) for c in range(run.data.n_classes)]
    first, last, steps = st.columns(3)
    a = first.selectbox("From a", range(len(names)), index=1, format_func=names.__getitem__,
                        key=key(slot, "walk", "from"),
                        help="The walk starts at the code of the first test digit of this class.")
    b = last.selectbox("to a", range(len(names)), index=0, format_func=names.__getitem__,
                       key=key(slot, "walk", "to"),
                       help="The walk ends at the code of the first test digit of this class.")
    n = steps.slider("Steps", *WALK_STEPS[:2], value=WALK_STEPS[2], key=key(slot, "walk", "steps"),
                     help="Codes evenly spaced on the straight line between the two digits' codes, ends included.")
    state.set_choice(f"{slot}.walk", (a, b, n))

    def draw(run: Run) -> None:
        walk = latent_walk(run.trainer.model, *_walk_ends(run, a, b), n)
        st.plotly_chart(decoded_walk(walk.images), key=key(slot, "walk", "images"), config=CHART)
        st.caption("The black path on the code plane above is this walk. Where it crosses empty space between "
                   "clusters, a plain autoencoder's decoder has never been asked for a digit, so it may make blots; "
                   "a VAE's KL term fills that space, so the digits change smoothly.")

    _following(slot, draw)


def _grid(slot: str, run: Run) -> None:
    size = st.slider("Digits a side", 4, MAX_GRID_SIZE // 2, GRID_SIZE, key=key(slot, "grid", "size"),
                     help="The grid's rows and columns: each cell is the digit decoded at that point of the plane.")

    def draw(run: Run) -> None:
        plane = autoencoder_frame(run.trainer, 1).plane
        grid = decoded_grid(run.trainer.model, plane, size)
        st.plotly_chart(decoded_grid_figure(grid.images, grid.xs, grid.ys, plane.titles),
                        key=key(slot, "grid", "images"), config=CHART)
        if run.spec.variational and run.spec.latent == 2:
            st.caption(f"The grid spans ±{PRIOR_REACH:g} on both axes, where the prior N(0, 1) puts almost every "
                       "code: a VAE learns to decode all of it, so this is a map of the digits it can make.")
        else:
            st.caption("The grid spans the test digits' codes. Between and around the clusters, nothing asked the "
                       "decoder for a digit; compare with the VAE, whose codes are pulled towards N(0, 1).")

    _following(slot, draw)


def _draw_a_digit(slot: str, run: Run) -> None:
    pad, reading = st.columns([1.1, 1])
    with pad:
        bitmap = drawing_pad(key(slot, "pad"))
        st.caption("Draw a digit as large as the pad, or a scribble that is no digit. It becomes an 8×8 image the "
                   "way the training digits were made.")
    image = digit_from_drawing(bitmap) if bitmap is not None else None
    state.set_choice(f"{slot}.drawn_digit", image)
    if image is None:
        reading.info("Draw on the pad: its code shows on the plane above as a red diamond, with its "
                     "reconstruction and an anomaly score here.", icon=":material/draw:")
        return

    def draw_images(run: Run) -> None:
        read = read_digit(run.trainer, image, autoencoder_frame(run.trainer, 1).plane)
        seen, rebuilt = st.columns(2)
        seen.image(_ink(image), caption="What the encoder sees", width=8 * PIXEL, clamp=True)
        rebuilt.image(_ink(read.reconstruction), caption="Rebuilt from its code", width=8 * PIXEL, clamp=True)
        code = ", ".join(f"{v:.2f}" for v in read.code)
        st.markdown(f"Its code: ({code})")

    def draw_score(run: Run) -> None:
        read = read_digit(run.trainer, image, autoencoder_frame(run.trainer, 1).plane)
        verdict = ("**Unusual**: most likely not a digit like those it learnt." if read.unusual else
                   "**Looks like a digit** to this model.")
        st.markdown(f"Anomaly score (reconstruction error) **{read.score:.4f}**: rebuilt worse than "
                    f"{read.percentile:.0f}% of the test digits. Beyond {read.threshold:.4f}, their 99th "
                    f"percentile, a drawing is called unusual. {verdict}")
        errors = reconstruction_errors(run.trainer.model, run.trainer.x_test)
        st.plotly_chart(anomaly_histogram(errors, read.score, read.threshold), key=key(slot, "anomaly"),
                        config=CHART)
        st.caption("Drawn digits have thicker, sharper strokes than the scanned ones it learnt from, so even a "
                   "clear digit can score high: compare one with a scribble. A longer code rebuilds better and "
                   "separates the two more clearly.")

    with reading:
        _following(slot, draw_images)
    _following(slot, draw_score)


def _autoencoder(slot: str) -> None:
    live = st.container()
    _autoencoder_curves(slot)
    st.subheader("Explore the code space")
    run = state.live(slot).run
    labels = ["Walk between two digits", "Decode a grid", "Draw a digit"]
    tabs = dict(zip(labels, st.tabs(labels, key=key(slot, "tab"), on_change="rerun")))
    state.set_choice(f"{slot}.walk", None)
    state.set_choice(f"{slot}.drawn_digit", None)
    for label, part in zip(labels, (_walk, _grid, _draw_a_digit)):
        if tabs[label].open:
            with tabs[label]:
                part(slot, run)
    with live:  # drawn above the tabs, after them: the walk and the drawing the tabs chose show on the plane
        _autoencoder_live(slot)


# ---------------------------------------------------------------- the GAN


def _remedies(slot: str, run: Run, collapsing: bool) -> None:
    """The remedies for mode collapse that would change this GAN, one click each."""
    spec = run.spec
    offered = gan_remedies(spec)
    if not offered:
        return
    st.markdown("**Remedies for mode collapse, to try:**" if collapsing else
                "Remedies for mode collapse, should it happen:")
    for remedy in offered:
        restarts = spec.remedy(remedy.name).rebuild_key() != spec.rebuild_key()
        if st.button(remedy.label, key=key(slot, "remedy", remedy.name), icon=":material/healing:",
                     width="stretch",
                     help=remedy.why[0].upper() + remedy.why[1:] + "."
                     + (" Training starts again." if restarts else " Training goes on.")):
            remedied = state.current(slot).draft.remedy(remedy.name) or spec.remedy(remedy.name)
            state.propose(slot, remedied)
            st.rerun()  # the whole page: the controls show the remedy
    if not collapsing:
        st.caption("To watch a collapse happen, choose the grid target and the original minimax loss.")


def _coverage(run: Run, covered: np.ndarray, on_target: float) -> bool:
    """The share of the target's modes covered, in words; returns whether the generator is collapsing."""
    n, k = int(np.sum(covered)), len(covered)
    st.progress(n / k if k else 0.0, text=f"**Modes covered: {n} of {k}** · {on_target:.0%} of the generated points "
                                          "lie on the target")
    if run.trainer.step_count < EARLY_STEPS:
        st.caption("The generator starts as a small blob somewhere on the plane: give it a few hundred steps before "
                   "judging whether it collapses.")
        return False
    collapsing = n < 0.75 * k
    (st.warning if collapsing else st.success if n == k else st.info)(collapse_verdict(n, k))
    return collapsing


def _scene(frame: GanFrame) -> dict:
    """The game on one panel: the discriminator behind, real and generated points, pushes, the modes."""
    e = frame.extent
    layers = [plane_view.points(frame.real, REAL, size=2.4, alpha=0.75)]
    legend = [("real", REAL, "dot"), ("generated", FAKE, "dot")]
    if frame.pushes is not None and len(frame.fake):
        xs, ys, scale = arrow_segments(frame.fake, frame.pushes, e / 10)  # the longest a tenth of the plane
        ends = np.stack([xs.reshape(-1, 3)[:, 1], ys.reshape(-1, 3)[:, 1]], axis=1)
        layers.append(plane_view.arrows(frame.fake, ends, PUSH))
        legend.append((f"push −∂ℓ_G/∂x (×{scale:.2g})", PUSH, "arrow"))
    layers += [plane_view.points(frame.fake, FAKE, size=3.2, outline="white"),
               plane_view.rings(frame.modes, [COVERED if c else MISSED for c in frame.covered])]
    legend += [("mode covered", COVERED, "ring"), ("mode missed", MISSED, "ring")]
    image = critic_image(frame.heatmap, frame.heat_is_probability) if frame.heatmap is not None else None
    return plane_view.panel("Real and generated points", (-e, e, -e, e), layers, image, legend)


def _grid_lines(nodes: np.ndarray) -> list[np.ndarray]:
    """The rows and the columns of a grid of nodes (R, C, 2), as polylines."""
    return [*nodes, *nodes.transpose(1, 0, 2)]


def _folding(frame: GanFrame) -> list[dict]:
    """The noise space's grid, and where the generator lays it on the plane: a node keeps its colour (z₁) and
    its size (z₂) on both sides."""
    folded, e = frame.folded, frame.extent
    values, sizes = grid_marks(folded.noise, folded.half_width)
    radii = sizes / 2
    reach = 1.12 * folded.half_width  # room for the nodes at the edge
    grey = "rgba(120,120,120,0.7)"
    return [
        plane_view.panel("Noise space (z₁, z₂)", (-reach, reach, -reach, reach),
                         [plane_view.lines(_grid_lines(folded.noise), grey),
                          plane_view.points(folded.noise.reshape(-1, 2), values=values, sizes=radii)],
                         max_width=380),
        plane_view.panel("Where the generator sends it", (-e, e, -e, e),
                         [plane_view.points(frame.real, REAL, size=2, alpha=0.35),
                          plane_view.lines(_grid_lines(folded.image), grey),
                          plane_view.points(folded.image.reshape(-1, 2), values=values, sizes=radii)],
                         legend=[("real", REAL, "dot")], max_width=380),
    ]


def _gan_live(slot: str) -> None:
    def draw(run: Run) -> None:
        spec, trainer = run.spec, run.trainer
        if trainer.diverged:  # NaN weights: nothing to draw (the panel says why)
            return
        st.caption(f"Generator loss **{trainer.history.last('generator_loss'):.4f}**. The train and test losses "
                   "are the discriminator's, with the real points it trains on and with held-out ones.")
        view = spec.view
        frame = gan_frame(trainer, pushes=view.arrows, heatmap=view.heatmap, fold=view.folding)
        left, right = st.columns([1.15, 1])
        with left:
            plane_view.plane_view(key(slot, "scene"), [_scene(frame)])
            behind = ("Behind the points, the discriminator's verdict: blue where it says real, orange where it says "
                      "fake. " if frame.heat_is_probability else
                      "Behind the points, the critic's score: blue where it is high (real-looking), orange where "
                      "low. ")
            st.caption((behind if frame.heatmap is not None else "")
                       + ("Each arrow is the way the generator's loss pushes that generated point. " if view.arrows
                          else "")
                       + "Rings mark the target's modes: green when enough generated points land there, red when "
                         "missed.")
        with right:
            collapsing = _coverage(run, frame.covered, frame.on_target)
            _remedies(slot, run, collapsing)
        if frame.folded is not None:
            plane_view.plane_view(key(slot, "folding"), _folding(frame))
            st.caption("The generator maps each point of its noise space (left) to the plane (right): a node keeps "
                       "its colour and size. Where the grid stretches, points thin out; where it folds or bunches, "
                       "they pile up.")

    live_panel(slot, draw, every=LIVE_SECONDS)


def _gan_curves(slot: str) -> None:
    def draw(run: Run) -> None:
        h, trainer = run.trainer.history, run.trainer
        st.plotly_chart(gan_loss_curves(h.step, h.discriminator_loss, h.generator_loss, h.modes_covered,
                                        trainer.target.n_modes, h.test_loss),
                        key=key(slot, "curves"), config=CHART)
        info = GAN_LOSSES[run.spec.train.loss]
        st.caption(plain(f"{info.label}: the discriminator minimises {info.discriminator}; the generator minimises "
                         f"{info.generator}. {info.explanation}"))

    _following(slot, draw, after_divergence=True)


def _gan(slot: str) -> None:
    _gan_live(slot)
    _gan_curves(slot)


VIEWS: dict[str, Callable[[str], None]] = {"autoencoder": _autoencoder, "gan": _gan}
