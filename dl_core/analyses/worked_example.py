"""One example's forward and backward pass through the MLP, layer by layer, with the formulas
written out in its own numbers. Built on ``probe`` (hooks); every value is computed, none typed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..nets.mlp import ACTIVATIONS, MLP, weight_label
from ..observe.probe import LayerProbe, probe
from ..runs import Run
from ..specs.budget import OverBudget, probe_problem
from .examples import Example

MAX_TERMS = 6  # a sum with more inputs than this is written with "…"


@dataclass(frozen=True)
class UnitLayer:
    """z = W·x + b, then a = f(z) (the output layer has no f: a = z). All 1-D except W: (out, in)."""

    name: str
    activation: str | None
    inputs: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    z: np.ndarray
    a: np.ndarray
    slope: np.ndarray  # f'(z); ones for the output layer
    grad_a: np.ndarray  # ∂L/∂a
    grad_z: np.ndarray  # ∂L/∂z = ∂L/∂a · f'(z)
    grad_weight: np.ndarray  # ∂L/∂W = ∂L/∂z ⊗ x
    grad_bias: np.ndarray  # ∂L/∂b = ∂L/∂z
    grad_inputs: np.ndarray  # ∂L/∂x = Wᵀ · ∂L/∂z: what the layer before receives


@dataclass(frozen=True)
class ExamplePass:
    point: np.ndarray  # (2,) the example in the plane
    features: np.ndarray  # (F,) what the network sees
    feature_names: list[str]
    target: float  # what the loss compares with
    layers: list[UnitLayer]
    loss: float


def _slope(activation: str, z: torch.Tensor) -> torch.Tensor:
    z = z.detach().clone().requires_grad_(True)
    (slope,) = torch.autograd.grad(ACTIVATIONS[activation].make()(z).sum(), z)
    return slope


def explains_units(run: Run) -> bool:
    """Whether the network is a plain MLP, each layer exactly a = f(W·x + b): then every unit can be written out."""
    return isinstance(run.model, MLP) and run.model.is_plain


def example_pass(run: Run, example: Example) -> ExamplePass:
    """The MLP's forward and backward pass on one example, layer by layer (z, a, f'(z) and every gradient)."""
    x, target = example.x, example.target
    result = probe(run.model, run.objective.loss, x, target)
    linears = [p for p in result.layers if p.kind == "Linear"]
    after = {p.name.rsplit(".", 1)[0]: p for p in result.layers if p.name.endswith(".activation")}
    hidden_names = [layer.activation_name for layer in run.model.hidden]
    layers = []
    for k, linear in enumerate(linears):
        activation = after.get(linear.name.rsplit(".", 1)[0]) if k < len(hidden_names) else None
        kind = hidden_names[k] if activation is not None else None
        a, grad_a = (activation.output, activation.grad_output) if activation else (linear.output, linear.grad_output)
        slope = _slope(kind, linear.output) if kind else torch.ones_like(linear.output)
        layers.append(UnitLayer(
            name=f"layer {k + 1} ({kind})" if kind else "output", activation=kind,
            inputs=linear.input.numpy(), weight=linear.weight.numpy(), bias=linear.bias.numpy(),
            z=linear.output.numpy(), a=a.numpy(), slope=slope.numpy(), grad_a=grad_a.numpy(),
            grad_z=linear.grad_output.numpy(), grad_weight=linear.grad_weight.numpy(),
            grad_bias=linear.grad_bias.numpy(), grad_inputs=linear.grad_input.numpy(),
        ))
    point = example.point if example.point is not None else np.zeros(2, dtype=np.float32)
    return ExamplePass(point, x[0].cpu().numpy(), list(run.data.feature_names), float(target.reshape(-1)[0]), layers,
                       result.loss)


@dataclass(frozen=True)
class StepOnExample:
    loss_before: float
    loss_after: float
    moves: list[tuple[str, np.ndarray]]  # per layer: (name, ΔW (out, in))
    biggest: list[tuple[str, float]]  # the largest |Δw| in the network: ("layer 1: w₂₁", Δ)


def step_on_example(run: Run, example: Example, top: int = 8) -> StepOnExample:
    """One real optimiser step on one example of any network, alone; every weight's move, largest first,
    and the loss on the example before and after."""
    problem = probe_problem(run.work)
    if problem:
        raise OverBudget(problem)
    trainer, x, target = run.trainer, example.x, example.target
    weights = {name: p for name, p in trainer.model.named_parameters() if p.dim() >= 2}
    before = {name: p.detach().clone() for name, p in weights.items()}
    loss_before = probe(trainer.model, trainer.objective.loss, x, target).loss
    trainer.step_on(x, target)
    moves = [(weight_label(trainer.model, name), (p.detach() - before[name]).cpu().numpy())
             for name, p in weights.items()]
    flat = np.concatenate([d.reshape(-1) for _, d in moves])
    owners = np.repeat(np.arange(len(moves)), [d.size for _, d in moves])
    offsets = np.cumsum([0] + [d.size for _, d in moves])
    biggest = []
    for k in np.argsort(-np.abs(flat), kind="stable")[:top]:  # the largest moves anywhere in the network
        name, d = moves[owners[k]]
        index = np.unravel_index(k - offsets[owners[k]], d.shape)
        biggest.append((f"{name}: w{','.join(str(i + 1) for i in index)}", float(flat[k])))
    return StepOnExample(loss_before, probe(trainer.model, trainer.objective.loss, x, target).loss, moves, biggest)


# ---------------------------------------------------------------- the formulas, in numbers (LaTeX)


def _n(value: float) -> str:
    return f"{value:+.3f}".replace("+", "+\\,").replace("-", "-\\,")


def _terms(products: list[str]) -> str:
    if len(products) > MAX_TERMS:
        products = products[:MAX_TERMS - 1] + ["\\dots"] + products[-1:]
    return " + ".join(products)


def input_names(example: ExamplePass, layer_index: int) -> list[str]:
    if layer_index == 0:
        return [name.replace("·", "\\cdot ").replace("²", "^2") for name in example.feature_names]
    return [f"a^{{({layer_index})}}_{{{i + 1}}}" for i in range(len(example.layers[layer_index].inputs))]


def forward_formula(example: ExamplePass, layer_index: int, unit: int) -> list[str]:
    """z = Σ wᵢxᵢ + b with every wᵢ and xᵢ, then a = f(z)."""
    layer = example.layers[layer_index]
    w, x = layer.weight[unit], layer.inputs
    j, ell = unit + 1, layer_index + 1
    products = [f"({_n(w[i])})({_n(x[i])})" for i in range(len(x))]
    lines = [
        f"z^{{({ell})}}_{{{j}}} = \\sum_i w_{{{j}i}}\\,x_i + b_{{{j}}} = {_terms(products)} + ({_n(layer.bias[unit])})"
        f" = {layer.z[unit]:.4f}",
    ]
    if layer.activation:
        name = "\\tanh" if layer.activation == "tanh" else f"\\mathrm{{{layer.activation}}}"
        lines.append(f"a^{{({ell})}}_{{{j}}} = {name}(z^{{({ell})}}_{{{j}}}) = {name}({layer.z[unit]:.4f}) = "
                     f"{layer.a[unit]:.4f}")
    return lines


def backward_formula(example: ExamplePass, layer_index: int, unit: int) -> list[str]:
    """The chain rule for one unit: ∂L/∂z from ∂L/∂a and f'(z), then ∂L/∂w and ∂L/∂b."""
    layer = example.layers[layer_index]
    j, ell = unit + 1, layer_index + 1
    lines = []
    if layer.activation:
        lines.append(
            f"\\frac{{\\partial L}}{{\\partial z^{{({ell})}}_{{{j}}}}} = "
            f"\\frac{{\\partial L}}{{\\partial a^{{({ell})}}_"
            f"{{{j}}}}} \\cdot f'(z^{{({ell})}}_{{{j}}}) = ({_n(layer.grad_a[unit])})({_n(layer.slope[unit])}) = "
            f"{layer.grad_z[unit]:.5f}")
    else:
        lines.append(f"\\frac{{\\partial L}}{{\\partial z^{{(\\mathrm{{out}})}}_{{{j}}}}} = {layer.grad_z[unit]:.5f}"
                     "\\quad\\text{(from the loss)}")
    names = input_names(example, layer_index)
    first = int(np.abs(layer.grad_weight[unit]).argmax())
    lines.append(
        f"\\frac{{\\partial L}}{{\\partial w_{{{j}{first + 1}}}}} = \\frac{{\\partial L}}{{\\partial z_{{{j}}}}}"
        f" \\cdot {names[first]} = ({_n(layer.grad_z[unit])})({_n(layer.inputs[first])}) = "
        f"{layer.grad_weight[unit, first]:.5f}")
    lines.append(f"\\frac{{\\partial L}}{{\\partial b_{{{j}}}}} = \\frac{{\\partial L}}{{\\partial z_{{{j}}}}} = "
                 f"{layer.grad_bias[unit]:.5f}")
    return lines


