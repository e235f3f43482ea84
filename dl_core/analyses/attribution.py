"""Attribution: which parts of an input made the network give its answer. Every method runs through captum.

Each method is a record in one registry, ``METHODS``: its name, label, the question it asks in one line,
the input kinds it suits, its options (with defaults that may depend on the input kind) and its paper.
``attribute(run, example, method, target=None, **options)`` is the one verb for one example,
``attribute_many`` the same for a batch; both work on every network a run can have (the Playground's
MLP over point features, the Builder's images, tables, sequences and points), put the network back in
the mode it was in, leave its weights and their ``.grad`` untouched (captum differentiates with
``torch.autograd.grad``), and check the attribution budget before any work starts.

What is explained (the "target"): for a network with one output unit (binary cross-entropy, tanh with
squared error, regression) the output itself, the score z whose sign is the class; for several outputs,
the logit of the chosen class, by default the predicted one. Neuron methods explain a hidden unit.
Any gradient method can be smoothed by captum's NoiseTunnel (SmoothGrad, its squared form, VarGrad).

Papers: Saliency, Simonyan et al. 2014 (arXiv:1312.6034); Input × Gradient, Shrikumar et al. 2016
(arXiv:1605.01713); Integrated Gradients, Sundararajan et al. 2017 (arXiv:1703.01365); DeepLift, Shrikumar
et al. 2017 (arXiv:1704.02685); GradientShap, Lundberg & Lee 2017 (arXiv:1705.07874); Guided Backprop,
Springenberg et al. 2015 (arXiv:1412.6806); Deconvolution and Occlusion, Zeiler & Fergus 2014
(arXiv:1311.2901); Shapley value sampling, Castro et al. 2009 (doi:10.1016/j.cor.2008.04.004); LIME, Ribeiro
et al. 2016 (arXiv:1602.04938); GradCAM, Selvaraju et al. 2017 (arXiv:1610.02391); conductance, Dhamdhere
et al. 2018 (arXiv:1805.12233); SmoothGrad, Smilkov et al. 2017 (arXiv:1706.03825); VarGrad, Adebayo et al.
2018 (arXiv:1810.03307).
"""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
import torch
from captum.attr import (
    Deconvolution, DeepLift, FeatureAblation, GradientShap, GuidedBackprop, InputXGradient, IntegratedGradients,
    LayerAttribution, LayerConductance, LayerGradCam, Lime, NeuronConductance, NeuronGradient,
    NeuronIntegratedGradients, NoiseTunnel, Occlusion, Saliency, ShapleyValueSampling,
)
from scipy.ndimage import gaussian_filter
from torch import nn

from ..errors import Refusal
from ..nets.mlp import weight_label
from ..runs import Run
from ..specs.budget import BYTES_PER_FLOAT, STEP_COST, STEP_MEMORY, OverBudget, attribution_problem
from ..trainer import evaluating
from .examples import Example
from .neuron_maps import grid_points

Progress = Callable[[float], None]
KINDS = ("points", "image", "sequence", "table")
BLUR_SIGMA = 1.5  # pixels or time steps: enough to wash out an 8×8 digit's strokes, not its mass
GRADIENT_SHAP_BASELINES = 16  # training examples drawn as GradientShap's distribution of baselines
MAX_ROWS = 4_096  # examples pushed through the network in one call (perturbations, path points)


class AttributionError(Refusal):
    """A method, option, layer or class that this network cannot take; the message says which and why."""


# ---------------------------------------------------------------- the layers a learner can pick


@dataclass(frozen=True)
class LayerChoice:
    """One layer as the learner built it (a Builder layer, a Playground hidden layer or the output)."""

    name: str  # the module's path in the model: "3", "hidden.0", "output"
    label: str  # as a learner reads it: "layer 4 (Conv2d)", "layer 1", "output"
    shape: tuple[int, ...]  # its output for one example
    has_weights: bool  # a weight matrix or filter bank (what a sanity check randomises)

    @property
    def units(self) -> int:
        return math.prod(self.shape)

    def unit_label(self, unit: int) -> str:
        """Unit ``unit`` (a flat index into the layer's output) in words."""
        where = np.unravel_index(unit, self.shape)
        if len(self.shape) == 3:
            return f"channel {where[0] + 1} at row {where[1] + 1}, column {where[2] + 1}"
        if len(self.shape) == 2:
            return f"step {where[0] + 1}, unit {where[1] + 1}"
        return f"unit {unit + 1}"


def learner_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The model's layers as the learner counts them: its children, lists of layers opened one level."""
    layers = []
    for name, child in model.named_children():
        if isinstance(child, nn.ModuleList):
            layers += [(f"{name}.{k}", grandchild) for k, grandchild in child.named_children()]
        else:
            layers.append((name, child))
    return layers


@torch.no_grad()
def layer_choices(run: Run, model: nn.Module | None = None) -> list[LayerChoice]:
    """Every layer with its output shape, found by one example's forward pass (hooks removed after)."""
    model = model or run.model
    shapes: dict[str, tuple[int, ...]] = {}
    layers = learner_layers(model)

    def keep(name: str):
        return lambda module, args, output: shapes.__setitem__(name, tuple(output.shape[1:]))

    handles = [module.register_forward_hook(keep(name)) for name, module in layers]
    try:
        with evaluating(model):
            model(run.trainer.x_train[:1])
    finally:
        for handle in handles:
            handle.remove()
    return [LayerChoice(name, weight_label(model, f"{name}.weight"), shapes[name],
                        any(p.dim() >= 2 for p in module.parameters())) for name, module in layers]


