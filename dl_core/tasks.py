"""Tasks for the Builder: real data of every shape a layer can take, and presets to start from
(at least one for every task).

Nothing is downloaded: the digits and the wine measurements ship inside scikit-learn, the
points and sequences are generated. Every task is seeded and split the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from sklearn.datasets import load_digits, load_wine

from .builder import LayerDef, Shape
from .data import DATASETS


@dataclass(frozen=True, eq=False)
class TaskData:
    x_train: torch.Tensor  # (N, *input_shape)
    y_train: torch.Tensor  # (N,) class indices, or float targets for regression
    x_test: torch.Tensor
    y_test: torch.Tensor


@dataclass(frozen=True)
class Task:
    name: str
    label: str
    description: str
    input_shape: Shape
    n_classes: int  # 0 for regression
    make: Callable[[int], TaskData]  # seed → data


def _split(x: np.ndarray, y: np.ndarray, seed: int, train_share: float = 0.7) -> TaskData:
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(len(x) * train_share)
    train, test = order[:cut], order[cut:]
    as_y = (lambda v: torch.as_tensor(v, dtype=torch.long)) if y.dtype.kind in "iu" else \
        (lambda v: torch.as_tensor(v, dtype=torch.float32))
    as_x = lambda v: torch.as_tensor(v, dtype=torch.float32)  # noqa: E731
    return TaskData(as_x(x[train]), as_y(y[train]), as_x(x[test]), as_y(y[test]))


def digits(seed: int) -> TaskData:
    """scikit-learn's 1,797 handwritten digits, 8×8 pixels of 0–16, scaled to 0–1 and kept as 1×8×8 images."""
    data = load_digits()
    return _split((data.images / 16.0)[:, None], data.target.astype(np.int64), seed)


def digit_from_drawing(bitmap: np.ndarray) -> np.ndarray:
    """A 32×32 drawing (0/1) as the digits were made: the on-pixels counted in each 4×4 block (0–16),
    then scaled like the data (÷ 16). (32, 32) → (8, 8)"""
    return bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3)).astype(np.float32) / 16.0


def wine(seed: int) -> TaskData:
    """178 wines, 13 chemical measurements each (standardised), 3 cultivars."""
    data = load_wine()
    x = (data.data - data.data.mean(axis=0)) / data.data.std(axis=0)
    return _split(x, data.target.astype(np.int64), seed)


POINT_SETS = ("spiral", "circle", "xor", "gauss", "moons")  # the Playground's two-class sets


def points(seed: int, dataset: str = "spiral") -> TaskData:
    """One of the Playground's two-class sets: 500 points, 10 % noise."""
    xy, labels = DATASETS[dataset].make(500, 0.1, np.random.default_rng(seed))
    return _split(xy.astype(np.float32), labels.astype(np.int64), seed)


SINE_STEPS = 20


def sine(seed: int, n: int = 800) -> TaskData:
    """Noisy sine waves of random frequency and phase: given 20 steps, predict the next value."""
    rng = np.random.default_rng(seed)
    t = np.arange(SINE_STEPS + 1)
    frequency, phase = rng.uniform(0.15, 0.6, (n, 1)), rng.uniform(0, 2 * np.pi, (n, 1))
    waves = np.sin(frequency * t + phase) + rng.normal(0, 0.05, (n, SINE_STEPS + 1))
    return _split(waves[:, :SINE_STEPS, None], waves[:, SINE_STEPS].astype(np.float32), seed)


SYMBOLS, SYMBOL_STEPS = 4, 12


def first_symbol(seed: int, n: int = 1200) -> TaskData:
    """Sequences of 12 random symbols (one-hot, 4 kinds): the answer is the first one. Only a network
    that carries information across all the steps gets above chance (25 %)."""
    rng = np.random.default_rng(seed)
    symbols = rng.integers(0, SYMBOLS, (n, SYMBOL_STEPS))
    return _split(np.eye(SYMBOLS)[symbols], symbols[:, 0].astype(np.int64), seed)


TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task("points", "2D points", "One of the Playground's two-class sets of points.", (2,), 2, points),
        Task("digits", "Handwritten digits", "8×8 images of the digits 0–9, from scikit-learn.", (1, 8, 8), 10,
             digits),
        Task("sine", "Continue a sine wave", "Given 20 steps of a noisy wave, predict the 21st.", (SINE_STEPS, 1), 0,
             sine),
        Task("first_symbol", "Remember the first symbol", "Which of 4 symbols opened a sequence of 12?",
             (SYMBOL_STEPS, SYMBOLS), SYMBOLS, first_symbol),
        Task("wine", "Wine (tabular)", "13 measurements of a wine; which of 3 cultivars?", (13,), 3, wine),
    )
}


L = LayerDef


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    task: str
    layers: tuple[LayerDef, ...]


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset("perceptron", "Perceptron", "points", ()),
        Preset("mlp", "MLP", "points", (L("linear", 16), L("activation", activation="tanh"),
                                         L("linear", 16), L("activation", activation="tanh"))),
        Preset("lenet", "LeNet-style CNN", "digits", (
            L("conv2d", 6), L("activation"), L("maxpool"),  # 6×4×4
            L("conv2d", 16), L("activation"), L("maxpool"),  # 16×2×2
            L("flatten"), L("linear", 64), L("activation"))),
        Preset("lstm", "LSTM", "first_symbol", (L("lstm", 32), L("last_step"))),
        Preset("gru_sine", "GRU that continues a wave", "sine", (L("gru", 16), L("last_step"))),
        Preset("tabular", "MLP for tabular data", "wine", (L("linear", 32), L("activation"), L("dropout", rate=0.2),
                                                           L("linear", 16), L("activation"))),
        Preset("transformer", "Tiny transformer encoder", "first_symbol", (
            L("linear", 16), L("attention", 2), L("residual", activation="gelu"), L("attention", 2), L("flatten"))),
        Preset("deep_plain", "Deep plain net (12 layers)", "points",
               (L("linear", 16),) + (L("activation"), L("linear", 16)) * 11 + (L("activation"),)),
        Preset("deep_residual", "The same depth with residual blocks", "points",
               (L("linear", 16), L("activation")) + (L("residual"),) * 6),
    )
}
