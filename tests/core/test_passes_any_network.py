import re

import pytest
import torch

from dl_core.build_run import BuilderSpec, build_trainer
from dl_core.passes import conv_formula, linear_formula, step_on_input
from dl_core.probe import probe


@pytest.fixture(scope="module")
def cnn():
    trainer = build_trainer(BuilderSpec())
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
    module = trainer.model[0]
    for channel, row, column in [(0, 0, 0), (5, 3, 7), (2, 7, 7)]:
        latex = conv_formula(first_conv, channel, row, column, module)
        assert last_number(latex) == pytest.approx(first_conv.output[channel, row, column].item(), abs=1e-4)
        assert "\\dots" in latex and latex.count(")(") == 6, "nine products (1 × 3×3), six written out"
    linear = next(layer for layer in result.layers if layer.kind == "Linear")
    assert last_number(linear_formula(linear, 3)) == pytest.approx(linear.output[3].item(), abs=1e-4)


def test_one_step_on_an_input_of_any_network():
    trainer = build_trainer(BuilderSpec())
    x, t = trainer.x_test[:1], trainer.t_test[:1]
    result = step_on_input(trainer, x, t)
    assert result.loss_after < result.loss_before
    assert result.biggest[0][0].startswith("layer ") and trainer.step_count == 1
    assert {name for name, _ in result.moves} >= {"layer 1 (Conv2d)", "layer 8 (Linear)"}


def test_chain_rule_numbers_match_the_probed_gradients(cnn):
    from dl_core.passes import conv_chain_rule, linear_chain_rule

    _, _, _, result = cnn
    conv = result.layers[0]
    assert f"{conv.grad_bias[2].item():.5f}" in conv_chain_rule(conv, 2)
    linear = next(layer for layer in result.layers if layer.kind == "Linear")
    bias_line, weight_line = linear_chain_rule(linear, 5)
    assert f"{linear.grad_bias[5].item():.5f}" in bias_line
    i = int(linear.grad_weight[5].abs().argmax())
    assert f"{linear.grad_weight[5, i].item():.5f}" in weight_line