def _layer(run: Run, model: nn.Module, name: str | None, method: Method) -> tuple[LayerChoice, nn.Module]:
    choices = [c for c in layer_choices(run, model) if method.takes_layer(c)]
    if not choices:
        raise AttributionError(f"{method.label} needs a layer whose output is an image (a convolution or pooling "
                               f"layer); this network has none")
    if name is None:
        chosen = method.default_layer(choices)
    else:
        chosen = next((c for c in choices if c.name == name), None)
        if chosen is None:
            raise AttributionError(f"{method.label} cannot look at layer '{str(name)[:40]}'; choose one of "
                                   f"{', '.join(c.label for c in choices)}")
    return chosen, model.get_submodule(chosen.name)


# ---------------------------------------------------------------- baselines: what "absent" means


@dataclass(frozen=True)
class Baseline:
    name: str
    label: str
    explanation: str
    kinds: tuple[str, ...] = KINDS


BASELINES: dict[str, Baseline] = {
    b.name: b
    for b in (
        Baseline("zeros", "Zeros", "every input at 0 (a blank image; every feature at its mean for standardised "
                 "tables)"),
        Baseline("blurred", "Blurred", f"the input blurred (Gaussian, σ = {BLUR_SIGMA:g} pixels or steps): its "
                 "rough shape without the details", ("image", "sequence")),
        Baseline("noise", "Uniform noise", "each input drawn uniformly between its smallest and largest value in "
                 "the training set"),
        Baseline("mean", "Training mean", "the average training example"),
        Baseline("sample", "Training examples", f"{GRADIENT_SHAP_BASELINES} training examples drawn at random: a "
                 "distribution of baselines"),
    )
}


def make_baselines(run: Run, x: torch.Tensor, name: str, seed: int = 0) -> torch.Tensor:
    """The baseline for each example of ``x`` (B, *shape): (B, *shape), or (k, *shape) for "sample"."""
    train = run.trainer.x_train
    if name == "zeros":
        return torch.zeros_like(x)
    if name == "mean":
        return train.mean(dim=0, keepdim=True).expand_as(x).clone()
    generator = torch.Generator().manual_seed(seed)
    if name == "noise":
        low, high = train.min(dim=0).values, train.max(dim=0).values
        return low + (high - low) * torch.rand(x.shape, generator=generator).to(x)
    if name == "sample":
        chosen = torch.randperm(len(train), generator=generator)[:GRADIENT_SHAP_BASELINES]
        return train[chosen.to(train.device)].clone()
    if name == "blurred":
        sigma = (0, 0, BLUR_SIGMA, BLUR_SIGMA) if x.dim() == 4 else (0, BLUR_SIGMA, 0)  # image or sequence
        return torch.as_tensor(gaussian_filter(x.detach().cpu().numpy(), sigma=sigma)).to(x)
    raise AttributionError(f"unknown baseline '{str(name)[:40]}'")


# ---------------------------------------------------------------- options


@dataclass(frozen=True)
class Option:
    name: str
    label: str
    explanation: str
    default: Any
    by_kind: Mapping[str, Any] = field(default_factory=dict)  # defaults that depend on the input kind
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    integer: bool = False

    def default_for(self, kind: str) -> Any:
        return self.by_kind.get(kind, self.default)


SMOOTHINGS = {"none": "none", "smoothgrad": "SmoothGrad (mean over noisy copies)",
              "smoothgrad_sq": "SmoothGrad² (mean of squares)", "vargrad": "VarGrad (variance over noisy copies)"}
MAX_STEPS, MAX_SAMPLES, MAX_SMOOTHING_SAMPLES = 300, 2_000, 200

OPTIONS: dict[str, Option] = {
    o.name: o
    for o in (
        Option("baseline", "Baseline", "what the input is compared with: an input that means 'nothing here'",
               "zeros", choices=tuple(BASELINES)),
        Option("steps", "Steps", "points along the path from the baseline to the input", 50, low=1, high=MAX_STEPS,
               integer=True),
        Option("samples", "Samples", "random draws: more give steadier maps and cost more", 25, low=1,
               high=MAX_SAMPLES, integer=True),
        Option("window", "Window", "the side of the square (or the number of steps) covered at once", 1,
               {"image": 2, "sequence": 2}, low=1, high=64, integer=True),
        Option("stride", "Stride", "how far the window moves each time", 1, low=1, high=64, integer=True),
        Option("patch", "Patch", "images: pixels are switched on and off in square patches of this side", 2, low=1,
               high=16, integer=True),
        Option("smoothing", "Smoothing (NoiseTunnel)", "average the map over noisy copies of the input", "none",
               choices=tuple(SMOOTHINGS)),
        Option("smoothing_samples", "Noisy copies", "how many noisy copies NoiseTunnel averages", 20, low=1,
               high=MAX_SMOOTHING_SAMPLES, integer=True),
        Option("noise", "Noise level", "the noise's standard deviation, as a share of the inputs' range", 0.15,
               low=0.0, high=1.0),
        Option("layer", "Layer", "the layer to look at", None),
        Option("unit", "Unit", "the unit of that layer (counted across its whole output)", 0, low=0, integer=True),
        Option("seed", "Seed", "for the random draws: the same seed repeats the same map", 0, low=0,
               high=2**31 - 1, integer=True),
    )
}
SMOOTHING_OPTIONS = ("smoothing", "smoothing_samples", "noise")


# ---------------------------------------------------------------- the methods


