"""The Builder's layer list: one row per layer (its kind and the settings that kind reads), with buttons
to move and remove it, and a row to add one. Every widget is set from the slot's draft before it is
drawn and every change goes back through ``state.propose``: a structural change can never leave a row
showing a stale widget (the browser keeps a widget's value by key; the draft decides it here).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from dl_core import ACTIVATIONS, LAYERS, LayerDef
from dl_core.nets.layers import KERNELS, MAX_DROPOUT, MAX_SIZE, PlannedLayer
from dl_core.specs.fields import Field
from ui import state
from ui.controls import number_box

ADD = "add"


def _layers(slot_name: str, f: Field) -> list[LayerDef]:
    return list(f.get(state.current(slot_name).draft))


def _set(slot_name: str, f: Field, layers: list[LayerDef]) -> None:
    state.propose(slot_name, f.set(state.current(slot_name).draft, tuple(layers)))


def _edit(slot_name: str, f: Field, index: int, attr: str, key: str) -> None:
    layers = _layers(slot_name, f)
    value: Any = state.widget_value(key)
    layers[index] = replace(layers[index], **{attr: value})
    _set(slot_name, f, layers)


def _move(slot_name: str, f: Field, index: int, by: int) -> None:
    layers = _layers(slot_name, f)
    other = index + by
    if 0 <= other < len(layers):
        layers[index], layers[other] = layers[other], layers[index]
        _set(slot_name, f, layers)


def _remove(slot_name: str, f: Field, index: int) -> None:
    layers = _layers(slot_name, f)
    del layers[index]
    _set(slot_name, f, layers)


def _add(slot_name: str, f: Field) -> None:
    kind = state.widget_value(state.widget_key(slot_name, "layers", ADD))
    _set(slot_name, f, _layers(slot_name, f) + [LayerDef(kind)])


# Each row is a horizontal container of fixed-width cells, so that no select box is cut ("Activ…") and the rows
# line up; on a screen too narrow for a row it wraps instead of squeezing. About 620 px: a 1024-px projector.
NUMBER, KIND, SETTING, SHAPE = 24, 128, 104, 118


def _shape_cell(where, planned: PlannedLayer | None, refused: bool) -> None:
    """The layer's output shape and parameter count, computed from shapes alone (nothing is built)."""
    if planned is not None:
        shape = " × ".join(map(str, planned.output))
        where.markdown(f"→ **{shape}**  \n:gray[{planned.parameters:,} parameters]", width=SHAPE)
    else:
        where.markdown(":red[✗ does not fit]" if refused else ":gray[—]", width=SHAPE)


def _settings(where, slot_name: str, f: Field, i: int, layer: LayerDef, key, locked: bool, say) -> int:
    """The widgets of the settings this layer's kind reads; returns how many were drawn."""
    kind = LAYERS[layer.kind]
    drawn = 0
    if "size" in kind.reads:
        state.set_widget(key("size"), layer.size)
        with where.container(width=SETTING):
            number_box(st, kind.size_label, 1, MAX_SIZE, key("size"), _edit, (slot_name, f, i, "size", key("size")),
                       say=say, disabled=locked, help=f"1 to {MAX_SIZE:,}; the work budgets usually bind first.")
        drawn += 1
    if "kernel" in kind.reads:
        state.set_widget(key("kernel"), layer.kernel)
        where.selectbox("kernel", KERNELS, key=key("kernel"), disabled=locked, width=SETTING,
                        format_func=lambda k: f"{k}×{k}", help="The size of the square window each filter reads.",
                        on_change=_edit, args=(slot_name, f, i, "kernel", key("kernel")))
        drawn += 1
    if "activation" in kind.reads:
        state.set_widget(key("activation"), layer.activation)
        where.selectbox("function", list(ACTIVATIONS), key=key("activation"), disabled=locked, width=SETTING,
                        format_func=lambda a: ACTIVATIONS[a].label,
                        help="; ".join(f"{a.label}: {a.formula}" for a in ACTIVATIONS.values()),
                        on_change=_edit, args=(slot_name, f, i, "activation", key("activation")))
        drawn += 1
    if "rate" in kind.reads:
        state.set_widget(key("rate"), float(layer.rate))
        where.slider("p", 0.0, MAX_DROPOUT, step=0.05, key=key("rate"), disabled=locked, width=SETTING,
                     help="The share of this layer's inputs set to 0 at each training step (never when evaluating).",
                     on_change=_edit, args=(slot_name, f, i, "rate", key("rate")))
        drawn += 1
    return drawn


