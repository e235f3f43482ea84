"""Networks built layer by layer. Each layer kind knows what input it accepts, what shape it gives,
how many parameters it has and what one example costs to push through it, or says in a sentence
why it cannot follow the layer before. ``plan`` works from shapes alone (nothing is allocated),
so a network is checked against the work budgets before any module exists; ``build`` makes it.

Shapes leave out the batch dimension: (F,) a vector, (C, H, W) an image, (T, F) a sequence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator

import torch
from torch import nn

from ..errors import Refusal
from .mlp import ACTIVATIONS

Shape = tuple[int, ...]
MAX_LAYERS = 24
MAX_SIZE = 4_096  # units, channels or hidden size of one layer (the work budgets usually bind first)
MAX_HEADS = 16
KERNELS = (1, 2, 3, 4, 5, 6, 7)
MAX_DROPOUT = 0.9
# What one call of a layer costs whatever its size (Python, dispatch, allocation), in multiply-add equivalents at
# the ~10 billion a second the two-core box manages: what a landscape's grid point or a Hessian-vector product
# mostly pays on a small network (measured, ``benchmarks/limits.py``).
CALL_OVERHEAD = 100_000  # ~10 µs
ATTENTION_OVERHEAD = 20_000_000  # ~2 ms: nn.MultiheadAttention's checks and reshapes, in Python
STEP_OVERHEAD = 1_000_000  # per step of a recurrent layer: its backward, and a Hessian's, walk the steps one by one


@dataclass(frozen=True)
class LayerDef:
    """One layer as a learner sets it; each kind reads only the fields it needs (``LayerKind.reads``)."""

    kind: str
    size: int = 16  # units, channels, hidden size, or attention heads
    kernel: int = 3
    activation: str = "relu"
    rate: float = 0.2  # dropout probability


class ShapeError(Refusal):
    """A layer that cannot follow the one before; the message names it and says why."""


def describe(shape: Shape) -> str:
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    if len(shape) == 3:
        return f"a {shape[0]}×{shape[1]}×{shape[2]} image"
    return f"a sequence of {shape[0]} steps × {shape[1]}"


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
    """x + MultiHeadAttention(x, x, x), then LayerNorm: each step looks at every step. (B, T, F) → (B, T, F)

    The weights are always computed explicitly (softmax(QKᵀ/√d) as a tensor), not by a fused kernel: the
    fused CPU kernel has no double backward, which Hessian-vector products need. Those of the last forward
    pass are kept in ``last_weights`` (B, heads, T, T) when ``keep_weights`` is set, for the views that show
    them."""

    def __init__(self, features: int, heads: int):
        super().__init__()
        self.attention = nn.MultiheadAttention(features, heads, batch_first=True)
        self.norm = nn.LayerNorm(features)
        self.keep_weights = False
        self.last_weights: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        attended, weights = self.attention(x, x, x, need_weights=True, average_attn_weights=False)
        if self.keep_weights:
            self.last_weights = weights.detach()
        return self.norm(x + attended)


class LastStep(nn.Module):
    """The last step of a sequence: (B, T, F) → (B, F)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, -1]


# ---------------------------------------------------------------- what each kind accepts and costs


@dataclass(frozen=True)
class Cost:
    """One layer for one example: its output shape, parameters, forward multiply-adds and the floats it keeps
    for the backward pass."""

    output: Shape
    parameters: int
    macs: int
    stored: int
    overhead: int = CALL_OVERHEAD  # per call, whatever the number of examples


def _need(shape: Shape, dims: int, what: str) -> None:
    if len(shape) != dims:
        raise ShapeError(f"needs {what}, not {describe(shape)}")


def _kernel_fits(d: LayerDef, s: Shape) -> None:
    if d.kernel > min(s[1], s[2]):
        raise ShapeError(f"has a {d.kernel}×{d.kernel} kernel, larger than its {s[1]}×{s[2]} input")


