import pytest
import torch
import torch.nn.functional as F

from torch.utils.flop_counter import FlopCounterMode

from dl_core import PRESETS, TASKS
from dl_core.nets.layers import LAYERS, LayerDef, ShapeError, build, plan

L = LayerDef
IMAGE, VECTOR, SEQUENCE = (3, 8, 8), (12,), (7, 6)
# a stack that leads each kind to its input: (input shape, layers before, the layer)
EVERY_KIND = {
    "linear": (VECTOR, [], L("linear", 5)),
    "conv2d": (IMAGE, [], L("conv2d", 4, kernel=5)),
    "maxpool": (IMAGE, [], L("maxpool")),
    "avgpool": (IMAGE, [], L("avgpool")),
    "flatten": (IMAGE, [], L("flatten")),
    "dropout": (VECTOR, [], L("dropout", rate=0.5)),
    "batchnorm": (IMAGE, [], L("batchnorm")),
    "layernorm": (SEQUENCE, [], L("layernorm")),
    "activation": (VECTOR, [], L("activation", activation="gelu")),
    "residual": (IMAGE, [], L("residual", kernel=3)),
    "rnn": (SEQUENCE, [], L("rnn", 9)),
    "lstm": (SEQUENCE, [], L("lstm", 9)),
    "gru": (SEQUENCE, [], L("gru", 9)),
    "attention": (SEQUENCE, [], L("attention", 3)),
    "last_step": (SEQUENCE, [], L("last_step")),
}


def ending(shape):
    return [L("flatten")] if len(shape) == 3 else [L("last_step")] if len(shape) == 2 else []


def test_every_layer_kind_is_covered_and_every_task_has_a_preset():
    assert set(EVERY_KIND) == set(LAYERS)
    assert {preset.task for preset in PRESETS.values()} == set(TASKS)


@pytest.mark.parametrize("kind", list(EVERY_KIND))
def test_inferred_shapes_and_counts_match_a_real_forward_pass(kind):
    shape, before, layer = EVERY_KIND[kind]
    out_shape = LAYERS[kind].cost(layer, shape).output
    layers = before + [layer] + ending(out_shape)
    planned = plan(layers, shape, 3)
    model = build(layers, shape, 3, seed=0).eval()
    x = torch.randn(4, *shape)
    h = x
    for module, step in zip(model, planned):
        h = module(h)
        assert tuple(h.shape[1:]) == step.output, f"{kind}: {tuple(h.shape[1:])} vs {step.output}"
        assert sum(p.numel() for p in module.parameters()) == step.parameters
    assert model(x).shape == (4, 3)


@pytest.mark.parametrize("shape, layers, message", [
    ((1, 8, 8), [L("flatten"), L("conv2d", 4)], "Layer 2 (Conv2d) needs an image (channels × height × width), "
                                                 "not a vector of 64."),
    ((1, 8, 8), [L("maxpool"), L("maxpool"), L("conv2d", 4, kernel=3)], "Layer 3 (Conv2d) has a 3×3 kernel, "
                                                                        "larger than its 2×2 input."),
    ((1, 8, 8), [L("linear", 4)], "Layer 1 (Linear) needs a vector or a sequence, not a 1×8×8 image: "
                                  "add Flatten first."),
    ((7, 6), [L("attention", 4)], "Layer 1 (Self-attention) splits 6 features into 4 heads"),
    ((12,), [L("lstm", 4)], "Layer 1 (LSTM) needs a sequence (steps × features), not a vector of 12."),
    ((1, 8, 8), [L("conv2d", 4)], "The output layer needs a vector, but the last layer gives a 4×8×8 image: "
                                  "end with Flatten."),
    ((12,), [L("teleport")], "Layer 1: unknown kind 'teleport'"),
    ((12,), [L("linear", 0)], "Layer 1 (Linear): units must be between 1 and 4,096, not 0"),
    ((3, 8, 8), [L("conv2d", 4, kernel=0)], "Layer 1 (Conv2d): the kernel must be one of 1, 2, 3, 4, 5, 6, 7"),
    ((7, 6), [L("attention", 0)], "Layer 1 (Self-attention): heads must be between 1 and"),
    ((7, 6), [L("dropout", rate=1.5)], "the dropout rate must be between 0 and 0.9"),
])
def test_impossible_stacks_are_refused_naming_the_layer_and_why(shape, layers, message):
    with pytest.raises(ShapeError) as error:
        plan(layers, shape, 2)
    assert message in str(error.value)


