"""The Attribution lab's view, for the network in any slot: the example and the network's answer, the method with
its options, and one tab per question (the map, several methods side by side, faithfulness and sanity checks,
adversarial examples, the map over training, attention). Every number comes from ``dl_core.analyses``; every
picture from ``dl_core.viz.attribution`` (or, for maps over named features, ``feature_rows`` here).

Results are kept in the slot's own results (``state.results``), keyed by what determines them: the network (its
spec and a digest of its weights), the example, the method, the class explained and the options. Cheap work runs
at once; work over ``AUTO_WORK`` multiply-adds, and Shapley sampling and LIME always, waits for a button and
shows a progress bar. The tabs run lazily (only the open one), so every control keeps its value in
``state.choice`` (``kept``): a widget that is not drawn in a run would otherwise forget it. Every key is made
from the slot, so a lesson's step can embed this view on its own slot.
"""

from __future__ import annotations

import functools
import hashlib
import html
import math
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from dl_core import Run
from dl_core.analyses.adversarial import ATTACKS, MAX_STEPS as MAX_ATTACK_STEPS, attack, max_epsilon, robustness_curve
from dl_core.analyses.attention import attention_maps, has_attention
from dl_core.analyses.attribution import (
    BASELINES, OPTIONS, SMOOTHING_OPTIONS, SMOOTHINGS, Attribution, AttributionError, Method, Option, default_options,
    gradient_field, layer_choices, methods_for, over_training, plane_path, prepare, run_prepared,
)
from dl_core.analyses.examples import Example, class_probabilities
from dl_core.analyses.faithfulness import MAX_PERTURBATIONS, deletion_curve, faithfulness
from dl_core.analyses.neuron_maps import decision_map
from dl_core.analyses.playground_pictures import BOUNDARY_RESOLUTION, boundary_figure
from dl_core.analyses.sanity import MODES, SanityCheck, Stage, randomisation_check
from dl_core.observe.checkpoints import Checkpoints
from dl_core.trainer import evaluating
from dl_core.viz.attribution import (
    SIGNS, attack_images, attention_matrices, deletion_curves, feature_bars, image_attribution, map_grid,
    plane_attribution, probability_bars, robustness_plot, sanity_grid, sanity_metrics, scaled, sequence_strips, shown,
)
from dl_core.viz.colors import DIVERGING_SCALE
from ui import state
from ui.controls import number_box, plain
from ui.examples import pick_example
from ui.jobs import heavy
from ui.live import live_panel
from ui.page import guarded

T = TypeVar("T")
KEY = "attribution"  # the lab's registry key: its widgets' keys, choices and results live under the slot's
PREDICTED = "predicted"
AUTO_WORK = 2e8  # multiply-adds a view may spend by itself on a rerun (~0.1 s here); more waits for a button
ON_A_BUTTON = ("shapley_sampling", "lime")  # hundreds of questions to the network for one map: always on a button
MAX_TYPED = 1_000_000  # an option with no upper limit of its own: the core's budgets bind long before
KEEP = 24  # results kept per view
ARROWS = 15  # the gradient arrows' grid, per side
CURVE_POINTS = 6  # ε values on the robustness curve, 0 to the chosen ε
MANY_UNITS = 32  # a layer with more units is drawn as a strip, not as bars
COMPARE_FIRST = ("saliency", "integrated_gradients", "guided_backprop", "gradcam", "occlusion", "input_x_gradient")
CHART = {"displayModeBar": False}
LIVE_SECONDS = 0.5  # nothing redraws while playing; the views follow the weights when training pauses
TABS = ("Explain", "Compare methods", "Can you trust it?", "Fool it", "Over training", "Attention")


def key(slot: str, *parts: Any) -> str:
    return state.widget_key(slot, KEY, *parts)


def kept(slot: str, widget: Callable[..., T], name: str, default: Any, *args: Any,
         fits: Callable[[Any], bool] | None = None, **kwargs: Any) -> T:
    """``widget`` keyed ``key(slot, name)``, showing the value last chosen (or ``default``, or when the last one does
    not fit this network any more); the value survives runs in which the widget is not drawn (a closed tab)."""
    choice = f"{slot}.{KEY}.{name}"
    value = state.choice(choice, default)
    if fits is not None and not fits(value):
        value = default
    widget_key = key(slot, name)
    state.set_widget(widget_key, value)
    return widget(*args, key=widget_key, on_change=lambda: state.set_choice(choice, state.widget_value(widget_key)),
                  **kwargs)


def kept_number(slot: str, where, name: str, default: int, label: str, low: int, high: int | None,
                help_text: str) -> int:
    """A whole number kept like ``kept``, its range checked in words (``number_box``) rather than by Streamlit."""
    high = MAX_TYPED if high is None else high
    choice = f"{slot}.{KEY}.{name}"
    value = state.choice(choice, default)
    widget_key = key(slot, name)
    state.set_widget(widget_key, value if isinstance(value, int) and low <= value <= high else default)
    return number_box(where, label, low, high, widget_key,
                      lambda: state.set_choice(choice, state.widget_value(widget_key)), help=help_text)


def refusing(view: Callable[..., T]) -> Callable[..., T | None]:
    """The page guard, and an option this network cannot take shown as the core's message."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> T | None:
        try:
            return view(*args, **kwargs)
        except AttributionError as error:
            st.error(plain(str(error)), icon=":material/block:")
            return None

    return guarded(wrapper)


# ---------------------------------------------------------------- results, keyed by what determines them


def network_key(run: Run) -> tuple:
    """The network as it is now: its spec's structure and a digest of every weight and running statistic."""
    digest = hashlib.blake2b(digest_size=16)
    for name, tensor in run.model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().numpy().tobytes())
    return run.spec.kind, run.spec.rebuild_key(), digest.hexdigest()


def example_key(example: Example) -> tuple:
    digest = hashlib.blake2b(example.x.detach().cpu().numpy().tobytes(), digest_size=16).hexdigest()
    return example.source, example.label, digest


