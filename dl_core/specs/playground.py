"""The Playground's spec: a small network on 2D points, every setting a frozen field.

The same spec always rebuilds the same run (same points, same initial weights). Its field
table below is what the URL, the JSON form, the sidebar controls and classroom mode read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Mapping

from ..data import Data
from ..data.features import FEATURES
from ..data.points import DATASETS
from ..data.tasks import is_upload
from ..nets.mlp import ACTIVATIONS, INITS, mlp_macs, mlp_parameter_count
from ..objective import LOSSES, losses_for, task_of
from . import budget
from .fields import (
    BadValue, Custom, Field, Range, Several, Steps, choice_field, number_field, parse_int, parse_name, toggle_field,
)
from .training import TrainSpec, speed_field, train_fields

MAX_HIDDEN_LAYERS = 10
MAX_WIDTH = 32
MAX_PARAMETERS = 4_000
MIN_POINTS, MAX_POINTS = 20, 2_000
MAX_DROPOUT = 0.9
MAX_SEED = 2**31 - 1
POINT_COUNTS = (100, 200, 300, 500, 1000, 2000)


@dataclass(frozen=True)
class DataSpec:
    dataset: str = "circle"  # a name in DATASETS, or "upload:<digest>" for a CSV the learner uploaded
    noise: int = 0  # percent, 0–50
    train_share: int = 50  # percent of the points used for training, 10–90
    n_points: int = 500
    seed: int = 0  # one seed for the data and the initial weights


@dataclass(frozen=True)
class LayerSpec:
    width: int = 4
    activation: str = "tanh"


@dataclass(frozen=True)
class ModelSpec:
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[LayerSpec, ...] = (LayerSpec(4), LayerSpec(2))
    dropout: float = 0.0
    init: str = "xavier"
    norm: bool = False  # LayerNorm after each hidden layer's W·x + b
    skip: bool = False  # add each hidden layer's input to its output where the widths match


@dataclass(frozen=True)
class ViewSpec:
    show_test: bool = False
    discretize: bool = False
    speed: int = 1500  # training steps a second while playing (TensorFlow Playground: an epoch a frame)


@dataclass(frozen=True)
class PlaygroundSpec:
    kind: ClassVar[str] = "playground"
    label: ClassVar[str] = "The 2D network"
    FIELDS: ClassVar[tuple[Field, ...]]  # below
    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    view: ViewSpec = field(default_factory=ViewSpec)

    @property
    def seed(self) -> int:
        return self.data.seed

    def n_classes(self, uploads: Mapping[str, Data] | None = None) -> int:
        if is_upload(self.data.dataset):
            return uploads[self.data.dataset].n_classes if uploads and self.data.dataset in uploads else 2
        return DATASETS[self.data.dataset].n_classes

    def n_outputs(self, uploads: Mapping[str, Data] | None = None) -> int:
        n = self.n_classes(uploads)
        return 1 if n == 2 and self.train.loss != "cross_entropy" else max(n, 1)

    def parameter_count(self, uploads: Mapping[str, Data] | None = None) -> int:
        widths = [layer.width for layer in self.model.hidden]
        return mlp_parameter_count(len(self.model.features), widths, self.n_outputs(uploads), self.model.norm)

    def work(self, uploads: Mapping[str, Data] | None = None) -> budget.Work:
        widths = [layer.width for layer in self.model.hidden]
        n_in, n_out = len(self.model.features), self.n_outputs(uploads)
        stored = 4 * (n_in + sum(widths) + n_out)  # z, a and the masks of each layer, roughly
        return budget.Work(mlp_macs(n_in, widths, n_out) + 6 * sum(widths), stored, self.parameter_count(uploads),
                           "the hidden layers")

    def n_examples(self, uploads: Mapping[str, Data] | None = None) -> int:
        if is_upload(self.data.dataset) and uploads and self.data.dataset in uploads:
            data = uploads[self.data.dataset]
            return len(data.y_train) + len(data.y_test)
        return self.data.n_points

    def rebuild_key(self) -> tuple:
        """What a running Trainer cannot change in place: data, network, loss and optimiser."""
        return (self.data, self.model, self.train.loss, self.train.optimizer)

    def problems(self, uploads: Mapping[str, Data] | None = None) -> list[str]:
        """Checks across fields (each field alone is valid); [] when it can be built and trained."""
        if is_upload(self.data.dataset) and not (uploads and self.data.dataset in uploads):
            return ["The uploaded points are not in this session any more: upload the CSV file again."]
        n_classes = self.n_classes(uploads)
        task = task_of(n_classes)
        if task not in LOSSES[self.train.loss].tasks:
            name = "the uploaded points" if is_upload(self.data.dataset) else DATASETS[self.data.dataset].label
            return [f"{LOSSES[self.train.loss].label} does not fit {name} "
                    f"({task.replace('multiclass', 'three or more classes')}); "
                    f"use {LOSSES[losses_for(n_classes)[0]].label}"]
        count = self.parameter_count(uploads)
        if count > MAX_PARAMETERS:
            return [f"This network has {count:,} parameters; the limit is {MAX_PARAMETERS:,}. "
                    "Remove a layer or some neurons."]
        return budget.training_problems(self.work(uploads), self.train.batch_size, self.n_examples(uploads))

    def repaired(self, uploads: Mapping[str, Data] | None = None) -> PlaygroundSpec:
        """A spec that passes ``problems``: the fitting loss, or the default network when this one is too big."""
        spec = self
        if is_upload(spec.data.dataset) and not (uploads and spec.data.dataset in uploads):
            spec = replace(spec, data=replace(spec.data, dataset=DataSpec().dataset))
        n_classes = spec.n_classes(uploads)
        if task_of(n_classes) not in LOSSES[spec.train.loss].tasks:
            spec = replace(spec, train=replace(spec.train, loss=losses_for(n_classes)[0]))
        if spec.problems(uploads):
            spec = replace(spec, model=replace(spec.model, hidden=ModelSpec().hidden))
        return spec

    def with_dataset(self, dataset: str, uploads: Mapping[str, Data] | None = None) -> PlaygroundSpec:
        """This spec on another dataset, with the loss that fits its task when the old one does not."""
        moved = replace(self, data=replace(self.data, dataset=dataset))
        n_classes = moved.n_classes(uploads)
        if task_of(n_classes) not in LOSSES[moved.train.loss].tasks:
            moved = replace(moved, train=replace(moved.train, loss=losses_for(n_classes)[0]))
        return moved

    def edited(self, edit: Any) -> PlaygroundSpec | None:
        """This spec after an edit made on the network diagram (a value from the browser, so checked here):
        {"op": "add_layer" | "remove_layer"}, {"op": "add_neuron" | "remove_neuron", "layer": 1-based},
        {"op": "toggle_feature", "feature": name}. None for an edit that is not one of these or goes past a
        limit."""
        if not isinstance(edit, dict) or not isinstance(edit.get("op"), str):
            return None
        op, hidden = edit["op"], list(self.model.hidden)
        if op == "add_layer" and len(hidden) < MAX_HIDDEN_LAYERS:
            hidden.append(hidden[-1] if hidden else LayerSpec())
        elif op == "remove_layer" and hidden:
            hidden.pop()
        elif op in ("add_neuron", "remove_neuron"):
            layer = edit.get("layer")
            if not isinstance(layer, int) or isinstance(layer, bool) or not 1 <= layer <= len(hidden):
                return None
            width = hidden[layer - 1].width + (1 if op == "add_neuron" else -1)
            if not 1 <= width <= MAX_WIDTH:
                return None
            hidden[layer - 1] = LayerSpec(width, hidden[layer - 1].activation)
        elif op == "toggle_feature" and edit.get("feature") in FEATURES:
            chosen = set(self.model.features) ^ {edit["feature"]}
            if not chosen:
                return None
            return replace(self, model=replace(self.model, features=tuple(f for f in FEATURES if f in chosen)))
        else:
            return None
        return replace(self, model=replace(self.model, hidden=tuple(hidden)))

    def with_activation(self, activation: str) -> PlaygroundSpec:
        hidden = tuple(LayerSpec(layer.width, activation) for layer in self.model.hidden)
        return replace(self, model=replace(self.model, hidden=hidden))

    def remedy(self, name: str) -> PlaygroundSpec | None:
        """This spec with a named remedy applied (see ``specs.remedies``); None when it has no such remedy."""
        if name in ("relu", "leaky_relu", "tanh"):
            return self.with_activation(name)
        if name == "he_init":
            return replace(self, model=replace(self.model, init="he"))
        if name == "layer_norm":
            return replace(self, model=replace(self.model, norm=True))
        if name == "skips" and self.model.hidden:
            widest = max(layer.width for layer in self.model.hidden)  # skips need equal widths
            hidden = tuple(LayerSpec(widest, layer.activation) for layer in self.model.hidden)
            return replace(self, model=replace(self.model, hidden=hidden, skip=True))
        return None


# ---------------------------------------------------------------- the field table


def _check_dataset(value: str) -> str | None:
    if value in DATASETS or (is_upload(value) and len(value) <= 40):
        return None
    return f"has no set named '{value[:40]}' (choose from {', '.join(DATASETS)})"


def _parse_features(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        items = raw.split(",")
    elif isinstance(raw, (list, tuple)) and all(isinstance(item, str) for item in raw):
        items = list(raw)
    else:
        raise BadValue("expected feature names separated by commas")
    return tuple(item.strip() for item in items if item.strip())


def _check_features(value: tuple[str, ...]) -> str | None:
    if not value:
        return "needs at least one input feature"
    unknown = [name for name in value if name not in FEATURES]
    if unknown:
        return f"has an unknown feature '{unknown[0][:40]}' (choose from {', '.join(FEATURES)})"
    return "may use each feature once" if len(set(value)) != len(value) else None


def _parse_hidden(raw: Any) -> tuple[LayerSpec, ...]:
    """'4:tanh,2:relu' or [{'width': 4, 'activation': 'tanh'}, …]; '' means no hidden layer."""
    if isinstance(raw, str):
        if len(raw) > 400:
            raise BadValue("too long")
        layers = []
        for item in filter(None, (part.strip() for part in raw.split(","))):
            width, _, activation = item.partition(":")
            layers.append(LayerSpec(parse_int(width), activation.strip() or "tanh"))
        return tuple(layers)
    if not isinstance(raw, (list, tuple)) or len(raw) > 100:
        raise BadValue("expected a list of layers such as 4:tanh,2:relu")
    layers = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("activation", "tanh"), str):
            raise BadValue("each layer needs a width and an activation")
        layers.append(LayerSpec(parse_int(item.get("width")), item.get("activation", "tanh")))
    return tuple(layers)


def _check_hidden(value: tuple[LayerSpec, ...]) -> str | None:
    if len(value) > MAX_HIDDEN_LAYERS:
        return f"may have at most {MAX_HIDDEN_LAYERS} hidden layers, not {len(value)}"
    for i, layer in enumerate(value, 1):
        if not 1 <= layer.width <= MAX_WIDTH:
            return f"layer {i} has {layer.width} neurons; the limit is 1 to {MAX_WIDTH}"
        if layer.activation not in ACTIVATIONS:
            return f"layer {i} has an unknown activation '{layer.activation[:40]}'"
    return None


def _format_hidden(value: tuple[LayerSpec, ...]) -> str:
    return ",".join(f"{layer.width}:{layer.activation}" for layer in value)


FIELDS: tuple[Field, ...] = (
    Field("dataset", "Dataset", "data.dataset", parse_name, _check_dataset, Custom("dataset"), "Data",
          "; ".join(f"{i.label}: {i.description}" for i in DATASETS.values())),
    number_field("noise", "Noise (%)", "data.noise", 0, 50, Range(0, 50, 5), "Data",
                 "How far points stray from the pattern.", whole=True),
    number_field("train", "Training data (%)", "data.train_share", 10, 90, Range(10, 90, 10), "Data",
                 "The rest is held out as test data: the network never trains on it.", whole=True),
    number_field("points", "Number of points", "data.n_points", MIN_POINTS, MAX_POINTS, Steps(POINT_COUNTS), "Data",
                 whole=True),
    number_field("seed", "Seed", "data.seed", 0, MAX_SEED, Custom("seed"), "Data",
                 "One number decides the points and the initial weights: the same seed, the same run.", whole=True),
    Field("features", "Input features", "model.features", _parse_features, _check_features,
          Several({name: label for name, (label, _) in FEATURES.items()}), "Network",
          "What the network sees of each point. x₁² or sin x₁ let a small net draw curves.",
          ",".join, list),
    Field("layers", "Hidden layers", "model.hidden", _parse_hidden, _check_hidden, Custom("hidden_layers"),
          "Network", f"Up to {MAX_HIDDEN_LAYERS} layers of up to {MAX_WIDTH} neurons, each with its own activation.",
          _format_hidden, lambda v: [{"width": layer.width, "activation": layer.activation} for layer in v]),
    number_field("dropout", "Dropout", "model.dropout", 0, MAX_DROPOUT, Range(0.0, MAX_DROPOUT, 0.05), "Network",
                 "While training, each hidden neuron is switched off with this probability."),
    choice_field("init", "Initial weights", "model.init", {n: i.label for n, i in INITS.items()}, "initialisation",
                 "Network", "; ".join(f"{i.label}: {i.explanation}" for i in INITS.values())),
    toggle_field("norm", "Layer normalisation", "model.norm", "Network",
                 "Rescale each hidden layer's W·x + b to mean 0 and variance 1 (then a learnt scale and shift) "
                 "before the activation."),
    toggle_field("skip", "Skip connections", "model.skip", "Network",
                 "Each hidden layer adds its input to its output (x + f(W·x + b)) where the widths match: the idea "
                 "behind residual networks."),
    *train_fields(),
    speed_field(),
    toggle_field("test", "Show test data", "view.show_test", "View"),
    toggle_field("discretize", "Discretise output", "view.discretize", "View",
                 "Colour each region by the predicted class only, without confidence."),
)
ADVANCED = ("points", "seed", "dropout", "init", "norm", "skip", "loss", "optimizer", "clip", "test", "discretize")
FIELDS = tuple(replace(f, advanced=f.key in ADVANCED) for f in FIELDS)
PlaygroundSpec.FIELDS = FIELDS
