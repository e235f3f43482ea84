"""The one example picker (Forward & Backward, Attribution): a training or test example, filtered by class
and by whether the network gets it right; a point of the learner's own; or a digit drawn on the pad."""

from __future__ import annotations

import numpy as np
import streamlit as st

from dl_core import Run
from dl_core.analyses.examples import Example, chosen_indices, from_drawing, from_point, from_split
from ui import state
from ui.components.drawing_pad import drawing_pad
from ui.controls import number_box

TRAIN, TEST, OWN, DRAWN = "A training example", "A test example", "A point of my own", "A digit I draw"
ANY = "any"


def pick_example(run: Run, key: str, splits: tuple[str, ...] = (TEST, TRAIN)) -> Example:
    """Draws the picker (its widgets keyed under ``key``) and returns the chosen example."""
    data = run.data
    sources = list(splits)
    if run.plane is not None:
        sources.append(OWN)
    if data.input_shape == (1, 8, 8):
        sources.append(DRAWN)
    source = st.radio("Example", sources, key=f"{key}.source", horizontal=True)
    if source == OWN:
        c1, c2, c3 = st.columns(3)
        point = np.array([number_box(c1, "x₁", -6, 6, f"{key}.x1", step=0.5, value=1.0, say=st),
                          number_box(c2, "x₂", -6, 6, f"{key}.x2", step=0.5, value=-1.0, say=st)])
        label = (c3.selectbox("Its class", range(data.n_classes), format_func=data.class_name, key=f"{key}.class")
                 if data.n_classes else number_box(c3, "Its target", -1, 1, f"{key}.target", step=0.1, value=0.0,
                                                   say=st))
        return from_point(run, point, label)
    if source == DRAWN:
        pad, meant = st.columns([1, 1])
        with pad:
            drawing = drawing_pad(f"{key}.pad")
        drawing = drawing if drawing is not None else state.drawing()
        label = int(meant.selectbox("The digit you meant", range(10), key=f"{key}.meant"))
        if drawing is None:
            meant.info("Draw a digit on the pad (here or on the Builder page).", icon=":material/draw:")
            return from_split(run, "test", 0)
        return from_drawing(run, drawing, label)
    split = "train" if source == TRAIN else "test"
    indices = np.arange(len(run.trainer.y_train if split == "train" else run.trainer.y_test))
    if data.n_classes:
        c1, c2, c3 = st.columns([1, 1, 1])
        klass = c1.selectbox("Class", [ANY, *range(data.n_classes)], key=f"{key}.filter_class",
                             format_func=lambda c: "any class" if c == ANY else data.class_name(c))
        verdict = c2.selectbox("The network is", [ANY, "right", "wrong"], key=f"{key}.filter_right",
                               format_func=lambda v: "right or wrong" if v == ANY else v)
        indices = chosen_indices(run, split, None if klass == ANY else int(klass),
                                 None if verdict == ANY else verdict == "right")
        where = c3
    else:
        where = st
    if not len(indices):
        where.info("No example fits these filters; showing the first one of the set.", icon=":material/filter_alt:")
        return from_split(run, split, 0)
    position = number_box(where, f"Which one (1 to {len(indices)})", 1, len(indices), f"{key}.index", value=1)
    return from_split(run, split, int(indices[min(position, len(indices)) - 1]))
