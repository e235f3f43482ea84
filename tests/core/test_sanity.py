import math

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter

from dl_core import OverBudget, from_preset
from dl_core.analyses.examples import from_split
from dl_core.analyses.sanity import (
    SSIM_SIGMA, SSIM_TRUNCATE, map_ssim, randomisation_check, randomise, rank_correlation, ssim,
)
from helpers.specs import trained


@pytest.fixture(scope="module")
def digits():
    return trained(from_preset("lenet"), 60)


def test_cascading_randomisation_changes_the_saliency_map_and_leaves_the_run_untouched(digits):
    before = {k: v.clone() for k, v in digits.model.state_dict().items()}
    grads = [p.grad.clone() for p in digits.model.parameters()]  # the last training step's
    check = randomisation_check(digits, from_split(digits, "test", 0), "saliency", "cascading")
    first, *randomised = check.stages
    assert first.rank_correlation == pytest.approx(1.0) and first.ssim == pytest.approx(1.0)
    assert [s.randomised for s in randomised][:2] == [("layer 10 (Linear)",), ("layer 10 (Linear)",
                                                                               "layer 8 (Linear)")]
    assert len(randomised) == 4  # two convolutions and two linear layers have weights
    assert randomised[-1].rank_correlation < 0.5 and randomised[-1].ssim < 0.5
    assert all(torch.equal(before[k], v) for k, v in digits.model.state_dict().items())
    assert all(torch.equal(g, p.grad) for g, p in zip(grads, digits.model.parameters()))


def test_guided_backprop_stays_closer_to_its_trained_map_than_gradients_do(digits):
    """Adebayo et al. 2018's finding, on our own small CNN: with the top layers random, Guided Backprop's map
    still looks like the trained one; the plain gradient's does not."""
    similarity = {}
    for method in ("saliency", "guided_backprop"):
        stages = [randomisation_check(digits, from_split(digits, "test", i), method).stages for i in range(3)]
        similarity[method] = np.mean([s[2].rank_correlation_abs for s in stages])  # output and layer 8 random
    assert similarity["guided_backprop"] > similarity["saliency"] + 0.2


def test_independent_randomisation_changes_one_layer_at_a_time(digits):
    seen = []
    check = randomisation_check(digits, from_split(digits, "test", 1), "gradcam", "independent", progress=seen.append)
    assert [len(s.randomised) for s in check.stages] == [0, 1, 1, 1, 1]
    assert check.stages[1].label == "only layer 10 (Linear) random" and seen[-1] == 1.0
    assert all(s.values.shape == (1, 8, 8) for s in check.stages)  # GradCAM upsampled to the input


def test_randomising_a_layer_repeats_for_a_seed_and_differs_from_training(digits):
    from dl_core.analyses.attribution import model_copy
    a, b = model_copy(digits.model), model_copy(digits.model)
    randomise(a[0], seed=3)
    randomise(b[0], seed=3)
    assert torch.equal(a[0].weight, b[0].weight) and not torch.equal(a[0].weight, digits.model[0].weight)
    assert torch.equal(a[3].weight, digits.model[3].weight)


def ssim_by_hand(a: np.ndarray, b: np.ndarray, data_range: float) -> float:
    """SSIM from its definition, one pixel at a time, with the Gaussian window written out."""
    radius = int(SSIM_TRUNCATE * SSIM_SIGMA + 0.5)
    offsets = np.arange(-radius, radius + 1)
    w1 = np.exp(-offsets ** 2 / (2 * SSIM_SIGMA ** 2))
    window = np.outer(w1, w1) / w1.sum() ** 2
    pa, pb = np.pad(a, radius, mode="symmetric"), np.pad(b, radius, mode="symmetric")
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    total = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            pa_, pb_ = pa[i:i + 2 * radius + 1, j:j + 2 * radius + 1], pb[i:i + 2 * radius + 1, j:j + 2 * radius + 1]
            ma, mb = (window * pa_).sum(), (window * pb_).sum()
            va, vb = (window * (pa_ - ma) ** 2).sum(), (window * (pb_ - mb) ** 2).sum()
            cov = (window * (pa_ - ma) * (pb_ - mb)).sum()
            total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma ** 2 + mb ** 2 + c1) * (va + vb + c2))
    return total / a.size


def test_ssim_matches_its_definition_computed_pixel_by_pixel():
    rng = np.random.default_rng(0)
    a = rng.random((8, 8))
    b = gaussian_filter(a, 1.0) + 0.1 * rng.random((8, 8))
    assert ssim(a, b, data_range=1.0) == pytest.approx(ssim_by_hand(a, b, 1.0), rel=1e-9)
    assert ssim(a, a, data_range=1.0) == pytest.approx(1.0)
    assert ssim(a, rng.random((8, 8)), data_range=1.0) < 0.5
    assert map_ssim(a[None], 3 * a[None]) == pytest.approx(1.0)  # maps are compared after scaling
    assert map_ssim(np.ones(5), np.ones(5)) is None  # vectors are not pictures


def test_rank_correlation_is_the_correlation_of_ranks():
    rng = np.random.default_rng(1)
    a, b = rng.random(30), rng.random(30)
    ranks = lambda v: np.argsort(np.argsort(v))  # noqa: E731
    assert rank_correlation(a, b) == pytest.approx(np.corrcoef(ranks(a), ranks(b))[0, 1])
    assert rank_correlation(a, a ** 3) == pytest.approx(1.0)
    assert math.isnan(rank_correlation(a, np.zeros(30)))


def test_a_sanity_check_over_budget_is_refused_before_it_starts(digits, monkeypatch):
    import dl_core.specs.budget as budget
    monkeypatch.setattr(budget, "SANITY_WORK", budget.Budget("the sanity-check budget", 1e6, "multiply-adds", "…"))
    with pytest.raises(OverBudget, match="sanity-check budget"):
        randomisation_check(digits, from_split(digits, "test", 0), "integrated_gradients")
    with pytest.raises(ValueError, match="cascading"):
        randomisation_check(digits, from_split(digits, "test", 0), "saliency", "sideways")
