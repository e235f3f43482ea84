"""Builder: a network layer by layer, with shapes, parameters and cost, trained live on real data."""

import numpy as np
import streamlit as st

from dl_core import PRESETS, from_json, to_json
from dl_core.analyses.examples import class_probabilities, from_drawing
from dl_core.analyses.playground_pictures import confusion_figure, learning_curves
from dl_core.data.tasks import is_upload
from dl_core.export import script, weights_file
from dl_core.nets.layers import LAYERS, ShapeError
from dl_core.specs.budget import BYTES_PER_FLOAT, STEP_COST
from dl_core.specs.presets import preset_named
from dl_core.viz.images import image_grid
from dl_core.viz.passes import unit_bars
from ui import state
from ui.components.drawing_pad import drawing_pad
from ui.controls import bullets, draw_field, show_problems, sidebar_controls
from ui.live import every_while_playing, live_panel
from ui.page import setup_page
from ui.slots import finish, open_slot
from ui.uploads import upload_csv

CUSTOM = "custom"

LAB = setup_page("builder")
st.caption("Stack layers, see the shape each one gives and what it costs, then train on real data. An impossible "
           "stack is refused with the layer and the reason, and the last network that worked stays and trains.")
SLOT = open_slot(LAB, ("builder",))
draft = state.current(SLOT).draft

# ---------------------------------------------------------------- sidebar: task, presets, your table, training
sidebar_controls(SLOT, groups=("Task",))
preset_key = state.widget_key(SLOT, "preset")
if state.choice(f"{SLOT}.preset_shown_for") != draft:  # the network changed: the box names it (or "your own")
    state.set_widget(preset_key, preset_named(draft) or CUSTOM)
    state.set_choice(f"{SLOT}.preset_shown_for", draft)
chosen = st.sidebar.selectbox("Start from a preset", [CUSTOM, *PRESETS], key=preset_key,
                              format_func=lambda p: "Your own network" if p == CUSTOM
                              else f"{PRESETS[p].label} ({PRESETS[p].spec.shape().label})")
if chosen != CUSTOM and chosen != preset_named(draft) and st.sidebar.button(
        "Load this preset", icon=":material/download:", key=state.widget_key(SLOT, "load")):
    state.propose(SLOT, draft.for_task(PRESETS[chosen].task, PRESETS[chosen].layers, state.uploads()))
    st.rerun()
with st.sidebar.expander("Your own table (CSV)", icon=":material/upload_file:"):
    uploaded = upload_csv(SLOT, "table")
    if uploaded and st.button("Train on this table", key=state.widget_key(SLOT, "use_upload")):
        state.propose(SLOT, draft.for_task(uploaded, uploads=state.uploads()))
        st.rerun()
sidebar_controls(SLOT, groups=("Network", "Training", "View"))

# ---------------------------------------------------------------- the layers and their shapes
draft = state.current(SLOT).draft
spec = state.current(SLOT).valid
left, right = st.columns([1.25, 1])
with left:
    st.subheader("Layers")
    draw_field(SLOT, next(f for f in spec.FIELDS if f.key == "layers"), where=left)
show_problems(SLOT, where=left)
shown = draft if not state.current(SLOT).problems else spec
with right:
    try:
        planned, shape = shown.planned(state.uploads()), shown.shape(state.uploads())
    except ShapeError:  # the draft is impossible: the valid spec's table is shown instead
        shown = spec
        planned, shape = shown.planned(state.uploads()), shown.shape(state.uploads())
    st.subheader("Shapes" if shown is draft else "Shapes of the last network that worked")
    st.dataframe({
        "#": [str(p.index) for p in planned],
        "layer": [LAYERS[p.layer.kind].label if p.index <= len(shown.layers) else "Output (Linear)" for p in planned],
        "in": [" × ".join(map(str, p.input)) for p in planned],
        "out": [" × ".join(map(str, p.output)) for p in planned],
        "parameters": [p.parameters for p in planned],
        "multiply-adds": [p.cost.macs for p in planned],
    }, hide_index=True, width="stretch", height=35 * (len(planned) + 1) + 3,  # every row, no inner scrolling
        column_config={"multiply-adds": st.column_config.NumberColumn(help="For one example's forward pass")})
    work = shown.work(state.uploads())
    batch = shown.train.batch_size
    st.caption(f"Input {' × '.join(map(str, shape.input_shape))} · **{work.parameters:,} parameters** · "
               f"{work.macs:,} multiply-adds an example · one step on a batch of {batch:,}: "
               f"≈{STEP_COST * batch * work.macs / 1e6:,.1f} million multiply-adds and "
               f"{batch * work.stored * BYTES_PER_FLOAT * 2 / 2**20:,.1f} MB of kept values")