@dataclass
class Context:
    """What a method's captum call needs, prepared once (``prepare``)."""

    run: Run
    forward: nn.Module  # the network as captum calls it
    x: torch.Tensor  # (B, *shape)
    targets: list[int]  # the output unit explained, one per example
    options: dict[str, Any]
    kind: str  # the input kind
    layer: nn.Module | None = None
    neuron: int | tuple[int, ...] | None = None
    baselines: torch.Tensor | None = None
    feature_mask: torch.Tensor | None = None  # (1, *shape) group ids for perturbation methods
    rows_at_once: int = 1  # rows one pass through the network may hold (memory), all examples together

    @property
    def per_call(self) -> int:
        """Perturbations of each example evaluated in one pass."""
        return max(1, self.rows_at_once // len(self.x))


@dataclass(frozen=True)
class Method:
    name: str
    label: str
    asks: str  # the question it answers, in one line
    family: str  # "gradient", "perturbation", "layer", "neuron"
    paper: str
    make: Callable[[Context], tuple[Any, dict[str, Any]]]  # → (captum object, keyword arguments of attribute)
    options: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)  # this method's own defaults
    baselines: tuple[str, ...] = ()  # accepted baselines; empty: it takes none
    suits: tuple[str, ...] = KINDS
    rows: Callable[[dict, int], int] = lambda options, pieces: 1  # forward rows per example (pieces: windows/groups)
    layer_test: Callable[[LayerChoice], bool] | None = None  # which layers it may look at, for layer/neuron methods
    groups: bool = False  # switches groups of features on and off (``feature_groups``)

    @property
    def needs_layer(self) -> bool:
        return self.family in ("layer", "neuron")

    @property
    def smoothable(self) -> bool:
        return "smoothing" in self.options

    def takes_layer(self, choice: LayerChoice) -> bool:
        return self.layer_test is None or self.layer_test(choice)

    def default_layer(self, choices: list[LayerChoice]) -> LayerChoice:
        """GradCAM: the last layer with filters among those it takes; others: the first layer with weights."""
        weighted = [c for c in choices if c.has_weights] or choices
        return weighted[-1] if self.name == "gradcam" else weighted[0]

    def options_for(self, kind: str) -> tuple[str, ...]:
        """The options that mean something for an input kind (patches only for images)."""
        return tuple(o for o in self.options if o != "patch" or kind == "image")

    def option_default(self, name: str, kind: str) -> Any:
        return self.defaults[name] if name in self.defaults else OPTIONS[name].default_for(kind)

    def __repr__(self) -> str:
        return f"Method({self.name}: {self.asks})"


def _path_kwargs(c: Context) -> dict[str, Any]:
    return dict(baselines=c.baselines, n_steps=c.options["steps"], internal_batch_size=max(len(c.x), c.rows_at_once))


def _groups_rows(options: dict, pieces: int) -> int:
    return pieces + 1


def _image_layer(choice: LayerChoice) -> bool:
    return len(choice.shape) == 3


_GRADIENT = ("smoothing", "smoothing_samples", "noise")
_PATH = ("baseline", "steps")
_ABSENT = ("zeros", "blurred", "noise", "mean")  # the baselines for one input at a time

METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("saliency", "Saliency", "Which inputs would change the score most if nudged a little? |∂score/∂input|",
               "gradient", "Simonyan et al. 2014, arXiv:1312.6034",
               lambda c: (Saliency(c.forward), dict(target=c.targets, abs=True)), _GRADIENT),
        Method("input_x_gradient", "Input × Gradient",
               "How much does each input add to the score, to first order? input × ∂score/∂input", "gradient",
               "Shrikumar et al. 2016, arXiv:1605.01713",
               lambda c: (InputXGradient(c.forward), dict(target=c.targets)), _GRADIENT),
        Method("integrated_gradients", "Integrated Gradients",
               "How much does each input add to the score compared with the baseline, summing the gradient along "
               "the straight path from it?", "gradient", "Sundararajan et al. 2017, arXiv:1703.01365",
               lambda c: (IntegratedGradients(c.forward), dict(target=c.targets, return_convergence_delta=True,
                                                              **_path_kwargs(c))),
               _PATH + _GRADIENT, baselines=_ABSENT, rows=lambda o, p: o["steps"] + 2),
        Method("deeplift", "DeepLift",
               "How much does each input's difference from the baseline explain the score's difference, passed "
               "back layer by layer?", "gradient", "Shrikumar et al. 2017, arXiv:1704.02685",
               lambda c: (DeepLift(c.forward), dict(target=c.targets, baselines=c.baselines,
                                                    return_convergence_delta=True)),
               ("baseline",) + _GRADIENT, baselines=_ABSENT, rows=lambda o, p: 2),
        Method("gradient_shap", "GradientShap",
               "On average over baselines drawn from the data, how much does each input add to the score? "
               "(an estimate of SHAP values)", "gradient", "Lundberg & Lee 2017, arXiv:1705.07874",
               lambda c: (GradientShap(c.forward), dict(target=c.targets, baselines=c.baselines,
                                                        n_samples=c.options["samples"],
                                                        return_convergence_delta=True)),
               ("baseline", "samples", "seed") + _GRADIENT, {"baseline": "sample", "samples": 20},
               baselines=("sample",) + _ABSENT, rows=lambda o, p: o["samples"] + 2),
        Method("guided_backprop", "Guided Backprop",
               "Which inputs excite the score, passing back only positive gradients through each ReLU?", "gradient",
               "Springenberg et al. 2015, arXiv:1412.6806",
               lambda c: (GuidedBackprop(c.forward), dict(target=c.targets)), _GRADIENT),
        Method("deconvolution", "Deconvolution",
               "Which input pattern would the network rebuild from the score, passing back only positive signals "
               "through each ReLU?", "gradient", "Zeiler & Fergus 2014, arXiv:1311.2901",
               lambda c: (Deconvolution(c.forward), dict(target=c.targets)), _GRADIENT),
        Method("occlusion", "Occlusion",
               "How much does the score drop when a window of the input is covered by the baseline?",
               "perturbation", "Zeiler & Fergus 2014, arXiv:1311.2901",
               lambda c: (Occlusion(c.forward), dict(target=c.targets, baselines=c.baselines,
                                                     perturbations_per_eval=c.per_call, **_window(c))),
               ("window", "stride", "baseline"), baselines=_ABSENT, rows=_groups_rows),
        Method("feature_ablation", "Feature Ablation",
               "How much does the score change when each feature (or patch) alone is replaced by the baseline?",
               "perturbation", "ablation, as in Zeiler & Fergus 2014",
               lambda c: (FeatureAblation(c.forward), dict(target=c.targets, baselines=c.baselines,
                                                           feature_mask=c.feature_mask,
                                                           perturbations_per_eval=c.per_call)),
               ("patch", "baseline"), baselines=_ABSENT, rows=_groups_rows, groups=True),
        Method("shapley_sampling", "Shapley Value Sampling",
               "What is each feature's fair share of the score, averaged over random orders of switching features "
               "on?", "perturbation", "Castro et al. 2009, doi:10.1016/j.cor.2008.04.004",
               lambda c: (ShapleyValueSampling(c.forward), dict(target=c.targets, baselines=c.baselines,
                                                                feature_mask=c.feature_mask,
                                                                n_samples=c.options["samples"],
                                                                perturbations_per_eval=c.per_call)),
               ("samples", "patch", "baseline", "seed"), baselines=_ABSENT, rows=lambda o, p: o["samples"] * (p + 1),
               groups=True),
        Method("lime", "LIME",
               "Which features does a simple linear model, fitted to the network's answers around this input, "
               "weigh most?", "perturbation", "Ribeiro et al. 2016, arXiv:1602.04938",
               lambda c: (Lime(c.forward), dict(target=c.targets, baselines=c.baselines, feature_mask=c.feature_mask,
                                                n_samples=c.options["samples"],
                                                perturbations_per_eval=c.rows_at_once)),  # one example at a time
               ("samples", "patch", "baseline", "seed"), {"samples": 200}, baselines=_ABSENT,
               rows=lambda o, p: o["samples"] + 1, groups=True),
        Method("gradcam", "GradCAM",
               "Where in the image did the chosen layer's channels that matter for the score fire?", "layer",
               "Selvaraju et al. 2017, arXiv:1610.02391",
               lambda c: (LayerGradCam(c.forward, c.layer), dict(target=c.targets, relu_attributions=True)),
               ("layer",), suits=("image",), layer_test=_image_layer),
        Method("layer_conductance", "Layer Conductance",
               "How much of the score flows through each unit of the chosen layer, from the baseline to the input?",
               "layer", "Dhamdhere et al. 2018, arXiv:1805.12233",
               lambda c: (LayerConductance(c.forward, c.layer), dict(target=c.targets, return_convergence_delta=True,
                                                                     **_path_kwargs(c))),
               ("layer",) + _PATH, baselines=_ABSENT, rows=lambda o, p: o["steps"] + 2),
        Method("neuron_gradient", "Neuron Gradient", "Which inputs would change the chosen unit most if nudged?",
               "neuron", "Simonyan et al. 2014, arXiv:1312.6034",
               lambda c: (NeuronGradient(c.forward, c.layer), dict(neuron_selector=c.neuron)), ("layer", "unit")),
        Method("neuron_integrated_gradients", "Neuron Integrated Gradients",
               "How much does each input add to the chosen unit's value, compared with the baseline?", "neuron",
               "Sundararajan et al. 2017, arXiv:1703.01365",
               lambda c: (NeuronIntegratedGradients(c.forward, c.layer), dict(neuron_selector=c.neuron,
                                                                              **_path_kwargs(c))),
               ("layer", "unit") + _PATH, baselines=_ABSENT, rows=lambda o, p: o["steps"]),
        Method("neuron_conductance", "Neuron Conductance",
               "How much of the score flows from each input through the chosen unit?", "neuron",
               "Dhamdhere et al. 2018, arXiv:1805.12233",
               lambda c: (NeuronConductance(c.forward, c.layer), dict(neuron_selector=c.neuron, target=c.targets,
                                                                      **_path_kwargs(c))),
               ("layer", "unit") + _PATH, baselines=_ABSENT, rows=lambda o, p: o["steps"]),
    )
}


def methods_for(kind: str) -> list[Method]:
    """The methods that suit an input kind ("points", "image", "sequence", "table"), in the registry's order."""
    return [m for m in METHODS.values() if kind in m.suits]


def _window(c: Context) -> dict[str, Any]:
    """Occlusion's window and stride: square over an image's pixels (all channels), over whole time steps of a
    sequence, over features of a vector."""
    shape, w, s = tuple(c.x.shape[1:]), c.options["window"], c.options["stride"]
    if c.kind == "image":
        return dict(sliding_window_shapes=(shape[0], w, w), strides=(shape[0], s, s))
    if len(shape) == 2:
        return dict(sliding_window_shapes=(w, shape[1]), strides=(s, shape[1]))
    return dict(sliding_window_shapes=(w,), strides=(s,))


