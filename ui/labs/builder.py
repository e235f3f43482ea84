"""The Builder's view: the layer list beside its shapes and cost, export and open, live training with
curves, a confusion matrix and the misclassified digits, and a pad to draw a digit on."""

from __future__ import annotations

import numpy as np
import streamlit as st

from dl_core import PRESETS, Run, from_json, to_json
from dl_core.analyses.examples import class_probabilities, from_drawing
from dl_core.analyses.chart_frames import TEST_COLOR, TRAIN_COLOR, Heatmap, Images, Lines, Panel
from dl_core.data.tasks import is_upload
from dl_core.export import script, weights_file
from dl_core.nets.layers import ShapeError
from dl_core.specs.budget import BYTES_PER_FLOAT, STEP_COST
from dl_core.specs.presets import preset_named
from dl_core.viz.images import image_grid
from dl_core.viz.passes import unit_bars
from ui import state
from ui.components.drawing_pad import drawing_pad
from ui.controls import bullets, draw_field, show_problems
from ui.live import live_charts_panel
from ui.uploads import upload_csv

CUSTOM = "custom"
EDITOR_WIDTH, SUMMARY_WIDTH = 624, 300  # side by side from about 1,300 px of screen; stacked on a projector


def presets_and_uploads(slot: str, where) -> None:
    """The preset box (it names the network loaded) and the learner's own table, in ``where``."""
    draft = state.current(slot).draft
    preset_key = state.widget_key(slot, "preset")
    if state.choice(f"{slot}.preset_shown_for") != draft:  # the network changed: the box names it (or "your own")
        state.set_widget(preset_key, preset_named(draft) or CUSTOM)
        state.set_choice(f"{slot}.preset_shown_for", draft)
    chosen = where.selectbox("Start from a preset", [CUSTOM, *PRESETS], key=preset_key,
                             format_func=lambda p: "Your own network" if p == CUSTOM else PRESETS[p].label,
                             help="A network that fits a task, to start from; Load replaces the layers and the data. "
                                  + "; ".join(f"{p.label}: {p.spec.shape().label}" for p in PRESETS.values()) + ".")
    if chosen != CUSTOM and chosen != preset_named(draft) and where.button(
            "Load this preset", icon=":material/download:", key=state.widget_key(slot, "load")):
        state.propose(slot, draft.for_task(PRESETS[chosen].task, PRESETS[chosen].layers, state.uploads()))
        st.rerun()
    with where.expander("Your own table (CSV)", icon=":material/upload_file:"):
        uploaded = upload_csv(slot, "table")
        if uploaded and st.button("Train on this table", key=state.widget_key(slot, "use_upload")):
            state.propose(slot, draft.for_task(uploaded, uploads=state.uploads()))
            st.rerun()


def layers_and_shapes(slot: str):
    """The layer editor (each row with its output shape and parameters) and, beside it (below it on a narrow
    screen), the network's totals: returns that side container, where export and open go too."""
    draft, spec = state.current(slot).draft, state.current(slot).valid
    row = st.container(horizontal=True, gap="small")
    left = row.container(width=EDITOR_WIDTH)
    right = row.container(width=SUMMARY_WIDTH)
    with left:
        st.subheader("Layers")
        draw_field(slot, next(f for f in spec.FIELDS if f.key == "layers"), where=left)
    show_problems(slot, where=left)
    shown = draft if not state.current(slot).problems else spec
    try:
        shape, work = shown.shape(state.uploads()), shown.work(state.uploads())
    except ShapeError:  # the draft is impossible: the totals are the valid network's
        shown = spec
        shape, work = shown.shape(state.uploads()), shown.work(state.uploads())
    with right:
        st.subheader("The network" if shown is draft else "The last network that worked")
        batch = shown.train.batch_size
        st.metric("Parameters", f"{work.parameters:,}", help="Weights and biases the optimiser learns.")
        st.markdown(f"Input **{' × '.join(map(str, shape.input_shape))}** · {work.macs:,} multiply-adds an example "
                    f"(the most in {work.largest})  \n"
                    f"One training step on a batch of {batch:,}: ≈{STEP_COST * batch * work.macs / 1e6:,.1f} million "
                    f"multiply-adds and {batch * work.stored * BYTES_PER_FLOAT * 2 / 2**20:,.1f} MB of kept values.",
                    help="From the layers' shapes alone, before anything is built: the work budgets refuse a network "
                         "or a batch whose step would hold up the server for everyone else.")
    return right


