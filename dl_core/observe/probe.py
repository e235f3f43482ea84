"""One example through the network and back: every layer's input, output and gradient, via hooks.

Forward hooks on the network's layers keep each output; ``torch.autograd.grad`` then gives ∂L/∂ of
every kept output and of every parameter in one backward pass, without touching ``p.grad``
(so a training run's own gradients are left as they were). A layer is a module without children,
or a block that a learner adds as one layer (a residual block, a recurrent layer, self-attention),
whose inside is not probed separately. Every hook is removed before ``probe`` returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..nets.layers import Recurrent, Residual, SelfAttention
from ..trainer import evaluating

BLOCKS = (Residual, Recurrent, SelfAttention, nn.MultiheadAttention, nn.RNNBase)  # probed as one layer each


@dataclass(frozen=True)
class LayerProbe:
    """One leaf module seen on one example. Vectors are 1-D (batch dimension removed)."""

    name: str  # the module's path in the model, e.g. "hidden.0.linear"
    kind: str  # the module's class, e.g. "Linear", "Tanh"
    input: torch.Tensor  # what went in
    output: torch.Tensor  # what came out
    grad_output: torch.Tensor  # ∂L/∂output
    grad_input: torch.Tensor  # ∂L/∂input: what flows on to the layer before
    weight: torch.Tensor | None = None
    bias: torch.Tensor | None = None
    grad_weight: torch.Tensor | None = None  # ∂L/∂W, same shape as W
    grad_bias: torch.Tensor | None = None


@dataclass(frozen=True)
class Probe:
    layers: list[LayerProbe]  # in forward order
    output: torch.Tensor  # the network's raw output
    loss: float


def layers_of(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The modules a probe reports, in definition order: leaves, and blocks without their insides."""
    units, inside = [], []
    for name, m in model.named_modules():
        if not name or any(name.startswith(prefix) for prefix in inside):
            continue
        if isinstance(m, BLOCKS):
            units.append((name, m))
            inside.append(name + ".")
        elif not list(m.children()):
            units.append((name, m))
    return units


def _first(output):
    """A recurrent layer returns (output, state): the output is what flows on."""
    return output[0] if isinstance(output, tuple) else output


def probe(model: nn.Module, loss_fn, x: torch.Tensor, target: torch.Tensor) -> Probe:
    """``x`` is one example with its batch dimension, (1, F); ``target`` what ``loss_fn`` compares with."""
    seen: list[tuple[str, nn.Module, torch.Tensor, torch.Tensor]] = []
    inputs = x.detach().clone().requires_grad_(True)

    def keep(name: str):
        def hook(module, args, output):
            seen.append((name, module, args[0], _first(output)))
        return hook

    handles = [m.register_forward_hook(keep(name)) for name, m in layers_of(model)]
    try:
        with torch.enable_grad(), evaluating(model):
            output = model(inputs)
            loss = loss_fn(output, target)
            params = list(model.parameters())
            tensors = list({id(t): t for _, _, i, o in seen for t in (i, o)}.values())  # each tensor once
            grads = torch.autograd.grad(loss, tensors + params, allow_unused=True)
    finally:
        for handle in handles:
            handle.remove()
    grad_of = {id(t): g for t, g in zip(tensors, grads[:len(tensors)])}
    grad_of_param = {id(p): g for p, g in zip(params, grads[len(tensors):])}
    layers = []
    for name, module, module_input, module_output in seen:
        grad_in = grad_of[id(module_input)]
        weight, bias = getattr(module, "weight", None), getattr(module, "bias", None)
        layers.append(LayerProbe(
            name, type(module).__name__, module_input.detach()[0], module_output.detach()[0],
            _zero_if_none(grad_of[id(module_output)], module_output)[0], _zero_if_none(grad_in, module_input)[0],
            None if weight is None else weight.detach().clone(),
            None if bias is None else bias.detach().clone(),
            None if weight is None else _zero_if_none(grad_of_param[id(weight)], weight),
            None if bias is None else _zero_if_none(grad_of_param[id(bias)], bias),
        ))
    return Probe(layers, output.detach()[0], loss.item())


def _zero_if_none(grad: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
    return torch.zeros_like(like) if grad is None else grad.detach()
