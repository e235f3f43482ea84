"""Networks built layer by layer. Each layer kind knows what input it accepts, what shape it gives
and how many parameters it has, or says in a sentence why it cannot follow the layer before.

Shapes leave out the batch dimension: (F,) a vector, (C, H, W) an image, (T, F) a sequence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .model import ACTIVATIONS

Shape = tuple[int, ...]
MAX_LAYERS = 24
MAX_BUILT_PARAMETERS = 200_000


@dataclass(frozen=True)
class LayerDef:
    """One layer as a learner sets it; each kind reads only the fields it needs."""

    kind: str
    size: int = 16  # units, channels, hidden size, or attention heads
    kernel: int = 3
    activation: str = "relu"
    rate: float = 0.2  # dropout probability


class ShapeError(ValueError):
    """A layer that cannot follow the one before; the message names it and says why."""


def describe(shape: Shape) -> str:
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    if len(shape) == 3:
        return f"a {shape[0]}×{shape[1]}×{shape[2]} image"
    return f"a sequence of {shape[0]} steps × {shape[1]}"


def _vector(shape: Shape, why: str) -> None:
    if len(shape) != 1:
        raise ShapeError(f"needs a vector, not {describe(shape)}: {why}")


def _image(shape: Shape) -> None:
    if len(shape) != 3:
        raise ShapeError(f"needs an image (channels × height × width), not {describe(shape)}")


def _sequence(shape: Shape) -> None:
    if len(shape) != 2:
        raise ShapeError(f"needs a sequence (steps × features), not {describe(shape)}")


class Residual(nn.Module):
    """x + block(x): the block must keep the shape."""

    def __init__(self, block: nn.Module):
        super().__init__()
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class Recurrent(nn.Module):
    """An RNN, LSTM or GRU that returns its output at every step. (B, T, F) → (B, T, H)"""

    def __init__(self, cell: nn.Module):
        super().__init__()
        self.cell = cell

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cell(x)[0]


class SelfAttention(nn.Module):
    """x + MultiHeadAttention(x, x, x), then LayerNorm: each step looks at every step. (B, T, F) → (B, T, F)"""

    def __init__(self, features: int, heads: int):
        super().__init__()
        self.attention = nn.MultiheadAttention(features, heads, batch_first=True)
        self.norm = nn.LayerNorm(features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x + self.attention(x, x, x, need_weights=False)[0])


class LastStep(nn.Module):
    """The last step of a sequence: (B, T, F) → (B, F)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, -1]


def _linear(d: LayerDef, s: Shape) -> tuple[Shape, nn.Module]:
    if len(s) == 3:
        raise ShapeError(f"needs a vector or a sequence, not {describe(s)}: add Flatten first")
    return s[:-1] + (d.size,), nn.Linear(s[-1], d.size)


