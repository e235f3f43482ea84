"""One example for the labs that look at a single input (Forward & Backward, Attribution): a training or
test example (filtered by class and by whether the network gets it right), a point of the learner's
own, or a digit drawn in the browser; and what the network answers for it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import Refusal
from ..data.tasks import digit_from_drawing
from ..runs import Run
from ..trainer import evaluating


class NoExample(Refusal):
    """An example that this run cannot take (a point for a network that does not read points, …)."""


@dataclass(frozen=True, eq=False)
class Example:
    x: torch.Tensor  # (1, *input_shape): what the network takes
    label: float  # the class index (as a number) or the regression target
    target: torch.Tensor  # (1,) or (1, …): what the loss compares the output with
    source: str  # how a learner names it: "test example 12", "your point (1.00, −1.00)", "your drawing"
    point: np.ndarray | None = None  # (2,) where it lies in the plane, for networks on 2D points

    @property
    def input(self) -> np.ndarray:
        """The example as the network sees it, without the batch dimension."""
        return self.x[0].detach().cpu().numpy()


def _target(run: Run, label: float) -> torch.Tensor:
    dtype = torch.long if run.objective.is_classification else torch.float32
    return run.objective.target(torch.tensor([label], dtype=dtype, device=run.trainer.device))


def from_split(run: Run, split: str, index: int) -> Example:
    """Example ``index`` of the training or the test split."""
    t = run.trainer
    x, y = (t.x_train, t.y_train) if split == "train" else (t.x_test, t.y_test)
    if not 0 <= index < len(y):
        raise NoExample(f"the {'training' if split == 'train' else 'test'} set has examples 0 to {len(y) - 1}")
    point = None
    if run.plane is not None:
        point = (run.plane.train if split == "train" else run.plane.test)[0][index]
    name = "training point" if split == "train" and point is not None else \
        ("training example" if split == "train" else "test example")
    return Example(x[index:index + 1], float(y[index]), _target(run, float(y[index])), f"{name} {index}", point)


def from_point(run: Run, point: np.ndarray, label: float) -> Example:
    """A point of the learner's own in the plane, with the class (or target) they say it has."""
    if run.plane is None:
        raise NoExample("this network does not read points of the plane")
    p = np.asarray(point, dtype=np.float32).reshape(2)
    x = run.plane.encode(torch.as_tensor(p)[None]).to(run.trainer.device)
    return Example(x, float(label), _target(run, label), f"your point ({p[0]:.2f}, {p[1]:.2f})", p)


def from_drawing(run: Run, bitmap: np.ndarray, label: int) -> Example:
    """A digit drawn on the 32×32 pad, downsampled as scikit-learn's digits were made."""
    if run.data.input_shape != (1, 8, 8):
        raise NoExample("a drawing is read by networks on the 8×8 digits")
    image = torch.as_tensor(digit_from_drawing(bitmap))[None, None].to(run.trainer.device)  # (1, 1, 8, 8)
    return Example(image, float(label), _target(run, label), "your drawing")


@torch.no_grad()
def class_probabilities(run: Run, x: torch.Tensor) -> np.ndarray:
    """The network's probability for each class, for a batch (B, *input_shape): (B, C). For one output
    unit (binary cross-entropy, squared error) the two classes' probabilities come from its score."""
    with evaluating(run.model):
        out = run.model(x.to(run.trainer.device))
    if out.shape[1] == 1:
        p = torch.sigmoid(out[:, 0]) if run.spec.train.loss == "bce" else (torch.tanh(out[:, 0]) + 1) / 2
        return torch.stack([1 - p, p], dim=1).cpu().numpy()
    return torch.softmax(out, dim=1).cpu().numpy()


def chosen_indices(run: Run, split: str, klass: int | None = None, correct: bool | None = None) -> np.ndarray:
    """Indices of a split's examples of one class (or all) that the network gets right, wrong (or either)."""
    predicted, truth = (t.cpu().numpy() for t in run.trainer.predictions(split))
    keep = np.ones(len(truth), dtype=bool)
    if klass is not None:
        keep &= truth == klass
    if correct is not None and run.objective.is_classification:
        keep &= (predicted == truth) == correct
    return np.flatnonzero(keep)
