"""Activations and initialisers by name, and the Playground's MLP, which shows every layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch
from torch import nn


@dataclass(frozen=True)
class ActivationInfo:
    name: str
    label: str
    formula: str
    make: Callable[[], nn.Module]


ACTIVATIONS: dict[str, ActivationInfo] = {
    info.name: info
    for info in (
        ActivationInfo("tanh", "Tanh", "tanh(z)", nn.Tanh),
        ActivationInfo("relu", "ReLU", "max(0, z)", nn.ReLU),
        ActivationInfo("sigmoid", "Sigmoid", "1 / (1 + e^−z)", nn.Sigmoid),
        ActivationInfo("linear", "Linear", "z", nn.Identity),
        ActivationInfo("leaky_relu", "Leaky ReLU", "max(0.01·z, z)", lambda: nn.LeakyReLU(0.01)),
        ActivationInfo("gelu", "GELU", "z·Φ(z)", nn.GELU),
        ActivationInfo("elu", "ELU", "z if z > 0 else e^z − 1", nn.ELU),
        ActivationInfo("silu", "SiLU (swish)", "z·σ(z)", nn.SiLU),
    )
}


def _normal(std: float):
    return lambda w, g: nn.init.normal_(w, 0.0, std, generator=g)


@dataclass(frozen=True)
class InitInfo:
    name: str
    label: str
    explanation: str
    weights: Callable[[torch.Tensor, torch.Generator], torch.Tensor]


INITS: dict[str, InitInfo] = {
    info.name: info
    for info in (
        InitInfo("xavier", "Xavier (Glorot)", "uniform, variance 2/(fan_in + fan_out): keeps tanh layers in range",
                 lambda w, g: nn.init.xavier_uniform_(w, generator=g)),
        InitInfo("he", "He (Kaiming)", "normal, variance 2/fan_in: made for ReLU",
                 lambda w, g: nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g)),
        InitInfo("zeros", "Zeros", "every weight 0: all neurons of a layer stay identical (symmetry)",
                 lambda w, g: nn.init.zeros_(w)),
        InitInfo("small", "Small random", "normal, std 0.01: signals and gradients shrink layer by layer",
                 _normal(0.01)),
        InitInfo("large", "Large random", "normal, std 2: units saturate or blow up", _normal(2.0)),
    )
}


class HiddenLayer(nn.Module):
    """z = W·x + b, then LayerNorm (optional), then a = f(z), then (while training) dropout;
    with ``skip`` (and as many inputs as outputs) the input is added back: x + a."""

    def __init__(self, n_in: int, n_out: int, activation: str, dropout: float, norm: bool = False,
                 skip: bool = False):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.norm = nn.LayerNorm(n_out) if norm else None
        self.activation = ACTIVATIONS[activation].make()
        self.activation_name = activation
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.skip = skip and n_in == n_out

    def parts(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(what the activation gave, what the layer passes on)."""
        z = self.linear(x)
        a = self.dropout(self.activation(self.norm(z) if self.norm is not None else z))
        return a, x + a if self.skip else a

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.parts(x)[1]

    def extra_repr(self) -> str:
        extras = (", layer norm" if self.norm is not None else "") + (", + skip" if self.skip else "")
        return f"{self.linear.in_features} → {self.linear.out_features}, {self.activation_name}{extras}"


