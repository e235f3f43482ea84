from dataclasses import replace

import pytest
import torch

from dl_core import (
    PRESETS, BuilderSpec, DataSpec, InvalidSpec, LayerDef, PlaygroundSpec, TrainSpec, follow, make_run,
)
from helpers.specs import playground


def test_the_default_builder_spec_is_the_lenet_on_digits_and_learns():
    run = make_run(BuilderSpec())
    trainer = run.trainer
    assert tuple(trainer.x_train.shape[1:]) == (1, 8, 8) and run.plane is None
    trainer.step(40)
    assert trainer.history.test_accuracy[-1] > trainer.history.test_accuracy[0] + 0.3
    assert trainer.confusion_matrix("test").shape == (10, 10)


def test_a_playground_run_draws_its_points_on_the_plane_and_feeds_the_features():
    run = make_run(playground("xor", features=("x1", "x2", "x1x2")))
    points, labels = run.plane.train
    assert points.shape[1] == 2 and run.trainer.x_train.shape[1] == 3
    torch.testing.assert_close(run.trainer.x_train[:, 2], torch.as_tensor(points[:, 0] * points[:, 1]))
    assert run.data.feature_names == ("x₁", "x₂", "x₁·x₂")


def test_the_builders_points_task_has_a_plane_too():
    run = make_run(PRESETS["mlp"].spec)
    assert run.plane is not None and run.trainer.x_train.shape[1] == 2


def test_regression_tasks_train_with_squared_error():
    run = make_run(PRESETS["gru_sine"].spec)
    run.trainer.step(60)
    assert run.trainer.history.test_loss[-1] < 0.5 * run.trainer.history.test_loss[0]


def test_a_spec_that_cannot_be_built_raises_with_its_problems_before_allocating():
    with pytest.raises(InvalidSpec) as error:
        make_run(BuilderSpec(layers=(LayerDef("linear", 4),)))
    assert "add Flatten first" in error.value.problems[0]


def test_an_over_budget_network_is_refused_naming_the_budget():
    """The digits, batch 2000, a 512-filter 1×1 convolution and 19 BatchNorm layers: 8–9 s and 3.8 GB a step."""
    hog = BuilderSpec(layers=(LayerDef("conv2d", 512, 1),) + (LayerDef("batchnorm"),) * 19 + (LayerDef("maxpool"),) * 3
                      + (LayerDef("flatten"),), train=TrainSpec("cross_entropy", "adam", 0.01, 2000))
    with pytest.raises(InvalidSpec) as error:
        make_run(hog)
    message = " ".join(error.value.problems)
    assert "the training-step memory budget is" in message and "smaller batch" in message


def test_follow_keeps_a_run_for_new_training_settings_and_rebuilds_it_for_a_new_network():
    spec = playground()
    run = make_run(spec)
    run.trainer.step(5)
    faster = replace(spec, train=replace(spec.train, learning_rate=0.3, grad_clip=1.0))
    assert follow(run, faster) is run and run.trainer.optimizer.param_groups[0]["lr"] == 0.3
    assert run.trainer.hyper.grad_clip == 1.0 and run.trainer.step_count == 5
    viewed = replace(faster, view=replace(faster.view, show_test=True))
    assert follow(run, viewed) is run and run.spec.view.show_test
    other = replace(spec, data=DataSpec("spiral"))
    rebuilt = follow(run, other)
    assert rebuilt is not run and rebuilt.trainer.step_count == 0
    assert follow(rebuilt, BuilderSpec()).spec.kind == "builder"


def test_a_fresh_run_starts_again_from_the_same_weights():
    run = make_run(PlaygroundSpec())
    first = [p.detach().clone() for p in run.model.parameters()]
    run.trainer.step(10)
    again = run.fresh()
    assert again.trainer.step_count == 0
    assert all(torch.equal(a, b) for a, b in zip(first, again.model.parameters()))


def test_named_initialisation_reaches_the_builders_convolutions():
    default, he = make_run(BuilderSpec()), make_run(BuilderSpec(init="he"))
    assert not torch.equal(default.model[0].weight, he.model[0].weight)
    assert torch.all(he.model[0].bias == 0)
    fan_in = 9
    assert he.model[0].weight.std().item() == pytest.approx((2 / fan_in) ** 0.5, rel=0.5)


def test_regularisation_reaches_convolution_weights_not_biases():
    spec = BuilderSpec()
    trainer = make_run(replace(spec, train=replace(spec.train, regularization="l2", reg_rate=0.1))).trainer
    weights = [p for name, p in trainer.model.named_parameters() if name.endswith("weight")]
    assert any(p.dim() == 4 for p in weights)
    expected = 0.1 * 0.5 * sum((p ** 2).sum() for p in weights)
    assert abs(trainer.penalty().item() - expected.item()) < 1e-4
    trainer.step(2)
