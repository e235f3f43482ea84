"""The Playground's sidebar: every setting of a 2D run, read from and written to a Spec."""

from __future__ import annotations

import streamlit as st

from dl_core import (
    ACTIVATIONS, DATASETS, FEATURES, INITS, LOSSES, MAX_HIDDEN_LAYERS, MAX_WIDTH, OPTIMIZERS,
    REGULARIZATIONS, DataSpec, LayerSpec, ModelSpec, Spec, TrainSpec, ViewSpec, losses_for,
)
from dl_core.spec import MAX_SEED

LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REG_RATES = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
BATCH_SIZES = [1, 2, 5, 10, 20, 30, 50, 100, 250, 500, 1000, 2000]
POINT_COUNTS = [100, 200, 300, 500, 1000, 2000]
STEPS_PER_TICK = [1, 5, 10, 25, 50, 100, 200]
P = "pg."  # widget keys of this page


def _with(options: list, value) -> list:
    """The usual choices plus the spec's own value, so a shared link's exact setting survives."""
    return sorted(set(options) | {value})


def _seed_widgets(spec: Spec) -> None:
    """Widgets take their first values from the spec (the URL's, or this session's last)."""
    d, m, t, v = spec.data, spec.model, spec.train, spec.view
    values = {
        "problem": "regression" if DATASETS[d.dataset].n_classes == 0 else "classification",
        "dataset": d.dataset, "noise": d.noise, "train_share": d.train_share,
        "points": d.n_points,
        "features": list(m.features), "n_layers": len(m.hidden), "dropout": m.dropout, "init": m.init,
        "norm": m.norm, "skip": m.skip,
        "loss": t.loss, "optimizer": t.optimizer, "lr": t.learning_rate,
        "batch": t.batch_size, "reg": t.regularization, "rate": t.reg_rate,
        "show_test": v.show_test, "discretize": v.discretize,
        "speed": 25,
    }
    for i, layer in enumerate(m.hidden):
        values[f"width{i}"], values[f"act{i}"] = layer.width, layer.activation
    for name, value in values.items():
        st.session_state.setdefault(P + name, value)


def _keep_valid(key: str, options: list) -> None:
    """A choice that the options no longer hold (after a problem-type change) falls back to the first."""
    if st.session_state.get(P + key) not in options:
        st.session_state[P + key] = options[0]


