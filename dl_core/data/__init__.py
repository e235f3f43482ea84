"""Every dataset behind one container: 2D points, digits, sequences, tables and uploaded CSV files.

``Data`` holds the split tensors and what a page needs to describe them (names of the
features and classes, the input's shape and kind); ``split`` is the one way data is divided
into training and test examples. Nothing is downloaded: points and sequences are generated,
digits and wine ship inside scikit-learn, a CSV comes from the learner's own browser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import Refusal


class DataError(Refusal):
    """Data that cannot be used, with a message naming what is wrong (a row, a column, a limit)."""


@dataclass(frozen=True, eq=False)
class Data:
    name: str  # "circle", "digits", "upload:3f2a…"
    label: str  # what a learner calls it
    x_train: torch.Tensor  # (N, *input_shape) float32
    y_train: torch.Tensor  # (N,) int64 class indices, or float32 targets for regression
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int  # 0 for regression
    input_kind: str  # "points" (2D), "image" (C, H, W), "sequence" (T, F), "table" (F,)
    feature_names: tuple[str, ...] = ()  # one per input column, for points and tables
    class_names: tuple[str, ...] = ()
    train_groups: torch.Tensor | None = None  # (N,) which group each example belongs to, for data about groups
    test_groups: torch.Tensor | None = None
    group_names: tuple[str, ...] = ()

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def is_classification(self) -> bool:
        return self.n_classes > 0

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    def class_name(self, c: int) -> str:
        return self.class_names[c] if c < len(self.class_names) else f"class {c}"

    def resplit(self, train_share: float, seed: int) -> Data:
        """The same examples split afresh (an uploaded file, split as a spec's training share and seed say)."""
        x = torch.cat([self.x_train, self.x_test]).numpy()
        y = torch.cat([self.y_train, self.y_test]).numpy()
        return make_data(self.name, self.label, x, y, self.n_classes, self.input_kind, train_share,
                         np.random.default_rng(seed), self.feature_names, self.class_names)

    def __repr__(self) -> str:
        shape = " × ".join(map(str, self.input_shape))
        task = f"{self.n_classes} classes" if self.n_classes else "regression"
        return f"Data({self.label}: {len(self.y_train)} train + {len(self.y_test)} test, input {shape}, {task})"


def split(x: np.ndarray, y: np.ndarray, train_share: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test): a shuffled split keeping at least one example on each side."""
    order = rng.permutation(len(x))
    n_train = max(1, min(len(x) - 1, round(len(x) * train_share)))
    train, test = order[:n_train], order[n_train:]
    return x[train], y[train], x[test], y[test]


def make_data(name: str, label: str, x: np.ndarray, y: np.ndarray, n_classes: int, input_kind: str,
              train_share: float, rng: np.random.Generator, feature_names: tuple[str, ...] = (),
              class_names: tuple[str, ...] = ()) -> Data:
    """Splits arrays into a ``Data``: inputs as float32, labels as int64 classes (or float32 targets)."""
    x_train, y_train, x_test, y_test = split(x, y, train_share, rng)
    as_x = lambda v: torch.as_tensor(np.ascontiguousarray(v), dtype=torch.float32)  # noqa: E731
    as_y = lambda v: torch.as_tensor(np.ascontiguousarray(v), dtype=torch.long if n_classes else torch.float32)  # noqa: E731
    return Data(name, label, as_x(x_train), as_y(y_train), as_x(x_test), as_y(y_test), n_classes, input_kind,
                tuple(feature_names), tuple(class_names))
