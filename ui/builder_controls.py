"""The Builder's controls: task, presets, training settings in the sidebar; the layer list in the page."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from dl_core import ACTIVATIONS, DATASETS, OPTIMIZERS, REGULARIZATIONS
from dl_core.build_run import BATCH_SIZES, BuilderSpec, default_train, from_preset
from dl_core.builder import LAYERS, LayerDef
from dl_core.tasks import POINT_SETS, PRESETS, TASKS

SPEC = "bd.spec"  # the draft the editor shows, possibly impossible
VALID = "bd.valid"  # the last network that could be built: what trains
LEARNING_RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1]
STEPS_PER_TICK = [1, 5, 10, 20, 50]
REG_RATES = [0.0, 0.0001, 0.001, 0.01, 0.1]
SIZE_LABEL = {"linear": "units", "conv2d": "filters", "rnn": "hidden", "lstm": "hidden", "gru": "hidden",
              "attention": "heads"}
NEEDS_KERNEL = {"conv2d", "residual"}
NEEDS_ACTIVATION = {"activation", "residual"}


# widget keys that show the spec
MIRRORS = ("bd.L", "bd.task", "bd.points", "bd.optimizer", "bd.lr", "bd.batch", "bd.reg", "bd.rate")


def current_spec() -> BuilderSpec:
    return st.session_state.setdefault(SPEC, BuilderSpec())


def replace_spec(spec: BuilderSpec) -> None:
    """A structural change (preset, task, add, move, remove): the widgets start again from the new draft."""
    for key in [k for k in st.session_state if str(k).startswith(MIRRORS)]:
        del st.session_state[key]
    st.session_state[SPEC] = spec
    st.rerun()


def keep_valid(draft: BuilderSpec, problems: list[str]) -> BuilderSpec:
    """The spec to build: the draft when it can be built, else the last one that could."""
    st.session_state[SPEC] = draft
    if not problems:
        st.session_state[VALID] = draft
    return st.session_state.setdefault(VALID, BuilderSpec())


def sidebar(spec: BuilderSpec) -> tuple[BuilderSpec, int]:
    s = st.sidebar
    s.header("Task")
    task = s.selectbox("Data", list(TASKS), index=list(TASKS).index(spec.task), key="bd.task",
                       format_func=lambda t: TASKS[t].label, help="; ".join(f"{t.label}: {t.description}"
                                                                       for t in TASKS.values()))
    if task != spec.task:
        fitting = next(p for p in PRESETS.values() if p.task == task)
        replace_spec(BuilderSpec(task, fitting.layers, default_train(task), spec.seed, spec.points))
    if task == "points":
        which = s.selectbox("Which points", POINT_SETS, index=POINT_SETS.index(spec.points), key="bd.points",
                            format_func=lambda p: DATASETS[p].label)
        spec = replace(spec, points=which)
    s.caption(f"{TASKS[task].description} Input: {' × '.join(map(str, TASKS[task].input_shape))}.")
    preset = s.selectbox("Start from a preset", list(PRESETS), key="bd.preset",
                         format_func=lambda p: f"{PRESETS[p].label} ({TASKS[PRESETS[p].task].label})")
    if s.button("Load this preset", icon=":material/download:", key="bd.load"):
        replace_spec(from_preset(preset, spec.seed))
    s.header("Training")
    optimizer = s.selectbox("Optimiser", list(OPTIMIZERS), index=list(OPTIMIZERS).index(spec.train.optimizer),
                            format_func=lambda o: OPTIMIZERS[o].label, key="bd.optimizer")
    lr = s.select_slider("Learning rate", sorted(set(LEARNING_RATES) | {spec.train.learning_rate}),
                         value=spec.train.learning_rate, key="bd.lr")
    batch = s.select_slider("Batch size", sorted(set(BATCH_SIZES) | {spec.train.batch_size}),
                            value=spec.train.batch_size, key="bd.batch",
                            help="2000 is more than any task's training set: full batch.")
    reg = s.selectbox("Regularisation", list(REGULARIZATIONS), key="bd.reg",
                      index=list(REGULARIZATIONS).index(spec.train.regularization),
                      format_func=lambda r: REGULARIZATIONS[r], help="Added to the loss; acts on Linear weights.")
    rate = s.select_slider("Regularisation rate", sorted(set(REG_RATES) | {spec.train.reg_rate}),
                           value=spec.train.reg_rate, key="bd.rate")
    steps = s.select_slider("Steps per frame", STEPS_PER_TICK, value=5, key="bd.speed")
    train = replace(spec.train, optimizer=optimizer, learning_rate=float(lr), batch_size=int(batch),
                    regularization=reg, reg_rate=float(rate))
    return replace(spec, train=train), int(steps)


def layer_editor(spec: BuilderSpec) -> BuilderSpec:
    """One row per layer: its kind and the settings that kind reads, with move and remove buttons."""
    layers = []
    for i, layer in enumerate(spec.layers):
        key = f"bd.L{i}"
        row = st.columns([0.3, 1.6, 1.2, 1.2, 0.35, 0.35, 0.35], vertical_alignment="bottom")
        row[0].markdown(f"**{i + 1}**")
        kind = row[1].selectbox("Layer", list(LAYERS), index=list(LAYERS).index(layer.kind), key=f"{key}.kind",
                                format_func=lambda k: LAYERS[k].label, help=LAYERS[layer.kind].explanation,
                                label_visibility="collapsed" if i else "visible")
        size, kernel, activation, rate = layer.size, layer.kernel, layer.activation, layer.rate
        slot = iter(row[2:4])
        if kind in SIZE_LABEL:
            size = int(next(slot).number_input(SIZE_LABEL[kind], 1, 512, layer.size, key=f"{key}.size"))
        if kind in NEEDS_KERNEL:
            kernel = int(next(slot).selectbox("kernel", [1, 3, 5], index=[1, 3, 5].index(layer.kernel)
                                              if layer.kernel in (1, 3, 5) else 1, key=f"{key}.kernel"))
        if kind in NEEDS_ACTIVATION:
            activation = next(slot).selectbox("f", list(ACTIVATIONS), key=f"{key}.act",
                                              index=list(ACTIVATIONS).index(layer.activation)
                                              if layer.activation in ACTIVATIONS else 0,
                                              format_func=lambda a: ACTIVATIONS[a].label)
        if kind == "dropout":
            rate = float(next(slot).slider("p", 0.0, 0.9, float(layer.rate), 0.05, key=f"{key}.rate"))
        layers.append(LayerDef(kind, size, kernel, activation, rate))
        moved = list(spec.layers)
        if row[4].button("", icon=":material/arrow_upward:", key=f"{key}.up", disabled=i == 0, help="Move up"):
            moved[i - 1], moved[i] = moved[i], moved[i - 1]
            replace_spec(replace(spec, layers=tuple(moved)))
        if row[5].button("", icon=":material/arrow_downward:", key=f"{key}.down", disabled=i == len(moved) - 1,
                         help="Move down"):
            moved[i + 1], moved[i] = moved[i], moved[i + 1]
            replace_spec(replace(spec, layers=tuple(moved)))
        if row[6].button("", icon=":material/close:", key=f"{key}.remove", help="Remove this layer"):
            replace_spec(replace(spec, layers=tuple(moved[:i] + moved[i + 1:])))
    add_kind, add_button = st.columns([2, 1], vertical_alignment="bottom")
    kind = add_kind.selectbox("Add a layer", list(LAYERS), key="bd.add_kind", format_func=lambda k: LAYERS[k].label)
    if add_button.button("Add at the end", icon=":material/add:", key="bd.add"):
        replace_spec(replace(spec, layers=tuple(layers) + (LayerDef(kind),)))
    return replace(spec, layers=tuple(layers))
