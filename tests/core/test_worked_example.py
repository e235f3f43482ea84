import re

import numpy as np
import pytest
import torch

from dl_core import PRESETS, BuilderSpec, DataSpec, LayerSpec, ModelSpec, PlaygroundSpec, TrainSpec, make_run
from dl_core.analyses.examples import from_point, from_split
from dl_core.analyses.worked_example import (
    backward_formula, conv_chain_rule, conv_formula, example_pass, forward_formula, linear_chain_rule, linear_formula,
    step_on_example,
)
from dl_core.observe.probe import probe


@pytest.fixture(scope="module")
def example():
    spec = PlaygroundSpec(DataSpec("xor"), ModelSpec(("x1", "x2", "x1x2"), (LayerSpec(3, "tanh"),
                                                                           LayerSpec(2, "relu"))),
                          TrainSpec("bce", "sgd", 0.1, 10))
    run = make_run(spec)
    run.trainer.step(30)
    return run.trainer, example_pass(run, from_point(run, np.array([1.5, -2.0]), 0))


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
    run = make_run(PlaygroundSpec(DataSpec("circle"), ModelSpec(("x1", "x2"), (LayerSpec(3, "tanh"),)),
                                  TrainSpec("bce", "sgd", 0.5, 10)))
    trainer = run.trainer
    chosen = from_point(run, np.array([0.5, 0.5]), 1)
    ex = example_pass(run, chosen)
    result = step_on_example(run, chosen)
    assert result.loss_after < result.loss_before == pytest.approx(ex.loss)
    for (_, delta), layer in zip(result.moves, ex.layers):  # plain SGD: ΔW = −η ∂L/∂W
        np.testing.assert_allclose(delta, -0.5 * layer.grad_weight, rtol=1e-4, atol=1e-7)
    assert abs(result.biggest[0][1]) == max(abs(d).max() for _, d in result.moves)
    assert trainer.step_count == 1


@pytest.fixture(scope="module")
def cnn():
    trainer = make_run(BuilderSpec()).trainer
    trainer.step(10)
    x, t = trainer.x_test[:1], trainer.t_test[:1]
    return trainer, x, t, probe(trainer.model, trainer.objective.loss, x, t)


def test_probing_a_cnn_matches_autograd(cnn):
    trainer, x, t, result = cnn
    params = dict(trainer.model.named_parameters())
    loss = trainer.objective.loss(trainer.model(x), t)
    grads = dict(zip(params, torch.autograd.grad(loss, list(params.values()))))
    convs = [layer for layer in result.layers if layer.kind == "Conv2d"]
    assert [tuple(c.output.shape) for c in convs] == [(6, 8, 8), (16, 4, 4)]
    for layer in result.layers:
        if layer.weight is not None:
            torch.testing.assert_close(layer.grad_weight, grads[layer.name + ".weight"])


def last_number(latex: str) -> float:
    return float(re.findall(r"= (-?[\d.]+) \\end\{aligned\}$", latex)[0])


def test_the_formulas_add_up_to_what_the_network_computed(cnn):
    trainer, _, _, result = cnn
    first_conv = result.layers[0]
    for channel, row, column in [(0, 0, 0), (5, 3, 7), (2, 7, 7)]:
        latex = conv_formula(first_conv, channel, row, column)
        assert last_number(latex) == pytest.approx(first_conv.output[channel, row, column].item(), abs=1e-4)
        assert "\\dots" in latex and latex.count(")(") == 6, "nine products (1 × 3×3), six written out"
    linear = next(layer for layer in result.layers if layer.kind == "Linear")
    assert last_number(linear_formula(linear, 3)) == pytest.approx(linear.output[3].item(), abs=1e-4)


def test_one_step_on_an_input_of_any_network():
    run = make_run(BuilderSpec())
    trainer = run.trainer
    result = step_on_example(run, from_split(run, "test", 0))
    assert result.loss_after < result.loss_before
    assert result.biggest[0][0].startswith("layer ") and trainer.step_count == 1
    assert {name for name, _ in result.moves} >= {"layer 1 (Conv2d)", "layer 8 (Linear)"}


def test_chain_rule_numbers_match_the_probed_gradients(cnn):
    _, _, _, result = cnn
    conv = result.layers[0]
    assert f"{conv.grad_bias[2].item():.5f}" in conv_chain_rule(conv, 2)
    linear = next(layer for layer in result.layers if layer.kind == "Linear")
    bias_line, weight_line = linear_chain_rule(linear, 5)
    assert f"{linear.grad_bias[5].item():.5f}" in bias_line
    i = int(linear.grad_weight[5].abs().argmax())
    assert f"{linear.grad_weight[5, i].item():.5f}" in weight_line


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_kind_of_network_is_probed_layer_by_layer_and_steps_on_one_example(name):
    """Recurrent layers return (output, state), attention is one block: every layer is shown, and one
    optimiser step works on one example whatever the layers (BatchNorm on vectors included)."""
    run = make_run(PRESETS[name].spec)
    chosen = from_split(run, "test", 1)
    result = probe(run.model, run.objective.loss, chosen.x, chosen.target)
    kinds = [layer.kind for layer in result.layers]
    top_level = [type(m).__name__ for m in run.model]
    assert [k for k in kinds if k in top_level] == top_level, "every layer of the stack, in order"
    assert all(layer.output.dim() >= 1 for layer in result.layers)
    step = step_on_example(run, chosen)
    assert np.isfinite(step.loss_after) and run.trainer.step_count == 1


def test_one_step_on_one_example_through_batchnorm_on_vectors():
    from dl_core import LayerDef

    spec = BuilderSpec(task="wine", layers=(LayerDef("linear", 8), LayerDef("batchnorm"), LayerDef("activation")),
                       train=TrainSpec("cross_entropy", "sgd", 0.1, 16))
    run = make_run(spec)
    run.trainer.step(3)
    step = step_on_example(run, from_split(run, "train", 0))
    assert step.loss_after < step.loss_before
    assert all(m.training for m in run.model.modules()), "back in training mode afterwards"