def computed(slot: str, view: str, what: tuple, work: Callable[[Callable[[float], None]], T], label: str,
             automatic: bool, button: str, help_text: str) -> T | None:
    """The result of ``work`` for ``what``: remembered, computed at once when ``automatic``, else on a button;
    a progress bar while it runs. None while the button waits."""
    store = state.results(f"{KEY}.{slot}").setdefault(view, {})
    if what in store:
        return store[what]
    if not automatic:
        place = st.empty()  # the button goes once its result is there
        if not place.button(button, key=key(slot, view, "go"), type="primary", help=help_text,
                            icon=":material/play_circle:"):
            return None
        place.empty()
    result = heavy(label, work)
    store[what] = result
    while len(store) > KEEP:
        store.pop(next(iter(store)))
    return result


# ---------------------------------------------------------------- names a figure may show


def feature_names(run: Run) -> list[str]:
    """The input's features as a figure shows them; an uploaded table's names are the learner's text, so any
    markup in them is escaped (plotly reads a few HTML tags)."""
    names = run.data.feature_names
    count = run.data.input_shape[-1]
    return [html.escape(str(names[i])) if i < len(names) else f"feature {i + 1}" for i in range(count)]


def class_names(run: Run) -> list[str]:
    return [html.escape(run.data.class_name(c)) for c in range(run.data.n_classes)]


def picture_of(a: Attribution) -> np.ndarray:
    """The map over the input where there is one (a layer's map upsampled), else the map over its layer."""
    return a.on_input if a.on_input is not None else a.values


def chart(slot: str, fig: go.Figure, name: str, where: Any = None) -> None:
    (where or st).plotly_chart(fig, key=key(slot, "chart", name), config=CHART)


# ---------------------------------------------------------------- the example and the network's answer


def example_view(slot: str, run: Run, example: Example) -> None:
    """What the network takes: the image or sequence as a picture, a table's values by name, the point."""
    kind = run.data.input_kind
    if kind == "image":
        fig = map_grid({}, image=example.input, columns=1, height_per_row=200)
        fig.update_layout(title="What the network sees", margin=dict(l=10, r=10, t=40, b=10))
        chart(slot, fig, "example")
        return
    if kind == "sequence":
        chart(slot, sequence_figure(run, example.input), "example")
        return
    if example.point is not None:
        st.markdown(f"The point (x₁, x₂) = **({example.point[0]:.2f}, {example.point[1]:.2f})**, as the features:")
    st.dataframe({"feature": [html.unescape(n) for n in feature_names(run)], "value": example.input.tolist()},
                 hide_index=True, width="stretch", height=min(35 * (len(example.input) + 1) + 3, 320),
                 column_config={"value": st.column_config.NumberColumn(format="%.3f")})
    if kind == "table":
        st.caption("Tables are standardised: 0 is the training mean, 1 one standard deviation.")