class MLP(nn.Module):
    """A multilayer perceptron whose every hidden layer has its own width and activation; optional
    layer normalisation, and skip connections around hidden layers whose input and output widths match."""

    def __init__(self, n_inputs: int, hidden: Sequence[tuple[int, str]], n_outputs: int, dropout: float = 0.0,
                 norm: bool = False, skip: bool = False):
        super().__init__()
        widths = [n_inputs] + [width for width, _ in hidden]
        self.hidden = nn.ModuleList(
            HiddenLayer(n_in, n_out, activation, dropout, norm, skip)
            for n_in, n_out, (_, activation) in zip(widths[:-1], widths[1:], hidden)
        )
        self.output = nn.Linear(widths[-1], n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden:
            x = layer(x)
        return self.output(x)

    def forward_all(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every hidden layer's output, then the raw output: [(N, w₁), …, (N, n_outputs)]."""
        outputs = []
        for layer in self.hidden:
            x = layer(x)
            outputs.append(x)
        outputs.append(self.output(x))
        return outputs

    def activations(self, x: torch.Tensor) -> list[torch.Tensor]:
        """What each hidden layer's activation function gave, before any skip connection adds its input."""
        values = []
        for layer in self.hidden:
            a, x = layer.parts(x)
            values.append(a)
        return values

    @property
    def is_plain(self) -> bool:
        """No normalisation and no skip connections: each layer is exactly a = f(W·x + b)."""
        return all(layer.norm is None and not layer.skip for layer in self.hidden)

    @property
    def linears(self) -> list[nn.Linear]:
        return [layer.linear for layer in self.hidden] + [self.output]

    @property
    def layer_sizes(self) -> list[int]:
        return [self.linears[0].in_features] + [linear.out_features for linear in self.linears]

    def __repr__(self) -> str:
        parts = [str(self.layer_sizes[0])]
        parts += [f"{layer.linear.out_features} {layer.activation_name}" for layer in self.hidden]
        parts.append(f"{self.output.out_features} out")
        extras = "".join([", layer norm" if any(layer.norm is not None for layer in self.hidden) else "",
                          ", skip connections" if any(layer.skip for layer in self.hidden) else ""])
        return f"MLP({' → '.join(parts)}{extras}, {parameter_count(self)} parameters)"


def initialise(model: nn.Module, init: str, generator: torch.Generator) -> None:
    """Linear and convolution weights by the named scheme, their biases at zero (normalisation layers keep
    their own: scale 1, shift 0; recurrent and attention layers keep PyTorch's)."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d)) and module.bias is not None:
                INITS[init].weights(module.weight, generator)
                nn.init.zeros_(module.bias)


def mlp_parameter_count(n_inputs: int, widths: Sequence[int], n_outputs: int, norm: bool = False) -> int:
    """Weights plus biases of an MLP (and LayerNorm's scale and shift), without building it."""
    sizes = [n_inputs, *widths, n_outputs]
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])) + (2 * sum(widths) if norm else 0)


def mlp_macs(n_inputs: int, widths: Sequence[int], n_outputs: int) -> int:
    """Multiply-adds of one example's forward pass through an MLP, without building it."""
    sizes = [n_inputs, *widths, n_outputs]
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def build_mlp(n_inputs: int, hidden: Sequence[tuple[int, str]], n_outputs: int,
              dropout: float, init: str, seed: int, norm: bool = False, skip: bool = False) -> MLP:
    """The same arguments always give the same weights."""
    model = MLP(n_inputs, hidden, n_outputs, dropout, norm, skip)
    initialise(model, init, torch.Generator().manual_seed(seed))
    return model


def weight_label(model: nn.Module, parameter: str) -> str:
    """A parameter's name as a learner reads it: hidden.0.linear.weight → layer 1; output.weight → output;
    3.weight → layer 4 (Conv2d); 0.cell.weight_hh_l0 → layer 1 (LSTM) weight_hh_l0; a named part keeps its
    name: generator.net.0.weight → generator layer 1 (Linear)."""
    path, _, leaf = parameter.rpartition(".")
    if path == "output":
        return "output"
    if path.startswith("hidden."):
        return f"layer {int(path.split('.')[1]) + 1}"
    head, _, rest = path.partition(".")
    if head and not head.isdigit():  # a named part (a GAN's generator, an autoencoder's encoder)
        inner = weight_label(model.get_submodule(head), f"{rest}.{leaf}" if rest else leaf)
        return f"{head} {inner}"
    owner = model.get_submodule(path) if path else model
    label = f"layer {int(head) + 1} ({type(owner).__name__})" if path else leaf
    return label if leaf == "weight" else f"{label} {leaf}"
