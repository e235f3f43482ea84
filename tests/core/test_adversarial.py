import math

import numpy as np
import pytest
import torch

from dl_core import PRESETS, OverBudget, from_preset
from dl_core.analyses.adversarial import accuracy_under_attack, attack, max_epsilon, robustness_curve
from dl_core.analyses.attribution import AttributionError
from dl_core.analyses.examples import from_split
from helpers.specs import playground, trained


@pytest.fixture(scope="module")
def digits():
    return trained(from_preset("lenet"), 60)


@pytest.fixture(scope="module")
def circle():
    return trained(playground("circle", features=("x1", "x2", "x1sq", "x2sq")), 300)


def test_fgsm_raises_the_loss_within_epsilon_along_the_gradients_sign(digits):
    example = from_split(digits, "test", 4)
    epsilon = 0.1
    result = attack(digits, example, epsilon, "fgsm")
    assert result.loss_after > result.loss_before
    assert np.abs(result.perturbation).max() <= epsilon + 1e-6
    # the oracle: one signed gradient step of the training loss, by plain autograd, kept within the pixels' range
    digits.model.eval()
    x = example.x.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(digits.objective.loss(digits.model(x), example.target), x)
    expected = torch.clamp(example.x + epsilon * gradient.sign(), 0, 1)
    moved = gradient.abs() > 1e-6  # captum leaves inputs with a vanishing gradient where they are
    np.testing.assert_allclose(result.example.x[moved].numpy(), expected[moved].numpy(), atol=1e-6)
    assert result.probabilities_after.shape == (10,) and result.example.source.endswith("after FGSM, ε = 0.1")


def test_pgd_stays_within_epsilon_and_raises_the_loss(digits):
    example = from_split(digits, "test", 7)
    digits.model.train()
    result = attack(digits, example, 0.08, "pgd", steps=5)
    assert np.abs(result.perturbation).max() <= 0.08 + 1e-6
    assert result.loss_after > result.loss_before
    assert result.example.x.min() >= 0 and result.example.x.max() <= 1  # still an image of pixels in [0, 1]
    assert digits.model.training  # put back in the mode it was in


def test_points_are_attacked_in_the_plane_through_their_features(circle):
    example = from_split(circle, "test", 2)
    result = attack(circle, example, 0.5)
    assert result.perturbation.shape == (2,) and np.abs(result.perturbation).max() <= 0.5 + 1e-6
    np.testing.assert_allclose(result.example.point, example.point + result.perturbation, rtol=1e-6)
    np.testing.assert_allclose(result.example.x.numpy(),
                               circle.plane.encode(torch.as_tensor(result.example.point)[None]).numpy(), rtol=1e-6)
    assert result.loss_after > result.loss_before


def test_accuracy_under_attack_starts_at_the_test_accuracy_and_falls(digits, circle):
    for run in (digits, circle):
        curve = robustness_curve(run, [0.0, 0.1 * max_epsilon(run), 0.3 * max_epsilon(run)])
        assert curve[0].accuracy == pytest.approx(run.trainer.evaluate()["test_accuracy"])
        assert curve[0].accuracy > curve[1].accuracy > curve[2].accuracy
        assert curve[0].loss < curve[2].loss
    seen = []
    assert accuracy_under_attack(digits, 0.1, "pgd", steps=3, progress=seen.append).accuracy < curve[0].accuracy
    assert seen[-1] == 1.0


def test_regression_has_no_accuracy_but_a_growing_loss():
    run = trained(PRESETS["gru_sine"].spec, 20)
    curve = robustness_curve(run, [0.0, 0.2])
    assert math.isnan(curve[0].accuracy) and curve[1].loss > curve[0].loss
    result = attack(run, from_split(run, "test", 0), 0.2)
    assert result.probabilities_after is None and not result.fooled


def test_bad_attacks_are_refused_with_a_message(digits, monkeypatch):
    example = from_split(digits, "test", 0)
    with pytest.raises(AttributionError, match="ε must be between 0 and 0.5"):
        attack(digits, example, 0.9)
    with pytest.raises(AttributionError, match="steps"):
        attack(digits, example, 0.1, "pgd", steps=0)
    with pytest.raises(AttributionError, match="fgsm, pgd"):
        attack(digits, example, 0.1, "sideways")
    import dl_core.specs.budget as budget
    monkeypatch.setattr(budget, "ATTACK_WORK", budget.Budget("the adversarial budget", 1e8, "multiply-adds", "…"))
    with pytest.raises(OverBudget, match="adversarial budget"):
        accuracy_under_attack(digits, 0.1, "pgd", steps=20)
