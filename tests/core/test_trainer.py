import math

import numpy as np
import pytest
import torch

from dl_core import DATASETS, InvalidSpec, LayerSpec, Trainer, TrainSpec, make_run
from helpers.specs import playground

L = LayerSpec
SPIRAL_FEATURES = ("x1", "x2", "sinx1", "sinx2")
# dataset: (features, hidden layers, loss, what the test split must reach after 600 full-batch Adam steps)
LEARNABLE = {
    "circle": (("x1", "x2"), (L(8, "tanh"),), "bce", ("test_accuracy", ">=", 0.95)),
    "xor": (("x1", "x2"), (L(8, "tanh"),), "bce", ("test_accuracy", ">=", 0.95)),
    "gauss": (("x1", "x2"), (), "bce", ("test_accuracy", ">=", 0.97)),
    "spiral": (SPIRAL_FEATURES, (L(16, "tanh"), L(16, "tanh")), "bce", ("test_accuracy", ">=", 0.9)),
    "moons": (("x1", "x2"), (L(8, "tanh"),), "bce", ("test_accuracy", ">=", 0.97)),
    "blobs3": (("x1", "x2"), (L(8, "tanh"),), "cross_entropy", ("test_accuracy", ">=", 0.97)),
    "spiral3": (SPIRAL_FEATURES, (L(16, "tanh"), L(16, "tanh")), "cross_entropy", ("test_accuracy", ">=", 0.9)),
    "plane": (("x1", "x2"), (), "mse", ("test_loss", "<=", 0.001)),
    "multi_gauss": (("x1", "x2"), (L(16, "tanh"), L(8, "tanh")), "mse", ("test_loss", "<=", 0.02)),
}


spec_for = playground


def trainer_for(spec, record_every=None) -> Trainer:
    """The run's trainer, or (with ``record_every``) a Trainer built from the same parts."""
    run = make_run(spec)
    if record_every is None:
        return run.trainer
    return Trainer(run.model, run.objective, run.data, spec.train, spec.seed, record_every=record_every)


def test_every_dataset_has_a_learnability_check():
    assert set(LEARNABLE) == set(DATASETS)


@pytest.mark.parametrize("dataset", list(LEARNABLE))
def test_each_dataset_is_learnt_by_a_small_net(dataset):
    features, hidden, loss, (metric, op, target) = LEARNABLE[dataset]
    trainer = trainer_for(spec_for(dataset, features, hidden, loss, "adam", 0.03, batch=2000))
    untrained = trainer.history.last(metric)
    trainer.step(600)
    reached = trainer.history.last(metric)
    assert (reached >= target) if op == ">=" else (reached <= target), f"{metric} {reached:.4f}"
    assert reached != untrained


def test_step_n_runs_n_steps_and_records_each_by_default():
    trainer = trainer_for(spec_for("circle"), record_every=1)
    assert trainer.step(7) == 7
    assert trainer.step_count == 7 and trainer.history.step == list(range(8))
    assert trainer.epoch == pytest.approx(7 * 10 / 350)


def test_record_every_none_records_once_per_call():
    trainer = trainer_for(spec_for("circle"))
    trainer.step(25)
    trainer.step(25)
    assert trainer.history.step == [0, 25, 50]


def test_minibatches_visit_every_training_point_once_per_epoch():
    trainer = trainer_for(spec_for("circle", batch=35))  # 350 training points: 10 batches an epoch
    seen = []
    trainer.on("after_backward", lambda t: None)
    original = trainer._next_batch

    def spy():
        x, y = original()
        seen.append(x)
        return x, y

    trainer._next_batch = spy
    trainer.step(10)
    visited = torch.cat(seen)
    assert visited.shape[0] == 350
    assert torch.unique(visited, dim=0).shape[0] == torch.unique(trainer.x_train, dim=0).shape[0]


def test_events_fire_in_order_with_gradients_before_the_update():
    trainer = trainer_for(spec_for("xor"))
    weight = trainer.model.output.weight
    log = []

    def after_backward(t):
        log.append("after_backward")
        assert weight.grad is not None
        after_backward.before = weight.detach().clone()

    def after_step(t):
        log.append("after_step")
        expected = after_backward.before - t.hyper.learning_rate * weight.grad  # plain SGD
        torch.testing.assert_close(weight.detach(), expected)

    trainer.on("after_backward", after_backward)
    unsubscribe = trainer.on("after_step", after_step)
    trainer.step(2)
    assert log == ["after_backward", "after_step"] * 2
    unsubscribe()
    trainer.step(1)
    assert log.count("after_step") == 2


def test_learning_rate_changes_without_a_reset():
    trainer = trainer_for(spec_for("circle"))
    trainer.step(5)
    new = TrainSpec(learning_rate=0.3, batch_size=50)
    trainer.set_hyper(new)
    assert trainer.step_count == 5
    assert trainer.optimizer.param_groups[0]["lr"] == 0.3 and trainer.batch_size == 50
    with pytest.raises(ValueError, match="new Trainer"):
        trainer.set_hyper(TrainSpec(optimizer="adam"))


