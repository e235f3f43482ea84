"""What the network's output means: loss functions, predictions and the value a plot colours.

A loss is chosen by name; ``objective(name, n_classes)`` pairs it with the task and says how
many outputs the network needs. ``n_classes == 0`` means regression.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class LossInfo:
    name: str
    label: str
    formula: str  # shown next to the choice, in the learner's words
    tasks: tuple[str, ...]  # "binary", "multiclass", "regression"


LOSSES: dict[str, LossInfo] = {
    info.name: info
    for info in (
        LossInfo("bce", "Binary cross-entropy", "−[y·log σ(z) + (1−y)·log(1−σ(z))]", ("binary",)),
        LossInfo("cross_entropy", "Cross-entropy (softmax)", "−log softmax(z)[y]", ("binary", "multiclass")),
        LossInfo("mse", "Mean squared error", "(ŷ − y)², ŷ = tanh(z) for classes", ("binary", "regression")),
        LossInfo("mae", "Mean absolute error", "|ŷ − y|", ("regression",)),
        LossInfo("huber", "Huber", "½(ŷ−y)² near 0, |ŷ−y| − ½ beyond 1", ("regression",)),
    )
}


def task_of(n_classes: int) -> str:
    return "regression" if n_classes == 0 else "binary" if n_classes == 2 else "multiclass"


def losses_for(n_classes: int) -> list[str]:
    """Loss names that make sense for a task, the default first."""
    task = task_of(n_classes)
    return [name for name, info in LOSSES.items() if task in info.tasks]


@dataclass(frozen=True)
class Objective:
    """A loss bound to a task. Shapes: ``out`` is (N, n_outputs), labels ``y`` and targets are (N,)."""

    loss_name: str
    n_classes: int
    n_outputs: int
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (out, target) → scalar; see ``target``
    target: Callable[[torch.Tensor], torch.Tensor]  # labels → what ``loss`` compares with; done once, not per step
    # binary and regression: (N,) in about [-1, 1]; multiclass: (N, C) probabilities
    score: Callable[[torch.Tensor], torch.Tensor]
    predict: Callable[[torch.Tensor], torch.Tensor]  # (N,) class index; regression: (N,) value

    @property
    def is_classification(self) -> bool:
        return self.n_classes > 0

    def loss_on_labels(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.loss(out, self.target(y))


def objective(loss_name: str, n_classes: int) -> Objective:
    task = task_of(n_classes)
    if task not in LOSSES[loss_name].tasks:
        raise ValueError(f"{LOSSES[loss_name].label} does not fit a {task} task")
    if task == "regression":
        losses = {"mse": F.mse_loss, "mae": F.l1_loss, "huber": F.huber_loss}
        value = lambda out: out[:, 0]  # noqa: E731
        return Objective(loss_name, 0, 1, lambda out, t: losses[loss_name](out[:, 0], t), _same, value, value)
    if loss_name == "bce":
        return Objective(
            loss_name, 2, 1,
            lambda out, t: F.binary_cross_entropy_with_logits(out[:, 0], t),
            lambda y: y.float(),
            lambda out: 2 * torch.sigmoid(out[:, 0]) - 1,
            lambda out: (out[:, 0] > 0).long(),
        )
    if loss_name == "mse":  # TensorFlow Playground's choice: tanh output against targets ±1
        return Objective(
            loss_name, 2, 1,
            lambda out, t: F.mse_loss(torch.tanh(out[:, 0]), t),
            lambda y: 2 * y.float() - 1,
            lambda out: torch.tanh(out[:, 0]),
            lambda out: (out[:, 0] > 0).long(),
        )
    softmax_score = (
        (lambda out: 2 * torch.softmax(out, dim=1)[:, 1] - 1) if n_classes == 2
        else (lambda out: torch.softmax(out, dim=1))
    )
    return Objective(loss_name, n_classes, n_classes, F.cross_entropy, _same, softmax_score,
                     lambda out: out.argmax(dim=1))


def _same(y: torch.Tensor) -> torch.Tensor:
    return y
