"""Builder: a network layer by layer, with shapes and parameter counts, trained live on real data."""

import numpy as np
import streamlit as st

from dl_core.build_run import build_trainer, class_probabilities, from_json, validate_build
from dl_core.builder import plan
from dl_core.export import script, weights_file
from dl_core.playground import confusion_figure, learning_curves
from dl_core.tasks import TASKS, digit_from_drawing
from dl_core.viz.images import image_grid
from dl_core.viz.passes import unit_bars
from ui.drawing_pad import drawing_pad
from ui.builder_controls import current_spec, keep_valid, layer_editor, replace_spec, sidebar
from ui.lab import BUILDER_RUN
from ui.page import LABS, setup_page
from ui.run_controls import live_controls, live_run

RUN = BUILDER_RUN
LIVE_SECONDS = 0.5

setup_page(LABS[4])
st.title(":material/construction: Builder")
st.caption("Stack layers, see the shape each one gives and what it costs in parameters, then train on real data. "
           "An impossible stack is refused with the layer and the reason, and the last network that worked stays.")
spec, steps_per_tick = sidebar(current_spec())
task = TASKS[spec.task]

left, right = st.columns([1.25, 1])
with left:
    st.subheader("Layers")
    spec = layer_editor(spec)
problems = validate_build(spec)
if problems:
    left.error("\n\n".join(problems) + "\n\nThe last network that worked is the one shown and trained on the "
               "right.", icon=":material/block:")
spec = keep_valid(spec, problems)
task = TASKS[spec.task]
with right:
    st.subheader("Shapes" if not problems else "Shapes of the last network that worked")
    planned = plan(list(spec.layers), task.input_shape, task.n_classes or 1)
    st.dataframe({
        "#": [str(p.index) for p in planned],
        "layer": [p.layer.kind if p.index <= len(spec.layers) else "output (linear)" for p in planned],
        "in": [" × ".join(map(str, p.input)) for p in planned],
        "out": [" × ".join(map(str, p.output)) for p in planned],
        "parameters": [p.parameters for p in planned],
    }, hide_index=True, width="stretch", height=35 * (len(planned) + 1) + 3)  # every row, no inner scrolling
    st.caption(f"Input {' × '.join(map(str, task.input_shape))} · **{sum(p.parameters for p in planned):,} "
               "parameters** in all")
run = live_run(RUN, spec, build_trainer)
with right.expander("Export or open a network", icon=":material/ios_share:"):
    trainer = run.trainer
    st.download_button("PyTorch script (.py)", script(spec), f"{spec.task}_network.py", "text/x-python",
                       icon=":material/code:", help="Data, model, training loop and settings; needs no dl-lab.")
    st.download_button("This network (.json)", spec.to_json(), f"{spec.task}_network.json", "application/json",
                       icon=":material/data_object:", help="Reopens the same build here.")
    st.download_button(f"Weights at step {trainer.step_count} (.pt)", weights_file(trainer.model),
                       f"{spec.task}_weights.pt", icon=":material/save:",
                       help="torch.load(path, weights_only=True); the script takes them with --weights.")
    opened = st.file_uploader("Open a network (.json)", type=["json"], key="bd.open")
    if opened is not None and st.session_state.get("bd.opened") != opened.file_id:
        st.session_state["bd.opened"] = opened.file_id
        loaded, warnings = from_json(opened.getvalue().decode("utf-8", errors="replace"))
        st.session_state["bd.open_warnings"] = warnings
        if not warnings:
            replace_spec(loaded)
    for warning in st.session_state.get("bd.open_warnings", []):
        st.warning(warning, icon=":material/warning:")


@st.fragment(run_every=LIVE_SECONDS if run.playing else None)
def training_panel():
    trainer = live_controls(RUN, steps_per_tick)
    curves, confusion = st.columns([1.6, 1])
    curves.plotly_chart(learning_curves(trainer), key="bd.curves")
    if trainer.objective.is_classification:
        confusion.plotly_chart(confusion_figure(trainer), key="bd.confusion")
    if spec.task == "digits":
        predicted, truth = (t.cpu().numpy() for t in trainer.predictions("test"))
        misclassified = np.flatnonzero(predicted != truth)
        wrong = misclassified[:16]
        st.markdown(f"**Misclassified test digits**: {len(misclassified)} of {len(truth)}")
        if len(wrong):
            st.plotly_chart(image_grid(trainer.x_test[wrong, 0].numpy(),
                                       [f"{truth[k]} → {predicted[k]}" for k in wrong]), key="bd.wrong")


training_panel()

if spec.task == "digits":
    st.subheader("Draw a digit")
    pad, seen, answer = st.columns([1.1, 0.8, 1.6])
    with pad:
        drawing = drawing_pad("bd.pad")
        st.caption("Draw with the mouse or a finger, as large as the pad. It becomes an 8×8 image the way the "
                   "training digits were made: the inked cells of each 4×4 block counted.")
    if drawing is not None:
        image = digit_from_drawing(drawing)
        seen.plotly_chart(image_grid(image[None], ["what the network sees"], columns=1, height_per_row=220),
                          key="bd.seen")
        probabilities = class_probabilities(st.session_state[RUN].trainer, image[None])
        best = int(probabilities.argmax())
        answer.markdown(f"### It reads **{best}** ({probabilities[best]:.0%} sure)")
        answer.plotly_chart(unit_bars({"probability": probabilities}, "Probability of each digit",
                                      labels=[str(d) for d in range(10)]), key="bd.probabilities")
