import pytest
import torch

from dl_core.nets.mlp import ACTIVATIONS, INITS, MLP, build_mlp, mlp_parameter_count, parameter_count


def test_same_seed_same_weights():
    a = build_mlp(3, [(4, "tanh"), (2, "relu")], 1, 0.0, "xavier", seed=5)
    b = build_mlp(3, [(4, "tanh"), (2, "relu")], 1, 0.0, "xavier", seed=5)
    c = build_mlp(3, [(4, "tanh"), (2, "relu")], 1, 0.0, "xavier", seed=6)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    assert not all(torch.equal(p, r) for p, r in zip(a.parameters(), c.parameters()))


def test_parameter_count_without_building_matches_the_built_model():
    model = build_mlp(7, [(8, "tanh"), (5, "relu"), (3, "gelu")], 3, 0.0, "he", seed=0)
    by_hand = (7 * 8 + 8) + (8 * 5 + 5) + (5 * 3 + 3) + (3 * 3 + 3)
    assert parameter_count(model) == mlp_parameter_count(7, [8, 5, 3], 3) == by_hand


def test_forward_all_gives_every_layer_and_ends_with_the_output():
    model = build_mlp(2, [(4, "tanh"), (3, "relu")], 2, 0.0, "xavier", seed=0)
    x = torch.randn(10, 2)
    layers = model.forward_all(x)
    assert [tuple(a.shape) for a in layers] == [(10, 4), (10, 3), (10, 2)]
    torch.testing.assert_close(layers[-1], model(x))
    assert (layers[1] >= 0).all(), "ReLU activations are never negative"


def test_a_hidden_layer_computes_f_of_wx_plus_b():
    model = build_mlp(2, [(3, "tanh")], 1, 0.0, "xavier", seed=1)
    x = torch.randn(5, 2)
    layer = model.hidden[0].linear
    torch.testing.assert_close(model.forward_all(x)[0], torch.tanh(x @ layer.weight.T + layer.bias))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_builds_and_runs(name):
    model = build_mlp(2, [(3, name)], 1, 0.0, "xavier", seed=0)
    assert torch.isfinite(model(torch.randn(4, 2))).all()
    assert name in repr(model)


def test_initialisers_do_what_they_say():
    zeros = build_mlp(4, [(64, "relu")], 1, 0.0, "zeros", seed=0)
    assert all((p == 0).all() for p in zeros.parameters())
    small = build_mlp(200, [(200, "relu")], 1, 0.0, "small", seed=0)
    large = build_mlp(200, [(200, "relu")], 1, 0.0, "large", seed=0)
    he = build_mlp(200, [(200, "relu")], 1, 0.0, "he", seed=0)
    assert small.hidden[0].linear.weight.std().item() == pytest.approx(0.01, rel=0.05)
    assert large.hidden[0].linear.weight.std().item() == pytest.approx(2.0, rel=0.05)
    assert he.hidden[0].linear.weight.std().item() == pytest.approx((2 / 200) ** 0.5, rel=0.05)
    assert set(INITS) == {"xavier", "he", "zeros", "small", "large"}


def test_gradients_match_finite_differences_on_a_tiny_net():
    """Autograd through our MLP against central differences of the loss, in float64."""
    torch.manual_seed(0)
    model = MLP(2, [(3, "tanh"), (2, "sigmoid")], 1).double()
    x, y = torch.randn(6, 2, dtype=torch.float64), torch.randn(6, dtype=torch.float64)

    def loss() -> torch.Tensor:
        return ((model(x)[:, 0] - y) ** 2).mean()

    model.zero_grad()
    loss().backward()
    eps = 1e-6
    with torch.no_grad():
        for p in model.parameters():
            flat = p.view(-1)
            for i in range(flat.numel()):
                original = flat[i].item()
                flat[i] = original + eps
                up = loss().item()
                flat[i] = original - eps
                down = loss().item()
                flat[i] = original
                assert p.grad.view(-1)[i].item() == pytest.approx((up - down) / (2 * eps), abs=1e-8)


def test_dropout_is_active_in_training_and_off_in_evaluation():
    model = build_mlp(2, [(64, "relu")], 1, 0.5, "he", seed=0)
    x = torch.randn(32, 2)
    model.eval()
    torch.testing.assert_close(model(x), model(x))
    model.train()
    assert not torch.equal(model.forward_all(x)[0], model.forward_all(x)[0])


def test_a_skip_layer_adds_its_input_and_layer_norm_normalises_z():
    model = build_mlp(3, [(3, "tanh"), (2, "tanh")], 1, 0.0, "xavier", seed=2, norm=True, skip=True)
    first, second = model.hidden
    assert first.skip and not second.skip, "a skip needs as many inputs as outputs"
    x = torch.randn(6, 3)
    z = first.linear(x)
    normalised = (z - z.mean(1, keepdim=True)) / torch.sqrt(z.var(1, unbiased=False, keepdim=True) + 1e-5)
    torch.testing.assert_close(model.activations(x)[0], torch.tanh(normalised))
    torch.testing.assert_close(model.forward_all(x)[0], x + torch.tanh(normalised))
    assert not model.is_plain and "skip connections" in repr(model) and "layer norm" in repr(model)
    assert parameter_count(model) == mlp_parameter_count(3, [3, 2], 1, norm=True)
