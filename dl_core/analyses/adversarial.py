"""Adversarial examples: a small change of the input, chosen along the loss's gradient, that changes the answer.

FGSM (Goodfellow et al. 2015, arXiv:1412.6572) takes one step, x' = x + ε·sign(∇ₓL); PGD (Madry et al. 2018,
arXiv:1706.06083) takes several smaller ones, each projected back into the box |x' − x| ≤ ε. Both come from
captum.robust. For networks on points of the plane the point itself is attacked (through ``plane.encode``),
so the adversarial example is a point that can be drawn over the decision boundary; images stay within the
training data's range (pixels between 0 and 1). The network is evaluated in eval mode and put back after.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from captum.robust import FGSM, PGD
from torch import nn

from ..runs import Run
from ..specs.budget import OverBudget, attack_problem
from .attribution import AttributionError, _Encoded, quiet_captum
from .examples import Example, class_probabilities

ATTACKS = {
    "fgsm": "FGSM: one step of size ε in the direction that raises the loss fastest (the gradient's sign)",
    "pgd": "PGD: several smaller steps, each pulled back to within ε of the original",
}
MAX_STEPS = 100
MAX_EPSILON_SHARE = 0.5  # ε at most half the inputs' range: beyond that the "example" is another input
PGD_STEP_SHARE = 2.5  # each PGD step is 2.5·ε/steps, as in Madry et al.
CHUNK = 256  # test examples attacked at once


@dataclass(frozen=True, eq=False)
class Attack:
    kind: str  # "fgsm" or "pgd"
    epsilon: float
    example: Example  # the adversarial example, as the network takes it (and its point, for the plane)
    perturbation: np.ndarray  # what was added: to the point (2,) for networks on the plane, else to the input
    loss_before: float
    loss_after: float
    prediction_before: float  # the class, or the predicted value for regression
    prediction_after: float
    probabilities_before: np.ndarray | None  # (C,) every class's probability; None for regression
    probabilities_after: np.ndarray | None

    @property
    def fooled(self) -> bool:
        """Whether the predicted class changed (regression: never; see the loss)."""
        return self.probabilities_before is not None and self.prediction_after != self.prediction_before

    def __repr__(self) -> str:
        return (f"Attack({self.kind}, ε = {self.epsilon:g}: loss {self.loss_before:.3f} → {self.loss_after:.3f}, "
                f"prediction {self.prediction_before:g} → {self.prediction_after:g})")


def input_range(run: Run) -> float:
    """The spread of the values an attack perturbs (the plane's width for points): ε is measured against it."""
    if run.plane is not None:
        return 2 * run.plane.extent
    x = run.trainer.x_train
    return float(x.max() - x.min()) or 1.0


def max_epsilon(run: Run) -> float:
    return MAX_EPSILON_SHARE * input_range(run)


def _check(run: Run, epsilon: float, kind: str, steps: int) -> None:
    if kind not in ATTACKS:
        raise AttributionError(f"the attack is one of {', '.join(ATTACKS)}, not '{str(kind)[:40]}'")
    if not (math.isfinite(epsilon) and 0 <= epsilon <= max_epsilon(run)):
        raise AttributionError(f"ε must be between 0 and {max_epsilon(run):g} (half the inputs' range), "
                               f"not {epsilon:g}")
    if not 1 <= steps <= MAX_STEPS:
        raise AttributionError(f"PGD takes between 1 and {MAX_STEPS} steps, not {steps}")


def _perturb(run: Run, model: nn.Module, inputs: torch.Tensor, target: torch.Tensor, epsilon: float, kind: str,
             steps: int) -> torch.Tensor:
    """The adversarial version of ``inputs`` (points of the plane when the run has one, else network inputs)."""
    forward = _Encoded(model, run.plane.encode) if run.plane is not None else model
    # summed, not averaged, over the batch (each example's gradient is its own, whatever the batch size),
    # as a (1,) tensor: captum differentiates each entry of what the loss returns
    loss = lambda out, t: (run.objective.loss(out, t) * len(out)).reshape(1)  # noqa: E731
    low, high = (-math.inf, math.inf)
    if run.plane is None and run.data.input_kind == "image":
        low, high = float(run.trainer.x_train.min()), float(run.trainer.x_train.max())
    with quiet_captum(model):
        if kind == "fgsm":
            return FGSM(forward, loss, low, high).perturb(inputs, epsilon, target).detach()
        step = PGD_STEP_SHARE * epsilon / steps
        return PGD(forward, loss, low, high).perturb(inputs, epsilon, step, steps, target).detach()


def attack(run: Run, example: Example, epsilon: float, kind: str = "fgsm", steps: int = 10) -> Attack:
    """``example`` attacked with ``kind`` ("fgsm", or "pgd" with ``steps`` steps) within ``epsilon`` in every value;
    the loss it raises is the one the network trains on, with the example's own label."""
    _check(run, epsilon, kind, steps)
    model, device = run.model, run.trainer.device
    on_plane = run.plane is not None and example.point is not None
    start = (torch.as_tensor(example.point, dtype=torch.float32, device=device)[None] if on_plane
             else example.x.to(device))
    target = example.target.to(device)
    moved = _perturb(run, model, start, target, epsilon, kind, steps)
    x = run.plane.encode(moved) if on_plane else moved
    words = f"{kind.upper()}, ε = {epsilon:g}"
    adversarial = Example(x.detach(), example.label, example.target, f"{example.source}, after {words}",
                          moved[0].cpu().numpy() if on_plane else None)
    before, after = _judge(run, example.x.to(device), target), _judge(run, x, target)
    return Attack(kind, epsilon, adversarial, (moved - start)[0].cpu().numpy(), before[0], after[0], before[1],
                  after[1], before[2], after[2])


def _judge(run: Run, x: torch.Tensor, target: torch.Tensor) -> tuple[float, float, np.ndarray | None]:
    """(loss, prediction, class probabilities) for one example."""
    with quiet_captum(run.model), torch.no_grad():
        out = run.model(x)
        loss = float(run.objective.loss(out, target))
        prediction = float(run.objective.predict(out)[0])
    probabilities = class_probabilities(run, x)[0] if run.objective.is_classification else None
    return loss, prediction, probabilities


@dataclass(frozen=True)
class Robustness:
    epsilon: float
    accuracy: float  # on the attacked test set; NaN for regression
    loss: float  # the mean loss on the attacked test set
    examples: int


def accuracy_under_attack(run: Run, epsilon: float, kind: str = "fgsm", steps: int = 10,
                          progress: Callable[[float], None] | None = None) -> Robustness:
    """The test set, every example attacked within ``epsilon``: the accuracy and loss that remain."""
    return robustness_curve(run, [epsilon], kind, steps, progress)[0]


def robustness_curve(run: Run, epsilons: Sequence[float], kind: str = "fgsm", steps: int = 10,
                     progress: Callable[[float], None] | None = None) -> list[Robustness]:
    """``accuracy_under_attack`` for each ε, the budget checked once for all of them before any work."""
    for epsilon in epsilons:
        _check(run, epsilon, kind, steps)
    t = run.trainer
    n = len(t.y_test)
    problem = attack_problem(run.work, n * len(epsilons), steps if kind == "pgd" else 1)
    if problem:
        raise OverBudget(problem)
    inputs = (torch.as_tensor(run.plane.test[0], dtype=torch.float32, device=t.device) if run.plane is not None
              else t.x_test)
    chunks = [slice(start, min(start + CHUNK, n)) for start in range(0, n, CHUNK)]
    results = []
    for k, epsilon in enumerate(epsilons):
        correct, loss_sum = 0.0, 0.0
        for j, chunk in enumerate(chunks):
            moved = _perturb(run, run.model, inputs[chunk], t.t_test[chunk], epsilon, kind, steps)
            x = run.plane.encode(moved) if run.plane is not None else moved
            with quiet_captum(run.model), torch.no_grad():
                out = run.model(x)
                loss_sum += float(run.objective.loss(out, t.t_test[chunk])) * len(x)
                if run.objective.is_classification:
                    correct += float((run.objective.predict(out) == t.y_test[chunk]).sum())
            if progress:
                progress((k * len(chunks) + j + 1) / (len(epsilons) * len(chunks)))
        accuracy = correct / n if run.objective.is_classification else math.nan
        results.append(Robustness(float(epsilon), accuracy, loss_sum / n, n))
    return results