def test_the_same_seed_gives_the_same_weights():
    layers = [L("conv2d", 4), L("activation"), L("flatten"), L("linear", 8)]
    a, b, c = (build(layers, (1, 8, 8), 10, seed=s) for s in (3, 3, 4))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


@pytest.mark.parametrize("name", list(TASKS))
def test_tasks_have_their_shapes_and_repeat_for_a_seed(name):
    task = TASKS[name]
    a, b = task.make(0), task.make(0)
    assert tuple(a.x_train.shape[1:]) == task.input_shape
    assert torch.equal(a.x_test, b.x_test) and torch.equal(a.y_train, b.y_train)
    if task.n_classes:
        assert set(a.y_train.unique().tolist()) == set(range(task.n_classes))


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_learns_its_task(name):
    preset = PRESETS[name]
    task = TASKS[preset.task]
    data = task.make(0)
    model = build(list(preset.layers), task.input_shape, task.n_classes or 1, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

    def loss() -> torch.Tensor:
        out = model(data.x_train)
        return F.cross_entropy(out, data.y_train) if task.n_classes else F.mse_loss(out[:, 0], data.y_train)

    start = loss().item()
    for _ in range(40):
        optimizer.zero_grad()
        value = loss()
        value.backward()
        optimizer.step()
    assert loss().item() < 0.95 * start


@pytest.mark.parametrize("shape, layers", [
    ((1, 8, 8), [L("conv2d", 4), L("batchnorm"), L("activation"), L("avgpool"), L("flatten"), L("linear", 8),
                 L("batchnorm"), L("activation")]),
    ((7, 6), [L("rnn", 12), L("layernorm"), L("last_step")]),
])
def test_the_kinds_no_preset_uses_train_too(shape, layers):
    torch.manual_seed(0)
    x = torch.randn(64, *shape)
    y = (x.reshape(64, -1).sum(dim=1) > 0).long()  # a learnable rule
    model = build(layers, shape, 2, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    start = F.cross_entropy(model(x), y).item()
    for _ in range(40):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.7 * start


@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5, 6, 7])
def test_even_and_odd_kernels_keep_the_image_size_as_planned(kernel):
    layers = [L("conv2d", 3, kernel=kernel), L("residual", kernel=kernel), L("flatten")]
    planned = plan(layers, (2, 8, 8), 4)
    model = build(layers, (2, 8, 8), 4, seed=0)
    assert planned[0].output == (3, 8, 8) and model(torch.randn(5, 2, 8, 8)).shape == (5, 4)


@pytest.mark.parametrize("layer, shape", [(L("linear", 7), (12,)), (L("linear", 7), (5, 12)),
                                          (L("conv2d", 4, kernel=3), (3, 8, 8)), (L("conv2d", 4, kernel=4), (3, 6, 6))])
def test_planned_multiply_adds_match_pytorchs_flop_counter(layer, shape):
    """The budgets rest on these estimates: a FLOP is a multiply and an add, so FLOPs = 2 × multiply-adds."""
    module = LAYERS[layer.kind].make(layer, shape)
    with FlopCounterMode(display=False) as counter:
        module(torch.randn(1, *shape))
    assert 2 * LAYERS[layer.kind].cost(layer, shape).macs == counter.get_total_flops()


def test_planning_allocates_nothing_even_for_a_huge_layer():
    import time

    start = time.perf_counter()
    with pytest.raises(ShapeError, match="units must be between 1 and"):
        plan([L("linear", 134_217_728)], (2,), 2)
    planned = plan([L("conv2d", 4096, kernel=1), L("flatten")], (1, 8, 8), 10)
    assert planned[0].parameters == 4096 * 2 and time.perf_counter() - start < 0.05
