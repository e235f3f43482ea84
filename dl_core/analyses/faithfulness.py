"""Is a map faithful to the network? Captum's infidelity and sensitivity, and a deletion curve.

- Infidelity (Yeh et al. 2019, arXiv:1901.09392): perturb the input with small noise I; a faithful map φ
  predicts the change of the score, φ·I ≈ f(x) − f(x − I). It is the mean squared error of that prediction
  (φ rescaled by its best factor first, captum's ``normalize``). Lower is better.
- Sensitivity (same paper): the largest change of the map when the input moves by at most r in every value,
  relative to the map's size. Lower is steadier.
- Deletion (Petsiuk et al. 2018, RISE, arXiv:1806.07421): replace the most-attributed inputs first by the
  baseline; a faithful map makes the class's probability fall fast, faster than a random order does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
from captum.metrics import infidelity, sensitivity_max

from ..runs import Run
from ..specs.budget import OverBudget, attribution_problem
from .attribution import Attribution, AttributionError, make_baselines, prepare, quiet_captum, seeded
from .examples import Example, class_probabilities

NOISE_SHARE = 0.1  # infidelity's perturbations: σ as a share of the inputs' range
RADIUS_SHARE = 0.02  # sensitivity's ball: its radius as a share of the inputs' range
MAX_PERTURBATIONS = 200
MAX_CURVE_POINTS = 33  # the deletion curve's points, 0 % to 100 % of the inputs removed
RANDOM_ORDERS = 5


@dataclass(frozen=True)
class Faithfulness:
    infidelity: float  # lower is better
    sensitivity: float  # lower is steadier
    perturbations: int  # how many noisy inputs each estimate used


def _spread(run: Run) -> float:
    x = run.trainer.x_train
    return float(x.max() - x.min()) or 1.0


def faithfulness(run: Run, example: Example, method: str, target: int | None = None, perturbations: int = 10,
                 seed: int = 0, progress: Callable[[float], None] | None = None, **options: Any) -> Faithfulness:
    """Captum's infidelity and sensitivity of ``method``'s map for ``example`` (methods whose map lies over the
    input and explains the output: not layer or neuron methods)."""
    if not 1 <= perturbations <= MAX_PERTURBATIONS:
        raise AttributionError(f"use between 1 and {MAX_PERTURBATIONS} perturbations, not {perturbations}")
    prepared = prepare(run, example.x, method, None if target is None else [target], **options)
    if prepared.method.family in ("layer", "neuron"):
        raise AttributionError(f"{prepared.method.label} explains a layer or a unit: infidelity and sensitivity "
                               f"measure maps over the input that explain the output")
    problem = attribution_problem(run.work, prepared.passes * (perturbations + 1) + perturbations, 1,
                                  f"Infidelity and sensitivity of {prepared.method.label}")
    if problem:
        raise OverBudget(problem)
    c = prepared.context
    model = c.forward.model
    sigma, radius = NOISE_SHARE * _spread(run), RADIUS_SHARE * _spread(run)

    def noisy(inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        noise = sigma * torch.randn_like(inputs)
        return noise, inputs - noise  # captum's convention: the perturbation I and the input x − I

    c.forward.progress, c.forward.seen = progress, 0
    c.forward.expected = max(1, prepared.rows * (perturbations + 1) + 2 * perturbations)
    with quiet_captum(model), seeded(seed):
        attributions = prepared.explain(c.x)
        unfaithful = infidelity(c.forward, noisy, c.x, attributions, target=c.targets, n_perturb_samples=perturbations,
                                normalize=True)
        kwargs = {k: v for k, v in prepared.kwargs.items() if k != "return_convergence_delta"}
        unsteady = sensitivity_max(prepared.explain, c.x, perturb_radius=radius, n_perturb_samples=perturbations,
                                   **kwargs)
    c.forward.progress = None
    return Faithfulness(float(unfaithful[0]), float(unsteady[0]), perturbations)


@dataclass(frozen=True)
class DeletionCurve:
    removed: np.ndarray  # (P,) share of the inputs replaced by the baseline, 0 to 1
    by_attribution: np.ndarray  # (P,) the score, most-attributed inputs removed first
    at_random: np.ndarray  # (P,) the score, inputs removed in random orders (mean over the orders)
    score_name: str  # what the score is, in words

    @property
    def area_by_attribution(self) -> float:
        """Area under the curve (the mean score over the removal): lower means the map found what matters."""
        return float(np.trapezoid(self.by_attribution, self.removed))

    @property
    def area_at_random(self) -> float:
        return float(np.trapezoid(self.at_random, self.removed))


def deletion_curve(run: Run, example: Example, attribution: Attribution, baseline: str = "zeros",
                   points: int = 17, random_orders: int = RANDOM_ORDERS, seed: int = 0) -> DeletionCurve:
    """Removes the inputs (pixels of an image across its channels, single values otherwise) in the order of
    ``attribution``'s map, largest first, replacing them by ``baseline``, and records the score after each
    share; the same in ``random_orders`` random orders. The score is the probability of the explained class
    (class 1 for a network with one output), or the output for regression."""
    if attribution.on_input is None:
        raise AttributionError("this map does not lie over the input: choose a method that explains the input")
    if not 2 <= points <= MAX_CURVE_POINTS or not 1 <= random_orders <= 20:
        raise AttributionError(f"a deletion curve has 2 to {MAX_CURVE_POINTS} points and 1 to 20 random orders")
    problem = attribution_problem(run.work, points * (1 + random_orders), 1, "A deletion curve")
    if problem:
        raise OverBudget(problem)
    x = example.x.to(run.trainer.device)  # (1, *shape)
    absent = make_baselines(run, x, baseline, seed)
    image = run.data.input_kind == "image"
    weights = attribution.on_input.sum(axis=0) if image else attribution.on_input  # per pixel: channels summed
    n = weights.size
    removed = np.linspace(0, 1, points)
    counts = np.round(removed * n).astype(int)
    rng = np.random.default_rng(seed)
    orders = [np.argsort(-weights.ravel(), kind="stable")] + [rng.permutation(n) for _ in range(random_orders)]
    batch = []
    for order in orders:
        for count in counts:
            keep = np.ones(n, dtype=bool)
            keep[order[:count]] = False
            mask = torch.as_tensor(keep.reshape(weights.shape), device=x.device)
            mask = mask.expand_as(x[0]) if image else mask
            batch.append(torch.where(mask, x[0], absent[0]))
    scores = _scores(run, torch.stack(batch), attribution.target).reshape(len(orders), points)
    name = ("the predicted value" if run.objective.n_classes == 0 else
            f"the probability of {run.data.class_name(1 if run.objective.n_outputs == 1 else attribution.target)}")
    return DeletionCurve(removed, scores[0], scores[1:].mean(axis=0), name)


def _scores(run: Run, x: torch.Tensor, target: int) -> np.ndarray:
    if run.objective.n_classes == 0:
        with quiet_captum(run.model), torch.no_grad():
            return run.model(x)[:, 0].cpu().numpy()
    probabilities = class_probabilities(run, x)
    return probabilities[:, 1 if run.objective.n_outputs == 1 else target]