def _conv(d: LayerDef, s: Shape) -> tuple[Shape, nn.Module]:
    _image(s)
    if d.kernel > min(s[1], s[2]):
        raise ShapeError(f"has a {d.kernel}×{d.kernel} kernel, larger than its {s[1]}×{s[2]} input")
    return (d.size, s[1], s[2]), nn.Conv2d(s[0], d.size, d.kernel, padding=d.kernel // 2)  # "same" padding


def _pool(pool: type[nn.Module]) -> Callable[[LayerDef, Shape], tuple[Shape, nn.Module]]:
    def make(d: LayerDef, s: Shape) -> tuple[Shape, nn.Module]:
        _image(s)
        if min(s[1], s[2]) < 2:
            raise ShapeError(f"halves the image, but it is already {s[1]}×{s[2]}")
        return (s[0], s[1] // 2, s[2] // 2), pool(2)
    return make


def _batchnorm(d: LayerDef, s: Shape) -> tuple[Shape, nn.Module]:
    if len(s) == 2:
        raise ShapeError("needs a vector or an image; for a sequence use LayerNorm")
    return s, nn.BatchNorm2d(s[0]) if len(s) == 3 else nn.BatchNorm1d(s[0])


def _residual(d: LayerDef, s: Shape) -> tuple[Shape, nn.Module]:
    act = ACTIVATIONS[d.activation].make
    if len(s) == 3:
        if d.kernel > min(s[1], s[2]):
            raise ShapeError(f"has a {d.kernel}×{d.kernel} kernel, larger than its {s[1]}×{s[2]} input")
        conv = lambda: nn.Conv2d(s[0], s[0], d.kernel, padding=d.kernel // 2)  # noqa: E731
        return s, Residual(nn.Sequential(conv(), act(), conv()))
    return s, Residual(nn.Sequential(nn.Linear(s[-1], s[-1]), act(), nn.Linear(s[-1], s[-1])))


def _recurrent(cell: type[nn.Module]) -> Callable[[LayerDef, Shape], tuple[Shape, nn.Module]]:
    def make(d: LayerDef, s: Shape) -> tuple[Shape, nn.Module]:
        _sequence(s)
        return (s[0], d.size), Recurrent(cell(s[1], d.size, batch_first=True))
    return make


def _attention(d: LayerDef, s: Shape) -> tuple[Shape, nn.Module]:
    _sequence(s)
    if s[1] % d.size:
        raise ShapeError(f"splits {s[1]} features into {d.size} heads, which does not divide evenly")
    return s, SelfAttention(s[1], d.size)


def _flatten(d: LayerDef, s: Shape) -> tuple[Shape, nn.Module]:
    return (math.prod(s),), nn.Flatten()


def _last_step(d: LayerDef, s: Shape) -> tuple[Shape, nn.Module]:
    _sequence(s)
    return (s[1],), LastStep()


@dataclass(frozen=True)
class LayerKind:
    name: str
    label: str
    explanation: str
    make: Callable[[LayerDef, Shape], tuple[Shape, nn.Module]]  # raises ShapeError


LAYERS: dict[str, LayerKind] = {
    kind.name: kind
    for kind in (
        LayerKind("linear", "Linear", "every output is Σ w·x + b over all inputs", _linear),
        LayerKind("conv2d", "Conv2d", "a small filter slid over the image; one output channel per filter", _conv),
        LayerKind("maxpool", "MaxPool", "the largest value of each 2×2 patch: half the height and width",
                  _pool(nn.MaxPool2d)),
        LayerKind("avgpool", "AvgPool", "the mean of each 2×2 patch: half the height and width", _pool(nn.AvgPool2d)),
        LayerKind("flatten", "Flatten", "an image or a sequence laid out as one long vector", _flatten),
        LayerKind("dropout", "Dropout", "while training, each value is zeroed with probability p",
                  lambda d, s: (s, nn.Dropout(d.rate))),
        LayerKind("batchnorm", "BatchNorm", "each feature normalised over the batch, then scaled", _batchnorm),
        LayerKind("layernorm", "LayerNorm", "each example's features normalised, then scaled",
                  lambda d, s: (s, nn.LayerNorm(s[-1] if len(s) < 3 else list(s)))),
        LayerKind("activation", "Activation", "a function applied to every value",
                  lambda d, s: (s, ACTIVATIONS[d.activation].make())),
        LayerKind("residual", "Residual block", "x + f(x): two layers with a skip connection around them", _residual),
        LayerKind("rnn", "RNN", "a hidden state updated step by step", _recurrent(nn.RNN)),
        LayerKind("lstm", "LSTM", "an RNN with gates that decide what to remember", _recurrent(nn.LSTM)),
        LayerKind("gru", "GRU", "a lighter gated RNN", _recurrent(nn.GRU)),
        LayerKind("attention", "Self-attention", "every step attends to every step (size = heads)", _attention),
        LayerKind("last_step", "Last step", "keeps the last step of a sequence", _last_step),
    )
}


@dataclass(frozen=True)
class PlannedLayer:
    index: int  # 1-based, as the learner counts
    layer: LayerDef
    input: Shape
    output: Shape
    parameters: int
    module: nn.Module


def plan(layers: list[LayerDef], input_shape: Shape, n_outputs: int) -> list[PlannedLayer]:
    """Every layer with its shapes and parameter count, then the output head; raises ShapeError
    at the first layer that cannot follow, naming it."""
    if len(layers) > MAX_LAYERS:
        raise ShapeError(f"A network may have at most {MAX_LAYERS} layers, not {len(layers)}.")
    planned, shape = [], tuple(input_shape)
    for index, layer in enumerate(layers, 1):
        kind = LAYERS.get(layer.kind)
        if kind is None:
            raise ShapeError(f"Layer {index}: unknown kind '{layer.kind}' (choose from {', '.join(LAYERS)}).")
        if layer.kind in ("activation", "residual") and layer.activation not in ACTIVATIONS:
            raise ShapeError(f"Layer {index} ({kind.label}): unknown activation '{layer.activation}'.")
        try:
            output, module = kind.make(layer, shape)
        except ShapeError as error:
            raise ShapeError(f"Layer {index} ({kind.label}) {error}.") from None
        planned.append(PlannedLayer(index, layer, shape, output, _count(module), module))
        shape = output
    if len(shape) != 1:
        raise ShapeError(f"The output layer needs a vector, but the last layer gives {describe(shape)}: "
                         f"end with {'Flatten' if len(shape) == 3 else 'Last step or Flatten'}.")
    head = nn.Linear(shape[0], n_outputs)
    planned.append(PlannedLayer(len(layers) + 1, LayerDef("linear", n_outputs), shape, (n_outputs,), _count(head),
                                head))
    total = sum(p.parameters for p in planned)
    if total > MAX_BUILT_PARAMETERS:
        raise ShapeError(f"This network has {total:,} parameters; the limit is {MAX_BUILT_PARAMETERS:,}.")
    return planned


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def build(layers: list[LayerDef], input_shape: Shape, n_outputs: int, seed: int) -> nn.Sequential:
    """The planned network as one ``nn.Sequential``; the same seed gives the same initial weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(*[p.module for p in plan(layers, input_shape, n_outputs)])