def export_and_open(slot: str, where) -> None:
    """Downloads (a standalone script, the network's JSON, its weights) and opening a network from JSON."""
    spec, run = state.current(slot).valid, state.live(slot).run
    with where.expander("Export or open a network", icon=":material/ios_share:"):
        source = state.upload_source(spec.task) if is_upload(spec.task) else None
        stem = "table" if is_upload(spec.task) else spec.task
        st.download_button("PyTorch script (.py)", lambda: script(spec, uploads=state.uploads(), csv_source=source),
                           f"{stem}_network.py", "text/x-python", icon=":material/code:", on_click="ignore",
                           help="Data, model, training loop and settings; needs no dl-lab.")
        st.download_button("This network (.json)", to_json(spec), f"{stem}_network.json", "application/json",
                           icon=":material/data_object:", on_click="ignore", help="Reopens the same build here.")
        st.download_button(f"Weights and optimiser state at step {run.trainer.step_count} (.pt)",
                           lambda: weights_file(run.trainer), f"{stem}_weights.pt", icon=":material/save:",
                           on_click="ignore",
                           help="torch.load(path, weights_only=True); the script continues from them with --weights.")
        opened = st.file_uploader("Open a network (.json)", type=["json"], key=state.widget_key(slot, "open"))
        if opened is not None and state.choice(f"{slot}.opened") != opened.file_id:
            state.set_choice(f"{slot}.opened", opened.file_id)
            loaded, problems = from_json(opened.getvalue(), state.uploads())
            if loaded is None or loaded.kind != "builder":
                state.set_choice(f"{slot}.open_problems", problems or ["This file holds a network of another lab."])
            else:
                state.set_choice(f"{slot}.open_problems", [])
                state.put(slot, loaded)
                st.rerun()
        refused = state.choice(f"{slot}.open_problems", [])
        if refused:
            st.error("This file was not opened; the network you had stays:\n\n" + bullets(refused),
                     icon=":material/block:")


MISCLASSIFIED_SHOWN = 16


def training_panels(run: Run) -> list[Panel]:
    """The live view's charts: loss (and accuracy) over the steps, the confusion matrix on the test data and,
    for images, the test examples the network gets wrong."""
    trainer, h = run.trainer, run.trainer.history
    panels: list[Panel] = [Lines(key="loss", title="Loss", steps=h.step, series=[h.train_loss, h.test_loss],
                                 names=["train", "test"], colors=[TRAIN_COLOR, TEST_COLOR], dashes=[False, True],
                                 y_title="loss")]
    if not trainer.objective.is_classification:
        return panels
    names = [run.data.class_name(c) for c in range(trainer.objective.n_classes)]
    panels += [
        Lines(key="accuracy", title="Accuracy", steps=h.step, series=[h.train_accuracy, h.test_accuracy],
              names=["train", "test"], colors=[TRAIN_COLOR, TEST_COLOR], dashes=[False, True], percent=True,
              y_title="accuracy"),
        Heatmap(key="confusion", title="Confusion matrix on the test data", values=trainer.confusion_matrix("test"),
                rows=names, columns=names, y_title="true class", x_title="the network's answer",
                version=trainer.step_count),
    ]
    if run.data.input_kind == "image":
        panels.append(misclassified(run))
    return panels


def misclassified(run: Run) -> Images:
    predicted, truth = (t.cpu().numpy() for t in run.trainer.predictions("test"))
    wrong = np.flatnonzero(predicted != truth)
    shown = wrong[:MISCLASSIFIED_SHOWN]
    name = run.data.class_name
    images = run.trainer.x_test[shown, 0].cpu().numpy() if len(shown) else np.zeros((0, 1, 1))
    return Images(key="misclassified", title="Misclassified test examples", images=images,
                  captions=[f"{name(int(truth[k]))} → {name(int(predicted[k]))}" for k in shown], wide=True,
                  note=f"{len(wrong)} of {len(truth)} test examples answered wrongly"
                       + (f"; the first {len(shown)}, each as true class → the network's answer" if len(shown) else ""))


def training(slot: str) -> None:
    """Live training: curves, the confusion matrix and the misclassified digits, repainted in place."""
    live_charts_panel(slot, training_panels)


def digit_pad(slot: str) -> None:
    """For networks on 8×8 digits: draw one and see what the network reads."""
    run = state.live(slot).run
    if run.data.input_shape != (1, 8, 8):
        return
    st.subheader("Draw a digit")
    pad, seen, answer = st.columns([1.1, 0.8, 1.6])
    with pad:
        drawing = drawing_pad(state.widget_key(slot, "pad"))
        st.caption("Draw with the mouse or a finger, as large as the pad. It becomes an 8×8 image the way the "
                   "training digits were made: the inked cells of each 4×4 block counted.")
    if drawing is None:
        return
    example = from_drawing(run, drawing, 0)
    seen.plotly_chart(image_grid(example.input[0][None], ["what the network sees"], columns=1, height_per_row=220),
                      key=state.widget_key(slot, "seen"))
    probabilities = class_probabilities(run, example.x)[0]
    best = int(probabilities.argmax())
    answer.markdown(f"### It reads **{run.data.class_name(best)}** ({probabilities[best]:.0%} sure)")
    answer.plotly_chart(unit_bars({"probability": probabilities}, "Probability of each class",
                                  labels=[run.data.class_name(c) for c in range(len(probabilities))]),
                        key=state.widget_key(slot, "probabilities"))


def show(slot: str) -> None:
    right = layers_and_shapes(slot)
    export_and_open(slot, right)
    training(slot)
    digit_pad(slot)