def _window_count(shape: tuple[int, ...], kind: str, w: int, s: int) -> int:
    """How many windows Occlusion covers, as captum counts them: ⌈(size − window)/stride⌉ + 1 per moving axis."""
    sizes = shape[1:] if kind == "image" else shape[:1]
    return math.prod(math.ceil((n - w) / s) + 1 for n in sizes)


def feature_groups(shape: tuple[int, ...], kind: str, patch: int) -> torch.Tensor:
    """Which features perturbation methods switch on and off together: patch × patch squares of an image
    (all channels), whole time steps of a sequence, single features of a vector. (1, *shape) of group ids."""
    if kind == "image":
        _, h, w = shape
        rows, columns = torch.arange(h) // patch, torch.arange(w) // patch
        ids = rows[:, None] * (-(-w // patch)) + columns[None, :]  # (H, W)
        return ids.expand(shape).clone()[None]
    if len(shape) == 2:
        return torch.arange(shape[0])[:, None].expand(shape).clone()[None]
    return torch.arange(shape[0])[None]


# ---------------------------------------------------------------- options, checked


def method_named(name: str) -> Method:
    if name not in METHODS:
        raise AttributionError(f"unknown method '{str(name)[:40]}' (choose from {', '.join(METHODS)})")
    return METHODS[name]


def default_options(run: Run, method: str) -> dict[str, Any]:
    """The options of ``method`` with their defaults for this run's input kind (what a page shows first)."""
    m, kind = method_named(method), run.data.input_kind
    return {name: m.option_default(name, kind) for name in m.options_for(kind)}


def check_options(run: Run, method: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The options completed with defaults; AttributionError naming the first option that is wrong."""
    m, kind = method_named(method), run.data.input_kind
    if kind not in m.suits:
        raise AttributionError(f"{m.label} does not suit {_kind_words(kind)}; it suits {_list(m.suits)}")
    unknown = [name for name in options if name not in m.options_for(kind)]
    if unknown:
        takes = f"its options are {', '.join(m.options_for(kind))}" if m.options_for(kind) else "it takes no options"
        raise AttributionError(f"{m.label} has no option '{str(unknown[0])[:40]}': {takes}")
    resolved = default_options(run, method)
    for name, value in options.items():
        resolved[name] = _checked(OPTIONS[name], value, m.label)
    baseline = resolved.get("baseline")
    if baseline is not None:
        if baseline not in m.baselines:
            raise AttributionError(f"{m.label} takes the baselines {_list(m.baselines)}, not '{baseline}'")
        if kind not in BASELINES[baseline].kinds:
            raise AttributionError(f"a {BASELINES[baseline].label.lower()} baseline needs neighbouring values (an "
                                   f"image or a sequence), not {_kind_words(kind)}")
    shape = run.data.input_shape
    if "window" in resolved:
        span = min(shape[1:]) if kind == "image" else shape[0]
        if resolved["window"] > span:
            raise AttributionError(f"the occlusion window ({resolved['window']}) is larger than the input ({span})")
        if resolved["stride"] > resolved["window"]:
            raise AttributionError(f"the stride ({resolved['stride']}) may not exceed the window "
                                   f"({resolved['window']}): some inputs would never be covered")
    return resolved


def _checked(option: Option, value: Any, method: str) -> Any:
    if option.choices:
        if value not in option.choices:
            raise AttributionError(f"{option.label} must be one of {', '.join(option.choices)}, not "
                                   f"'{str(value)[:40]}'")
        return value
    if option.name == "layer":
        return None if value is None else str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise AttributionError(f"{option.label} must be a number, not '{str(value)[:40]}'") from None
    if not math.isfinite(number) or (option.integer and number != int(number)):
        raise AttributionError(f"{option.label} must be {'a whole number' if option.integer else 'a finite number'}")
    low = -math.inf if option.low is None else option.low
    high = math.inf if option.high is None else option.high
    if not low <= number <= high:
        limits = f"between {low:g} and {high:g}" if math.isfinite(high) else f"at least {low:g}"
        raise AttributionError(f"{option.label} must be {limits}, not {number:g}")
    return int(number) if option.integer else number


def _kind_words(kind: str) -> str:
    return {"points": "2D points", "image": "images", "sequence": "sequences", "table": "tables"}.get(kind, kind)


def _list(names: Sequence[str]) -> str:
    return ", ".join(_kind_words(n) if n in KINDS else n for n in names)


# ---------------------------------------------------------------- what is explained


def n_outputs(run: Run) -> int:
    return run.objective.n_outputs


def explained_words(run: Run, target: int) -> str:
    """What the attribution explains, in words."""
    if run.objective.n_classes == 0:
        return "the predicted value"
    if n_outputs(run) == 1:
        return f"the output score (above 0: {run.data.class_name(1)}; below: {run.data.class_name(0)})"
    return f"the score (logit) of {run.data.class_name(target)}"


def _targets(run: Run, out: torch.Tensor, target: int | Sequence[int] | None) -> list[int]:
    """The output unit explained for each example: the chosen class, or the predicted one."""
    count = n_outputs(run)
    if count == 1:  # one output unit: its score is what is explained, whichever class was asked for
        if target is not None and any(int(t) not in (0, 1) for t in np.atleast_1d(target)):
            raise AttributionError("this network has one output: choose class 0 or 1 (both explain its score)")
        return [0] * len(out)
    if target is None:
        return out.argmax(dim=1).tolist()
    chosen = [int(t) for t in np.atleast_1d(target)]
    if len(chosen) == 1:
        chosen *= len(out)
    if len(chosen) != len(out) or any(not 0 <= t < count for t in chosen):
        raise AttributionError(f"choose a class between 0 and {count - 1}, one per example")
    return chosen


# ---------------------------------------------------------------- running a method


class _Watched(nn.Module):
    """The network as captum calls it, counting the examples it is shown so that long methods can report
    progress."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.progress: Progress | None = None
        self.expected = 1
        self.seen = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model(x)
        if self.progress is not None:
            self.seen += len(x)
            self.progress(min(1.0, self.seen / self.expected))
        return out


@contextmanager
def quiet_captum(model: nn.Module) -> Iterator[None]:
    """Eval mode (put back after), gradients on, captum's notes on hooks and gradients silenced, and cuDNN off:
    its recurrent layers refuse a backward pass in eval mode."""
    with evaluating(model), torch.enable_grad(), warnings.catch_warnings(), \
            torch.backends.cudnn.flags(enabled=False):
        warnings.simplefilter("ignore", UserWarning)
        yield


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """torch's and numpy's global random draws (captum uses both) repeat for a seed inside the block; both
    generators are put back after, so nothing else in the process notices."""
    numpy_state = np.random.get_state()
    try:
        with torch.random.fork_rng(devices=[torch.cuda.current_device()] if torch.cuda.is_available() else []):
            torch.manual_seed(seed)
            np.random.seed(seed)
            yield
    finally:
        np.random.set_state(numpy_state)


@dataclass(frozen=True)
class Prepared:
    """A method ready to run on a batch: the captum object, the arguments of its ``attribute`` and what it
    costs. ``explain(inputs, **kwargs)`` is what captum's metrics call."""

    method: Method
    algorithm: Any  # a captum attribution object, possibly inside a NoiseTunnel
    kwargs: dict[str, Any]
    context: Context
    rows: int  # forward rows per example
    passes: float  # forward-pass equivalents per example (a backward pass counts two)
    layer: LayerChoice | None

    def explain(self, inputs: torch.Tensor, **kwargs: Any) -> torch.Tensor:
        """The attributions alone (no convergence delta) for ``inputs``, with ``kwargs`` replacing those
        prepared (captum's sensitivity passes its own expanded target and baselines)."""
        merged = {**self.kwargs, **kwargs}
        merged.pop("return_convergence_delta", None)
        return self.algorithm.attribute(inputs, **merged)


def prepare(run: Run, x: torch.Tensor, method: str, target: int | Sequence[int] | None = None, *,
            model: nn.Module | None = None, **options: Any) -> Prepared:
    """Checks everything (method, options, layer, class, budget) and builds the captum call for ``x`` (B, *shape).
    ``model``: a copy to explain instead of the run's own (sanity checks, checkpoints)."""
    m = method_named(method)
    model = model or run.model
    opts = check_options(run, method, options)
    shape, kind = tuple(x.shape[1:]), run.data.input_kind
    groups = feature_groups(shape, kind, opts.get("patch", 1)).to(x.device) if m.groups else None
    pieces = (_window_count(shape, kind, opts["window"], opts["stride"]) if "window" in opts
              else int(groups.max()) + 1 if groups is not None else 1)
    rows = m.rows(opts, pieces)
    smoothing = opts.get("smoothing", "none") != "none"
    if smoothing:
        rows *= opts["smoothing_samples"]
    passes = rows * (STEP_COST if m.family != "perturbation" else 1)
    problem = attribution_problem(run.work, passes, len(x), f"{m.label} on {len(x):,} example(s)")
    if problem:  # refused from shapes alone, before the network sees anything
        raise OverBudget(problem)

    forward = _Watched(model)
    with quiet_captum(model), torch.no_grad():
        out = forward(x)
    context = Context(run, forward, x, _targets(run, out, target), opts, kind, feature_mask=groups)
    layer = None
    if m.needs_layer:
        layer, context.layer = _layer(run, model, opts["layer"], m)
        if m.family == "neuron":
            if not 0 <= opts["unit"] < layer.units:
                raise AttributionError(f"{layer.label} has units 0 to {layer.units - 1}, not {opts['unit']}")
            where = tuple(int(i) for i in np.unravel_index(opts["unit"], layer.shape))
            context.neuron = where[0] if len(where) == 1 else where
    memory_rows = int(STEP_MEMORY.limit // max(1, 2 * run.work.stored * BYTES_PER_FLOAT))
    context.rows_at_once = max(1, min(MAX_ROWS, memory_rows))
    if "baseline" in opts:
        context.baselines = make_baselines(run, x, opts["baseline"], opts.get("seed", 0))
    algorithm, kwargs = m.make(context)
    if smoothing:
        spread = float(run.trainer.x_train.max() - run.trainer.x_train.min()) or 1.0
        algorithm = NoiseTunnel(algorithm)
        copies = max(1, min(opts["smoothing_samples"], context.per_call // m.rows(opts, pieces)))
        kwargs.update(nt_type=opts["smoothing"], nt_samples=opts["smoothing_samples"],
                      stdevs=opts["noise"] * spread, nt_samples_batch_size=copies,
                      draw_baseline_from_distrib=m.name == "gradient_shap")  # its baselines are a distribution
        if "internal_batch_size" in kwargs:  # each call of the method sees every example's noisy copies at once
            kwargs["internal_batch_size"] = max(copies * len(x), context.rows_at_once)
    forward.expected = max(1, rows * len(x))
    return Prepared(m, algorithm, kwargs, context, rows, passes, layer)


# ---------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class Attribution:
    """One example's attribution map and what it explains."""

    method: str  # a name in METHODS
    values: np.ndarray  # shaped like the input (without the batch dimension), or like the layer's output
    over: str  # "input", or the layer's label for layer methods ("layer 4 (Conv2d)")
    target: int  # the output unit explained
    explained: str  # in words: "the score (logit) of 7", "unit 3 of layer 2 (Linear)"
    score: float  # what is explained, for this example: the output unit's value (a neuron's, for neuron methods)
    delta: float | None = None  # convergence delta where the method has one: Σ attributions − (f(x) − f(baseline))
    on_input: np.ndarray | None = None  # the map over the input's shape (a layer's map upsampled); None if none
    smoothing: str = "none"

    @property
    def total(self) -> float:
        """Σ attributions: for Integrated Gradients, DeepLift and conductance ≈ f(x) − f(baseline)."""
        return float(self.values.sum())

    def __repr__(self) -> str:
        delta = f", δ = {self.delta:.2e}" if self.delta is not None else ""
        return f"Attribution({self.method} of {self.explained} over {self.over}: Σ = {self.total:.4f}{delta})"


def attribute(run: Run, example: Example, method: str, target: int | None = None, *,
              model: nn.Module | None = None, progress: Progress | None = None, **options: Any) -> Attribution:
    """Attribution of ``method`` for one example; ``target``: the class explained (None: the predicted one).
    Options are those of ``METHODS[method]`` (see ``default_options``)."""
    return attribute_many(run, example.x, method, None if target is None else [target], model=model,
                          progress=progress, **options)[0]


def attribute_many(run: Run, x: torch.Tensor, method: str, targets: Sequence[int] | None = None, *,
                   model: nn.Module | None = None, progress: Progress | None = None,
                   **options: Any) -> list[Attribution]:
    """Attributions for a batch ``x`` (B, *input_shape), one record per example; ``targets`` (B,) or None."""
    prepared = prepare(run, x.to(run.trainer.device), method, targets, model=model, **options)
    return run_prepared(prepared, progress)


def run_prepared(prepared: Prepared, progress: Progress | None = None) -> list[Attribution]:
    c, m = prepared.context, prepared.method
    model = c.forward.model
    c.forward.progress, c.forward.seen = progress, 0
    with quiet_captum(model), seeded(c.options.get("seed", 0)):  # GradientShap, Shapley, LIME, noise: random
        result = prepared.algorithm.attribute(c.x, **prepared.kwargs)
        scores = _scores(prepared)
    c.forward.progress = None
    if progress:
        progress(1.0)
    values, deltas = (result if isinstance(result, tuple) else (result, None))
    on_input = _on_input(values, c) if m.family == "layer" else values
    deltas = _per_example(deltas, len(c.x))
    layer = prepared.layer
    over = layer.label if m.family == "layer" else "input"
    records = []
    for i in range(len(c.x)):
        explained = (f"{layer.unit_label(c.options['unit'])} of {layer.label}" if m.family == "neuron"
                     else explained_words(c.run, c.targets[i]))
        if m.name == "neuron_conductance":
            explained = f"{explained_words(c.run, c.targets[i])}, through {explained}"
        records.append(Attribution(
            m.name, _numpy(values[i]), over, c.targets[i], explained, float(scores[i]),
            None if deltas is None else float(deltas[i]), None if on_input is None else _numpy(on_input[i]),
            c.options.get("smoothing", "none"),
        ))
    return records


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().cpu().numpy()


@torch.no_grad()
def _scores(prepared: Prepared) -> np.ndarray:
    """The explained output for each example; for neuron methods (but conductance), the chosen unit's value."""
    c = prepared.context
    if prepared.method.family == "neuron" and prepared.method.name != "neuron_conductance":
        kept = []
        handle = c.layer.register_forward_hook(lambda module, args, output: kept.append(output))
        try:
            c.forward.model(c.x)
        finally:
            handle.remove()
        index = (slice(None),) + (c.neuron if isinstance(c.neuron, tuple) else (c.neuron,))
        return _numpy(kept[0][index])
    out = c.forward.model(c.x)
    return _numpy(out[torch.arange(len(out)), torch.as_tensor(c.targets)])


def _per_example(deltas: torch.Tensor | None, batch: int) -> np.ndarray | None:
    """One delta per example: where a method gives several (GradientShap's samples, NoiseTunnel's copies), the one
    farthest from zero."""
    if deltas is None:
        return None
    d = _numpy(deltas).reshape(batch, -1) if deltas.numel() % batch == 0 else None
    if d is None:
        return None
    return d[np.arange(batch), np.abs(d).argmax(axis=1)]


def _on_input(values: torch.Tensor, c: Context) -> torch.Tensor | None:
    """A layer's map over the input: an image layer's map summed over channels and upsampled (bilinear) to
    the input's height and width, for every input channel; None where the layer's output has no such place."""
    shape = tuple(c.x.shape[1:])
    if c.kind != "image" or values.dim() != 4:
        return None
    summed = values.sum(dim=1, keepdim=True)  # (B, 1, H', W')
    upsampled = LayerAttribution.interpolate(summed, shape[1:], interpolate_mode="bilinear")
    return upsampled.expand(-1, shape[0], -1, -1)


# ---------------------------------------------------------------- 2D points: the plane's view


class _Encoded(nn.Module):
    """The network read from points of the plane: (N, 2) → features → output."""

    def __init__(self, model: nn.Module, encode: Callable[[torch.Tensor], torch.Tensor]):
        super().__init__()
        self.model, self.encode = model, encode

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        return self.model(self.encode(points))


@dataclass(frozen=True)
class PlaneGradients:
    points: np.ndarray  # (N, 2): a grid over the plane
    gradients: np.ndarray  # (N, 2): ∂(explained output)/∂(x₁, x₂) at each, through the input features
    target: int


def _plane_target(run: Run, target: int | None) -> int:
    if n_outputs(run) == 1:
        return 0
    return (1 if n_outputs(run) == 2 else 0) if target is None else _targets(run, torch.zeros(1, n_outputs(run)),
                                                                               [target])[0]


def _needs_plane(run: Run) -> None:
    if run.plane is None:
        raise AttributionError("this network does not read points of the plane")


def gradient_field(run: Run, target: int | None = None, resolution: int = 15,
                   model: nn.Module | None = None) -> PlaneGradients:
    """The input gradient with respect to the raw point (x₁, x₂) on a resolution × resolution grid, through
    ``run.plane.encode``: the arrows over the decision boundary. ``target`` None: class 1 of two, else class 0."""
    _needs_plane(run)
    if not 2 <= resolution <= 41:
        raise AttributionError(f"the arrow grid must be between 2 and 41 points a side, not {resolution}")
    model = model or run.model
    points = grid_points(resolution, run.plane.extent).to(run.trainer.device)  # (R², 2), x varying fastest
    chosen = _plane_target(run, target)
    with quiet_captum(model):
        gradients = Saliency(_Encoded(model, run.plane.encode)).attribute(points, target=chosen, abs=False)
    return PlaneGradients(_numpy(points), _numpy(gradients), chosen)


@dataclass(frozen=True)
class PlanePath:
    """Integrated Gradients over the raw point: the straight path from the baseline point to the example."""

    points: np.ndarray  # (S, 2): the path
    scores: np.ndarray  # (S,): the explained output along it
    gradients: np.ndarray  # (S, 2): its gradient at each point
    attributions: np.ndarray  # (2,): x₁'s and x₂'s shares; Σ ≈ f(point) − f(baseline point)
    delta: float  # Σ attributions − (f(point) − f(baseline point))
    target: int


def plane_path(run: Run, example: Example, target: int | None = None, baseline: Sequence[float] = (0.0, 0.0),
               steps: int = 50, model: nn.Module | None = None) -> PlanePath:
    """Integrated Gradients of the example's point (not its features) from ``baseline``, and the path it follows."""
    _needs_plane(run)
    if example.point is None:
        raise AttributionError("this example is not a point of the plane")
    if not 2 <= steps <= MAX_STEPS:
        raise AttributionError(f"the path takes between 2 and {MAX_STEPS} steps, not {steps}")
    model = model or run.model
    device = run.trainer.device
    point = torch.as_tensor(example.point, dtype=torch.float32, device=device)[None]  # (1, 2)
    start = torch.as_tensor(np.asarray(baseline, dtype=np.float32), device=device).reshape(1, 2)
    forward = _Encoded(model, run.plane.encode)
    with quiet_captum(model), torch.no_grad():
        out = forward(point)
    chosen = _targets(run, out, None if target is None else [target])[0]
    alphas = torch.linspace(0, 1, steps, device=device)[:, None]
    path = start + alphas * (point - start)  # (S, 2)
    with quiet_captum(model):
        attributions, delta = IntegratedGradients(forward).attribute(point, baselines=start, target=chosen,
                                                                     n_steps=steps, return_convergence_delta=True)
        gradients = Saliency(forward).attribute(path, target=chosen, abs=False)
        with torch.no_grad():
            scores = forward(path)[:, chosen]
    return PlanePath(_numpy(path), _numpy(scores), _numpy(gradients), _numpy(attributions[0]), float(delta[0]),
                     chosen)


# ---------------------------------------------------------------- attribution over training


def over_training(run: Run, example: Example, method: str, snapshots: Sequence[tuple[int, nn.Module]],
                  target: int | None = None, progress: Progress | None = None,
                  **options: Any) -> list[tuple[int, Attribution]]:
    """The same example's map at each saved checkpoint, (step, model) pairs (see ``observe.checkpoints``).
    The class explained is fixed for every checkpoint: ``target``, or what the run predicts now."""
    chosen = attribute_target(run, example, target)
    first = prepare(run, example.x, method, [chosen], **options)
    problem = attribution_problem(run.work, first.passes, len(snapshots), f"{first.method.label} at "
                                  f"{len(snapshots)} checkpoints")
    if problem:
        raise OverBudget(problem)
    maps = []
    for k, (step, model) in enumerate(snapshots):
        maps.append((step, attribute(run, example, method, chosen, model=model, **options)))
        if progress:
            progress((k + 1) / len(snapshots))
    return maps


def attribute_target(run: Run, example: Example, target: int | None = None) -> int:
    """The output unit explained for ``example``: ``target`` checked, or the run's predicted class."""
    with quiet_captum(run.model), torch.no_grad():
        out = run.model(example.x.to(run.trainer.device))
    return _targets(run, out, None if target is None else [target])[0]


def model_copy(model: nn.Module) -> nn.Module:
    """A copy of a network to change freely (its weights randomised, a checkpoint loaded)."""
    return deepcopy(model)
