import numpy as np
import pytest
import torch

from dl_core import PRESETS, from_preset
from dl_core.analyses.attribution import AttributionError, attribute
from dl_core.analyses.examples import class_probabilities, from_split
from dl_core.analyses.faithfulness import deletion_curve, faithfulness
from helpers.specs import trained


@pytest.fixture(scope="module")
def digits():
    return trained(from_preset("lenet"), 60)


@pytest.fixture(scope="module")
def linear():
    """The perceptron: each class's score is w·x + b, so its gradient is the same everywhere."""
    return trained(PRESETS["perceptron"].spec, 50)


def test_the_exact_gradient_of_a_linear_network_is_perfectly_faithful_and_steady(linear):
    example = from_split(linear, "test", 0)
    exact = faithfulness(linear, example, "guided_backprop")  # no ReLU to guide: the signed gradient
    assert exact.infidelity < 1e-8 and exact.sensitivity < 1e-5
    weighted = faithfulness(linear, example, "input_x_gradient")  # changes with the input
    assert weighted.infidelity > 1e-4 and weighted.sensitivity > 1e-3


def test_the_deletion_curve_runs_from_the_example_to_the_baseline(digits):
    example = from_split(digits, "test", 2)
    a = attribute(digits, example, "integrated_gradients")
    curve = deletion_curve(digits, example, a, points=9)
    start = class_probabilities(digits, example.x)[0, a.target]
    end = class_probabilities(digits, torch.zeros_like(example.x))[0, a.target]
    assert curve.by_attribution[0] == pytest.approx(start, rel=1e-5) == curve.at_random[0]
    assert curve.by_attribution[-1] == pytest.approx(end, rel=1e-5) and curve.at_random[-1] == pytest.approx(end)
    assert curve.removed.tolist() == pytest.approx(np.linspace(0, 1, 9).tolist())
    assert curve.area_by_attribution < curve.area_at_random  # a faithful map finds what matters first


def test_faithfulness_needs_a_map_over_the_input_that_explains_the_output(digits):
    example = from_split(digits, "test", 0)
    with pytest.raises(AttributionError, match="explains a layer or a unit"):
        faithfulness(digits, example, "gradcam")
    with pytest.raises(AttributionError, match="between 1 and"):
        faithfulness(digits, example, "saliency", perturbations=0)
    seen = []
    result = faithfulness(digits, example, "integrated_gradients", perturbations=4, steps=10, progress=seen.append)
    assert np.isfinite(result.infidelity) and result.sensitivity > 0 and 0 < seen[-1] <= 1
