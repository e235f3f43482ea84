"""The Forward & Backward lab's view: one example through the network and back. A plain MLP layer by layer
with its formulas in numbers; any other network with every layer's output and gradient in its own shape
(vectors, sequences, feature maps)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from dl_core import Run
from dl_core.analyses.examples import Example
from dl_core.analyses.worked_example import (
    StepOnExample, backward_formula, conv_chain_rule, conv_formula, example_pass, explains_units, forward_formula,
    linear_chain_rule, linear_formula, step_on_example,
)
from dl_core.observe.probe import probe
from dl_core.viz.images import feature_maps
from dl_core.viz.passes import every_number_diagram, matrix_heatmap, unit_bars
from ui import state
from ui.controls import number_box
from ui.examples import pick_example
from ui.live import live_panel

TINY = 4  # networks with at most this many units a layer get the every-number diagram


def _n(value: float) -> str:
    """A number as a learner reads it on a diagram: three significant figures."""
    return f"{value:.3g}"


def mlp_view(slot: str, run: Run, example: Example) -> None:
    """One example through a plain MLP: z = W·x + b and a = f(z) per layer, the chain rule back, one step."""
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    ex = example_pass(run, example)
    st.markdown(", ".join(f"{n} = **{v:.3f}**" for n, v in zip(ex.feature_names, ex.features))
                + f" · target **{ex.target:g}** · loss on this example **{ex.loss:.4f}**")
    forward_tab, backward_tab, numbers_tab, step_tab = st.tabs(
        ["Forward pass", "Backward pass", "Every number", "One optimiser step"])
    names = [layer.name for layer in ex.layers]
    with forward_tab:
        chosen = st.select_slider("Layer", names, key=key("forward_layer"))
        k = names.index(chosen)
        layer = ex.layers[k]
        unit = number_box(st, "Unit", 1, len(layer.z), key("forward_unit", k), value=1) - 1
        for line in forward_formula(ex, k, unit):
            st.latex(line)
        bars = {"z (before f)": layer.z, "a = f(z)": layer.a} if layer.activation else {"z (raw output)": layer.z}
        st.plotly_chart(unit_bars(bars, f"{chosen}: every unit", selected=unit), key=key("forward_bars"))
    with backward_tab:
        chosen = st.select_slider("Layer (the backward pass starts at the output)", names[::-1],
                                  key=key("backward_layer"))
        k = names.index(chosen)
        layer = ex.layers[k]
        unit = number_box(st, "Unit", 1, len(layer.z), key("backward_unit", k), value=1) - 1
        for line in backward_formula(ex, k, unit):
            st.latex(line)
        left, right = st.columns(2)
        left.plotly_chart(unit_bars({"∂L/∂a": layer.grad_a, "f'(z)": layer.slope, "∂L/∂z": layer.grad_z}
                                    if layer.activation else {"∂L/∂z": layer.grad_z}, f"{chosen}: gradients per unit",
                                    selected=unit), key=key("backward_bars"))
        right.plotly_chart(matrix_heatmap(layer.grad_weight, "∂L/∂W = ∂L/∂z · xᵀ", "unit", "input"),
                           key=key("grad_w"))
    with numbers_tab:
        sizes = [len(ex.features)] + [len(layer.z) for layer in ex.layers]
        if max(sizes) <= TINY and len(ex.layers) <= 4:
            units = {f"unit {j + 1} of {layer.name}": (k + 1, j)
                     for k, layer in enumerate(ex.layers) for j in range(len(layer.z))}
            into = st.columns([2, 3])[0].selectbox("Label the weights into", list(units), key=key("numbers_into"),
                                help="Each weight's w and ∂L/∂w also show when you point at the middle of its edge.")
            node_text = [[f"{n}={_n(v)}" for n, v in zip(ex.feature_names, ex.features)]]
            node_text += [[f"z={_n(z)}<br>a={_n(a)}<br>∂L/∂z={_n(g)}" for z, a, g in
                           zip(layer.z, layer.a, layer.grad_z)] for layer in ex.layers]
            edge_text = [[[f"w={_n(w)}<br>∂={_n(g)}" for w, g in zip(w_row, g_row)]
                          for w_row, g_row in zip(layer.weight, layer.grad_weight)] for layer in ex.layers]
            st.plotly_chart(every_number_diagram(sizes, node_text, edge_text, [layer.weight for layer in ex.layers],
                                                 into=units[into]), key=key("numbers"))
            st.caption("Under each unit: z, a = f(z), and ∂L/∂z. On the edges into the chosen unit: the weight w and "
                       "∂L/∂w (∂); point at any other edge's middle for its numbers.")
        else:
            st.info(f"Every number fits on the picture for networks of at most {TINY} units a layer and "
                    "three hidden layers: make this one smaller in the sidebar to see it.",
                    icon=":material/zoom_out_map:")
    with step_tab:
        result = one_step(slot, run, example)
        if result:
            columns = st.columns(min(3, len(result.moves)))
            for k, (name, delta) in enumerate(result.moves):
                columns[k % len(columns)].plotly_chart(matrix_heatmap(delta, f"{name}: ΔW", "unit", "input"),
                                                       key=key("delta", k))


def tensor_view(values: np.ndarray, title: str, key: str) -> None:
    """Bars for a vector, a heatmap for a sequence (steps × features), a grid of maps for channels × H × W."""
    if values.ndim == 1:
        figure = unit_bars({"value": values}, title)
    elif values.ndim == 2:
        figure = matrix_heatmap(values, title, "step", "feature")
    else:
        figure = feature_maps(values, title + (" (the first 16 channels)" if len(values) > 16 else ""))
    st.plotly_chart(figure, key=key)


def any_network_view(slot: str, run: Run, example: Example) -> None:
    """One example through any network: every layer's output and gradient, in its shape."""
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    result = probe(run.model, run.objective.loss, example.x, example.target)
    st.markdown(f"{example.source.capitalize()} · target **{example.label:g}** · loss on this example "
                f"**{result.loss:.4f}**")
    layers = [layer for layer in result.layers if layer.kind not in ("Identity", "Dropout")]
    names = [f"{k + 1}. {layer.kind} ({layer.name})" for k, layer in enumerate(layers)]
    forward_tab, backward_tab, step_tab = st.tabs(["Forward pass", "Backward pass", "One optimiser step"])
    with forward_tab:
        tensor_view(example.input, "The input", key("any_input"))
        chosen = st.select_slider("Layer", names, key=key("any_forward"))
        layer = layers[names.index(chosen)]
        if layer.kind == "Linear":
            unit = number_box(st, "Unit", 1, layer.output.shape[-1], key("any_unit"), value=1) - 1
            st.latex(linear_formula(layer, unit))
        elif layer.kind == "Conv2d":
            c1, c2, c3 = st.columns(3)
            channel = number_box(c1, "Channel", 1, layer.output.shape[0], key("any_channel"), value=1, say=st) - 1
            height, width = layer.output.shape[1:]  # start in the middle, away from the zero padding
            row = number_box(c2, "Row", 1, height, key("any_row"), value=height // 2 + 1, say=st) - 1
            column = number_box(c3, "Column", 1, width, key("any_column"), value=width // 2 + 1, say=st) - 1
            st.latex(conv_formula(layer, channel, row, column))
        tensor_view(layer.output.numpy(), f"{chosen}: its output", key("any_output"))
    with backward_tab:
        chosen = st.select_slider("Layer (the backward pass starts at the output)", names[::-1], key=key("any_back"))
        layer = layers[names.index(chosen)]
        if layer.kind == "Linear":
            unit = number_box(st, "Unit", 1, layer.output.shape[-1], key("any_back_unit"), value=1) - 1
            for line in linear_chain_rule(layer, unit):
                st.latex(line)
        elif layer.kind == "Conv2d":
            channel = number_box(st, "Channel", 1, layer.output.shape[0], key("any_back_channel"), value=1) - 1
            st.latex(conv_chain_rule(layer, channel))
        tensor_view(layer.grad_output.numpy(), f"∂L/∂(output of {chosen})", key("any_grad"))
        if layer.grad_weight is not None:
            grad = layer.grad_weight.numpy()
            st.plotly_chart(matrix_heatmap(grad.reshape(grad.shape[0], -1), "∂L/∂W (one row per output unit or "
                                           "channel)", "out", "in"), key=key("any_grad_w"))
    with step_tab:
        one_step(slot, run, example)


def one_step(slot: str, run: Run, example: Example) -> StepOnExample | None:
    """A button that applies one real optimiser step on the example; the loss before and after, and the
    weights that moved most. The page reruns, so the step counter shows the new step at once."""
    key = lambda *parts: state.widget_key(slot, *parts)  # noqa: E731
    train = run.spec.train
    st.markdown(f"One step of **{train.optimizer}** with learning rate **{train.learning_rate:g}** on this example "
                "alone. It is a real training step: the step counter moves.")
    memory = state.results(f"forward_backward.{slot}")
    if st.button("Apply one optimiser step", icon=":material/footprint:", key=key("apply")):
        memory["step"] = step_on_example(run, example)
        st.rerun()
    result = memory.get("step")
    if result:
        st.markdown(f"Loss on this example: **{result.loss_before:.4f} → {result.loss_after:.4f}**. "
                    "The weights that moved most:")
        st.dataframe({"weight": [name for name, _ in result.biggest],
                      "Δw": [f"{d:+.3g}" for _, d in result.biggest]}, hide_index=True)
    return result


def show(slot: str) -> None:
    """Play/Step/Reset to move the network on, the example picker, then the pass through this network."""
    live_panel(slot, lambda run: None, every=0.5)
    run = state.live(slot).run
    st.subheader("The example")
    example = pick_example(run, state.widget_key(slot, "example"))
    if explains_units(run):
        mlp_view(slot, run, example)
    else:
        st.caption("Each layer's values and gradients are shown as they are. (For a plain MLP on 2D points, each "
                   "layer exactly a = f(W·x + b), every unit is written out in numbers.)")
        any_network_view(slot, run, example)
