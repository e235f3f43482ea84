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
from dl_core.nets.layers import KERNELS, MAX_DROPOUT, MAX_SIZE
from dl_core.specs.fields import Field
from ui import state

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


def layer_editor(slot_name: str, f: Field, where=None, locked: bool = False) -> None:
    where = where or st
    layers = _layers(slot_name, f)
    for i, layer in enumerate(layers):
        kind = LAYERS[layer.kind]
        row = where.columns([0.3, 1.7, 1.3, 1.3, 0.4, 0.4, 0.4], vertical_alignment="bottom")
        row[0].markdown(f"**{i + 1}**")
        key = lambda attr, i=i: state.widget_key(slot_name, "layers", i, attr)  # noqa: E731
        state.set_widget(key("kind"), layer.kind)
        row[1].selectbox("Layer", list(LAYERS), key=key("kind"), format_func=lambda k: LAYERS[k].label,
                         help=kind.explanation, disabled=locked, label_visibility="visible" if i == 0 else "collapsed",
                         on_change=_edit, args=(slot_name, f, i, "kind", key("kind")))
        slots = iter(row[2:4])
        if "size" in kind.reads:
            state.set_widget(key("size"), layer.size)
            next(slots).number_input(kind.size_label, 1, MAX_SIZE, step=1, key=key("size"), disabled=locked,
                                     on_change=_edit, args=(slot_name, f, i, "size", key("size")),
                                     help=f"1 to {MAX_SIZE:,}; the work budgets usually bind first.")
        if "kernel" in kind.reads:
            state.set_widget(key("kernel"), layer.kernel)
            next(slots).selectbox("kernel", KERNELS, key=key("kernel"), disabled=locked,
                                  format_func=lambda k: f"{k}×{k}",
                                  on_change=_edit, args=(slot_name, f, i, "kernel", key("kernel")))
        if "activation" in kind.reads:
            state.set_widget(key("activation"), layer.activation)
            next(slots).selectbox("function", list(ACTIVATIONS), key=key("activation"), disabled=locked,
                                  format_func=lambda a: ACTIVATIONS[a].label,
                                  on_change=_edit, args=(slot_name, f, i, "activation", key("activation")))
        if "rate" in kind.reads:
            state.set_widget(key("rate"), float(layer.rate))
            next(slots).slider("p", 0.0, MAX_DROPOUT, step=0.05, key=key("rate"), disabled=locked,
                               on_change=_edit, args=(slot_name, f, i, "rate", key("rate")))
        row[4].button("", icon=":material/arrow_upward:", key=key("up"), disabled=locked or i == 0,
                      help="Move up", on_click=_move, args=(slot_name, f, i, -1))
        row[5].button("", icon=":material/arrow_downward:", key=key("down"), disabled=locked or i == len(layers) - 1,
                      help="Move down", on_click=_move, args=(slot_name, f, i, 1))
        row[6].button("", icon=":material/close:", key=key("remove"), disabled=locked, help="Remove this layer",
                      on_click=_remove, args=(slot_name, f, i))
    if not layers:
        where.caption("No layers: the output layer alone (a linear model).")
    add_kind, add_button = where.columns([2, 1], vertical_alignment="bottom")
    add_key = state.widget_key(slot_name, "layers", ADD)
    add_kind.selectbox("Add a layer", list(LAYERS), key=add_key, format_func=lambda k: LAYERS[k].label,
                       disabled=locked, help="; ".join(f"{k.label}: {k.explanation}" for k in LAYERS.values()))
    add_button.button("Add at the end", icon=":material/add:", key=state.widget_key(slot_name, "layers", "add_button"),
                      disabled=locked, on_click=_add, args=(slot_name, f), width="stretch")