def layer_editor(slot_name: str, f: Field, where=None, locked: bool = False) -> None:
    """One row per layer: its number, kind, settings, output shape and parameters, then Remove and a menu to move
    it; the output layer last; then a row to add a layer."""
    where = where or st
    layers = _layers(slot_name, f)
    planned, refusal = state.current(slot_name).draft.planned_so_far(state.uploads())
    for i, layer in enumerate(layers):
        kind = LAYERS[layer.kind]
        key = lambda attr, i=i: state.widget_key(slot_name, "layers", i, attr)  # noqa: E731
        row = where.container(horizontal=True, gap="xsmall", vertical_alignment="bottom")
        row.markdown(f"**{i + 1}**", width=NUMBER)
        state.set_widget(key("kind"), layer.kind)
        row.selectbox("Layer", list(LAYERS), key=key("kind"), format_func=lambda k: LAYERS[k].label, width=KIND,
                      help=kind.explanation, disabled=locked, label_visibility="visible" if i == 0 else "collapsed",
                      on_change=_edit, args=(slot_name, f, i, "kind", key("kind")))
        for _ in range(2 - _settings(row, slot_name, f, i, layer, key, locked, where)):
            row.container(width=SETTING, height=1, border=False)  # an empty cell keeps the columns aligned
        _shape_cell(row, planned[i] if i < len(planned) else None, refused=i == len(planned) and bool(refusal))
        row.button("", icon=":material/close:", key=key("remove"), disabled=locked, help=f"Remove layer {i + 1}",
                   on_click=_remove, args=(slot_name, f, i))
        with row.popover("", icon=":material/swap_vert:", disabled=locked or len(layers) < 2,
                         help=f"Move layer {i + 1} up or down"):
            st.button("Move up", icon=":material/arrow_upward:", key=key("up"), disabled=i == 0,
                      on_click=_move, args=(slot_name, f, i, -1))
            st.button("Move down", icon=":material/arrow_downward:", key=key("down"), disabled=i == len(layers) - 1,
                      on_click=_move, args=(slot_name, f, i, 1))
    head = planned[-1] if not refusal and planned and len(planned) == len(layers) + 1 else None
    if head is not None:
        row = where.container(horizontal=True, gap="xsmall", vertical_alignment="center")
        row.markdown(f"**{len(layers) + 1}**", width=NUMBER)
        row.markdown("Output (Linear)", width=KIND + 2 * SETTING + 16,
                     help="Added by the Builder: one output per class (one for two classes with BCE, or for a "
                          "number), so the network ends in what the task asks for.")
        _shape_cell(row, head, refused=False)
    if not layers:
        where.caption("No layers: the output layer alone (a linear model).")
    add_kind, add_button = where.columns([2, 1], vertical_alignment="bottom")
    add_key = state.widget_key(slot_name, "layers", ADD)
    add_kind.selectbox("Add a layer", list(LAYERS), key=add_key, format_func=lambda k: LAYERS[k].label,
                       disabled=locked, help="; ".join(f"{k.label}: {k.explanation}" for k in LAYERS.values()))
    add_button.button("Add at the end", icon=":material/add:", key=state.widget_key(slot_name, "layers", "add_button"),
                      disabled=locked, on_click=_add, args=(slot_name, f), width="stretch")
