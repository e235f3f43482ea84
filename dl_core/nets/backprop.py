"""Backpropagation written out for the Playground's plain MLP: a = f(W·x + b) layer by layer, then the chain
rule back, each weight's gradient put in ``p.grad`` as autograd would. On the Playground's tiny networks
autograd's bookkeeping costs more than the arithmetic: a training step runs about 2× faster this way
(``benchmarks/playground.py``), which is how many more steps a second a learner sees. The Trainer uses it
only for the networks it fits (``fits``) and keeps the optimiser, clipping and events as they are;
``tests/core/test_backprop.py`` holds it to autograd's gradients for every activation and loss.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..objective import Objective
from .mlp import MLP

Tensor = torch.Tensor

_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _gelu_slope(z: Tensor, a: Tensor) -> Tensor:  # Φ(z) + z·φ(z), the exact GELU's slope
    return 0.5 * (1.0 + torch.erf(z / _SQRT_2)) + z * torch.exp(-0.5 * z * z) * _INV_SQRT_2PI


def _silu_slope(z: Tensor, a: Tensor) -> Tensor:  # σ(z)·(1 + z·(1 − σ(z)))
    s = torch.sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


# activation → (f(z), f′(z) from z and a = f(z)); a slope of None means 1
ACTIVATIONS: dict[str, tuple[Callable[[Tensor], Tensor], Callable[[Tensor, Tensor], Tensor] | None]] = {
    "tanh": (torch.tanh, lambda z, a: 1.0 - a * a),
    "relu": (torch.relu, lambda z, a: (z > 0).to(z.dtype)),
    "sigmoid": (torch.sigmoid, lambda z, a: a * (1.0 - a)),
    "linear": (lambda z: z, None),
    "leaky_relu": (lambda z: F.leaky_relu(z, 0.01), lambda z, a: torch.where(z > 0, 1.0, 0.01).to(z.dtype)),
    "gelu": (F.gelu, _gelu_slope),
    "elu": (F.elu, lambda z, a: torch.where(z > 0, 1.0, a + 1.0)),
    "silu": (F.silu, _silu_slope),
}
LOSSES = ("bce", "cross_entropy", "mse", "mae", "huber")


def fits(model: nn.Module, objective: Objective) -> bool:
    """A plain MLP (no normalisation, skip connections or dropout), every parameter trained, with an activation
    and a loss written out here."""
    return (isinstance(model, MLP) and model.is_plain and objective.loss_name in LOSSES
            and all(isinstance(layer.dropout, nn.Identity) and layer.activation_name in ACTIVATIONS
                    for layer in model.hidden)
            and all(p.requires_grad for p in model.parameters()))


def output_gradient(objective: Objective, out: Tensor, target: Tensor) -> Tensor:
    """∂(mean loss)/∂(raw output), (N, n_outputs), for each loss that ``dl_core.objective.objective`` builds."""
    n, name = len(out), objective.loss_name
    if name == "cross_entropy":
        g = torch.softmax(out, dim=1)
        g.scatter_add_(1, target[:, None], torch.full((n, 1), -1.0, dtype=out.dtype, device=out.device))
        return g / n
    z = out[:, 0]
    if not objective.is_classification:
        d = z - target
        g = 2.0 * d if name == "mse" else torch.sign(d) if name == "mae" else d.clamp(-1.0, 1.0)  # huber, δ = 1
    elif name == "bce":
        g = torch.sigmoid(z) - target
    else:  # mse on classes: ŷ = tanh(z) against ±1
        y = torch.tanh(z)
        g = 2.0 * (y - target) * (1.0 - y * y)
    return (g / n)[:, None]


def plain_sgd(optimizer: torch.optim.Optimizer) -> bool:
    """Whether each step of ``optimizer`` is only w ← w − lr·∂L/∂w (``WrittenOut.descend`` does it)."""
    return type(optimizer) is torch.optim.SGD and all(
        not (group["momentum"] or group["weight_decay"] or group["maximize"]) for group in optimizer.param_groups)


class WrittenOut:
    """``step``: the loss on a batch, every ``p.grad`` set (the regulariser's part included); ``descend``: one
    plain gradient-descent step with those gradients."""

    def __init__(self, model: MLP, objective: Objective):
        self.objective = objective
        self.layers = [(layer.linear, *ACTIVATIONS[layer.activation_name]) for layer in model.hidden]
        self.output = model.output
        self.modules = list(model.modules())
        self.parameters = list(model.parameters())
        self.weights = [p for p in self.parameters if p.dim() >= 2]  # what a regulariser acts on, as Trainer.penalty

    def hooked(self) -> bool:
        """Whether anything watches the modules run (a probe's forward hook): then autograd's way calls them."""
        return bool(nn.modules.module._global_forward_hooks or nn.modules.module._global_forward_pre_hooks) or any(
            m._forward_hooks or m._forward_pre_hooks for m in self.modules)

    @torch.no_grad()
    def step(self, x: Tensor, target: Tensor, regularization: str, rate: float) -> Tensor:
        inputs, zs, outs = [], [], []
        a = x
        for linear, f, _ in self.layers:
            inputs.append(a)
            z = torch.addmm(linear.bias, a, linear.weight.t())
            a = f(z)
            zs.append(z)
            outs.append(a)
        out = torch.addmm(self.output.bias, a, self.output.weight.t())
        loss = self.objective.loss(out, target)
        g = output_gradient(self.objective, out, target)  # ∂L/∂z of the output layer
        _fill(self.output, g, a)
        above = self.output
        for (linear, _, slope), given, z, a in reversed(list(zip(self.layers, inputs, zs, outs))):
            g = g.mm(above.weight)  # ∂L/∂a of this layer: the chain rule through the weights above
            if slope is not None:
                g = g * slope(z, a)  # ∂L/∂z = ∂L/∂a · f′(z)
            _fill(linear, g, given)
            above = linear
        if regularization != "none" and rate:  # the penalty's gradient (its value is the Trainer's ``penalty``)
            for w in self.weights:
                w.grad.add_(torch.sign(w) if regularization == "l1" else w, alpha=rate)
        return loss

    @torch.no_grad()
    def descend(self, lr: float) -> None:
        for p in self.parameters:
            p.add_(p.grad, alpha=-lr)


def _fill(linear: nn.Linear, g: Tensor, given: Tensor) -> None:
    """∂L/∂W = ∂L/∂zᵀ · x and ∂L/∂b = Σ ∂L/∂z over the batch, into ``.grad`` as autograd leaves them."""
    linear.weight.grad = g.t().mm(given)
    linear.bias.grad = g.sum(0)
