import pytest
import torch

from dl_core.objective import LOSSES, losses_for, objective


def test_loss_choices_fit_the_task():
    assert losses_for(2) == ["bce", "cross_entropy", "mse"]
    assert losses_for(3) == ["cross_entropy"]
    assert losses_for(0) == ["mse", "mae", "huber"]
    with pytest.raises(ValueError, match="does not fit a multiclass task"):
        objective("bce", 3)


def test_binary_cross_entropy_matches_its_formula():
    out, y = torch.tensor([[0.3], [-1.2], [2.0]]), torch.tensor([1, 0, 0])
    p = torch.sigmoid(out[:, 0])
    expected = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    o = objective("bce", 2)
    torch.testing.assert_close(o.loss_on_labels(out, y), expected)
    assert o.n_outputs == 1
    torch.testing.assert_close(o.predict(out), torch.tensor([1, 0, 1]))
    torch.testing.assert_close(o.score(out), 2 * p - 1)


def test_playground_mse_uses_tanh_against_plus_minus_one():
    out, y = torch.tensor([[0.5], [-0.5]]), torch.tensor([1, 1])
    expected = ((torch.tanh(out[:, 0]) - 1) ** 2).mean()
    torch.testing.assert_close(objective("mse", 2).loss_on_labels(out, y), expected)


def test_cross_entropy_matches_minus_log_softmax():
    out, y = torch.tensor([[1.0, 2.0, 0.5], [0.1, 0.1, 3.0]]), torch.tensor([0, 2])
    expected = -torch.log_softmax(out, dim=1)[torch.arange(2), y].mean()
    o = objective("cross_entropy", 3)
    torch.testing.assert_close(o.loss_on_labels(out, y), expected)
    assert o.n_outputs == 3 and o.score(out).shape == (2, 3)


@pytest.mark.parametrize("name", ["mse", "mae", "huber"])
def test_regression_losses(name):
    out, y = torch.tensor([[0.0], [3.0]]), torch.tensor([1.0, 1.0])
    expected = {"mse": 2.5, "mae": 1.5, "huber": (0.5 + 1.5) / 2}[name]
    assert objective(name, 0).loss_on_labels(out, y).item() == pytest.approx(expected)
    assert LOSSES[name].formula
