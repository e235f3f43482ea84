import numpy as np
import pytest
import torch

from dl_core import DataSpec, LayerSpec, ModelSpec, Spec, Trainer, TrainSpec
from dl_core.passes import backward_formula, example_pass, forward_formula


@pytest.fixture(scope="module")
def example():
    spec = Spec(DataSpec("xor"), ModelSpec(("x1", "x2", "x1x2"), (LayerSpec(3, "tanh"), LayerSpec(2, "relu"))),
                TrainSpec("bce", "sgd", 0.1, 10))
    trainer = Trainer(spec)
    trainer.step(30)
    return trainer, example_pass(trainer, np.array([1.5, -2.0]), 0)


def test_the_layers_obey_the_chain_rule_with_their_own_numbers(example):
    trainer, ex = example
    np.testing.assert_allclose(ex.features, [1.5, -2.0, -3.0])
    np.testing.assert_allclose(ex.layers[0].inputs, ex.features)
    for k, layer in enumerate(ex.layers):
        np.testing.assert_allclose(layer.z, layer.weight @ layer.inputs + layer.bias, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(layer.grad_z, layer.grad_a * layer.slope, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(layer.grad_weight, np.outer(layer.grad_z, layer.inputs), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(layer.grad_bias, layer.grad_z, rtol=1e-6)
        np.testing.assert_allclose(layer.grad_inputs, layer.weight.T @ layer.grad_z, rtol=1e-5, atol=1e-7)
        if k + 1 < len(ex.layers):  # what a layer outputs is what the next takes in, both ways
            np.testing.assert_allclose(ex.layers[k + 1].inputs, layer.a, rtol=1e-6)
            np.testing.assert_allclose(layer.grad_a, ex.layers[k + 1].grad_inputs, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ex.layers[0].a, np.tanh(ex.layers[0].z), rtol=1e-5)
    np.testing.assert_allclose(ex.layers[0].slope, 1 - np.tanh(ex.layers[0].z) ** 2, rtol=1e-5)
    np.testing.assert_allclose(ex.layers[1].slope, (ex.layers[1].z > 0).astype(float))
    out = ex.layers[-1].z[0]
    assert ex.loss == pytest.approx(float(torch.nn.functional.softplus(torch.tensor(out))), rel=1e-5)  # BCE, y = 0
    assert ex.layers[-1].grad_z[0] == pytest.approx(float(torch.sigmoid(torch.tensor(out))), rel=1e-5)  # σ(z) − y


def test_formulas_carry_the_actual_numbers(example):
    _, ex = example
    forward = forward_formula(ex, 0, 1)
    assert f"{ex.layers[0].z[1]:.4f}" in forward[0] and "\\tanh" in forward[1]
    assert forward[0].count(") + (") == 3, "three products and the bias, added"
    assert f"{ex.layers[0].a[1]:.4f}" in forward[1]
    backward = backward_formula(ex, 1, 0)
    assert f"{ex.layers[1].grad_z[0]:.5f}" in backward[0]
    assert f"{ex.layers[1].grad_bias[0]:.5f}" in backward[-1]
    assert "from the loss" in backward_formula(ex, 2, 0)[0]


def test_one_step_on_an_example_reports_what_moved():
    from dl_core.passes import step_on_example

    trainer = Trainer(Spec(DataSpec("circle"), ModelSpec(("x1", "x2"), (LayerSpec(3, "tanh"),)),
                           TrainSpec("bce", "sgd", 0.5, 10)))
    ex = example_pass(trainer, np.array([0.5, 0.5]), 1)
    result = step_on_example(trainer, np.array([0.5, 0.5]), 1)
    assert result.loss_after < result.loss_before == pytest.approx(ex.loss)
    for (_, delta), layer in zip(result.moves, ex.layers):  # plain SGD: ΔW = −η ∂L/∂W
        np.testing.assert_allclose(delta, -0.5 * layer.grad_weight, rtol=1e-4, atol=1e-7)
    assert abs(result.biggest[0][1]) == max(abs(d).max() for _, d in result.moves)
    assert trainer.step_count == 1