def playground_controls(spec: Spec) -> tuple[Spec, int]:
    """Draws the sidebar; returns the spec it describes (not yet validated) and steps per tick."""
    _seed_widgets(spec)
    s = st.sidebar

    s.header("Data")
    problem = s.radio("Problem type", ["classification", "regression"], key=P + "problem", horizontal=True,
                      help="Classify points into colours, or predict a number for each point.")
    names = [n for n, info in DATASETS.items() if (info.n_classes == 0) == (problem == "regression")]
    _keep_valid("dataset", names)
    dataset = s.selectbox("Dataset", names, key=P + "dataset",
                          format_func=lambda n: f"{DATASETS[n].label} ({DATASETS[n].n_classes} classes)"
                          if DATASETS[n].n_classes else DATASETS[n].label,
                          help="; ".join(f"{i.label}: {i.description}" for i in DATASETS.values()))
    noise = s.slider("Noise (%)", 0, 50, step=5, key=P + "noise", help="How far points stray from the pattern.")
    train_share = s.slider("Training data (%)", 10, 90, step=10, key=P + "train_share",
                           help="The rest is held out as test data: the network never trains on it.")
    n_points = s.select_slider("Number of points", _with(POINT_COUNTS, spec.data.n_points), key=P + "points")
    seed = spec.data.seed
    if s.button("Regenerate", icon=":material/casino:", help="New random points and new initial weights (a new seed)"):
        seed = (seed + 1) % MAX_SEED

    s.header("Network")
    features = s.pills("Input features", list(FEATURES), selection_mode="multi", key=P + "features",
                       format_func=lambda f: FEATURES[f][0],
                       help="What the network sees of each point. x₁² or sin x₁ let a small net draw curves.")
    n_layers = s.number_input("Hidden layers", 0, MAX_HIDDEN_LAYERS, key=P + "n_layers",
                              help=f"0 gives a linear model; at most {MAX_HIDDEN_LAYERS}.")
    hidden = []
    for i in range(int(n_layers)):
        st.session_state.setdefault(P + f"width{i}", hidden[-1].width if hidden else 4)
        st.session_state.setdefault(P + f"act{i}", hidden[-1].activation if hidden else "tanh")
        width_col, act_col = s.columns([1, 1.4])
        width = width_col.number_input(f"Layer {i + 1} neurons", 1, MAX_WIDTH, key=P + f"width{i}")
        activation = act_col.selectbox(f"Layer {i + 1} activation", list(ACTIVATIONS), key=P + f"act{i}",
                                       format_func=lambda a: f"{ACTIVATIONS[a].label}: {ACTIVATIONS[a].formula}")
        hidden.append(LayerSpec(int(width), activation))
    dropout = s.slider("Dropout", 0.0, 0.9, step=0.05, key=P + "dropout",
                       help="While training, each hidden neuron is switched off with this probability.")
    init = s.selectbox("Initial weights", list(INITS), key=P + "init", format_func=lambda i: INITS[i].label,
                       help="; ".join(f"{i.label}: {i.explanation}" for i in INITS.values()))
    norm = s.checkbox("Layer normalisation", key=P + "norm",
                      help="Rescale each hidden layer's W·x + b to mean 0 and variance 1 (then a learnt scale and "
                           "shift) before the activation.")
    skip = s.checkbox("Skip connections", key=P + "skip",
                      help="Each hidden layer adds its input to its output (x + f(W·x + b)) where the widths "
                           "match: the idea behind residual networks.")

    s.header("Training")
    n_classes = DATASETS[dataset].n_classes
    loss_names = losses_for(n_classes)
    _keep_valid("loss", loss_names)
    loss = s.selectbox("Loss", loss_names, key=P + "loss",
                       format_func=lambda n: f"{LOSSES[n].label}: {LOSSES[n].formula}")
    optimizer = s.selectbox("Optimiser", list(OPTIMIZERS), key=P + "optimizer",
                            format_func=lambda o: OPTIMIZERS[o].label,
                            help="; ".join(f"{o.label}: {o.explanation}" for o in OPTIMIZERS.values()))
    lr = s.select_slider("Learning rate", _with(LEARNING_RATES, spec.train.learning_rate), key=P + "lr",
                         help="The step size. Changing it keeps training where it is.")
    batch = s.select_slider("Batch size", _with(BATCH_SIZES, spec.train.batch_size), key=P + "batch",
                            help="Points per step. At least the training set size means full batch.")
    reg = s.selectbox("Regularisation", list(REGULARIZATIONS), key=P + "reg",
                      format_func=lambda r: REGULARIZATIONS[r])
    rate = s.select_slider("Regularisation rate", _with(REG_RATES, spec.train.reg_rate), key=P + "rate")
    speed = s.select_slider("Steps per frame", STEPS_PER_TICK, key=P + "speed",
                            help="Optimiser steps between two redraws while playing.")

    s.header("View")
    show_test = s.checkbox("Show test data", key=P + "show_test")
    discretize = s.checkbox("Discretise output", key=P + "discretize",
                            help="Colour each region by the predicted class only, without confidence.")

    new = Spec(
        data=DataSpec(dataset, noise, train_share, n_points, seed),
        model=ModelSpec(tuple(features or ()), tuple(hidden), float(dropout), init, norm, skip),
        train=TrainSpec(loss, optimizer, float(lr), int(batch), reg, float(rate)),
        view=ViewSpec(show_test, discretize),
    )
    return new, int(speed)
