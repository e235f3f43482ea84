"""Controls drawn from a spec's field table: one widget per field, in its group, with its label, range and
help. A hidden field (classroom mode) is not drawn; a locked one shows its value and cannot change.

The spec is the source of truth: before a widget is drawn it is set to the slot's draft value, and its
change goes back through ``state.propose`` (which validates, keeps the last valid spec and enforces
locks). A control with a shape of its own (the hidden layers, the dataset with its upload, the seed,
the Builder's layer list) is a function in ``CUSTOM``.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np
import streamlit as st

from dl_core import ACTIVATIONS, DATASETS, TASKS, LayerSpec, fields_of, losses_for
from dl_core.data.tasks import is_upload
from dl_core.specs.fields import Choice, Count, Custom, Field, Range, Several, Steps, Toggle
from dl_core.specs.playground import MAX_HIDDEN_LAYERS, MAX_WIDTH
from ui import state

GROUP_ICONS = {"Data": ":material/scatter_plot:", "Task": ":material/dataset:", "Network": ":material/hub:",
               "Training": ":material/model_training:", "View": ":material/visibility:"}


def plain(text: str) -> str:
    """Text shown as text in Markdown: the characters Markdown, Streamlit's colour and icon directives, LaTeX
    and HTML would read are escaped, and a zero-width space breaks what would become a link (a URL, www., an
    e-mail address), so a value from a link can never show a link, markup or a formula."""
    text = re.sub(r"([\\`*_\[\]<>~$|#:])", r"\\\1", str(text))
    text = re.sub(r"(?i)\b(www)\.", "\\1\u200b.", text)
    return text.replace("\\://", "\\:\u200b//").replace("@", "@\u200b")


def bullets(lines: list[str]) -> str:
    return "\n".join(f"- {plain(line)}" for line in lines)


def number_box(where, label: str, low: float, high: float, key: str, on_change: Callable[..., None] | None = None,
               args: tuple = (), say=None, step: float = 1, **kwargs: Any) -> float | int:
    """``st.number_input`` whose range is checked here, not by Streamlit. Streamlit answers a typed value beyond its
    bounds with a red icon and nothing else, and raises when a kept value falls outside bounds that moved (a layer
    made narrower under a chosen unit). Here a typed value out of range is refused in words that name the field and
    the limits (under it, or in ``say``) and the widget goes back to the value it held; ``on_change`` is called only
    with values in range; a value the range moved away from is brought inside it. Set the widget's value
    (``state.set_widget``) before drawing it, or pass ``value=``."""
    said = f"{key}.refused"
    whole = all(float(v).is_integer() for v in (low, high, step))
    current = state.widget_value(key)
    if current is not None:
        kwargs.pop("value", None)  # the widget has its value: a default beside it makes Streamlit warn on the page
        if not low <= current <= high:
            current = min(max(current, low), high)
            state.set_widget(key, current)

    def changed() -> None:
        typed = state.widget_value(key)
        if typed is None or not low <= typed <= high:
            shown = "nothing" if typed is None else f"{typed:,g}"
            state.set_choice(said, f"{label}: {shown} is outside its limits, {low:,g} to {high:,g}"
                                   + (f"; it stays {current:,g}." if current is not None else "."))
            state.set_widget(key, current)
            return
        state.set_choice(said, None)
        if on_change is not None:
            on_change(*args)

    value = where.number_input(label, min_value=None, max_value=None, step=int(step) if whole else float(step),
                               key=key, on_change=changed, **kwargs)
    message = state.choice(said)
    if message:
        (say or where).error(plain(message), icon=":material/block:")
    value = low if value is None else min(max(value, low), high)
    return int(value) if whole else float(value)


def _on_change(slot_name: str, f: Field, key: str, to_value: Callable[[Any], Any]) -> Callable[[], None]:
    def changed() -> None:
        current = state.current(slot_name)
        state.propose(slot_name, f.set(current.draft, to_value(state.widget_value(key))))
    return changed


def _narrowed(f: Field, spec: Any) -> dict[str, str]:
    """The options a choice offers for this spec: every loss fits some task, only some fit this one."""
    options = dict(f.control.options)
    if f.key == "loss" and hasattr(spec, "n_classes"):  # a generative spec's losses fit its one task
        fitting = losses_for(spec.n_classes(state.uploads()))
        options = {name: label for name, label in options.items() if name in fitting}
    return options


def draw_field(slot_name: str, f: Field, where=None) -> None:
    """One field's control, in ``where`` (default: the sidebar)."""
    where = where or st.sidebar
    room = state.restrictions(slot_name)
    spec = state.current(slot_name).draft
    if f.key in room.hide or not f.applies(spec):
        return
    locked = f.key in room.lock
    help_text = f.help + (" Locked by your teacher's link." if locked else "")
    control, value, key = f.control, f.get(spec), state.widget_key(slot_name, f.key)
    if isinstance(control, Custom):
        CUSTOM[control.name](slot_name, f, where, locked)
        return
    if isinstance(control, Choice):
        options = _narrowed(f, spec)
        state.set_widget(key, value if value in options else next(iter(options)))
        where.selectbox(f.label, list(options), format_func=options.get, key=key, disabled=locked,
                        help=help_text or None, on_change=_on_change(slot_name, f, key, lambda v: v))
    elif isinstance(control, Steps):
        values = sorted(set(control.values) | {value})
        state.set_widget(key, value)
        where.select_slider(f.label, values, key=key, disabled=locked, help=help_text or None,
                            format_func=lambda v: f"{v:g}",
                            on_change=_on_change(slot_name, f, key, lambda v: v))
    elif isinstance(control, Range):
        whole = isinstance(value, int)
        cast = int if whole else float
        state.set_widget(key, cast(value))
        where.slider(f.label, cast(control.low), cast(control.high), step=cast(control.step), key=key,
                     disabled=locked, help=help_text or None, on_change=_on_change(slot_name, f, key, cast))
    elif isinstance(control, Count):
        state.set_widget(key, int(value))
        number_box(where, f.label, control.low, control.high, key, _on_change(slot_name, f, key, int),
                   disabled=locked, help=help_text or None)
    elif isinstance(control, Toggle):
        state.set_widget(key, bool(value))
        where.checkbox(f.label, key=key, disabled=locked, help=help_text or None,
                       on_change=_on_change(slot_name, f, key, bool))
    elif isinstance(control, Several):
        state.set_widget(key, list(value))
        where.pills(f.label, list(control.options), selection_mode="multi", format_func=control.options.get,
                    key=key, disabled=locked, help=help_text or None,
                    on_change=_on_change(slot_name, f, key, lambda v: tuple(v or ())))


