"""The Builder's tasks: real data of every shape a layer can take (images, sequences, tables, points).

Nothing is downloaded: the digits and the wine measurements ship inside scikit-learn, the
points and sequences are generated. Every task is seeded and split by ``data.split``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
from sklearn.datasets import load_digits, load_wine

from . import Data, DataError, make_data
from .groups import groups_balanced, groups_skewed
from .points import DATASETS
from .scarce import digits_5_9_few, digits_few, digits_few_augmented

Shape = tuple[int, ...]
TRAIN_SHARE = 0.7


@dataclass(frozen=True)
class Task:
    name: str
    label: str
    description: str
    input_shape: Shape
    n_classes: int  # 0 for regression
    examples: int  # training and test together
    make: Callable[[int], Data]  # seed → data


def digits(seed: int) -> Data:
    """scikit-learn's 1,797 handwritten digits, 8×8 pixels of 0–16, scaled to 0–1 and kept as 1×8×8 images."""
    data = load_digits()
    return make_data("digits", "Handwritten digits", (data.images / 16.0)[:, None], data.target.astype(np.int64),
                     10, "image", TRAIN_SHARE, np.random.default_rng(seed), class_names=tuple(map(str, range(10))))


def digit_from_drawing(bitmap: np.ndarray) -> np.ndarray:
    """A 32×32 drawing (0/1) as the digits were made: the on-pixels counted in each 4×4 block (0–16),
    then scaled like the data (÷ 16). (32, 32) → (8, 8)"""
    return bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3)).astype(np.float32) / 16.0


def wine(seed: int) -> Data:
    """178 wines, 13 chemical measurements each (standardised), 3 cultivars."""
    data = load_wine()
    x = (data.data - data.data.mean(axis=0)) / data.data.std(axis=0)
    return make_data("wine", "Wine (tabular)", x, data.target.astype(np.int64), 3, "table", TRAIN_SHARE,
                     np.random.default_rng(seed), tuple(data.feature_names), tuple(data.target_names))


POINT_SETS = ("spiral", "circle", "xor", "gauss", "moons")  # the Playground's two-class sets


def points(seed: int, dataset: str = "spiral") -> Data:
    """One of the Playground's two-class sets: 500 points, 10 % noise."""
    info = DATASETS[dataset]
    xy, labels = info.make(500, 0.1, np.random.default_rng(seed))
    return make_data(dataset, f"2D points: {info.label}", xy.astype(np.float32), labels.astype(np.int64), 2,
                     "points", TRAIN_SHARE, np.random.default_rng(seed), ("x₁", "x₂"), ("class 0", "class 1"))


SINE_STEPS = 20


def sine(seed: int, n: int = 800) -> Data:
    """Noisy sine waves of random frequency and phase: given 20 steps, predict the next value."""
    rng = np.random.default_rng(seed)
    t = np.arange(SINE_STEPS + 1)
    frequency, phase = rng.uniform(0.15, 0.6, (n, 1)), rng.uniform(0, 2 * np.pi, (n, 1))
    waves = np.sin(frequency * t + phase) + rng.normal(0, 0.05, (n, SINE_STEPS + 1))
    return make_data("sine", "Continue a sine wave", waves[:, :SINE_STEPS, None], waves[:, SINE_STEPS], 0,
                     "sequence", TRAIN_SHARE, np.random.default_rng(seed), ("value",))


SYMBOLS, SYMBOL_STEPS = 4, 12


def first_symbol(seed: int, n: int = 1200, steps: int = SYMBOL_STEPS, name: str = "first_symbol") -> Data:
    """Sequences of 12 (or ``steps``) random symbols (one-hot, 4 kinds): the answer is the first one. Only a
    network that carries information across all the steps gets above chance (25 %)."""
    rng = np.random.default_rng(seed)
    symbols = rng.integers(0, SYMBOLS, (n, steps))
    label = "Remember the first symbol" if steps == SYMBOL_STEPS else f"Remember the first of {steps} symbols"
    return make_data(name, label, np.eye(SYMBOLS)[symbols],
                     symbols[:, 0].astype(np.int64), SYMBOLS, "sequence", TRAIN_SHARE, np.random.default_rng(seed),
                     tuple(f"symbol {s}" for s in "ABCD"), tuple(f"symbol {s}" for s in "ABCD"))


