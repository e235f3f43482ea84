"""Forward & Backward: one example through the network and back, with every number."""

from dataclasses import replace

import numpy as np
import streamlit as st

from dl_core import LayerSpec
from dl_core.passes import backward_formula, example_pass, forward_formula, step_on_example
from dl_core.viz.passes import every_number_diagram, matrix_heatmap, unit_bars
from ui.lab import RUN, apply_spec, lab_run
from ui.page import LABS, setup_page
from ui.run_controls import TICK_SECONDS, live_controls

TINY = 4  # networks with at most this many units a layer get the every-number diagram

setup_page(LABS[3])
st.title(":material/swap_horiz: Forward & Backward")
st.caption("Pick one example. The forward pass computes each layer from the one before; the backward pass "
           "sends ∂L/∂(output) back with the chain rule, layer by layer, to every weight.")
spec, run, steps_per_tick = lab_run("Forward_Backward")


@st.fragment(run_every=TICK_SECONDS * 5 if run.playing else None)
def training_panel():
    live_controls(RUN, steps_per_tick)


training_panel()
trainer = run.trainer
data = trainer.dataset
if not trainer.model.is_plain:
    st.info("This network uses layer normalisation or skip connections, so a layer is no longer just "
            "a = f(W·x + b) and the formulas here would not hold. Turn them off to follow the numbers.",
            icon=":material/info:")
    if st.button("Turn off normalisation and skip connections", key="fb.plain"):
        apply_spec(replace(spec, model=replace(spec.model, norm=False, skip=False)))
    st.stop()

st.subheader("The example")
source, detail = st.columns([1, 2])
own = source.radio("Example", ["A training point", "A point of my own"], key="fb.source", horizontal=True) \
    == "A point of my own"
if own:
    c1, c2, c3 = detail.columns(3)
    point = np.array([c1.number_input("x₁", -6.0, 6.0, 1.0, 0.5, key="fb.x1"),
                      c2.number_input("x₂", -6.0, 6.0, -1.0, 0.5, key="fb.x2")])
    label = (c3.selectbox("Its class", range(data.info.n_classes), key="fb.class") if data.info.n_classes
             else c3.number_input("Its target", -1.0, 1.0, 0.0, 0.1, key="fb.target"))
else:
    index = int(detail.number_input(f"Training point (0 to {len(data.y_train) - 1})", 0, len(data.y_train) - 1, 0,
                                    key="fb.index"))
    point, label = data.x_train[index], data.y_train[index]
label = label.item() if hasattr(label, "item") else label
example = example_pass(trainer, point, label)
st.markdown(f"Point ({point[0]:.2f}, {point[1]:.2f}) → the network sees "
            + ", ".join(f"{n} = **{v:.3f}**" for n, v in zip(example.feature_names, example.features))
            + f" · target **{example.target:g}** · loss on this example **{example.loss:.4f}**")

forward_tab, backward_tab, numbers_tab, step_tab = st.tabs(
    ["Forward pass", "Backward pass", "Every number", "One optimiser step"])
names = [layer.name for layer in example.layers]

with forward_tab:
    chosen = st.select_slider("Layer", names, key="fb.forward_layer")
    k = names.index(chosen)
    layer = example.layers[k]
    unit = st.number_input("Unit", 1, len(layer.z), 1, key=f"fb.forward_unit.{k}") - 1
    for line in forward_formula(example, k, unit):
        st.latex(line)
    bars = {"z (before f)": layer.z, "a = f(z)": layer.a} if layer.activation else {"z (raw output)": layer.z}
    st.plotly_chart(unit_bars(bars, f"{chosen}: every unit", selected=unit), key="fb.forward_bars")

with backward_tab:
    chosen = st.select_slider("Layer (the backward pass starts at the output)", names[::-1], key="fb.backward_layer")
    k = names.index(chosen)
    layer = example.layers[k]
    unit = st.number_input("Unit", 1, len(layer.z), 1, key=f"fb.backward_unit.{k}") - 1
    for line in backward_formula(example, k, unit):
        st.latex(line)
    left, right = st.columns(2)
    left.plotly_chart(unit_bars({"∂L/∂a": layer.grad_a, "f'(z)": layer.slope, "∂L/∂z": layer.grad_z}
                                if layer.activation else {"∂L/∂z": layer.grad_z}, f"{chosen}: gradients per unit",
                                selected=unit), key="fb.backward_bars")
    right.plotly_chart(matrix_heatmap(layer.grad_weight, "∂L/∂W = ∂L/∂z · xᵀ", "unit", "input"),
                       key="fb.grad_w")

with numbers_tab:
    sizes = [len(example.features)] + [len(layer.z) for layer in example.layers]
    if max(sizes) <= TINY and len(example.layers) <= 4:
        node_text = [[f"{n}={v:.2f}" for n, v in zip(example.feature_names, example.features)]]
        node_text += [[f"z={z:.2f} a={a:.2f}<br>∂L/∂z={g:.3f}" for z, a, g in zip(layer.z, layer.a, layer.grad_z)]
                      for layer in example.layers]
        edge_text = [[[f"w={w:.2f}<br>∂={g:.3f}" for w, g in zip(w_row, g_row)]
                      for w_row, g_row in zip(layer.weight, layer.grad_weight)] for layer in example.layers]
        st.plotly_chart(every_number_diagram(sizes, node_text, edge_text, [layer.weight for layer in example.layers]),
                        key="fb.numbers")
        st.caption("On each edge: its weight w and ∂L/∂w. On each unit: z, a = f(z), and ∂L/∂z.")
    else:
        st.info(f"Every number fits on the picture for networks of at most {TINY} units a layer.",
                icon=":material/zoom_out_map:")
        if st.button("Switch to a 2-2-1 tanh network", key="fb.tiny"):
            apply_spec(replace(spec, model=replace(spec.model, features=("x1", "x2"), hidden=(LayerSpec(2),))))

with step_tab:
    st.markdown(f"One step of **{spec.train.optimizer}** with learning rate **{spec.train.learning_rate:g}** on "
                "this example alone. It is a real training step: the step counter moves.")
    if st.button("Apply one optimiser step", icon=":material/footprint:", key="fb.apply"):
        st.session_state["fb.step"] = step_on_example(trainer, point, label)
    result = st.session_state.get("fb.step")
    if result:
        st.markdown(f"Loss on this example: **{result.loss_before:.4f} → {result.loss_after:.4f}**. "
                    "The weights that moved most:")
        st.dataframe({"weight": [name for name, _ in result.biggest], "Δw": [d for _, d in result.biggest]},
                     hide_index=True)
        columns = st.columns(min(3, len(result.moves)))
        for k, (name, delta) in enumerate(result.moves):
            columns[k % len(columns)].plotly_chart(matrix_heatmap(delta, f"{name}: ΔW", "unit", "input"),
                                                   key=f"fb.delta.{k}")
