"""Compare: the same network trained twice from the same seed with one change, side by side."""

import streamlit as st

from dl_core import fields_of
from dl_core.analyses.playground_pictures import boundary_figure, confusion_figure
from dl_core.viz.curves import comparison_curves
from ui import state
from ui.controls import plain, show_problems, sidebar_controls
from ui.live import live_panel
from ui.page import setup_page
from ui.slots import finish, open_slot

A, B = "compare.a", "compare.b"
NOT_COMPARED = ("speed", "test", "discretize", "seed")  # views, and the seed both runs share

LAB = setup_page("compare")
st.caption("Two runs of one network from the same seed, the same data and the same initial weights, with one "
           "setting changed. Train them together and see what that one change does.")
BASE = open_slot(LAB, ("playground", "builder"))
sidebar_controls(BASE)
show_problems(BASE)
base = state.current(BASE).valid
fields = {f.key: f for f in fields_of(base) if f.key not in NOT_COMPARED and f.applies(base)}
memory = state.results(LAB.key)

left, middle, right = st.columns([1, 1.4, 0.8], vertical_alignment="bottom")
key = left.selectbox("Change", list(fields), format_func=lambda k: fields[k].label, key="cmp.field",
                     help="The setting that differs between run A (the network in the sidebar) and run B.")
f = fields[key]
raw = middle.text_input(f"{f.label} in run B", value=f.fmt(f.get(base)), key=f"cmp.value.{key}", max_chars=400,
                        help="As the URL writes it, e.g. 0.3 for a learning rate, relu for an activation, "
                             "8:relu,4:relu for the Playground's hidden layers, conv2d:8:3,… for the Builder's.")
if right.button("Start the comparison", icon=":material/compare_arrows:", type="primary", key="cmp.start"):
    value, problem = f.read(raw)
    memory["problem"] = problem
    if not problem:
        for name, spec in ((A, base), (B, f.set(base, value))):
            state.drop(name)
            state.put(name, spec)
        memory["change"] = f"{f.label}: {f.fmt(f.get(base))} → {f.fmt(value)}"
if memory.get("problem"):
    st.error(plain(memory["problem"]), icon=":material/block:")


def draw(run_a, run_b) -> None:
    runs = {"A": run_a, "B": run_b}
    st.plotly_chart(comparison_curves({f"run {name}": r.trainer.history for name, r in runs.items()}),
                    key="cmp.curves")
    for column, (name, r) in zip(st.columns(2), runs.items()):
        if r.plane is not None:
            column.plotly_chart(boundary_figure(r, f"run {name} · step {r.trainer.step_count:,}"),
                                key=f"cmp.boundary.{name}")
        elif r.objective.is_classification:
            column.plotly_chart(confusion_figure(r.trainer), key=f"cmp.confusion.{name}")
    st.dataframe({
        "": ["train loss", "test loss", "test accuracy", "steps"],
        **{f"run {name}": [f"{r.trainer.history.last('train_loss'):.4f}", f"{r.trainer.history.last('test_loss'):.4f}",
                           f"{r.trainer.history.last('test_accuracy'):.1%}", f"{r.trainer.step_count:,}"]
           for name, r in runs.items()}}, hide_index=True)


if state.has_slot(A) and state.has_slot(B):
    if state.current(B).problems:
        show_problems(B)
    else:
        st.markdown(f"**Run A**: the network as it was when you started · **Run B**: {plain(memory['change'])}")
        live_panel((A, B), draw, every=0.2, labels=("Run A", "Run B"))
finish(BASE, LAB)