# ---------------------------------------------------------------- export, open
live = state.live(SLOT)
with right.expander("Export or open a network", icon=":material/ios_share:"):
    run = live.run
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
    opened = st.file_uploader("Open a network (.json)", type=["json"], key=state.widget_key(SLOT, "open"))
    if opened is not None and state.choice(f"{SLOT}.opened") != opened.file_id:
        state.set_choice(f"{SLOT}.opened", opened.file_id)
        loaded, problems = from_json(opened.getvalue(), state.uploads())
        if loaded is None or loaded.kind != "builder":
            state.set_choice(f"{SLOT}.open_problems", problems or ["This file holds a network of another lab."])
        else:
            state.set_choice(f"{SLOT}.open_problems", [])
            state.put(SLOT, loaded)
            st.rerun()
    refused = state.choice(f"{SLOT}.open_problems", [])
    if refused:
        st.error("This file was not opened; the network you had stays:\n\n" + bullets(refused), icon=":material/block:")


# ---------------------------------------------------------------- training
def draw(run) -> None:
    if run.spec.task == "digits":
        predicted, truth = (t.cpu().numpy() for t in run.trainer.predictions("test"))
        misclassified = np.flatnonzero(predicted != truth)
        st.markdown(f"**Misclassified test digits**: {len(misclassified)} of {len(truth)}")
        wrong = misclassified[:16]
        if len(wrong):
            st.plotly_chart(image_grid(run.trainer.x_test[wrong, 0].cpu().numpy(),
                                       [f"{truth[k]} → {predicted[k]}" for k in wrong]),
                            key=state.widget_key(SLOT, "wrong"))


live_panel(SLOT, draw)


@st.fragment(run_every=every_while_playing(SLOT, 1.0))
def progress_panel():
    trainer = state.live(SLOT).run.trainer
    curves, confusion = st.columns([1.6, 1])
    curves.plotly_chart(learning_curves(trainer), key=state.widget_key(SLOT, "curves"))
    if trainer.objective.is_classification:
        confusion.plotly_chart(confusion_figure(trainer), key=state.widget_key(SLOT, "confusion"))


progress_panel()

if spec.task == "digits":
    st.subheader("Draw a digit")
    pad, seen, answer = st.columns([1.1, 0.8, 1.6])
    with pad:
        drawing = drawing_pad(state.widget_key(SLOT, "pad"))
        st.caption("Draw with the mouse or a finger, as large as the pad. It becomes an 8×8 image the way the "
                   "training digits were made: the inked cells of each 4×4 block counted.")
    if drawing is not None:
        run = state.live(SLOT).run
        example = from_drawing(run, drawing, 0)
        seen.plotly_chart(image_grid(example.input[0][None], ["what the network sees"], columns=1,
                                     height_per_row=220), key=state.widget_key(SLOT, "seen"))
        probabilities = class_probabilities(run, example.x)[0]
        best = int(probabilities.argmax())
        answer.markdown(f"### It reads **{best}** ({probabilities[best]:.0%} sure)")
        answer.plotly_chart(unit_bars({"probability": probabilities}, "Probability of each digit",
                                      labels=[str(d) for d in range(10)]), key=state.widget_key(SLOT, "probabilities"))

finish(SLOT, LAB)
