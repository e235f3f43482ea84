"""The written-out backpropagation (dl_core.nets.backprop) against autograd: the same loss and the same gradient
for every activation, every loss, each regulariser; the Trainer takes it only where it fits, and training with it
follows autograd's training step for step."""

import copy

import pytest
import torch

from dl_core import LayerSpec, Trainer, make_run
from dl_core.nets import backprop
from dl_core.nets.mlp import ACTIVATIONS, build_mlp
from dl_core.objective import LOSSES, losses_for, objective
from helpers.specs import playground

L = LayerSpec
TASKS = {"binary": 2, "multiclass": 3, "regression": 0}


def test_every_activation_and_loss_of_the_app_is_written_out():
    assert set(backprop.ACTIVATIONS) == set(ACTIVATIONS)
    assert set(backprop.LOSSES) == set(LOSSES)


def _batch(goal, n=12, n_inputs=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, n_inputs, generator=g) * 2  # wide enough to reach every activation's bends
    labels = (torch.randn(n, generator=g) if goal.n_classes == 0
              else torch.randint(0, goal.n_classes, (n,), generator=g))
    return x, goal.target(labels)


def _autograd(model, goal, x, target, regularization, rate):
    """The loss on the batch, and every parameter's gradient of the loss plus the penalty."""
    model = copy.deepcopy(model)
    loss = goal.loss(model(x), target)
    weights = [p for p in model.parameters() if p.dim() >= 2]
    total = loss
    if regularization == "l1":
        total = loss + rate * sum(w.abs().sum() for w in weights)
    elif regularization == "l2":
        total = loss + rate * 0.5 * sum((w * w).sum() for w in weights)
    total.backward()
    return loss.detach(), [p.grad for p in model.parameters()]


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("task, loss", [(task, loss) for task, n in TASKS.items() for loss in losses_for(n)])
def test_the_loss_and_every_gradient_are_autograds(activation, task, loss):
    goal = objective(loss, TASKS[task])
    model = build_mlp(3, [(5, activation), (4, activation)], goal.n_outputs, 0.0, "xavier", seed=1)
    x, target = _batch(goal)
    regularization = {"tanh": "l1", "relu": "l2"}.get(activation, "none")  # each regulariser on some rows
    expected_loss, expected = _autograd(model, goal, x, target, regularization, 0.01)
    loss = backprop.WrittenOut(model, goal).step(x, target, regularization, 0.01)
    torch.testing.assert_close(loss, expected_loss)
    for p, grad in zip(model.parameters(), expected):
        torch.testing.assert_close(p.grad, grad, rtol=1e-5, atol=1e-7)


def test_a_network_without_hidden_layers_and_relu_exactly_at_its_kink():
    goal = objective("bce", 2)
    bare = build_mlp(3, [], 1, 0.0, "xavier", seed=0)
    x, target = _batch(goal)
    _, expected = _autograd(bare, goal, x, target, "none", 0)
    backprop.WrittenOut(bare, goal).step(x, target, "none", 0)
    for p, grad in zip(bare.parameters(), expected):
        torch.testing.assert_close(p.grad, grad)
    kinked = build_mlp(3, [(4, "relu")], 1, 0.0, "zeros", seed=0)  # every z is exactly 0
    _, expected = _autograd(kinked, goal, x, target, "none", 0)
    backprop.WrittenOut(kinked, goal).step(x, target, "none", 0)
    for p, grad in zip(kinked.parameters(), expected):
        torch.testing.assert_close(p.grad, grad)


@pytest.mark.parametrize("changes, fits", [
    ({}, True),
    ({"dropout": 0.2}, False),
    ({"norm": True}, False),
    ({"skip": True, "hidden": (L(4), L(4))}, False),
])
def test_the_trainer_writes_out_only_the_networks_it_fits(changes, fits):
    trainer = make_run(playground(**changes)).trainer
    assert (trainer.written_out is not None) == fits


@pytest.mark.parametrize("optimizer, reg, clip", [("sgd", "none", 0.0), ("sgd", "l2", 0.5), ("adam", "l1", 0.0),
                                                   ("momentum", "none", 0.0)])
def test_training_follows_autograds_training_step_for_step(optimizer, reg, clip):
    spec = playground("spiral", ("x1", "x2", "sinx1", "sinx2"), (L(6, "relu"), L(4, "tanh")), optimizer=optimizer,
                      reg=reg, rate=0.01 if reg != "none" else 0.0, clip=clip, lr=0.03)
    fast, slow = make_run(spec).trainer, make_run(spec).trainer
    assert fast.written_out is not None
    slow.written_out = None  # autograd's way
    fast.step(60)
    slow.step(60)
    assert fast.history.train_loss == pytest.approx(slow.history.train_loss, rel=1e-4)
    for p, q in zip(fast.model.parameters(), slow.model.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)


def test_a_hook_on_a_module_is_called_while_training():
    """A probe or an observer that hooks a module sees it run: the step then goes autograd's way."""
    trainer = make_run(playground()).trainer
    modes = []  # True: a training step ran the module (with a graph); False: an evaluation did
    handle = trainer.model.hidden[0].register_forward_hook(lambda module, args, out: modes.append(
        torch.is_grad_enabled()))
    trainer.step(2)
    handle.remove()
    assert modes.count(True) == 2
    assert trainer.written_out is not None and not trainer.written_out.hooked()


def test_events_see_the_gradients_and_the_update():
    trainer = make_run(playground()).trainer
    seen = {}
    trainer.on("after_backward", lambda t: seen.update(grad=[p.grad.clone() for p in t.model.parameters()],
                                                       before=[p.detach().clone() for p in t.model.parameters()]))
    trainer.on("after_step", lambda t: seen.update(after=[p.detach().clone() for p in t.model.parameters()]))
    trainer.step(1)
    lr = trainer.hyper.learning_rate
    for grad, before, after in zip(seen["grad"], seen["before"], seen["after"]):
        torch.testing.assert_close(after, before - lr * grad)


def test_a_trainer_built_from_parts_writes_out_too():
    run = make_run(playground())
    trainer = Trainer(run.model, run.objective, run.data, run.trainer.hyper, 0)
    assert trainer.written_out is not None and trainer.step(3) == 3