def linear_formula(layer: LayerProbe, unit: int) -> str:
    """z_j = Σ w_ji x_i + b_j for one unit of any Linear layer, in its own numbers."""
    w, x = layer.weight[unit].numpy(), layer.input.numpy()
    if x.ndim > 1:  # a Linear layer applied to every step of a sequence: the last step shown
        x = x[-1]
    products = [f"({_n(w[i])})({_n(x[i])})" for i in range(len(x))]
    z = float(w @ x + layer.bias[unit])
    bias = _n(float(layer.bias[unit]))
    return (f"\\begin{{aligned}} z_{{{unit + 1}}} &= \\sum_i w_{{{unit + 1}i}}\\,x_i + b \\\\ "
            f"&= {_terms(products)} + ({bias}) = {z:.4f} \\end{{aligned}}")


def conv_formula(layer: LayerProbe, channel: int, row: int, column: int) -> str:
    """One output of a convolution: the filter times the patch it covers, plus the bias, in numbers."""
    w = layer.weight[channel].numpy()  # (C_in, k, k)
    k_h, k_w = w.shape[1:]
    # "same" padding: k − 1 zeros per axis, the odd one after (as PyTorch pads even kernels)
    before_h, before_w = (k_h - 1) // 2, (k_w - 1) // 2
    padding = (before_w, k_w - 1 - before_w, before_h, k_h - 1 - before_h)
    x = torch.nn.functional.pad(layer.input, padding).numpy()  # (C_in, H + k − 1, W + k − 1)
    patch = x[:, row:row + k_h, column:column + k_w]
    products = [f"({_n(w[c, i, j])})({_n(patch[c, i, j])})" for c in range(w.shape[0]) for i in range(k_h)
                for j in range(k_w)]
    z = float((w * patch).sum() + layer.bias[channel])
    return (f"\\begin{{aligned}} z_{{{channel + 1}}}[{row + 1},{column + 1}] &= \\sum_{{c,i,j}} w_{{cij}}\\,"
            f"x_{{c,\\,{row + 1}+i,\\,{column + 1}+j}} + b \\\\ &= {_terms(products)} + "
            f"({_n(float(layer.bias[channel]))}) = {z:.4f} \\end{{aligned}}")


