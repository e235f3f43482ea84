"""Everything a learner can set, as frozen dataclasses: limits, validation, URL and JSON forms.

The spec is the single source of truth: widgets edit it, the URL mirrors it, and the same
spec always rebuilds the same run (same data, same initial weights). Reading a URL or JSON
is forgiving: unknown keys are ignored, a bad value falls back to its default with a warning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from .data import DATASETS, FEATURES
from .model import ACTIVATIONS, INITS, mlp_parameter_count
from .objective import LOSSES, losses_for, task_of
from .optimizers import OPTIMIZERS

# Hard limits: no setting within them can hold the server for long.
MAX_HIDDEN_LAYERS = 10
MAX_WIDTH = 32
MAX_PARAMETERS = 4_000
MIN_POINTS, MAX_POINTS = 20, 2_000
MAX_BATCH = MAX_POINTS
MAX_LEARNING_RATE = 10.0
MAX_REG_RATE = 10.0
MAX_DROPOUT = 0.9
MAX_GRAD_CLIP = 100.0
MAX_SEED = 2**31 - 1

REGULARIZATIONS = {"none": "None", "l1": "L1: rate·Σ|w|", "l2": "L2: rate·½Σw²"}


@dataclass(frozen=True)
class DataSpec:
    dataset: str = "circle"
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
class TrainSpec:
    loss: str = "bce"
    optimizer: str = "sgd"
    learning_rate: float = 0.03
    batch_size: int = 10  # larger than the training set means full batch
    regularization: str = "none"
    reg_rate: float = 0.0
    grad_clip: float = 0.0  # the largest gradient norm an update may use; 0 means no clipping


@dataclass(frozen=True)
class ViewSpec:
    show_test: bool = False
    discretize: bool = False


@dataclass(frozen=True)
class Spec:
    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    view: ViewSpec = field(default_factory=ViewSpec)

    @property
    def n_classes(self) -> int:
        return DATASETS[self.data.dataset].n_classes

    @property
    def n_outputs(self) -> int:
        return 1 if self.n_classes == 2 and self.train.loss != "cross_entropy" else max(self.n_classes, 1)

    @property
    def parameter_count(self) -> int:
        widths = [layer.width for layer in self.model.hidden]
        return mlp_parameter_count(len(self.model.features), widths, self.n_outputs, self.model.norm)

    def rebuild_key(self) -> tuple:
        """What a running Trainer cannot change in place: data, network, loss and optimiser."""
        return (self.data, self.model, self.train.loss, self.train.optimizer)

    def to_query(self) -> dict[str, str]:
        return {f.key: f.fmt(f.get(self)) for f in FIELDS}

    def to_json(self) -> str:
        return json.dumps({f.key: f.to_json(f.get(self)) for f in FIELDS}, indent=2)


# ---------------------------------------------------------------- fields: parse, format, check


def _in(registry: dict, what: str) -> Callable[[Any], str | None]:
    return lambda v: None if v in registry else f"unknown {what} '{v}' (choose from {', '.join(registry)})"


def _between(low: float, high: float, what: str) -> Callable[[Any], str | None]:
    return lambda v: None if low <= v <= high else f"{what} must be between {low:g} and {high:g}, not {v:g}"


def _parse_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if str(v).lower() in ("1", "true", "yes", "on"):
        return True
    if str(v).lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(v)


def _parse_int(v: Any) -> int:
    if isinstance(v, bool) or float(v) != int(float(v)):
        raise ValueError(v)
    return int(float(v))


def _parse_features(v: Any) -> tuple[str, ...]:
    items = v.split(",") if isinstance(v, str) else list(v)
    return tuple(str(item).strip() for item in items if str(item).strip())


def _parse_hidden(v: Any) -> tuple[LayerSpec, ...]:
    """'4:tanh,2:relu' or [{'width': 4, 'activation': 'tanh'}, …]; '' means no hidden layer."""
    if isinstance(v, str):
        layers = []
        for item in filter(None, (part.strip() for part in v.split(","))):
            width, _, activation = item.partition(":")
            layers.append(LayerSpec(_parse_int(width), activation or "tanh"))
        return tuple(layers)
    return tuple(LayerSpec(_parse_int(d["width"]), str(d["activation"])) for d in v)


def _check_features(v: tuple[str, ...]) -> str | None:
    if not v:
        return "choose at least one input feature"
    unknown = [name for name in v if name not in FEATURES]
    if unknown:
        return f"unknown feature '{unknown[0]}' (choose from {', '.join(FEATURES)})"
    return "each feature can be used once" if len(set(v)) != len(v) else None


def _check_hidden(v: tuple[LayerSpec, ...]) -> str | None:
    if len(v) > MAX_HIDDEN_LAYERS:
        return f"at most {MAX_HIDDEN_LAYERS} hidden layers, not {len(v)}"
    for i, layer in enumerate(v, 1):
        if not 1 <= layer.width <= MAX_WIDTH:
            return f"hidden layer {i} has {layer.width} neurons; the limit is 1 to {MAX_WIDTH}"
        if layer.activation not in ACTIVATIONS:
            return f"hidden layer {i}: unknown activation '{layer.activation}'"
    return None


@dataclass(frozen=True)
class Field:
    key: str  # the name in the URL and the JSON
    section: str  # which part of Spec holds it
    attr: str
    parse: Callable[[Any], Any]
    check: Callable[[Any], str | None]
    fmt: Callable[[Any], str] = str
    to_json: Callable[[Any], Any] = lambda v: v

    def get(self, spec: Spec) -> Any:
        return getattr(getattr(spec, self.section), self.attr)

    def set(self, spec: Spec, value: Any) -> Spec:
        return replace(spec, **{self.section: replace(getattr(spec, self.section), **{self.attr: value})})


FIELDS: tuple[Field, ...] = (
    Field("dataset", "data", "dataset", str, _in(DATASETS, "dataset")),
    Field("noise", "data", "noise", _parse_int, _between(0, 50, "Noise (%)")),
    Field("train", "data", "train_share", _parse_int, _between(10, 90, "Training share (%)")),
    Field("points", "data", "n_points", _parse_int, _between(MIN_POINTS, MAX_POINTS, "Number of points")),
    Field("seed", "data", "seed", _parse_int, _between(0, MAX_SEED, "Seed")),
    Field("features", "model", "features", _parse_features, _check_features, ",".join, list),
    Field("layers", "model", "hidden", _parse_hidden, _check_hidden,
          lambda v: ",".join(f"{layer.width}:{layer.activation}" for layer in v),
          lambda v: [{"width": layer.width, "activation": layer.activation} for layer in v]),
    Field("dropout", "model", "dropout", float, _between(0, MAX_DROPOUT, "Dropout"), "{:g}".format),
    Field("init", "model", "init", str, _in(INITS, "initialisation")),
    Field("norm", "model", "norm", _parse_bool, lambda v: None, lambda v: str(int(v))),
    Field("skip", "model", "skip", _parse_bool, lambda v: None, lambda v: str(int(v))),
    Field("loss", "train", "loss", str, _in(LOSSES, "loss")),
    Field("optimizer", "train", "optimizer", str, _in(OPTIMIZERS, "optimiser")),
    Field("lr", "train", "learning_rate", float, _between(1e-6, MAX_LEARNING_RATE, "Learning rate"), "{:g}".format),
    Field("batch", "train", "batch_size", _parse_int, _between(1, MAX_BATCH, "Batch size")),
    Field("reg", "train", "regularization", str, _in(REGULARIZATIONS, "regularisation")),
    Field("rate", "train", "reg_rate", float, _between(0, MAX_REG_RATE, "Regularisation rate"), "{:g}".format),
    Field("clip", "train", "grad_clip", float, _between(0, MAX_GRAD_CLIP, "Gradient clipping"), "{:g}".format),
    Field("test", "view", "show_test", _parse_bool, lambda v: None, lambda v: str(int(v))),
    Field("discretize", "view", "discretize", _parse_bool, lambda v: None, lambda v: str(int(v))),
)


def _combination_problems(spec: Spec) -> list[str]:
    """Checks that need more than one field; assumes each field alone is valid."""
    problems = []
    task = task_of(spec.n_classes)
    if task not in LOSSES[spec.train.loss].tasks:
        problems.append(
            f"{LOSSES[spec.train.loss].label} does not fit the {DATASETS[spec.data.dataset].label} "
            f"dataset ({task.replace('multiclass', 'three or more classes')}); "
            f"use {LOSSES[losses_for(spec.n_classes)[0]].label}"
        )
    elif spec.parameter_count > MAX_PARAMETERS:
        problems.append(
            f"this network has {spec.parameter_count:,} parameters; the limit is {MAX_PARAMETERS:,}. "
            "Remove a layer or some neurons."
        )
    return problems


def validate(spec: Spec) -> list[str]:
    """Every problem with a spec, each a sentence a learner can act on; [] means valid."""
    problems = []
    for f in FIELDS:
        try:
            message = f.check(f.get(spec))
        except (TypeError, ValueError, OverflowError):
            message = f"{f.key} has a value of the wrong kind"
        if message:
            problems.append(message[0].upper() + message[1:])
    return problems or _combination_problems(spec)


def from_query(query: dict[str, Any]) -> tuple[Spec, list[str]]:
    """A spec from URL parameters (or flat JSON); bad values fall back with a warning each."""
    spec, warnings = Spec(), []
    for f in FIELDS:
        if f.key not in query:
            continue
        raw = query[f.key]
        if isinstance(raw, list) and f.key not in ("features", "layers"):  # a key repeated in the URL: last wins
            raw = raw[-1] if raw else ""
        try:
            value = f.parse(raw)
            problem = f.check(value)
        except (TypeError, ValueError, OverflowError, KeyError, AttributeError):
            problem = "not a value this setting understands"
        if problem:
            shown = str(raw)[:40]
            warnings.append(f"Ignored {f.key}='{shown}': {problem}. Using the default, {f.fmt(f.get(spec))}.")
        else:
            spec = f.set(spec, value)
    return _repair_combinations(spec, warnings)


def _repair_combinations(spec: Spec, warnings: list[str]) -> tuple[Spec, list[str]]:
    for problem in _combination_problems(spec):
        warnings.append(problem + ".")
        if task_of(spec.n_classes) not in LOSSES[spec.train.loss].tasks:
            spec = replace(spec, train=replace(spec.train, loss=losses_for(spec.n_classes)[0]))
        else:
            spec = replace(spec, model=replace(spec.model, hidden=ModelSpec().hidden))
    return spec, warnings


def from_json(text: str) -> tuple[Spec, list[str]]:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError) as error:
        return Spec(), [f"Could not read the JSON ({error}); using the default network."]
    if not isinstance(data, dict):
        return Spec(), ["The JSON is not an object of settings; using the default network."]
    return from_query(data)
