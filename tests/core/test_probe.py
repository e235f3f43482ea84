import pytest
import torch

from dl_core import DataSpec, LayerSpec, ModelSpec, PlaygroundSpec, TrainSpec, make_run
from dl_core.nets.mlp import MLP
from dl_core.observe.probe import probe


def test_every_probed_gradient_matches_autograd():
    hidden = (LayerSpec(5, "tanh"), LayerSpec(4, "relu"))
    trainer = make_run(PlaygroundSpec(DataSpec("blobs3"), ModelSpec(("x1", "x2", "x1x2"), hidden),
                                      TrainSpec("cross_entropy"))).trainer
    trainer.step(10)
    model, x, t = trainer.model, trainer.x_train[3:4], trainer.t_train[3:4]
    result = probe(model, trainer.objective.loss, x, t)
    params = dict(model.named_parameters())
    loss = trainer.objective.loss(model(x), t)
    grads = dict(zip(params, torch.autograd.grad(loss, list(params.values()))))
    assert result.loss == pytest.approx(loss.item())
    linears = [layer for layer in result.layers if layer.kind == "Linear"]
    for layer in linears:
        torch.testing.assert_close(layer.grad_weight, grads[layer.name + ".weight"])
        torch.testing.assert_close(layer.grad_bias, grads[layer.name + ".bias"])
    # each layer's output matches a plain forward pass, and ∂L/∂input of the first layer matches autograd
    activations = model.forward_all(x)
    torch.testing.assert_close(result.layers[1].output, activations[0][0])
    x_leaf = x.clone().requires_grad_(True)
    (grad_x,) = torch.autograd.grad(trainer.objective.loss(model(x_leaf), t), x_leaf)
    torch.testing.assert_close(result.layers[0].grad_input, grad_x[0])


def test_probing_leaves_the_training_gradients_alone():
    trainer = make_run(PlaygroundSpec()).trainer
    trainer.step(1)
    before = [p.grad.clone() for p in trainer.model.parameters()]
    probe(trainer.model, trainer.objective.loss, trainer.x_train[:1], trainer.t_train[:1])
    for p, g in zip(trainer.model.parameters(), before):
        torch.testing.assert_close(p.grad, g)


def test_a_2_2_1_net_against_the_chain_rule_by_hand():
    """z₁ = W₁x + b₁, a₁ = tanh z₁, z₂ = w₂·a₁ + b₂, L = (z₂ − y)²; every number written out."""
    model = MLP(2, [(2, "tanh")], 1).double()
    f64 = dict(dtype=torch.float64)
    with torch.no_grad():
        model.hidden[0].linear.weight.copy_(torch.tensor([[0.5, -0.3], [0.8, 0.2]], **f64))
        model.hidden[0].linear.bias.copy_(torch.tensor([0.1, -0.1], **f64))
        model.output.weight.copy_(torch.tensor([[1.5, -2.0]], **f64))
        model.output.bias.copy_(torch.tensor([0.05], **f64))
    x, y = torch.tensor([[1.0, 2.0]], dtype=torch.float64), torch.tensor([0.7], dtype=torch.float64)
    loss_fn = lambda out, t: ((out[:, 0] - t) ** 2).mean()  # noqa: E731
    result = probe(model, loss_fn, x, y)

    z1 = [0.5 * 1.0 - 0.3 * 2.0 + 0.1, 0.8 * 1.0 + 0.2 * 2.0 - 0.1]  # [0.0, 1.1]
    a1 = [torch.tanh(torch.tensor(z, dtype=torch.float64)).item() for z in z1]
    z2 = 1.5 * a1[0] - 2.0 * a1[1] + 0.05
    dl_dz2 = 2 * (z2 - 0.7)
    dl_dw2 = [dl_dz2 * a1[0], dl_dz2 * a1[1]]
    dl_da1 = [dl_dz2 * 1.5, dl_dz2 * -2.0]
    dl_dz1 = [dl_da1[i] * (1 - a1[i] ** 2) for i in range(2)]  # tanh'(z) = 1 − tanh²(z)
    dl_dw1 = [[dl_dz1[i] * 1.0, dl_dz1[i] * 2.0] for i in range(2)]

    by_name = {layer.name: layer for layer in result.layers}
    hidden, activation, output = by_name["hidden.0.linear"], by_name["hidden.0.activation"], by_name["output"]
    assert hidden.output.tolist() == pytest.approx(z1)
    assert activation.output.tolist() == pytest.approx(a1)
    assert output.output.item() == pytest.approx(z2)
    assert result.loss == pytest.approx((z2 - 0.7) ** 2)
    assert output.grad_output.item() == pytest.approx(dl_dz2)
    assert output.grad_weight[0].tolist() == pytest.approx(dl_dw2)
    assert output.grad_bias.item() == pytest.approx(dl_dz2)
    assert activation.grad_output.tolist() == pytest.approx(dl_da1)
    assert hidden.grad_output.tolist() == pytest.approx(dl_dz1)
    assert hidden.grad_weight.tolist() == [pytest.approx(row) for row in dl_dw1]
    assert hidden.grad_bias.tolist() == pytest.approx(dl_dz1)


def test_every_hook_a_probe_adds_is_removed_even_when_the_loss_fails():
    trainer = make_run(PlaygroundSpec()).trainer
    probe(trainer.model, trainer.objective.loss, trainer.x_train[:1], trainer.t_train[:1])
    assert all(not m._forward_hooks for m in trainer.model.modules())

    def broken(out, target):
        raise RuntimeError("a loss that fails")

    with pytest.raises(RuntimeError):
        probe(trainer.model, broken, trainer.x_train[:1], trainer.t_train[:1])
    assert all(not m._forward_hooks for m in trainer.model.modules())
    assert trainer.model.training, "the model is back in the mode it was in"
