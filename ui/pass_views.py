"""The views of the Forward & Backward lab: the shared 2D network with its formulas per layer,
and any network from the Builder with its feature maps."""

from dataclasses import replace

import numpy as np
import streamlit as st
import torch

from dl_core import LayerSpec
from dl_core.passes import (
    backward_formula, conv_chain_rule, conv_formula, example_pass, forward_formula, linear_chain_rule, linear_formula,
    StepOnExample, step_on_example, step_on_input,
)
from dl_core.probe import probe
from dl_core.tasks import digit_from_drawing
from dl_core.viz.images import feature_maps
from dl_core.viz.passes import every_number_diagram, matrix_heatmap, unit_bars
from ui.drawing_pad import drawn_digit
from ui.lab import RUN, apply_spec, builder_run, lab_run
from ui.run_controls import TICK_SECONDS, live_controls

TINY = 4  # networks with at most this many units a layer get the every-number diagram


def mlp_pass_view() -> None:
    """One example through the shared 2D network (the Playground's, edited in the sidebar)."""
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
        return

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
        chosen = st.select_slider("Layer (the backward pass starts at the output)", names[::-1],
                                  key="fb.backward_layer")
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
            weights = [layer.weight for layer in example.layers]
            st.plotly_chart(every_number_diagram(sizes, node_text, edge_text, weights),
                            key="fb.numbers")
            st.caption("On each edge: its weight w and ∂L/∂w. On each unit: z, a = f(z), and ∂L/∂z.")
        else:
            st.info(f"Every number fits on the picture for networks of at most {TINY} units a layer.",
                    icon=":material/zoom_out_map:")
            if st.button("Switch to a 2-2-1 tanh network", key="fb.tiny"):
                apply_spec(replace(spec, model=replace(spec.model, features=("x1", "x2"), hidden=(LayerSpec(2),))))

    with step_tab:
        result = one_step(spec.train, "fb", lambda: step_on_example(trainer, point, label))
        if result:
            columns = st.columns(min(3, len(result.moves)))
            for k, (name, delta) in enumerate(result.moves):
                columns[k % len(columns)].plotly_chart(matrix_heatmap(delta, f"{name}: ΔW", "unit", "input"),
                                                       key=f"fb.delta.{k}")


def tensor_view(values: np.ndarray, title: str, key: str) -> None:
    """Bars for a vector, a heatmap for a sequence (steps × features), a grid of maps for channels × H × W."""
    if values.ndim == 1:
        figure = unit_bars({"value": values}, title)
    elif values.ndim == 2:
        figure = matrix_heatmap(values, title, "step", "feature")
    else:
        figure = feature_maps(values, title + (" (the first 16 channels)" if len(values) > 16 else ""))
    st.plotly_chart(figure, key=key)


def builder_pass_view() -> None:
    """One test example through the Builder's network: every layer's output and gradient, in its shape."""
    spec, run = builder_run()
    trainer = run.trainer
    drawing = drawn_digit() if spec.task == "digits" else None
    use_drawing = drawing is not None and st.radio(
        "Example", ["A test example", "The digit you drew on the Builder page"], key="fb.bd_source",
        horizontal=True) != "A test example"
    if use_drawing:
        label = int(st.selectbox("The digit you meant", range(10), key="fb.bd_meant"))
        x = torch.as_tensor(digit_from_drawing(drawing))[None, None]  # (1, 1, 8, 8)
        target = trainer.objective.target(torch.tensor([label]))
    else:
        index = int(st.number_input(f"Test example (0 to {len(trainer.y_test) - 1})", 0, len(trainer.y_test) - 1,
                                    0, key="fb.bd_index"))
        x, target = trainer.x_test[index:index + 1], trainer.t_test[index:index + 1]
        label = trainer.y_test[index].item()
    result = probe(trainer.model, trainer.objective.loss, x, target)
    st.markdown(f"Target **{label:g}** · loss on this example **{result.loss:.4f}**")
    layers = [layer for layer in result.layers if layer.kind not in ("Identity", "Dropout")]
    names = [f"{k + 1}. {layer.kind} ({layer.name})" for k, layer in enumerate(layers)]
    forward_tab, backward_tab, step_tab = st.tabs(["Forward pass", "Backward pass", "One optimiser step"])
    with forward_tab:
        tensor_view(x[0].numpy(), "The input", "fb.bd_input")
        chosen = st.select_slider("Layer", names, key="fb.bd_forward")
        layer = layers[names.index(chosen)]
        module = trainer.model.get_submodule(layer.name)
        if layer.kind == "Linear":
            unit = int(st.number_input("Unit", 1, layer.output.shape[-1], 1, key="fb.bd_unit")) - 1
            st.latex(linear_formula(layer, unit))
        elif layer.kind == "Conv2d":
            c1, c2, c3 = st.columns(3)
            channel = int(c1.number_input("Channel", 1, layer.output.shape[0], 1, key="fb.bd_channel")) - 1
            height, width = layer.output.shape[1:]  # start in the middle, away from the zero padding
            row = int(c2.number_input("Row", 1, height, height // 2 + 1, key="fb.bd_row")) - 1
            column = int(c3.number_input("Column", 1, width, width // 2 + 1, key="fb.bd_column")) - 1
            st.latex(conv_formula(layer, channel, row, column, module))
        tensor_view(layer.output.numpy(), f"{chosen}: its output", "fb.bd_output")
    with backward_tab:
        chosen = st.select_slider("Layer (the backward pass starts at the output)", names[::-1], key="fb.bd_back")
        layer = layers[names.index(chosen)]
        if layer.kind == "Linear":
            unit = int(st.number_input("Unit", 1, layer.output.shape[-1], 1, key="fb.bd_back_unit")) - 1
            for line in linear_chain_rule(layer, unit):
                st.latex(line)
        elif layer.kind == "Conv2d":
            channel = int(st.number_input("Channel", 1, layer.output.shape[0], 1, key="fb.bd_back_channel")) - 1
            st.latex(conv_chain_rule(layer, channel))
        tensor_view(layer.grad_output.numpy(), f"∂L/∂(output of {chosen})", "fb.bd_grad")
        if layer.grad_weight is not None:
            grad = layer.grad_weight.numpy()
            st.plotly_chart(matrix_heatmap(grad.reshape(grad.shape[0], -1), "∂L/∂W (one row per output unit or "
                                           "channel)", "out", "in"), key="fb.bd_grad_w")
    with step_tab:
        one_step(spec.train, "fb.bd", lambda: step_on_input(trainer, x, target))


def one_step(train, key: str, apply) -> StepOnExample | None:
    """A button that applies one real optimiser step on the example; the loss before and after, and the
    weights that moved most. Returns the last result (kept in the session under ``key``)."""
    st.markdown(f"One step of **{train.optimizer}** with learning rate **{train.learning_rate:g}** on this example "
                "alone. It is a real training step: the step counter moves.")
    if st.button("Apply one optimiser step", icon=":material/footprint:", key=f"{key}.apply"):
        st.session_state[f"{key}.step"] = apply()
    result = st.session_state.get(f"{key}.step")
    if result:
        st.markdown(f"Loss on this example: **{result.loss_before:.4f} → {result.loss_after:.4f}**. "
                    "The weights that moved most:")
        st.dataframe({"weight": [name for name, _ in result.biggest], "Δw": [d for _, d in result.biggest]},
                     hide_index=True)
    return result