LONG_SYMBOL_STEPS = 30


def first_symbol_long(seed: int) -> Data:
    """The first-symbol task with 30 steps between the symbol and the answer."""
    return first_symbol(seed, steps=LONG_SYMBOL_STEPS, name="first_symbol_long")


TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task("points", "2D points", "One of the Playground's two-class sets of points.", (2,), 2, 500, points),
        Task("digits", "Handwritten digits", "8×8 images of the digits 0–9, from scikit-learn.", (1, 8, 8), 10,
             1797, digits),
        Task("sine", "Continue a sine wave", "Given 20 steps of a noisy wave, predict the 21st.", (SINE_STEPS, 1), 0,
             800, sine),
        Task("first_symbol", "Remember the first symbol", "Which of 4 symbols opened a sequence of 12?",
             (SYMBOL_STEPS, SYMBOLS), SYMBOLS, 1200, first_symbol),
        Task("wine", "Wine (tabular)", "13 measurements of a wine; which of 3 cultivars?", (13,), 3, 178, wine),
        Task("first_symbol_long", "Remember the first of 30 symbols", "The first-symbol task, 30 steps long.",
             (LONG_SYMBOL_STEPS, SYMBOLS), SYMBOLS, 1200, first_symbol_long),
        Task("digits_few", "20 digits of each kind", "Only 20 training images of each digit; 1,597 to test on.",
             (1, 8, 8), 10, 1797, digits_few),
        Task("digits_few_augmented", "20 digits of each kind, augmented", "The same 200 training digits, each "
             "with 4 copies shifted one pixel and 2 turned 12°; the same test digits.", (1, 8, 8), 10, 2997,
             digits_few_augmented),
        Task("digits_5_9_few", "The digits 5–9, 10 of each", "Only 10 training images of each of the digits "
             "5–9: a task for a network that learnt the digits 0–4 first.", (1, 8, 8), 5, 896, digits_5_9_few),
        Task("groups_skewed", "Two groups, B rare in training", "Two measurements and a group; the groups follow "
             "different rules, and group B is 2 % of the training set but half of the test set.", (3,), 2, 1000,
             groups_skewed),
        Task("groups_balanced", "Two groups, balanced", "The same two groups, half of the training set from each.",
             (3,), 2, 1000, groups_balanced),
    )
}

UPLOAD_PREFIX = "upload:"  # a task or dataset named "upload:<digest>" is a CSV the learner uploaded


def is_upload(name: str) -> bool:
    return name.startswith(UPLOAD_PREFIX)


def uploaded(name: str, uploads: Mapping[str, Data] | None) -> Data:
    """The uploaded data a task or dataset name refers to; DataError when this session does not hold it."""
    if uploads is None or name not in uploads:
        raise DataError("this network trains on a CSV file that was uploaded in another session; "
                        "upload the file again on this page")
    return uploads[name]


def task_data(task: str, seed: int, points_set: str = "spiral", uploads: Mapping[str, Data] | None = None) -> Data:
    """A task's data, seeded; uploaded tables come from ``uploads`` (they never leave the session)."""
    if is_upload(task):
        return uploaded(task, uploads)
    if task == "points":
        return points(seed, points_set)
    return TASKS[task].make(seed)


@dataclass(frozen=True)
class TaskShape:
    """What a network for a task must take and give, known without generating the data."""

    input_shape: Shape
    n_classes: int  # 0: regression
    examples: int  # training and test together
    label: str


def task_shape(task: str, uploads: Mapping[str, Data] | None = None) -> TaskShape:
    if is_upload(task):
        data = uploaded(task, uploads)
        return TaskShape(data.input_shape, data.n_classes, len(data.y_train) + len(data.y_test), data.label)
    info = TASKS[task]
    return TaskShape(info.input_shape, info.n_classes, info.examples, info.label)
