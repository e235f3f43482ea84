"""Gradient flow: per-layer gradient, weight and update statistics, dead and saturated units,
and a diagnosis that names what it sees (vanishing, exploding, dead, saturated) with remedies.

``GradientFlow`` subscribes to the Trainer's events; nothing in the training loop knows of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch

from .model import ACTIVATIONS, MLP, weight_label
from .spec import LayerSpec, Spec
from .train import EveryNth, Trainer

VANISHING_RATIO = 1e-3  # first layer's gradient norm below this share of the last layer's
EXPLODING_NORM = 1e2  # a layer's gradient norm above this
DEAD_SHARE = 0.5  # half a ReLU layer's units never active on the training set
SATURATED_SHARE = 0.5  # half a sigmoid/tanh layer's activations within 1 % of a bound
RECENT = 10  # records averaged for a verdict


class GradientFlow:
    """Records, for each layer's weight matrix: ‖∇W‖, ‖W‖ and ‖ΔW‖/‖W‖ of the update.

    ``after_backward`` reads the gradients and keeps the weights; ``after_step`` measures how far
    the optimiser moved them. At most ``limit`` records are kept (see ``EveryNth``)."""

    def __init__(self, trainer: Trainer, limit: int = 400):
        self.trainer = trainer
        named = weight_layers(trainer)  # the same Parameter objects for the trainer's whole life
        self.names = [name for name, _ in named]
        self._weight_list = [weight for _, weight in named]
        self.sampling = EveryNth(limit)
        self.steps: list[int] = []
        self.grad_norm: list[np.ndarray] = []  # each (layers,)
        self.weight_norm: list[np.ndarray] = []
        self.update_ratio: list[np.ndarray] = []
        self._before: list[torch.Tensor] | None = None
        self._grads: np.ndarray | None = None
        self._unsubscribe = [trainer.on("after_backward", self._after_backward),
                             trainer.on("after_step", self._after_step)]

    def _weights(self) -> list[torch.Tensor]:
        return self._weight_list

    def _after_backward(self, trainer: Trainer) -> None:
        if not self.sampling.due():
            return
        weights = self._weights()
        self._grads = torch.stack([w.grad.norm() for w in weights]).cpu().numpy()
        self._before = [w.detach().clone() for w in weights]

    def _after_step(self, trainer: Trainer) -> None:
        if self._before is None:
            return
        weights = [w.detach() for w in self._weights()]
        norms = torch.stack([w.norm() for w in weights])
        moved = torch.stack([(w - b).norm() for w, b in zip(weights, self._before)])
        self.steps.append(trainer.step_count)
        self.grad_norm.append(self._grads)
        self.weight_norm.append(norms.cpu().numpy())
        self.update_ratio.append((moved / norms.clamp_min(1e-12)).cpu().numpy())
        self._before = None
        self.steps, self.grad_norm, self.weight_norm, self.update_ratio = self.sampling.thin(
            self.steps, self.grad_norm, self.weight_norm, self.update_ratio)

    def series(self, name: str) -> np.ndarray:
        """(records, layers) of "grad_norm", "weight_norm" or "update_ratio"; empty before the first step."""
        values = getattr(self, name)
        return np.stack(values) if values else np.zeros((0, len(self.names)))

    def recent_grad_norms(self) -> np.ndarray | None:
        g = self.series("grad_norm")
        return g[-RECENT:].mean(axis=0) if len(g) else None

    def detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()


def weight_layers(trainer: Trainer) -> list[tuple[str, torch.nn.Parameter]]:
    """Each layer's weight in order, named for a learner: the 2D network's "layer 1 (tanh)" … "output",
    or a Builder network's "layer 4 (Conv2d)" (every parameter of two or more dimensions)."""
    model = trainer.model
    if isinstance(model, MLP):
        names = [f"layer {i} ({layer.activation_name})" for i, layer in enumerate(model.hidden, 1)] + ["output"]
        return list(zip(names, [linear.weight for linear in model.linears]))
    return [(weight_label(model, name), p) for name, p in model.named_parameters() if p.dim() >= 2]



