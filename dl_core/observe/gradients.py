"""Gradient flow: per-layer gradient, weight and update statistics, and dead and saturated units.

``GradientFlow`` subscribes to the Trainer's events; nothing in the training loop knows of it.
``analyses.diagnosis`` names what these statistics show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..nets.mlp import ACTIVATIONS, MLP, weight_label
from ..trainer import Trainer, evaluating
from .thinning import EveryNth

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
        # a network not updated in this event (a GAN's other half) has no gradient: its norm is 0
        self._grads = torch.stack([w.grad.norm() if w.grad is not None else torch.zeros((), device=w.device)
                                   for w in weights]).cpu().numpy()
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
    except NotImplementedError:  # a pair of networks with no forward of their own (a GAN): nothing to read
        return []
    finally:
        for hook in hooks:
            hook.remove()  # every hook added here is removed again (tested)
    return [(weight_label(model, f"{path}.weight"), kinds[type(m)], out) for path, m, out in seen]


def units_first(a: torch.Tensor) -> torch.Tensor:
    """Activations regrouped as (units, every value of that unit): a unit is a vector's feature, an image's
    channel (N, C, H, W), or a sequence's feature at every step (N, T, F), not a time step."""
    if a.dim() == 4:
        return a.transpose(0, 1).reshape(a.shape[1], -1)
    if a.dim() == 1:
        return a[None]
    return a.reshape(-1, a.shape[-1]).T


@torch.no_grad()
def unit_stats(trainer: Trainer) -> list[UnitStats]:
    """Per activation layer: its values, its dead units (ReLU) and saturation."""
    with evaluating(trainer.model):
        outputs = _activation_outputs(trainer)
    stats = []
    for name, kind, a in outputs:
        per_unit = units_first(a)
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