def sequence_figure(run: Run, values: np.ndarray) -> go.Figure:
    """A sequence (T, F) as the maps' strips draw it: steps left to right, a line for one feature, else a row
    per feature."""
    steps = np.arange(1, len(values) + 1)
    names = feature_names(run)
    if values.shape[1] == 1:
        fig = go.Figure(go.Scatter(x=steps, y=values[:, 0], mode="lines+markers", line=dict(color="#555"),
                                   hovertemplate="step %{x}: %{y:.3f}<extra></extra>"))
    else:
        fig = go.Figure(go.Heatmap(x=steps, y=names, z=values.T, colorscale="Greys", showscale=False, xgap=1, ygap=1,
                                   hovertemplate="step %{x}, %{y}: %{z:.3f}<extra></extra>"))
    fig.update_xaxes(title="step", dtick=max(1, len(steps) // 12))
    fig.update_layout(title="What the network sees", height=160 + 20 * min(values.shape[1], 12),
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


def class_control(slot: str, run: Run, where: Any) -> int | None:
    """The class whose score the maps explain; None: the predicted one (and for one output or a regression)."""
    if run.objective.n_classes == 0 or run.objective.n_outputs == 1:
        return None
    options = [PREDICTED, *range(run.objective.n_outputs)]
    names = class_names(run)
    chosen = kept(slot, where.selectbox, "target", PREDICTED, "Explain the class", options, fits=lambda v: v in options,
                  format_func=lambda c: "the one it predicts" if c == PREDICTED else html.unescape(names[c]),
                  help="Every map explains one output: the score (logit) of this class. A map for another class "
                       "says what speaks for that class in this input.")
    return None if chosen == PREDICTED else int(chosen)


def prediction_view(slot: str, run: Run, example: Example, target: int | None) -> None:
    """Every class's probability (the class explained darker), or the predicted value for a regression."""
    if not run.objective.is_classification:
        with evaluating(run.model), torch.no_grad():
            value = float(run.objective.predict(run.model(example.x.to(run.trainer.device)))[0])
        st.metric(f"For {plain(example.source)}, the network predicts", f"{value:.4g}", f"{value - example.label:+.4g} "
                  f"from the target {example.label:.4g}", delta_color="off",
                  help="A regression: the maps explain this value.")
        return
    probabilities = class_probabilities(run, example.x)[0]
    predicted = int(np.argmax(probabilities))
    explained = predicted if target is None else target
    names = class_names(run)
    chart(slot, probability_bars(probabilities, names, explained, title="Every class's probability", height=230),
          "probs")
    truth = int(example.label)
    verdict = "right" if truth == predicted else "wrong"
    source = plain(example.source)
    st.markdown(f"{source[:1].upper() + source[1:]}: the network says **{plain(run.data.class_name(predicted))}** "
                f"({probabilities[predicted]:.0%}); the example is **{plain(run.data.class_name(truth))}**: {verdict}."
                + ("" if run.objective.n_outputs > 1 else " One output unit: every map explains its score, whose "
                   "sign is the class."))


# ---------------------------------------------------------------- the method and its options


@dataclass(frozen=True)
class Chosen:
    """What the learner asked to see: the method, the class explained (None: the predicted one), its options and
    the part of the map shown."""

    method: Method
    target: int | None
    options: tuple[tuple[str, Any], ...]
    sign: str

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.options)

    @property
    def targets(self) -> list[int] | None:
        return None if self.target is None else [self.target]


def _help(o: Option) -> str:
    limits = ""
    if o.low is not None and o.high is not None and not o.choices:
        limits = f" ({o.low:g} to {o.high:g})"
    return o.explanation[:1].upper() + o.explanation[1:] + limits + "."


def option_control(slot: str, run: Run, m: Method, o: Option, default: Any, where: Any) -> Any:
    """One option's widget, from the core's description of it."""
    kind = run.data.input_kind
    name = f"option.{kind}.{m.name}.{o.name}"
    if o.name == "baseline":
        choices = [b for b in m.baselines if kind in BASELINES[b].kinds]
        text = _help(o) + "\n\n" + "\n".join(f"- **{BASELINES[b].label}**: {BASELINES[b].explanation}"
                                            for b in choices)
        return kept(slot, where.selectbox, name, default, o.label, choices, fits=lambda v: v in choices,
                    format_func=lambda b: BASELINES[b].label, help=text)
    if o.choices:
        return kept(slot, where.selectbox, name, default, o.label, list(o.choices), fits=lambda v: v in o.choices,
                    format_func=lambda c: SMOOTHINGS.get(c, c), help=_help(o))
    low, high = o.low if o.low is not None else 0, o.high
    if o.integer:
        return kept_number(slot, where, name, int(default), o.label, int(low), None if high is None else int(high),
                           _help(o))
    return kept(slot, where.slider, name, float(default), o.label, float(low), float(high), step=0.01, help=_help(o),
                fits=lambda v: isinstance(v, float) and low <= v <= high)


def layer_controls(slot: str, run: Run, m: Method, where: list) -> dict[str, Any]:
    """The layer a layer or neuron method looks at, and the unit for neuron methods."""
    kind = run.data.input_kind
    choices = [c for c in layer_choices(run) if m.takes_layer(c)]
    if not choices:
        return {}  # the core says why when the method runs
    by_name = {c.name: c for c in choices}
    default = m.default_layer(choices).name
    layer = kept(slot, where[0].selectbox, f"layer.{kind}.{m.name}", default, "Layer", list(by_name),
                 fits=lambda v: v in by_name,
                 format_func=lambda n: f"{by_name[n].label}: {' × '.join(map(str, by_name[n].shape))}",
                 help=OPTIONS["layer"].explanation[:1].upper() + OPTIONS["layer"].explanation[1:]
                 + (": its channels' maps are weighed by their gradient and summed" if m.name == "gradcam" else "")
                 + ". Its output's shape for one example is shown.")
    chosen: dict[str, Any] = {"layer": layer}
    if m.family == "neuron":
        units = by_name[layer].units
        unit = kept_number(slot, where[1], f"unit.{kind}.{layer}", 1, f"Unit (1 to {units:,})", 1, units,
                           f"{OPTIONS['unit'].explanation[:1].upper() + OPTIONS['unit'].explanation[1:]}, as "
                           "PyTorch lays it out (channel by channel, then row by row).")
        where[1].caption(by_name[layer].unit_label(int(unit) - 1))
        chosen["unit"] = int(unit) - 1  # the core counts from 0
    return chosen


def method_controls(slot: str, run: Run, target: int | None) -> Chosen:
    """The method (with the question it asks), its options, smoothing, layer and unit, and the part shown."""
    kind = run.data.input_kind
    methods = {m.name: m for m in methods_for(kind)}
    left, right = st.columns([2, 1])
    name = kept(slot, left.selectbox, f"method.{kind}", "saliency", "Method", list(methods),
                fits=lambda v: v in methods,
                format_func=lambda n: f"{methods[n].label} ({methods[n].family})",
                help="How the map is made. Gradient methods differentiate the score; perturbation methods change "
                     "the input and watch the score; layer methods look at a hidden layer; neuron methods explain "
                     "one hidden unit instead of the output. All run through captum.")
    m = methods[name]
    sign = kept(slot, right.selectbox, "sign", "all", "Show", list(SIGNS), fits=lambda v: v in SIGNS,
                format_func=lambda s: SIGNS[s].capitalize(),
                help="Which part of the map to draw: all of it (blue raises the score, orange lowers it), only "
                     "what raises it, only what lowers it, or its size whatever the sign.")
    st.markdown(f"**{plain(m.label)}** asks: *{plain(m.asks)}*  \n{plain(m.paper)}")
    defaults = default_options(run, m.name)
    chosen: dict[str, Any] = {}
    if m.needs_layer:
        chosen |= layer_controls(slot, run, m, st.columns(2))
    plain_options = [n for n in m.options_for(kind) if n not in SMOOTHING_OPTIONS and n not in ("layer", "unit")]
    if plain_options:
        columns = st.columns(max(3, len(plain_options)))
        for column, option in zip(columns, plain_options):
            chosen[option] = option_control(slot, run, m, OPTIONS[option], defaults[option], column)
    if m.smoothable:
        with st.expander("Smoothing (NoiseTunnel): SmoothGrad, VarGrad", icon=":material/blur_on:"):
            columns = st.columns(3)
            chosen["smoothing"] = option_control(slot, run, m, OPTIONS["smoothing"], defaults["smoothing"], columns[0])
            if chosen["smoothing"] != "none":
                for column, option in zip(columns[1:], ("smoothing_samples", "noise")):
                    chosen[option] = option_control(slot, run, m, OPTIONS[option], defaults[option], column)
    return Chosen(m, target, tuple(sorted(chosen.items())), sign)


# ---------------------------------------------------------------- one map, drawn for its kind of input


def attribution(slot: str, run: Run, example: Example, chosen: Chosen, network: tuple, view: str = "explain",
                of: Example | None = None) -> Attribution | None:
    """``chosen``'s map for ``of`` (default: the example): checked first (a wrong option is a message), then
    computed at once when cheap, else on a button."""
    m, subject = chosen.method, of or example
    prepared = prepare(run, subject.x.to(run.trainer.device), m.name, chosen.targets, **chosen.kwargs)
    work = prepared.passes * run.work.macs
    return computed(slot, view, (network, example_key(subject), m.name, chosen.target, chosen.options),
                    lambda progress: run_prepared(prepared, progress)[0], f"{m.label}: asking the network…",
                    m.name not in ON_A_BUTTON and work <= AUTO_WORK, f"Compute {m.label}",
                    f"{prepared.rows:,} inputs through the network, about {work:,.0f} multiply-adds.")


def layer_figure(values: np.ndarray, over: str, sign: str) -> go.Figure:
    """A map over a hidden layer: a picture per channel, a strip for a sequence, bars (or a strip) for units."""
    if values.ndim == 3 and len(values) == 1:  # one map for the whole layer (GradCAM)
        return map_grid({f"{' × '.join(map(str, values.shape[1:]))}": values}, sign=sign, columns=3,
                        title=f"At {over} itself", height_per_row=160)
    if values.ndim == 3:
        channels = {f"channel {c + 1}": values[c][None] for c in range(min(len(values), 16))}
        return map_grid(channels, sign=sign, columns=8, title=f"At {over} itself"
                        + (" (its first 16 channels)" if len(values) > 16 else ""), height_per_row=150)
    if values.ndim == 1 and len(values) <= MANY_UNITS:
        return bars([f"unit {u + 1}" for u in range(len(values))], values, sign, f"At {over} itself")
    grid = shown(values.reshape(1, -1) if values.ndim == 1 else values.T, sign)  # (units, steps) or (1, units)
    where = "unit %{x}" if values.ndim == 1 else "step %{x}, unit %{y}"
    fig = go.Figure(go.Heatmap(
        z=scaled(grid), customdata=grid, zmin=-1, zmax=1, zmid=0, colorscale=DIVERGING_SCALE,
        x=np.arange(1, grid.shape[1] + 1), y=np.arange(1, grid.shape[0] + 1),
        colorbar=dict(title="share of largest", thickness=12, len=0.9),
        hovertemplate=where + ": %{customdata:.4g}<extra></extra>"))
    fig.update_xaxes(title="unit" if values.ndim == 1 else "step")
    fig.update_yaxes(title="unit" if values.ndim == 2 else None, visible=values.ndim == 2, autorange="reversed")
    fig.update_layout(title=f"At {over} itself", height=180 if values.ndim == 1 else min(520, 160 + 9 * len(grid)),
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


def input_figure(run: Run, example: Example, values: np.ndarray, sign: str, title: str) -> go.Figure:
    """A map over the input: beside and over an image, strips under a sequence, bars per named feature."""
    kind = run.data.input_kind
    if kind == "image":
        fig = image_attribution(example.input, values, sign, title, height=320)
        fig.update_annotations(font_size=12)  # the panels' titles stay apart on a narrow window
        return fig
    if kind == "sequence":
        return sequence_strips(values, example.input, feature_names(run), sign, title,
                               height=440 + 18 * example.input.shape[1])
    return bars(feature_names(run), values, sign, title)


def bars(names: list[str], values: np.ndarray, sign: str, title: str) -> go.Figure:
    """Bars per feature, tall enough that two features still leave room for the axis."""
    return feature_bars(names, values, sign, title, height=max(240, 80 + 22 * len(names)))


def feature_rows(rows: dict[str, np.ndarray], names: list[str], sign: str, title: str) -> go.Figure:
    """Maps over named features, one row each (methods, stages, checkpoints), each scaled by its own largest
    |value| on the zero-centred scale of every map: a vector's twin of ``map_grid``."""
    values = np.stack([shown(np.asarray(v, dtype=float).reshape(-1), sign) for v in rows.values()])  # (R, F)
    fig = go.Figure(go.Heatmap(
        z=np.stack([scaled(v) for v in values]), customdata=values, x=names, y=list(rows), zmin=-1, zmax=1, zmid=0,
        colorscale=DIVERGING_SCALE, colorbar=dict(title="share of largest", thickness=12, len=0.9),
        hovertemplate="%{y}, %{x}: %{customdata:.4g}<extra></extra>", xgap=1, ygap=1))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", tickangle=-35 if max(map(len, names)) > 6 else 0)
    fig.update_layout(title=title, height=140 + 30 * len(rows) + 4 * max(map(len, names)),
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


def plane_view(slot: str, run: Run, example: Example, a: Attribution, network: tuple, where: Any) -> None:
    """The input gradient as arrows over the decision boundary, and Integrated Gradients' path to the point."""
    target = a.target if run.objective.n_outputs > 1 else None

    def draw(progress: Callable[[float], None]) -> tuple[go.Figure, Any]:  # ~0.1 s of figure: kept, not redrawn
        field = gradient_field(run, target, ARROWS)
        path = plane_path(run, example, target) if example.point is not None else None
        fig = plane_attribution(decision_map(run, BOUNDARY_RESOLUTION), run.plane.extent, run.plane.train,
                                field.points, field.gradients, None if path is None else path.points,
                                example.point, n_classes=run.data.n_classes, height=440,
                                title="∂score/∂(x₁, x₂) over the decision boundary")
        return fig, path

    fig, path = computed(slot, "plane", (network, example_key(example), target), draw, "Drawing the plane…", True,
                         "", "")
    chart(slot, fig, "plane", where)
    if path is not None:
        where.caption(f"The arrows point where the explained score rises fastest (length ∝ its slope). The dotted "
                      f"line is Integrated Gradients' path from the point (0, 0) to the example: along it x₁ earns "
                      f"**{path.attributions[0]:+.3f}** and x₂ **{path.attributions[1]:+.3f}** of the score's change "
                      f"{path.scores[-1] - path.scores[0]:+.3f} (convergence delta {path.delta:.1e}).")


def draw_attribution(slot: str, run: Run, example: Example, a: Attribution, sign: str, name: str,
                     network: tuple) -> None:
    title = next(m.label for m in methods_for(run.data.input_kind) if m.name == a.method)  # what: the caption
    if a.on_input is not None:
        if run.plane is not None:
            left, right = st.columns([1, 1.2])
            chart(slot, input_figure(run, example, a.on_input, sign, title), f"{name}.input", left)
            plane_view(slot, run, example, a, network, right)
        else:
            chart(slot, input_figure(run, example, a.on_input, sign, title), f"{name}.input")
    if a.over != "input":
        chart(slot, layer_figure(a.values, a.over, sign), f"{name}.layer")


# ---------------------------------------------------------------- the tabs


@refusing
def explain_view(slot: str, run: Run, example: Example, chosen: Chosen, network: tuple) -> None:
    a = attribution(slot, run, example, chosen, network)
    if a is None:
        st.info(f"{chosen.method.label} asks the network many questions for one map: it runs when you press the "
                "button.", icon=":material/hourglass_top:")
        return
    draw_attribution(slot, run, example, a, chosen.sign, "explain", network)
    if not np.any(a.values):
        st.info("The map is zero everywhere: nothing in this input moves what is explained (for a unit, it may be "
                "switched off by its ReLU, or lie where this input is blank). Try another unit, class or example.",
                icon=":material/exposure_zero:")
    columns = st.columns(3 if a.delta is None else 4)
    columns[0].metric("Explained score", f"{a.score:.4g}", help=f"What the map explains: {plain(a.explained)}.")
    columns[1].metric("Σ attributions", f"{a.total:.4g}",
                      help="The map's sum. For Integrated Gradients, DeepLift, GradientShap and conductance it "
                           "should equal the score minus the baseline's score (completeness).")
    columns[2].metric("Largest |value|", f"{float(np.abs(a.values).max()):.3g}",
                      help="Each map is drawn divided by this, so that maps of different methods compare.")
    if a.delta is not None:
        columns[3].metric("Convergence delta", f"{a.delta:.2e}",
                          help="Σ attributions − (score − the baseline's score): how far the sum is from what it "
                               "should be. More steps bring it nearer zero.")
    st.caption(f"{plain(a.explained)[:1].upper() + plain(a.explained)[1:]}, over {plain(a.over)}."
               + (" Blue raises the score, orange lowers it; each map is scaled by its largest value."
                  if chosen.sign == "all" else ""))


@refusing
def compare_view(slot: str, run: Run, example: Example, chosen: Chosen, network: tuple) -> None:
    kind = run.data.input_kind
    candidates = {m.name: m for m in methods_for(kind) if m.family in ("gradient", "perturbation")
                  or m.name == "gradcam"}
    default = [n for n in COMPARE_FIRST if n in candidates][:5]
    names = kept(slot, st.multiselect, f"compare.{kind}", default, "Methods side by side", list(candidates),
                 fits=lambda v: isinstance(v, list) and set(v) <= set(candidates), max_selections=8,
                 format_func=lambda n: candidates[n].label,
                 help="Each with its default options, explaining the same class of the same example. Set one "
                      "method's options above and see it alone in Explain.")
    if not names:
        st.info("Choose at least one method.", icon=":material/checklist:")
        return
    prepared = {n: prepare(run, example.x.to(run.trainer.device), n, chosen.targets) for n in names}
    work = sum(p.passes for p in prepared.values()) * run.work.macs

    def every_map(progress: Callable[[float], None]) -> dict[str, Attribution]:
        maps = {}
        for k, (n, p) in enumerate(prepared.items()):
            maps[n] = run_prepared(p, lambda share, k=k: progress((k + share) / len(prepared)))[0]
        return maps

    maps = computed(slot, "compare", (network, example_key(example), tuple(names), chosen.target), every_map,
                    "Asking the network, method by method…",
                    not set(names) & set(ON_A_BUTTON) and work <= AUTO_WORK, "Compare these methods",
                    f"About {work:,.0f} multiply-adds.")
    if maps is None:
        return
    labels = {n: candidates[n].label for n in names}
    if kind in ("image", "sequence"):
        chart(slot, map_grid({labels[n]: picture_of(a) for n, a in maps.items()}, image=example.input, sign=chosen.sign,
                       columns=min(5, len(maps) + 1), height_per_row=230 if kind == "image" else 170,
                       title=f"Each map scaled by its own largest value ({SIGNS[chosen.sign]})"), "compare")
    else:
        chart(slot, feature_rows({html.escape(labels[n]): picture_of(a) for n, a in maps.items()}, feature_names(run),
                           chosen.sign, f"A row per method, each scaled by its own largest value "
                                        f"({SIGNS[chosen.sign]})"), "compare")
    st.caption(f"Every map explains {plain(next(iter(maps.values())).explained)}. Methods that agree point at the "
               "same inputs; where they disagree, ask which one the network's own computation supports (Can you "
               "trust it?).")


@refusing
def faithfulness_view(slot: str, run: Run, example: Example, chosen: Chosen, network: tuple) -> None:
    m, kind = chosen.method, run.data.input_kind
    st.markdown(f"#### Is the {plain(m.label)} map faithful to the network?")
    st.caption("**Infidelity**: small random changes of the input; does the map predict how the score changes? "
               "(lower is better; Yeh et al. 2019). **Sensitivity**: how much the map itself changes when the "
               "input moves a little (lower is steadier). **Deletion**: remove the inputs the map ranks highest "
               "first; a faithful map makes the probability fall faster than a random order does.")
    left, right = st.columns(2)
    perturbations = kept_number(slot, left, "perturbations", 10, "Perturbations", 1, MAX_PERTURBATIONS,
                                "Noisy inputs each estimate uses: more give a steadier estimate and cost more.")
    absent = [b for b in ("zeros", "blurred", "noise", "mean") if kind in BASELINES[b].kinds]
    baseline = kept(slot, right.selectbox, f"deletion_baseline.{kind}", "zeros", "Deleted inputs become", absent,
                    fits=lambda v: v in absent, format_func=lambda b: BASELINES[b].label,
                    help="What a removed input is replaced by: " + "; ".join(
                        f"{BASELINES[b].label.lower()}: {BASELINES[b].explanation}" for b in absent) + ".")
    if m.family == "neuron":
        st.info(f"{m.label} explains one hidden unit; these measures judge maps that explain the output. Choose a "
                "gradient, perturbation or layer method.", icon=":material/info:")
        return
    measures_input = m.family in ("gradient", "perturbation")

    def measure(progress: Callable[[float], None]) -> tuple:
        prepared = prepare(run, example.x.to(run.trainer.device), m.name, chosen.targets, **chosen.kwargs)
        a = run_prepared(prepared, lambda share: progress(0.3 * share))[0]
        scores = faithfulness(run, example, m.name, chosen.target, int(perturbations),
                              progress=lambda share: progress(0.3 + 0.6 * share),
                              **chosen.kwargs) if measures_input else None
        curve = deletion_curve(run, example, a, baseline) if a.on_input is not None else None
        progress(1.0)
        return scores, curve

    result = computed(slot, "faithfulness", (network, example_key(example), m.name, chosen.target, chosen.options,
                                       int(perturbations), baseline), measure, "Measuring…", False,
                      "Measure faithfulness", "Infidelity, sensitivity and a deletion curve for this map.")
    if result is None:
        return
    scores, curve = result
    if scores is not None:
        c1, c2 = st.columns(2)
        c1.metric("Infidelity", f"{scores.infidelity:.3g}", help="Mean squared error of the map's prediction of "
                  f"the score's change, over {scores.perturbations} noisy inputs (the map rescaled by its best "
                  "factor first). Lower is better.")
        c2.metric("Sensitivity", f"{scores.sensitivity:.3g}", help="The largest change of the map, relative to "
                  "its size, when the input moves by at most 2 % of its range. Lower is steadier.")
    else:
        st.caption(f"{plain(m.label)} explains a layer or a unit: infidelity and sensitivity measure maps over the "
                   "input that explain the output.")
    if curve is not None:
        chart(slot, deletion_curves(curve.removed, {f"{html.escape(m.label)} order": curve.by_attribution,
                                              "random order": curve.at_random}, html.escape(curve.score_name),
                              title="Deleting the inputs the map ranks highest first"), "deletion")


def trust_view(slot: str, run: Run, example: Example, chosen: Chosen, network: tuple) -> None:
    faithfulness_view(slot, run, example, chosen, network)
    st.divider()
    sanity_view(slot, run, example, chosen, network)


@refusing
def sanity_view(slot: str, run: Run, example: Example, chosen: Chosen, network: tuple) -> None:
    kind = run.data.input_kind
    st.markdown("#### Sanity checks: does the map depend on what the network learned?")
    st.caption("Adebayo et al. 2018: replace trained weights by random ones and make the map again. A map that "
               "barely changes shows the input more than the network's reasoning. Expect plain gradients and "
               "GradCAM to change; Guided Backprop, on ReLU networks, barely does. Similarity to the trained "
               "map: Spearman's rank correlation (with and without absolute values) and SSIM.")
    candidates = {m.name: m for m in methods_for(kind) if m.family != "neuron"}
    default = list(dict.fromkeys(n for n in (chosen.method.name, "saliency", "guided_backprop", "gradcam")
                                 if n in candidates))[:4]
    left, right = st.columns([2, 1])
    names = kept(slot, left.multiselect, f"sanity.{kind}", default, "Methods to check", list(candidates),
                 fits=lambda v: isinstance(v, list) and set(v) <= set(candidates), max_selections=4,
                 format_func=lambda n: candidates[n].label,
                 help=f"{chosen.method.label} with the options set above; the others with their defaults.")
    mode = kept(slot, right.radio, "sanity.mode", "cascading", "Randomise", list(MODES), fits=lambda v: v in MODES,
                format_func=lambda v: {"cascading": "from the top down", "independent": "one layer at a time"}[v],
                help="\n".join(f"- **{name}**: {words}" for name, words in MODES.items()))
    if not names:
        return

    def options_of(name: str) -> dict[str, Any]:
        return chosen.kwargs if name == chosen.method.name else {}

    def check(progress: Callable[[float], None]) -> dict:
        return {n: randomisation_check(run, example, n, mode, chosen.target,
                                       progress=lambda share, k=k: progress((k + share) / len(names)),
                                       **options_of(n)) for k, n in enumerate(names)}

    checks = computed(slot, "sanity",
                      (network, example_key(example), tuple(names), mode, chosen.target, chosen.options),
                      check, "Randomising layers and making the maps again…", False, "Run the sanity check",
                      "One map per randomised stage and method.")
    if checks is None:
        return
    chart(slot, sanity_summary({candidates[n].label: result for n, result in checks.items()}), "sanity.summary")
    if set(checks) & {"input_x_gradient", "integrated_gradients", "deeplift"}:
        st.caption("Input × Gradient, and Integrated Gradients or DeepLift from a zero baseline, multiply by the "
                   "input: where the input is 0 the map is 0 whatever the weights, so |map| keeps the input's shape. "
                   "Look at the signed maps' ρ in each method's tab.")
    image = example.input if kind == "image" else None
    for n, tab in zip(checks, st.tabs([candidates[n].label for n in checks])):
        stages = checks[n].stages
        title = f"{html.escape(candidates[n].label)}: the map at each stage"
        with tab:
            if kind in ("image", "sequence"):
                fig = sanity_grid([grid_label(s, mode) for s in stages], [s.values for s in stages],
                                  [s.rank_correlation for s in stages], image=image, sign=chosen.sign, columns=4)
                fig.update_layout(margin=dict(l=10, r=10, t=60, b=10), height=fig.layout.height + 30)
                st.markdown(f"**{plain(candidates[n].label)}: the map at each stage**")
                chart(slot, fig, f"sanity.{n}.grid")
            else:
                chart(slot, feature_rows({f"{s.label}, ρ = {s.rank_correlation:.2f}": s.values for s in stages},
                                   feature_names(run), chosen.sign, title), f"sanity.{n}.grid")
            chart(slot, sanity_metrics([stage_name(s) for s in stages], [s.rank_correlation for s in stages],
                                 [s.rank_correlation_abs for s in stages], [s.ssim for s in stages],
                                 title=f"{html.escape(candidates[n].label)}: similarity to the trained map"),
                  f"sanity.{n}.metrics")


def grid_label(stage: Stage, mode: str) -> str:
    """A stage on two lines of a panel's title: the layer randomised last, then what else is random."""
    if not stage.randomised:
        return "trained network<br>"
    if mode == "independent":
        return f"only {stage.randomised[-1]}<br>random"
    return f"{stage.randomised[-1]}<br>{'and above ' if len(stage.randomised) > 1 else ''}random"


def stage_name(stage: Stage) -> str:
    """A stage by the layer randomised last (an axis label): "trained", "layer 10 (Linear)"."""
    return stage.randomised[-1] if stage.randomised else "trained"


def sanity_summary(checks: dict[str, SanityCheck]) -> go.Figure:
    """Every method checked, on one chart: the rank correlation of its |map| with the trained one, stage by stage."""
    fig = go.Figure()
    for k, (label, result) in enumerate(checks.items()):
        fig.add_trace(go.Scatter(x=[stage_name(s) for s in result.stages],
                                 y=[s.rank_correlation_abs for s in result.stages], mode="lines+markers",
                                 name=html.escape(label), line=dict(dash=("solid", "dash", "dot", "dashdot")[k % 4]),
                                 marker=dict(symbol=("circle", "square", "diamond", "triangle-up")[k % 4], size=8),
                                 hovertemplate="%{x}: %{y:.3f}<extra>%{fullData.name}</extra>"))
    mode = next(iter(checks.values())).mode
    fig.add_hline(y=0, line=dict(color="grey", width=1, dash="dot"))
    how = "from the top down" if mode == "cascading" else "one at a time"
    fig.update_layout(title=dict(text="Rank correlation of |map| with the trained map",
                                 subtitle=dict(text=f"layers randomised {how}")),
                      height=360, margin=dict(l=10, r=10, t=70, b=10), legend=dict(orientation="h", y=-0.3),
                      yaxis=dict(range=[-1.05, 1.05], title="Spearman ρ of |map|"))
    fig.update_xaxes(type="category")
    return fig


def epsilon_control(slot: str, run: Run, where: list) -> float:
    """ε: a slider to drag, and a box to type an exact value (checked by the core: 0 to half the inputs' range)."""
    maximum = float(max_epsilon(run))
    name = f"epsilon.{maximum:.6g}"  # the range belongs to the data: each keeps its own ε
    choice = f"{slot}.{KEY}.{name}"
    epsilon = float(state.choice(choice, float(f"{maximum / 10:.1g}")))  # a round default: 0.05, 0.3, 0.6
    slider, box = key(slot, name, "slider"), key(slot, name, "box")
    state.set_widget(slider, min(max(epsilon, 0.0), maximum))
    state.set_widget(box, epsilon)
    where[0].slider("ε: the largest change of any input", 0.0, maximum, step=maximum / 100, key=slider,
                    format="%.3f", on_change=lambda: state.set_choice(choice, float(state.widget_value(slider))),
                    help=f"Every input may move by at most ε (0 to {maximum:.3g}, half the range of the inputs).")
    number_box(where[1], "or type ε", 0.0, maximum, box,
               lambda: state.set_choice(choice, float(state.widget_value(box))), step=maximum / 100, format="%.4f",
               help="An exact ε; the slider follows.")
    return epsilon


def attack_figure(run: Run, example: Example, result: Any) -> go.Figure:
    kind = run.data.input_kind
    adversarial = result.example
    title = f"{result.kind.upper()}, ε = {result.epsilon:.3g}"
    if kind == "image":
        fig = attack_images(example.input, adversarial.input, title=title, height=280)
        fig.update_annotations(font_size=12)
        return fig
    if run.plane is not None and example.point is not None:
        fig = boundary_figure(run, title=title, height=420)
        moved = adversarial.point
        fig.add_trace(go.Scatter(x=[example.point[0], moved[0]], y=[example.point[1], moved[1]], mode="lines",
                                 line=dict(color="crimson", width=3), name="the attack", hoverinfo="skip"))
        for point, name, symbol in ((example.point, "the example", "star"), (moved, "after the attack", "x")):
            fig.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name=name,
                                     marker=dict(symbol=symbol, size=15, color="gold" if symbol == "star" else
                                                 "crimson", line=dict(color="black", width=1))))
        return fig
    if kind == "sequence":
        return map_grid({"what the attack added": result.perturbation}, image=example.input, columns=2,
                        title=title, height_per_row=150)
    fig = bars(feature_names(run), result.perturbation, "all", f"{title}: what the attack added")
    fig.update_layout(xaxis_title="added to the (standardised) input")
    return fig


@refusing
def fool_view(slot: str, run: Run, example: Example, chosen: Chosen, network: tuple) -> None:
    st.caption("A small change of the input, chosen along the loss's gradient, can change the answer "
               "(Goodfellow et al. 2015; Madry et al. 2018). The attack raises the loss of the example's own label.")
    columns = st.columns([1.1, 2, 1.1])
    kind = kept(slot, columns[0].radio, "attack", "fgsm", "Attack", list(ATTACKS), fits=lambda v: v in ATTACKS,
                format_func=str.upper, help="\n".join(f"- {words}" for words in ATTACKS.values()), horizontal=True)
    epsilon = epsilon_control(slot, run, columns[1:3])
    steps = 10
    if kind == "pgd":
        steps = kept_number(slot, columns[0], "pgd_steps", 10, "PGD steps", 1, MAX_ATTACK_STEPS,
                            "How many smaller steps PGD takes, each pulled back to within ε of the example.")
    result = computed(slot, "attack", (network, example_key(example), kind, epsilon, int(steps)),
                      lambda progress: attack(run, example, epsilon, kind, int(steps)), "Attacking…", True, "", "")
    if run.data.input_kind == "image":  # three pictures side by side need the whole width
        chart(slot, attack_figure(run, example, result), "attack")
        answer, loss = st.columns([1.3, 1])
    else:
        picture, answer = st.columns([1.3, 1])
        chart(slot, attack_figure(run, example, result), "attack", picture)
        loss = answer
    with answer:
        if result.probabilities_after is not None:
            before, after = int(result.prediction_before), int(result.prediction_after)
            chart(slot, probability_bars(result.probabilities_after, class_names(run), after, height=220,
                                   title="After the attack"), "attack.probs")
            truth = int(example.label)
            verdict = ("**Already wrong** before the attack, which pushes it further from "
                       f"**{plain(run.data.class_name(truth))}**. " if before != truth else
                       "**Fooled.** " if result.fooled else "**Not fooled.** ")
            st.markdown(verdict + f"Before: **{plain(run.data.class_name(before))}** "
                                  f"({result.probabilities_before[before]:.0%}); after: "
                                  f"**{plain(run.data.class_name(after))}** ({result.probabilities_after[after]:.0%}).")
        else:
            st.metric("The prediction", f"{result.prediction_after:.4g}",
                      f"{result.prediction_after - result.prediction_before:+.4g}", delta_color="off")
    loss.metric("Loss on this example", f"{result.loss_after:.4g}", f"{result.loss_after - result.loss_before:+.4g}",
                delta_color="inverse", help="The attack climbs this loss.")
    moved_view(slot, run, example, result.example, chosen, network)
    robustness_view(slot, run, network, kind, epsilon, int(steps))


def moved_view(slot: str, run: Run, example: Example, adversarial: Example, chosen: Chosen, network: tuple) -> None:
    """The chosen map of the example and of its adversarial version, for the same class."""
    before = attribution(slot, run, example, chosen, network)
    if before is None:
        return
    fixed = Chosen(chosen.method, before.target, chosen.options, chosen.sign)
    after = attribution(slot, run, example, fixed, network, view="explain.adversarial", of=adversarial)
    if after is None:
        return
    st.markdown(f"**How the {plain(chosen.method.label)} map moved** (both explain "
                f"{plain(before.explained)})")
    a, b = picture_of(before), picture_of(after)
    if run.data.input_kind in ("image", "sequence"):
        chart(slot, map_grid({"before": a, "after the attack": b, "after − before": b - a}, sign=chosen.sign, columns=3,
                       height_per_row=220 if run.data.input_kind == "image" else 150), "moved")
    else:
        left, right = st.columns(2)
        chart(slot, bars(feature_names(run), a, chosen.sign, "before"), "moved.before", left)
        chart(slot, bars(feature_names(run), b, chosen.sign, "after the attack"), "moved.after", right)


def robustness_view(slot: str, run: Run, network: tuple, kind: str, epsilon: float, steps: int) -> None:
    st.markdown("**The whole test set under this attack**")
    epsilons = np.linspace(0.0, epsilon, CURVE_POINTS).tolist()
    curve = computed(slot, "robustness", (network, kind, epsilon, steps),
                     lambda progress: robustness_curve(run, epsilons, kind, steps, progress),
                     "Attacking every test example…", False, "Test accuracy under attack",
                     f"Every test example attacked with {kind.upper()} at {CURVE_POINTS} values of ε from 0 to "
                     f"{epsilon:.3g}.")
    if curve is None:
        return
    last = curve[-1]
    if math.isnan(last.accuracy):
        st.metric(f"Test loss at ε = {epsilon:.3g}", f"{last.loss:.4g}", f"{last.loss - curve[0].loss:+.4g}",
                  delta_color="inverse")
    else:
        st.metric(f"Test accuracy at ε = {epsilon:.3g}", f"{last.accuracy:.1%}",
                  f"{last.accuracy - curve[0].accuracy:+.1%} from ε = 0", help=f"{last.examples:,} test examples.")
    chart(slot, robustness_plot([r.epsilon for r in curve], [r.accuracy for r in curve], [r.loss for r in curve]),
          "robustness")


@refusing
def training_view(slot: str, run: Run, example: Example, chosen: Chosen, network: tuple) -> None:
    checkpoints = run.probe("checkpoints", Checkpoints)
    st.caption(f"Copies of the network kept while it trains on any page (at most {checkpoints.sampling.limit}, "
               f"evenly spread) since this page first saw this run, at step {checkpoints.steps[0]:,}. Each map "
               "explains the class the network predicts now, and is scaled by its own largest value.")
    if checkpoints.trainer.step_count == checkpoints.steps[0]:
        st.info("Press Play or Step: the maps appear as the network trains.", icon=":material/model_training:")
        return
    m = chosen.method
    snapshots = checkpoints.models()
    first = prepare(run, example.x.to(run.trainer.device), m.name, chosen.targets, **chosen.kwargs)
    work = first.passes * run.work.macs * len(snapshots)
    maps = computed(slot, "training", (network, example_key(example), m.name, chosen.target, chosen.options,
                                 tuple(step for step, _ in snapshots)),
                    lambda progress: over_training(run, example, m.name, snapshots, chosen.target, progress,
                                                   **chosen.kwargs),
                    f"{m.label} at {len(snapshots)} checkpoints…", m.name not in ON_A_BUTTON and work <= AUTO_WORK,
                    f"{m.label} at {len(snapshots)} checkpoints", f"About {work:,.0f} multiply-adds.")
    if maps is None:
        return
    kind = run.data.input_kind
    title = f"{html.escape(m.label)} of {html.escape(maps[-1][1].explained)}"
    if kind in ("image", "sequence"):
        chart(slot, map_grid({f"step {step:,}": picture_of(a) for step, a in maps}, image=example.input,
                             sign=chosen.sign, columns=6, height_per_row=190 if kind == "image" else 120,
                             title=title), "training")
    else:
        chart(slot, feature_rows({f"step {step:,}": picture_of(a) for step, a in maps}, feature_names(run), chosen.sign,
                           title), "training")


@refusing
def attention_view(slot: str, run: Run, example: Example) -> None:
    st.caption("Row i of a head's matrix: how much step i (the query) looks at each step (the keys): "
               "softmax(qᵢ·Kᵀ/√d), every row summing to 1 (Vaswani et al. 2017).")
    for k, layer in enumerate(attention_maps(run, example)):
        steps = layer.weights.shape[1]
        chart(slot, attention_matrices(layer.weights, title=f"{layer.layer}: {layer.heads} head(s)",
                                 height=max(320, min(560, 28 * steps + 140))), f"attention.{k}")


# ---------------------------------------------------------------- the lab


def keep_checkpoints(run: Run) -> None:
    run.probe("checkpoints", Checkpoints)  # from the first step this lab sees: the "Over training" tab's maps


def show(slot: str) -> None:
    """The Attribution lab for the network in ``slot``: train on, pick an example and a method, then the tabs."""
    keep_checkpoints(state.live(slot).run)
    live_panel(slot, keep_checkpoints, every=LIVE_SECONDS)
    run = state.live(slot).run
    st.caption(f"The views below use the weights at step {run.trainer.step_count:,}; they follow training when it "
               "pauses.")
    st.subheader("The example")
    example = pick_example(run, key(slot, "example"))
    left, right = st.columns([1, 1.5])
    with left:
        example_view(slot, run, example)
    with right:
        target = class_control(slot, run, st)
        prediction_view(slot, run, example, target)
    st.subheader("The method")
    chosen = method_controls(slot, run, target)
    network = network_key(run)
    labels = [label for label in TABS if label != "Attention" or has_attention(run)]
    views = {
        "Explain": lambda: explain_view(slot, run, example, chosen, network),
        "Compare methods": lambda: compare_view(slot, run, example, chosen, network),
        "Can you trust it?": lambda: trust_view(slot, run, example, chosen, network),
        "Fool it": lambda: fool_view(slot, run, example, chosen, network),
        "Over training": lambda: training_view(slot, run, example, chosen, network),
        "Attention": lambda: attention_view(slot, run, example),
    }
    for label, tab in zip(labels, st.tabs(labels, key=key(slot, "tab"), on_change="rerun")):
        if tab.open:  # only the open tab runs: nothing hidden is computed or sent
            with tab:
                views[label]()