@dataclass(frozen=True)
class UnitStats:
    """One hidden layer's activations on the training set."""

    name: str
    activation: str
    values: np.ndarray  # (N, width)
    dead_share: float  # ReLU: units that output 0 for every training point; NaN for other activations
    saturated_share: float  # sigmoid/tanh: activations within 1 % of a bound; NaN for others


def _activation_outputs(trainer: Trainer) -> list[tuple[str, str, torch.Tensor]]:
    """(name, activation, output on the training set) of every activation: the MLP's, before any skip
    connection adds its input; a Builder network's, read by forward hooks on its activation modules."""
    model = trainer.model
    if isinstance(model, MLP):
        names = [name for name, _ in weight_layers(trainer)][:-1]
        return [(name, layer.activation_name, a) for name, layer, a in
                zip(names, model.hidden, model.activations(trainer.x_train))]
    kinds = {type(info.make()): name for name, info in ACTIVATIONS.items() if name != "linear"}
    seen = []
    hooks = [module.register_forward_hook(lambda m, i, out, path=path: seen.append((path, m, out)))
             for path, module in model.named_modules() if type(module) in kinds]
    try:
        model(trainer.x_train)
    finally:
        for hook in hooks:
            hook.remove()
    return [(f"layer {int(path.split('.')[0]) + 1} ({type(m).__name__})", kinds[type(m)], out)
            for path, m, out in seen]


@torch.no_grad()
def unit_stats(trainer: Trainer) -> list[UnitStats]:
    """Per activation layer: its values, its dead units (ReLU; a channel counts as one unit) and saturation."""
    model = trainer.model
    model.eval()
    outputs = _activation_outputs(trainer)
    model.train()
    stats = []
    for name, kind, a in outputs:
        per_unit = a.transpose(0, 1).reshape(a.shape[1], -1) if a.dim() > 1 else a[None]  # (units, everything else)
        dead = float((per_unit.max(dim=1).values <= 0).float().mean()) if kind == "relu" else math.nan
        if kind == "sigmoid":
            saturated = float(((a < 0.01) | (a > 0.99)).float().mean())
        elif kind == "tanh":
            saturated = float((a.abs() > 0.99).float().mean())
        else:
            saturated = math.nan
        stats.append(UnitStats(name, kind, a.reshape(len(a), -1).cpu().numpy(), dead, saturated))
    return stats


def current_gradients(trainer: Trainer) -> list[np.ndarray]:
    """Each layer's weight gradient from the last step, flattened (empty before training)."""
    return [w.grad.reshape(-1).cpu().numpy() if w.grad is not None else np.zeros(0)
            for _, w in weight_layers(trainer)]


# ---------------------------------------------------------------- diagnosis


@dataclass(frozen=True)
class Remedy:
    label: str
    why: str
    apply: Callable[[Spec], Spec]


def _activations(to: str) -> Callable[[Spec], Spec]:
    return lambda s: replace(s, model=replace(s.model, hidden=tuple(LayerSpec(l.width, to) for l in s.model.hidden)))


RELU = Remedy("Use ReLU", "its gradient is 1 for every active unit, so it does not shrink layer by layer",
              _activations("relu"))
HE_INIT = Remedy("He initialisation", "weights scaled for ReLU keep the signal's size from layer to layer",
                 lambda s: replace(s, model=replace(s.model, init="he")))
SMALLER_LR = Remedy("Learning rate ÷ 10", "smaller steps stop weights from overshooting",
                    lambda s: replace(s, train=replace(s.train, learning_rate=max(1e-5, s.train.learning_rate / 10))))
CLIP = Remedy("Clip gradients at 1", "caps the size of any one update",
              lambda s: replace(s, train=replace(s.train, grad_clip=1.0)))
LEAKY = Remedy("Use leaky ReLU", "a small slope below zero lets dead units recover",
               _activations("leaky_relu"))
TANH_INSTEAD = Remedy("Use tanh", "zero-centred and with a steeper middle than sigmoid", _activations("tanh"))


def _with_skips(s: Spec) -> Spec:
    widest = max(layer.width for layer in s.model.hidden)  # skips need equal widths
    hidden = tuple(LayerSpec(widest, layer.activation) for layer in s.model.hidden)
    return replace(s, model=replace(s.model, hidden=hidden, skip=True))


