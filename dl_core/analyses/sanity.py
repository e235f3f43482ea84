"""Sanity checks for attribution maps: does the map depend on what the network learned?

Adebayo et al. 2018, "Sanity Checks for Saliency Maps" (NeurIPS, arXiv:1810.03292): re-initialise the
network's layers and see whether the map changes. *Cascading*: from the output layer down, one more layer at
each stage; *independent*: one layer at a time, the others as trained. A method whose map barely changes when
the weights are random (Guided Backprop, on ReLU networks) shows the input more than the network's reasoning;
plain gradients and GradCAM should change. Similarity to the trained network's map is measured by Spearman's
rank correlation (of the maps, and of their absolute values) and by SSIM (Wang et al. 2004,
doi:10.1109/TIP.2003.819861) of the absolute maps scaled to [0, 1].

Everything happens on copies of the network: the run's own weights are never touched. Captum has no sanity
checks; the metrics come from scipy (rank correlation, Gaussian filter); SSIM is written from its definition.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
from scipy.ndimage import gaussian_filter
from scipy.stats import spearmanr
from torch import nn

from ..runs import Run
from ..specs.budget import OverBudget, sanity_problem
from .attribution import Attribution, attribute, attribute_target, layer_choices, model_copy, prepare, run_prepared
from .examples import Example

MODES = {
    "cascading": "from the output layer down: at each stage one more layer has random weights",
    "independent": "one layer at a time has random weights; the others keep what they learned",
}
SSIM_SIGMA = 1.5  # the Gaussian window's width in pixels or steps, as in Wang et al. 2004
SSIM_TRUNCATE = 3.5  # the window reaches 3.5 σ either side (scikit-image's choice for gaussian_weights)


@dataclass(frozen=True)
class Stage:
    label: str  # "trained network", "output and layer 7 random", "only layer 4 (Conv2d) random"
    randomised: tuple[str, ...]  # labels of the layers with random weights at this stage
    values: np.ndarray  # the map (over the input, or over the chosen layer for layer methods without one)
    rank_correlation: float  # Spearman's ρ with the trained network's map (NaN where a map is constant)
    rank_correlation_abs: float  # the same for the absolute values
    ssim: float | None  # SSIM of the absolute maps scaled to [0, 1]; None for maps that are not pictures


@dataclass(frozen=True)
class SanityCheck:
    method: str
    mode: str  # "cascading" or "independent"
    target: int  # the output unit explained at every stage
    stages: list[Stage]  # the trained network's map first

    def __repr__(self) -> str:
        last = self.stages[-1]
        return (f"SanityCheck({self.method}, {self.mode}: {len(self.stages) - 1} stages; last ρ = "
                f"{last.rank_correlation:.2f}, |ρ| = {last.rank_correlation_abs:.2f})")


def randomise(layer: nn.Module, seed: int) -> None:
    """Re-initialises every part of a layer as PyTorch initialises a new one, from ``seed``, in place."""
    devices = [p.device for p in layer.parameters() if p.is_cuda][:1]
    with torch.random.fork_rng(devices=devices), torch.no_grad():
        torch.manual_seed(seed)
        for module in layer.modules():
            reset = getattr(module, "reset_parameters", None) or getattr(module, "_reset_parameters", None)
            if callable(reset):
                reset()


def randomisation_check(run: Run, example: Example, method: str, mode: str = "cascading", target: int | None = None,
                        seed: int = 0, progress: Callable[[float], None] | None = None,
                        **options: Any) -> SanityCheck:
    """The map of ``method`` for ``example`` as layers are randomised (see ``MODES``), each stage compared with the
    trained network's map. Layers with a weight matrix or filters are randomised; normalisation layers keep theirs.
    The class explained stays the one the trained network was asked about (``target``, or its prediction)."""
    if mode not in MODES:
        raise ValueError(f"the randomisation is 'cascading' or 'independent', not '{str(mode)[:40]}'")
    chosen = attribute_target(run, example, target)
    first = prepare(run, example.x, method, [chosen], **options)
    layers = [c for c in layer_choices(run) if c.has_weights][::-1]  # the output layer first
    problem = sanity_problem(run.work, first.passes, len(layers) + 1)
    if problem:
        raise OverBudget(problem)
    original = _picture(run_prepared(first)[0])
    stages = [_stage("trained network", (), original, original)]
    copy = model_copy(run.model)
    for k, layer in enumerate(layers):
        if mode == "independent":
            copy = model_copy(run.model)
            randomised = (layer.label,)
            label = f"only {layer.label} random"
        else:
            randomised = tuple(c.label for c in layers[:k + 1])
            label = f"{layer.label} and above random" if k else f"{layer.label} random"
        randomise(copy.get_submodule(layer.name), seed + k)
        values = _picture(attribute(run, example, method, chosen, model=copy, **options))
        stages.append(_stage(label, randomised, values, original))
        if progress:
            progress((k + 1) / len(layers))
    return SanityCheck(method, mode, chosen, stages)


def _picture(attribution: Attribution) -> np.ndarray:
    return attribution.on_input if attribution.on_input is not None else attribution.values


def _stage(label: str, randomised: tuple[str, ...], values: np.ndarray, original: np.ndarray) -> Stage:
    return Stage(label, randomised, values, rank_correlation(values, original),
                 rank_correlation(np.abs(values), np.abs(original)), map_ssim(values, original))


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's ρ between two maps of the same shape; NaN when either is constant (no ranking to compare)."""
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(spearmanr(a.ravel(), b.ravel()).statistic)


def map_ssim(a: np.ndarray, b: np.ndarray) -> float | None:
    """SSIM of two attribution maps' absolute values, each scaled by its largest so that both lie in [0, 1]
    (as Adebayo et al. compare them). Images (C, H, W) are windowed over height and width, sequences (T, F)
    over time; None for vectors, whose neighbouring features are not neighbours in any picture."""
    if a.ndim < 2:
        return None
    return ssim(_unit_scaled(np.abs(a)), _unit_scaled(np.abs(b)), data_range=1.0,
                sigma=(0, SSIM_SIGMA, SSIM_SIGMA) if a.ndim == 3 else (SSIM_SIGMA, 0))


def _unit_scaled(a: np.ndarray) -> np.ndarray:
    largest = float(a.max())
    return a / largest if largest > 0 else a


def ssim(a: np.ndarray, b: np.ndarray, data_range: float, sigma: float | tuple[float, ...] = SSIM_SIGMA) -> float:
    """The structural similarity index of two arrays of one shape, averaged over every position (Wang et al.
    2004): l·c·s = (2μₐμᵦ + C₁)(2σₐᵦ + C₂) / ((μₐ² + μᵦ² + C₁)(σₐ² + σᵦ² + C₂)), the local means, variances
    and covariance taken under a Gaussian window of ``sigma`` per axis (0: no window along that axis),
    C₁ = (0.01·range)², C₂ = (0.03·range)². Identical arrays give 1."""
    a, b = a.astype(np.float64), b.astype(np.float64)

    def local(v: np.ndarray) -> np.ndarray:
        return gaussian_filter(v, sigma=sigma, truncate=SSIM_TRUNCATE, mode="reflect")

    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mu_a, mu_b = local(a), local(b)
    var_a = local(a * a) - mu_a ** 2
    var_b = local(b * b) - mu_b ** 2
    covariance = local(a * b) - mu_a * mu_b
    index = ((2 * mu_a * mu_b + c1) * (2 * covariance + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return float(index.mean())