def sidebar_controls(slot_name: str, groups: tuple[str, ...] | None = None) -> None:
    """The slot's spec's fields, grouped under headings, in the sidebar: the few a beginner needs, and every
    setting once the learner asks for it. A field another lab edits in its main area (the Builder's layers) is a
    link to that lab."""
    from ui.registry import lab

    spec = state.current(slot_name).draft
    fields = [f for f in fields_of(spec) if groups is None or f.group in groups]
    every_key = state.widget_key(slot_name, "every_setting")
    if any(f.advanced for f in fields_of(spec)) and (groups is None or "Training" in groups):
        state.set_widget(every_key, bool(state.choice(every_key, False)))
        st.sidebar.toggle("Every setting", key=every_key,
                          on_change=lambda: state.set_choice(every_key, state.widget_value(every_key)),
                          help="Show every setting of this network, not only the ones a first lesson needs.")
    every = bool(state.choice(every_key, False))
    locked = state.restrictions(slot_name).lock
    current_group = None
    for f in fields:
        if f.advanced and not every and f.key not in locked:  # a locked setting always shows its value
            continue
        if f.group != current_group:
            st.sidebar.subheader(f.group, divider="gray")
            current_group = f.group
        edited_on = getattr(f.control, "edited_on", "")
        if edited_on:
            page = lab(edited_on)
            if state.page() != edited_on:
                st.sidebar.page_link(page.script, label=f"{f.label}: edit them on the {page.title} page",
                                     icon=page.icon)
            continue
        draw_field(slot_name, f)


def show_problems(slot_name: str, where=None) -> None:
    """Why the draft cannot be trained (the last working network stays), and what a link could not have."""
    where = where or st
    current = state.current(slot_name)
    if current.warnings:
        where.warning("This link had settings that could not be used:\n\n" + bullets(current.warnings),
                      icon=":material/warning:")
    room = state.classroom()
    if current.problems:
        where.error("These settings can't be trained, so the last working network stays:\n\n"
                    + bullets(current.problems), icon=":material/block:")
    elif room.notice:
        where.info(plain(room.notice), icon=":material/school:")