def _linear(d: LayerDef, s: Shape) -> Cost:
    if len(s) == 3:
        raise ShapeError(f"needs a vector or a sequence, not {describe(s)}: add Flatten first")
    out = s[:-1] + (d.size,)
    return Cost(out, s[-1] * d.size + d.size, math.prod(s) * d.size, math.prod(out))


def _conv(d: LayerDef, s: Shape) -> Cost:
    _need(s, 3, "an image (channels × height × width)")
    _kernel_fits(d, s)
    out = (d.size, s[1], s[2])  # "same" padding keeps height and width, for odd and even kernels
    return Cost(out, s[0] * d.size * d.kernel ** 2 + d.size, math.prod(out) * s[0] * d.kernel ** 2, math.prod(out))


def _pool(d: LayerDef, s: Shape) -> Cost:
    _need(s, 3, "an image (channels × height × width)")
    if min(s[1], s[2]) < 2:
        raise ShapeError(f"halves the image, but it is already {s[1]}×{s[2]}")
    out = (s[0], s[1] // 2, s[2] // 2)
    return Cost(out, 0, math.prod(s), math.prod(out))


def _same(params: Callable[[Shape], int] = lambda s: 0, work: int = 1) -> Callable[[LayerDef, Shape], Cost]:
    return lambda d, s: Cost(s, params(s), work * math.prod(s), math.prod(s))


def _batchnorm(d: LayerDef, s: Shape) -> Cost:
    if len(s) == 2:
        raise ShapeError("needs a vector or an image; for a sequence use LayerNorm")
    return Cost(s, 2 * s[0], 2 * math.prod(s), math.prod(s))


def _layernorm(d: LayerDef, s: Shape) -> Cost:
    return Cost(s, 2 * (s[-1] if len(s) < 3 else math.prod(s)), 3 * math.prod(s), math.prod(s))


def _residual(d: LayerDef, s: Shape) -> Cost:
    if len(s) == 3:
        _kernel_fits(d, s)
        per_conv = s[0] * s[0] * d.kernel ** 2
        return Cost(s, 2 * (per_conv + s[0]), 2 * per_conv * s[1] * s[2], 3 * math.prod(s), 4 * CALL_OVERHEAD)
    return Cost(s, 2 * (s[-1] ** 2 + s[-1]), 2 * math.prod(s) * s[-1], 3 * math.prod(s), 4 * CALL_OVERHEAD)


def _recurrent(gates: int, kept: int) -> Callable[[LayerDef, Shape], Cost]:
    """``kept``: floats per hidden unit and step that PyTorch keeps for the backward pass, measured with
    saved-tensor hooks on the CPU (RNN ~1, GRU ~5, LSTM ~17: its gates, cell states and their tanh)."""
    def cost(d: LayerDef, s: Shape) -> Cost:
        _need(s, 2, "a sequence (steps × features)")
        steps, features, hidden = s[0], s[1], d.size
        per_step = gates * (features * hidden + hidden * hidden)
        return Cost((steps, hidden), gates * (features * hidden + hidden * hidden + 2 * hidden), steps * per_step,
                    steps * hidden * kept, steps * STEP_OVERHEAD)
    return cost


def _attention(d: LayerDef, s: Shape) -> Cost:
    _need(s, 2, "a sequence (steps × features)")
    if d.size > MAX_HEADS:
        raise ShapeError(f"has {d.size} heads; the limit is {MAX_HEADS}")
    if s[1] % d.size:
        raise ShapeError(f"splits {s[1]} features into {d.size} heads, which does not divide evenly")
    steps, features = s
    parameters = 4 * features * features + 4 * features + 2 * features  # q, k, v and out projections; LayerNorm
    scores = d.size * steps * steps  # one T×T matrix of attention weights a head
    macs = 4 * steps * features * features + 2 * steps * steps * features + 5 * scores  # softmax: ~5 operations a score
    return Cost(s, parameters, macs, 6 * steps * features + 2 * scores, ATTENTION_OVERHEAD)


def _flatten(d: LayerDef, s: Shape) -> Cost:
    return Cost((math.prod(s),), 0, 0, 0)


def _last_step(d: LayerDef, s: Shape) -> Cost:
    _need(s, 2, "a sequence (steps × features)")
    return Cost((s[1],), 0, 0, 0)


# ---------------------------------------------------------------- making the modules


def _activation_module(d: LayerDef) -> nn.Module:
    return ACTIVATIONS[d.activation].make()


def _make_residual(d: LayerDef, s: Shape) -> nn.Module:
    if len(s) == 3:
        conv = lambda: nn.Conv2d(s[0], s[0], d.kernel, padding="same")  # noqa: E731
        return Residual(nn.Sequential(conv(), _activation_module(d), conv()))
    return Residual(nn.Sequential(nn.Linear(s[-1], s[-1]), _activation_module(d), nn.Linear(s[-1], s[-1])))


@dataclass(frozen=True)
class LayerKind:
    name: str
    label: str
    explanation: str
    reads: tuple[str, ...]  # the LayerDef fields this kind uses, besides its kind
    cost: Callable[[LayerDef, Shape], Cost]  # raises ShapeError
    make: Callable[[LayerDef, Shape], nn.Module]
    size_label: str = ""  # what ``size`` means for this kind


LAYERS: dict[str, LayerKind] = {
    kind.name: kind
    for kind in (
        LayerKind("linear", "Linear", "every output is Σ w·x + b over all inputs", ("size",), _linear,
                  lambda d, s: nn.Linear(s[-1], d.size), "units"),
        LayerKind("conv2d", "Conv2d", "a small filter slid over the image; one output channel per filter",
                  ("size", "kernel"), _conv, lambda d, s: nn.Conv2d(s[0], d.size, d.kernel, padding="same"),
                  "filters"),
        LayerKind("maxpool", "MaxPool", "the largest value of each 2×2 patch: half the height and width", (), _pool,
                  lambda d, s: nn.MaxPool2d(2)),
        LayerKind("avgpool", "AvgPool", "the mean of each 2×2 patch: half the height and width", (), _pool,
                  lambda d, s: nn.AvgPool2d(2)),
        LayerKind("flatten", "Flatten", "an image or a sequence laid out as one long vector", (), _flatten,
                  lambda d, s: nn.Flatten()),
        LayerKind("dropout", "Dropout", "while training, each value is zeroed with probability p", ("rate",), _same(),
                  lambda d, s: nn.Dropout(d.rate)),
        LayerKind("batchnorm", "BatchNorm", "each feature normalised over the batch, then scaled", (), _batchnorm,
                  lambda d, s: nn.BatchNorm2d(s[0]) if len(s) == 3 else nn.BatchNorm1d(s[0])),
        LayerKind("layernorm", "LayerNorm", "each example's features normalised, then scaled", (), _layernorm,
                  lambda d, s: nn.LayerNorm(s[-1] if len(s) < 3 else list(s))),
        LayerKind("activation", "Activation", "a function applied to every value", ("activation",), _same(),
                  lambda d, s: _activation_module(d)),
        LayerKind("residual", "Residual block", "x + f(x): two layers with a skip connection around them",
                  ("activation", "kernel"), _residual, _make_residual),
        LayerKind("rnn", "RNN", "a hidden state updated step by step", ("size",), _recurrent(1, 2),
                  lambda d, s: Recurrent(nn.RNN(s[1], d.size, batch_first=True)), "hidden"),
        LayerKind("lstm", "LSTM", "an RNN with gates that decide what to remember", ("size",), _recurrent(4, 18),
                  lambda d, s: Recurrent(nn.LSTM(s[1], d.size, batch_first=True)), "hidden"),
        LayerKind("gru", "GRU", "a lighter gated RNN", ("size",), _recurrent(3, 6),
                  lambda d, s: Recurrent(nn.GRU(s[1], d.size, batch_first=True)), "hidden"),
        LayerKind("attention", "Self-attention", "every step attends to every step (size = heads)", ("size",),
                  _attention, lambda d, s: SelfAttention(s[1], d.size), "heads"),
        LayerKind("last_step", "Last step", "keeps the last step of a sequence", (), _last_step,
                  lambda d, s: LastStep()),
    )
}


def layer_problem(index: int, layer: LayerDef) -> str | None:
    """What is wrong with one layer's own settings (not its fit with the layer before); None when fine."""
    kind = LAYERS.get(layer.kind) if isinstance(layer.kind, str) else None
    if kind is None:
        return f"Layer {index}: unknown kind '{str(layer.kind)[:40]}' (choose from {', '.join(LAYERS)})"
    name = f"Layer {index} ({kind.label})"
    if "size" in kind.reads and not 1 <= layer.size <= MAX_SIZE:
        return f"{name}: {kind.size_label} must be between 1 and {MAX_SIZE:,}, not {layer.size}"
    if "kernel" in kind.reads and layer.kernel not in KERNELS:
        return f"{name}: the kernel must be one of {', '.join(map(str, KERNELS))}, not {layer.kernel}"
    if "activation" in kind.reads and layer.activation not in ACTIVATIONS:
        return f"{name}: unknown activation '{str(layer.activation)[:40]}' (choose from {', '.join(ACTIVATIONS)})"
    if "rate" in kind.reads and not 0 <= layer.rate <= MAX_DROPOUT:
        return f"{name}: the dropout rate must be between 0 and {MAX_DROPOUT:g}, not {layer.rate:g}"
    return None


@dataclass(frozen=True)
class PlannedLayer:
    index: int  # 1-based, as the learner counts; the output head is the last
    layer: LayerDef
    input: Shape
    cost: Cost

    @property
    def output(self) -> Shape:
        return self.cost.output

    @property
    def parameters(self) -> int:
        return self.cost.parameters


def planned_layers(layers: list[LayerDef] | tuple[LayerDef, ...], input_shape: Shape) -> Iterator[PlannedLayer]:
    """The layers one by one with their shapes, parameters and cost, from shapes alone; raises ShapeError at the
    first one that cannot follow, naming it (the editor shows the layers before it with their shapes)."""
    if len(layers) > MAX_LAYERS:
        raise ShapeError(f"A network may have at most {MAX_LAYERS} layers, not {len(layers)}.")
    shape = tuple(input_shape)
    for index, layer in enumerate(layers, 1):
        problem = layer_problem(index, layer)
        if problem:
            raise ShapeError(problem + ".")
        kind = LAYERS[layer.kind]
        try:
            cost = kind.cost(layer, shape)
        except ShapeError as error:
            raise ShapeError(f"Layer {index} ({kind.label}) {error}.") from None
        yield PlannedLayer(index, layer, shape, cost)
        shape = cost.output


def plan(layers: list[LayerDef] | tuple[LayerDef, ...], input_shape: Shape, n_outputs: int) -> list[PlannedLayer]:
    """Every layer (``planned_layers``), then the output head; raises ShapeError at the first layer that cannot
    follow, naming it."""
    planned = list(planned_layers(layers, input_shape))
    shape = planned[-1].output if planned else tuple(input_shape)
    if len(shape) != 1:
        raise ShapeError(f"The output layer needs a vector, but the last layer gives {describe(shape)}: "
                         f"end with {'Flatten' if len(shape) == 3 else 'Last step or Flatten'}.")
    head = LayerDef("linear", n_outputs)
    planned.append(PlannedLayer(len(layers) + 1, head, shape, _linear(head, shape)))
    return planned


def build(layers: list[LayerDef] | tuple[LayerDef, ...], input_shape: Shape, n_outputs: int,
          seed: int) -> nn.Sequential:
    """The planned network as one ``nn.Sequential``; the same seed gives the same initial weights.
    PyTorch's own initialisation is used (see ``mlp.initialise`` for the named schemes)."""
    planned = plan(layers, input_shape, n_outputs)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(*[LAYERS[p.layer.kind].make(p.layer, p.input) for p in planned])