def test_same_spec_trains_to_the_same_numbers():
    a, b = trainer_for(spec_for("spiral")), trainer_for(spec_for("spiral"))
    a.step(30)
    b.step(30)
    assert a.history.test_loss == b.history.test_loss


def test_dropout_masks_are_the_runs_own_whatever_else_draws_random_numbers():
    """Two runs of one seed with dropout train to the same numbers, though other code draws from torch's
    global generator between their steps; the global generator is left where that code put it."""
    spec = spec_for("spiral", dropout=0.5)
    a, b = trainer_for(spec), trainer_for(spec)
    for _ in range(5):
        a.step(3)
        torch.rand(7)  # another learner's run, an analysis
        after = torch.get_rng_state()
        b.step(3)
        assert torch.equal(torch.get_rng_state(), after), "training leaves the global generator alone"
    assert a.history.train_loss == b.history.train_loss
    c = trainer_for(spec_for("spiral", dropout=0.5, seed=1))
    c.step(15)
    assert c.history.train_loss != a.history.train_loss, "another seed, other masks"


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_regularisation_adds_its_formula_over_weights_only(kind):
    trainer = trainer_for(spec_for("circle", reg=kind, rate=0.1))
    weights = [lin.weight for lin in trainer.model.linears]
    expected = (0.1 * sum(w.abs().sum() for w in weights) if kind == "l1"
                else 0.1 * 0.5 * sum((w ** 2).sum() for w in weights))
    torch.testing.assert_close(trainer.penalty(), expected)


def test_l2_shrinks_the_weights():
    plain, shrunk = trainer_for(spec_for("circle")), trainer_for(spec_for("circle", reg="l2", rate=1.0))
    plain.step(200)
    shrunk.step(200)
    norm = lambda t: sum(lin.weight.norm() ** 2 for lin in t.model.linears)  # noqa: E731
    assert norm(shrunk) < 0.5 * norm(plain)


def test_divergence_is_caught_reported_and_stops_training():
    trainer = trainer_for(spec_for("plane", hidden=(L(8, "relu"), L(8, "relu")), loss="mse", lr=10.0, init="large"))
    done = trainer.step(200)
    assert trainer.diverged and "learning rate (10)" in trainer.diverged
    assert done < 200 and trainer.step(5) == 0
    assert all(math.isfinite(v) for v in trainer.history.train_loss), "no NaN is recorded"


def test_invalid_spec_is_refused_with_its_messages():
    with pytest.raises(InvalidSpec, match="Input features needs at least one input feature"):
        make_run(spec_for("circle", features=()))


def test_confusion_matrix_counts_the_test_split():
    trainer = trainer_for(spec_for("blobs3", loss="cross_entropy"))
    trainer.step(50)
    counts = trainer.confusion_matrix("test")
    assert counts.shape == (3, 3) and counts.sum() == 150
    assert np.trace(counts) / 150 == pytest.approx(trainer.history.last("test_accuracy"))


def test_step_on_one_example_is_one_real_optimiser_step():
    trainer = trainer_for(spec_for("circle", optimizer="sgd", lr=0.1))
    x, target = trainer.x_train[:1], trainer.t_train[:1]
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    loss = trainer.objective.loss(trainer.model(x), target)
    grads = dict(zip(before, torch.autograd.grad(loss, list(trainer.model.parameters()))))
    trainer.step_on(x, target)
    for name, p in trainer.model.named_parameters():
        torch.testing.assert_close(p.detach(), before[name] - 0.1 * grads[name])
    assert trainer.step_count == 1 and trainer.history.step == [0, 1]


def test_clipping_caps_the_update_norm():
    trainer = trainer_for(spec_for("circle", optimizer="sgd", lr=1.0, clip=0.01, batch=2000))
    before = torch.cat([p.detach().reshape(-1).clone() for p in trainer.model.parameters()])
    trainer.step(1)
    after = torch.cat([p.detach().reshape(-1) for p in trainer.model.parameters()])
    assert (after - before).norm().item() == pytest.approx(0.01, rel=1e-4), "lr 1 × a gradient clipped to 0.01"
    trainer.set_hyper(TrainSpec(learning_rate=1.0, batch_size=2000, grad_clip=0.0))
    trainer.step(1)
    assert (torch.cat([p.detach().reshape(-1) for p in trainer.model.parameters()]) - after).norm() > 0.05


def test_no_module_of_dl_cores_own_computes_differently_in_train_and_eval_mode():
    """``mode_free`` counts dl_core's own modules as computing the same in both modes, so that the Trainer
    need not switch their mode: none of them may read ``self.training`` (a dropout of their own would)."""
    import importlib
    import inspect
    import pkgutil

    import dl_core
    from dl_core.trainer import mode_free

    found = []
    for info in pkgutil.walk_packages(dl_core.__path__, "dl_core."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, torch.nn.Module) and cls.__module__ == info.name:
                found.append(cls)
                assert ".training" not in inspect.getsource(cls), f"{cls.__qualname__} reads its mode"
    assert len(found) >= 5, "dl_core's modules were not found"
    assert not mode_free(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5)))
    assert mode_free(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh()))