# ---------------------------------------------------------------- controls of their own


def _dataset(slot_name: str, f: Field, where, locked: bool) -> None:
    """Classification or regression, then the dataset (or the learner's uploaded points)."""
    spec = state.current(slot_name).draft
    uploads = {name: data for name, data in state.uploads().items() if data.input_kind == "points"}
    n_classes = spec.n_classes(state.uploads())
    problem_key, dataset_key = state.widget_key(slot_name, "problem"), state.widget_key(slot_name, f.key)
    state.set_widget(problem_key, "regression" if n_classes == 0 else "classification")

    def choose(dataset: str) -> None:
        state.propose(slot_name, state.current(slot_name).draft.with_dataset(dataset, state.uploads()))

    def problem_changed() -> None:
        regression = state.widget_value(problem_key) == "regression"
        choose(next(n for n, i in DATASETS.items() if (i.n_classes == 0) == regression))

    where.radio("Problem type", ["classification", "regression"], key=problem_key, horizontal=True,
                disabled=locked, on_change=problem_changed,
                help="Classify points into colours, or predict a number for each point.")
    regression = n_classes == 0
    names = [n for n, i in DATASETS.items() if (i.n_classes == 0) == regression]
    names += [n for n, data in uploads.items() if (data.n_classes == 0) == regression]
    labels = {n: (f"{DATASETS[n].label} ({DATASETS[n].n_classes} classes)" if DATASETS[n].n_classes
                  else DATASETS[n].label) for n in names if n in DATASETS}
    labels.update({n: f"Your points: {data.label}" for n, data in uploads.items() if n in names})
    state.set_widget(dataset_key, spec.data.dataset if spec.data.dataset in names else names[0])
    where.selectbox(f.label, names, format_func=labels.get, key=dataset_key, disabled=locked, help=f.help,
                    on_change=lambda: choose(state.widget_value(dataset_key)))
    if is_upload(spec.data.dataset) and spec.data.dataset not in uploads:
        where.caption("The uploaded points are not in this session: upload the file again.")


def _seed(slot_name: str, f: Field, where, locked: bool) -> None:
    """The seed, and a button for new random data and initial weights."""
    spec = state.current(slot_name).draft
    value = f.get(spec)

    def regenerate() -> None:
        draft = state.current(slot_name).draft
        state.propose(slot_name, f.set(draft, (f.get(draft) + 1) % 2**31))

    left, right = where.columns([1, 1.4], vertical_alignment="bottom")
    left.caption(f"Seed **{value}**")
    right.button("New seed", icon=":material/casino:", key=state.widget_key(slot_name, "regenerate"),
                 disabled=locked, on_click=regenerate, width="stretch",
                 help="New random data and new initial weights: " + f.help)


def _layer_list(slot_name: str, f: Field, where, locked: bool, key: str, most_layers: int, most_width: int,
                count_help: str, width_help: Callable[[int], str], activation_help: Callable[[int], str | None],
                new_layer: LayerSpec | None) -> None:
    """A list of hidden layers (the Playground's, a GAN network's): how many, then each one's width and activation.
    A layer added by the count repeats the last one (``new_layer``, or a default layer, when there is none)."""
    layers = list(f.get(state.current(slot_name).draft))
    count_key = state.widget_key(slot_name, key, "count")
    state.set_widget(count_key, len(layers))

    def set_layers(new: list[LayerSpec]) -> None:
        state.propose(slot_name, f.set(state.current(slot_name).draft, tuple(new)))

    def count_changed() -> None:
        n = int(state.widget_value(count_key))
        current = list(f.get(state.current(slot_name).draft))
        added = current[-1] if current else (new_layer or LayerSpec())
        set_layers((current + [added] * n)[:n])

    number_box(where, f.label, 0, most_layers, count_key, count_changed, disabled=locked, help=count_help)
    for i, layer in enumerate(layers):
        width_key, act_key = (state.widget_key(slot_name, key, i, part) for part in ("width", "activation"))
        state.set_widget(width_key, layer.width)
        state.set_widget(act_key, layer.activation)

        def layer_changed(i: int = i, width_key: str = width_key, act_key: str = act_key) -> None:
            current = list(f.get(state.current(slot_name).draft))
            current[i] = LayerSpec(int(state.widget_value(width_key)), state.widget_value(act_key))
            set_layers(current)

        width_col, act_col = where.columns([1, 1.4])
        number_box(width_col, f"Layer {i + 1} neurons", 1, most_width, width_key, layer_changed, say=where,
                   disabled=locked, help=width_help(i))
        act_col.selectbox(f"Layer {i + 1} activation", list(ACTIVATIONS), key=act_key, disabled=locked,
                          format_func=lambda a: f"{ACTIVATIONS[a].label}: {ACTIVATIONS[a].formula}",
                          on_change=layer_changed, help=activation_help(i))


