import math

import numpy as np
import pytest
import torch

from dl_core import from_preset, from_query, make_run
from dl_core.analyses.metrics import METRICS, NotMeasurable, gradient_norms, measure
from dl_core.observe.gradients import GradientFlow
from helpers.specs import L, playground, trained


def test_sizes_are_counted_from_the_spec_and_the_model():
    run = make_run(playground(hidden=(L(4), L(3, "relu")), features=("x1", "x2", "x1sq")))
    assert measure("hidden_neurons", run) == 7 and measure("hidden_layers", run) == 2
    assert measure("parameters", run) == (3 * 4 + 4) + (4 * 3 + 3) + (3 + 1)
    assert measure("multiply_adds", run) == run.spec.work().macs
    wine = {"kind": "builder", "task": "wine", "layers": "linear:8,activation,dropout,linear:5"}
    builder = make_run(from_query(wine)[0])
    assert measure("hidden_neurons", builder) == 13 and measure("hidden_layers", builder) == 2


def test_group_accuracies_are_computed_per_group():
    run = make_run(from_preset("groups"))
    with torch.no_grad():  # a network that answers "yes" (class 1) for everyone
        for p in run.model.parameters():
            p.zero_()
        run.model[-1].bias.copy_(torch.tensor([0.0, 1.0]))
    y, g = run.data.y_test.numpy(), run.data.test_groups.numpy()
    share_yes = [float(np.mean(y[g == k] == 1)) for k in (0, 1)]
    assert measure("group_accuracy_gap", run) == pytest.approx(abs(share_yes[0] - share_yes[1]))
    assert measure("worst_group_accuracy", run) == pytest.approx(min(share_yes))
    assert measure("worst_group", run) == ("group A", "group B")[int(np.argmin(share_yes))]
    assert measure("smallest_group_share", run) == pytest.approx(0.02)
    with pytest.raises(NotMeasurable, match="no groups"):
        measure("group_accuracy_gap", make_run(playground()))


def test_fresh_gradients_are_the_whole_training_sets_and_leave_the_runs_own_alone():
    run = trained(playground(hidden=(L(4), L(3))), 5)
    before = [None if p.grad is None else p.grad.clone() for p in run.model.parameters()]
    names, norms = gradient_norms(run)
    model, t = run.model, run.trainer
    model.zero_grad()
    model.eval()
    t.objective.loss(model(t.x_train), t.t_train).backward()
    expected = [lin.weight.grad.norm().item() for lin in model.linears]
    assert names == ["layer 1 (tanh)", "layer 2 (tanh)", "output"]
    np.testing.assert_allclose(norms, expected, rtol=1e-5)
    model.zero_grad()
    for p, grad in zip(model.parameters(), before):
        p.grad = grad
    assert measure("smallest_gradient_layer", run) == names[int(np.argmin(norms))]
    assert measure("gradient_ratio", run) == pytest.approx(norms[0] / norms[-1])


def test_with_the_gradient_flow_probe_the_metrics_read_what_the_lab_shows():
    run = make_run(playground(hidden=(L(8, "sigmoid"),) * 6))
    flow = run.probe("gradflow", GradientFlow)
    run.trainer.step(30)
    names, norms = gradient_norms(run)
    assert names == flow.names and np.array_equal(norms, flow.recent_grad_norms())
    assert measure("smallest_gradient_layer", run) == "layer 1 (sigmoid)"
    assert measure("gradient_ratio", run) < 1e-2


def test_dead_units_and_sparse_weights():
    run = make_run(playground(hidden=(L(4, "relu"), L(4, "relu"))))
    with torch.no_grad():
        run.model.hidden[0].linear.bias.fill_(-100.0)  # the first layer never fires, so the second sees zeros
        run.model.hidden[1].linear.bias.fill_(1.0)
    assert measure("dead_share", run) == pytest.approx(0.5)
    with pytest.raises(NotMeasurable, match="no relu units"):
        measure("dead_share", make_run(playground()))
    with torch.no_grad():
        weights = [p for p in run.model.parameters() if p.dim() >= 2]
        for w in weights:
            w.fill_(0.5)
        weights[0].zero_()
    total = sum(w.numel() for w in weights)
    assert measure("near_zero_weights", run) == pytest.approx(weights[0].numel() / total)
    assert measure("mean_weight_size", run) == pytest.approx(0.5 * (total - weights[0].numel()) / total)


def test_how_far_the_test_loss_rose_above_its_best():
    run = make_run(playground())
    for _ in range(4):
        run.trainer.step(25)
    history = run.trainer.history.test_loss
    assert measure("test_loss_above_best", run) == pytest.approx(history[-1] - min(history), abs=1e-6)


def test_an_attack_lowers_the_accuracy_and_keeps_pixels_in_range():
    run = make_run(from_query({"kind": "builder", "task": "digits", "layers": "flatten,linear:32,activation:relu"})[0])
    run.trainer.step(150)
    clean = measure("test_accuracy", run)
    attacked = measure("adversarial_accuracy", run)
    assert clean > 0.9 and attacked < clean - 0.2
    with pytest.raises(NotMeasurable, match="predicts numbers"):
        measure("adversarial_accuracy", make_run(from_preset("gru_sine")))


NO_GROUPS = ("worst_group", "group_accuracy_gap", "worst_group_accuracy", "smallest_group_share")


def test_every_metric_measures_a_run_or_says_why_not():
    """A 2D network's run has a value for every metric but those about groups."""
    run = trained(playground(hidden=(L(4, "relu"), L(2))), 20)
    for name, metric in METRICS.items():
        try:
            value = measure(name, run)
        except NotMeasurable as why:
            assert name in NO_GROUPS and str(why), name
            continue
        if metric.kind == "name":
            assert value in metric.choices(run), name
        else:
            assert isinstance(value, float) and not math.isnan(value), name
            assert metric.rounded(value) == pytest.approx(value, abs=10 ** -metric.decimals), name


def test_values_are_written_and_compared_as_a_learner_reads_them():
    accuracy = METRICS["test_accuracy"]
    assert accuracy.written(0.8999999) == "0.900" and accuracy.rounded(0.8999999) == 0.9
    assert METRICS["parameters"].written(1898.0) == "1,898" and accuracy.written(2.3e-5) == "2.3e-05"
    with pytest.raises(NotMeasurable, match="no accuracy"):
        measure("test_accuracy", make_run(from_preset("gru_sine")))