def linear_chain_rule(layer: LayerProbe, unit: int) -> list[str]:
    """∂L/∂b and the largest ∂L/∂w of one unit of any Linear layer, from ∂L/∂z and the input, in numbers."""
    x = layer.input.numpy()
    x = x[-1] if x.ndim > 1 else x  # for a sequence, the last step's inputs
    g = float(layer.grad_output.reshape(-1, layer.grad_output.shape[-1])[-1, unit])
    i = int(np.abs(layer.grad_weight[unit].numpy()).argmax())
    j = unit + 1
    lines = [f"\\frac{{\\partial L}}{{\\partial b_{{{j}}}}} = \\frac{{\\partial L}}{{\\partial z_{{{j}}}}} = {g:.5f}"]
    if layer.input.dim() == 1:  # with one input vector, ∂L/∂w is exactly this one product
        dw = float(layer.grad_weight[unit, i])
        lines.append(f"\\frac{{\\partial L}}{{\\partial w_{{{j}{i + 1}}}}} = "
                     f"\\frac{{\\partial L}}{{\\partial z_{{{j}}}}} \\cdot x_{{{i + 1}}} = "
                     f"({_n(g)})({_n(float(x[i]))}) = {dw:.5f}")
    return lines


def conv_chain_rule(layer: LayerProbe, channel: int) -> str:
    """A filter's bias is added at every position, so ∂L/∂b is the sum of ∂L/∂z over its whole map."""
    grads = layer.grad_output[channel].numpy()
    c = channel + 1
    return (f"\\frac{{\\partial L}}{{\\partial b_{{{c}}}}} = "
            f"\\sum_{{r,s}} \\frac{{\\partial L}}{{\\partial z_{{{c}}}[r,s]}} = {grads.sum():.5f}"
            f" \\quad ({grads.size} positions)")