SKIPS = Remedy("Skip connections", "each layer adds its input to its output, so the gradient has a path "
                                   "around every layer", _with_skips)
LAYER_NORM = Remedy("Layer normalisation", "keeps each layer's pre-activations centred and of unit size",
                    lambda s: replace(s, model=replace(s.model, norm=True)))


@dataclass(frozen=True)
class Verdict:
    kind: str  # "vanishing", "exploding", "dead", "saturated", "healthy"
    message: str
    remedies: tuple[Remedy, ...] = ()


def diagnose(flow: GradientFlow, units: list[UnitStats], diverged: bool = False) -> list[Verdict]:
    """What the statistics show, worst first; a single "healthy" verdict when nothing is wrong."""
    verdicts = []
    grads = flow.recent_grad_norms()
    if grads is not None and len(grads) >= 2:
        first, last = grads[0], grads[-1]
        if last > 0 and first / last < VANISHING_RATIO:
            orders = math.log10(last / max(first, 1e-30))
            verdicts.append(Verdict(
                "vanishing",
                f"Vanishing gradients: the first layer's gradient norm ({first:.1e}) is {orders:.0f} orders of "
                f"magnitude below the output layer's ({last:.1e}). Early layers barely learn.",
                (RELU, HE_INIT, SKIPS, LAYER_NORM)))
        if diverged or grads.max() > EXPLODING_NORM:
            verdicts.append(Verdict(
                "exploding",
                f"Exploding gradients: a layer's gradient norm reached {grads.max():.1e}"
                + (" and training diverged." if diverged else "."),
                (SMALLER_LR, CLIP)))
    dead = [u for u in units if u.dead_share >= DEAD_SHARE]
    if dead:
        worst = max(dead, key=lambda u: u.dead_share)
        verdicts.append(Verdict(
            "dead",
            f"Dead units: {worst.dead_share:.0%} of {worst.name}'s units output 0 for every training point, "
            "so no gradient reaches them and they never recover.",
            (LEAKY, SMALLER_LR, HE_INIT)))
    saturated = [u for u in units if u.saturated_share >= SATURATED_SHARE]
    if saturated:
        worst = max(saturated, key=lambda u: u.saturated_share)
        verdicts.append(Verdict(
            "saturated",
            f"Saturated units: {worst.saturated_share:.0%} of {worst.name}'s activations sit at the flat ends "
            "of the curve, where the gradient is nearly 0.",
            (RELU, LAYER_NORM, SMALLER_LR) if worst.activation == "tanh"
            else (RELU, TANH_INSTEAD, LAYER_NORM, SMALLER_LR)))
    return verdicts or [Verdict("healthy", "Healthy: gradients reach every layer at a similar scale, "
                                           "and no layer is dead or saturated.")]


# ---------------------------------------------------------------- the built-in demonstration


def deep_net_comparison(steps: int = 100, depth: int = 10, width: int = 8,
                        progress: Callable[[float], None] | None = None) -> dict[str, np.ndarray]:
    """A deep sigmoid MLP against the same depth with ReLU and He initialisation, trained on
    the same data: each one's mean gradient norm per layer (first hidden layer to output)."""
    from .spec import DataSpec, ModelSpec, TrainSpec

    specs = {
        f"{depth} sigmoid layers, Xavier init": Spec(
            DataSpec("circle"), ModelSpec(("x1", "x2"), (LayerSpec(width, "sigmoid"),) * depth, 0.0, "xavier"),
            TrainSpec("bce", "sgd", 0.1, 10)),
        f"{depth} ReLU layers, He init": Spec(
            DataSpec("circle"), ModelSpec(("x1", "x2"), (LayerSpec(width, "relu"),) * depth, 0.0, "he"),
            TrainSpec("bce", "sgd", 0.1, 10)),
    }
    result = {}
    for k, (label, spec) in enumerate(specs.items()):
        trainer = Trainer(spec, record_every=None)
        flow = GradientFlow(trainer)
        for done in range(0, steps, 10):
            trainer.step(min(10, steps - done))
            if progress:
                progress((k + (done + 10) / steps) / len(specs))
        result[label] = flow.series("grad_norm").mean(axis=0)
    return result