def _hidden_layers(slot_name: str, f: Field, where, locked: bool) -> None:
    """The Playground's hidden layers: how many, then each one's width and activation."""
    _layer_list(slot_name, f, where, locked, "layers", MAX_HIDDEN_LAYERS, MAX_WIDTH,
                f"0 gives a linear model; at most {MAX_HIDDEN_LAYERS}. " + f.help,
                lambda i: f"1 to {MAX_WIDTH} neurons in hidden layer {i + 1}.", lambda i: None, None)


def _task(slot_name: str, f: Field, where, locked: bool) -> None:
    """The Builder's data: a new task brings a network that fits it (its first preset) and its loss."""
    spec = state.current(slot_name).draft
    tables = {name: data for name, data in state.uploads().items() if data.input_kind == "table"}
    labels = {name: task.label for name, task in TASKS.items()}
    labels.update({name: f"Your table: {data.label}" for name, data in tables.items()})
    key = state.widget_key(slot_name, f.key)
    state.set_widget(key, spec.task if spec.task in labels else next(iter(labels)))

    def changed() -> None:
        draft = state.current(slot_name).draft
        state.propose(slot_name, draft.for_task(state.widget_value(key), uploads=state.uploads()))

    where.selectbox(f.label, list(labels), format_func=labels.get, key=key, disabled=locked, help=f.help,
                    on_change=changed)
    shape = spec.shape(state.uploads()) if spec.task in labels else None
    if shape is not None:
        description = TASKS[spec.task].description if spec.task in TASKS else "The table you uploaded."
        where.caption(f"{description} Input: {' × '.join(map(str, shape.input_shape))}.")


def _builder_layers(slot_name: str, f: Field, where, locked: bool) -> None:
    from ui.layer_editor import layer_editor

    layer_editor(slot_name, f, where, locked)


def _gan_layers(slot_name: str, f: Field, where, locked: bool) -> None:
    """A GAN network's hidden layers (the generator's or the discriminator's): how many, then each one's width
    and activation."""
    from dl_core.specs.generative import MAX_GAN_LAYERS, MAX_GAN_WIDTH

    whose = f.label.removesuffix(" layers")  # "Generator's"
    _layer_list(slot_name, f, where, locked, f.key, MAX_GAN_LAYERS, MAX_GAN_WIDTH,
                f"How many hidden layers, 0 to {MAX_GAN_LAYERS} (0: a straight linear map). " + f.help,
                lambda i: f"{whose} layer {i + 1}: 1 to {MAX_GAN_WIDTH} neurons.",
                lambda i: f"{whose} layer {i + 1}: what each neuron applies to its weighted sum.",
                LayerSpec(32, "relu"))


def _gan_drawing(slot_name: str, f: Field, where, locked: bool) -> None:
    """The GAN's own target: points drawn with the mouse on the plane, kept in the spec (and so in the link)."""
    from dl_core.generative.targets import EXTENT, thin_drawing
    from ui.components.plane_pad import drawn_points, plane_pad

    key = state.widget_key(slot_name, f.key)
    sent = drawn_points(key)
    applied = f"{key}.applied"
    if sent is not None and not locked and not np.array_equal(sent, state.choice(applied, np.empty((0, 2)))):
        state.set_choice(applied, sent)  # what the pad sent once becomes the spec once (a link may replace it)
        state.propose(slot_name, f.set(state.current(slot_name).draft, thin_drawing(sent)))
    where.caption(f"Draw your target on the plane: each stroke adds points, a click adds one. {f.help}")
    with where:
        plane_pad(key, f.get(state.current(slot_name).draft), EXTENT, locked)


CUSTOM: dict[str, Callable[[str, Field, Any, bool], None]] = {
    "dataset": _dataset,
    "seed": _seed,
    "hidden_layers": _hidden_layers,
    "builder_layers": _builder_layers,
    "task": _task,
    "gan_layers": _gan_layers,
    "gan_drawing": _gan_drawing,
}
