"""What a lesson may ask of a learner's run, by name: one registry of metrics, each measuring a ``Run``.

A lesson's check names a metric ("test_loss", "smallest_gradient_layer", "group_accuracy_gap") and
never carries code; the engine looks the name up here. A metric gives a number or a name (a layer, a
class, a group); one that means nothing for a run (accuracy of a regression, groups of data without
groups) raises ``NotMeasurable`` with a sentence a learner can act on. Measuring never trains and never
changes the run: gradients are taken with ``torch.autograd.grad``, not into ``p.grad``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ..errors import Refusal
from ..nets.layers import LayerDef
from ..observe.gradients import unit_stats, weight_layers
from ..runs import Run
from ..specs import budget
from ..trainer import evaluating
from .landscape import sharpness as landscape_sharpness

NUMBER, NAME = "number", "name"
ADVERSARIAL_SHARE = 0.1  # the attack's nudge, as a share of the range the test inputs span
WEIGHTED_KINDS = ("linear", "conv2d", "rnn", "lstm", "gru", "attention", "residual")  # Builder layers with weights
UNIT_KINDS = ("linear", "rnn", "lstm", "gru")  # Builder layers whose size counts neurons
NEAR_ZERO = 0.01  # a weight this small does (almost) nothing: what L1 regularisation drives weights to


class NotMeasurable(Refusal):
    """A metric that means nothing for this run; the message says why, in a learner's words."""


@dataclass(frozen=True)
class Metric:
    name: str
    label: str  # how a sentence names it: "the test loss"
    kind: str  # NUMBER or NAME
    measure: Callable[[Run], float | str]
    explanation: str
    choices: Callable[[Run], list[str]] | None = None  # NAME metrics: every name the answer could be
    decimals: int = 3  # how many a verdict writes

    def written(self, value: float | str) -> str:
        """The value as a verdict writes it: 0.153, 1,898, 94.2 %, or a name."""
        if isinstance(value, str):
            return value
        if self.decimals == 0:
            return f"{value:,.0f}"
        return f"{value:.{self.decimals}g}" if abs(value) < 1e-3 and value != 0 else f"{value:,.{self.decimals}f}"

    def rounded(self, value: float) -> float:
        """The value as written, as a number: what a verdict compares, so that 0.8999999, written 0.900,
        meets a goal of 0.9."""
        return float(self.written(value).replace(",", ""))


# ---------------------------------------------------------------- losses and accuracies


def _evaluated(run: Run, name: str) -> float:
    value = run.trainer.evaluate()[name]
    if math.isnan(value) and name.endswith("accuracy"):
        raise NotMeasurable("this network predicts numbers, not classes, so it has no accuracy: ask for its loss")
    return value


def rise_above_best_test_loss(run: Run) -> float:
    """How far the test loss now is above the lowest it has been at any recorded step: about 0 when training
    stopped at the right moment (early stopping), large when it went on long after."""
    now = _evaluated(run, "test_loss")
    recorded = [v for v in run.trainer.history.test_loss if math.isfinite(v)]
    return now - min(recorded + [now])


def diverged(run: Run) -> float:
    return 1.0 if run.trainer.diverged else 0.0


# ---------------------------------------------------------------- size and cost


def parameters(run: Run) -> float:
    return float(sum(p.numel() for p in run.model.parameters()))


def multiply_adds(run: Run) -> float:
    return float(run.work.macs)


def _builder_layers(run: Run) -> tuple[LayerDef, ...] | None:
    return getattr(run.spec, "layers", None) if run.spec.kind == "builder" else None


def hidden_neurons(run: Run) -> float:
    """The 2D network's hidden neurons; a Builder network's units in Linear and recurrent layers (not the
    output layer, not convolution filters)."""
    layers = _builder_layers(run)
    if layers is None:
        return float(sum(layer.width for layer in run.spec.model.hidden))
    return float(sum(layer.size for layer in layers if layer.kind in UNIT_KINDS))


def hidden_layers(run: Run) -> float:
    """The 2D network's hidden layers; a Builder network's layers with weights (not the output layer)."""
    layers = _builder_layers(run)
    if layers is None:
        return float(len(run.spec.model.hidden))
    return float(sum(layer.kind in WEIGHTED_KINDS for layer in layers))


def _weights(run: Run) -> torch.Tensor:
    """Every weight (parameters of two or more dimensions, as regularisation sees them), as one vector."""
    return torch.cat([p.detach().reshape(-1) for p in run.model.parameters() if p.dim() >= 2])


def near_zero_weights(run: Run) -> float:
    return float((_weights(run).abs() < NEAR_ZERO).float().mean())


def mean_weight_size(run: Run) -> float:
    return float(_weights(run).abs().mean())


# ---------------------------------------------------------------- gradients and units


def gradient_norms(run: Run) -> tuple[list[str], np.ndarray]:
    """(layer names, the size ‖∇W‖ of each layer's weight gradient), first layer first. From the Gradient Flow
    probe when it has recorded steps (the numbers that lab shows, averaged over its recent records); else from
    one gradient of the loss on the whole training set, taken without touching the run's own gradients."""
    flow = run.probes.get("gradflow")
    recent = flow.recent_grad_norms() if flow is not None else None
    if recent is not None:
        return list(flow.names), recent
    trainer = run.trainer
    problem = budget.over(budget.EVALUATION_WORK, budget.STEP_COST * len(trainer.x_train) * run.work.macs,
                          "One gradient on the whole training set", run.work.largest)
    if problem:
        raise NotMeasurable(problem + " Open the Gradient Flow lab and train a few steps: it measures as it goes")
    named = weight_layers(trainer)
    with torch.enable_grad(), evaluating(trainer.model):
        loss = trainer.objective.loss(trainer.model(trainer.x_train), trainer.t_train)
        grads = torch.autograd.grad(loss, [w for _, w in named], allow_unused=True)
    norms = [0.0 if g is None else float(g.norm()) for g in grads]
    return [name for name, _ in named], np.array(norms)


def _layer_names(run: Run) -> list[str]:
    return [name for name, _ in weight_layers(run.trainer)]


def smallest_gradient_layer(run: Run) -> str:
    names, norms = gradient_norms(run)
    return names[int(np.argmin(norms))]


def largest_gradient_layer(run: Run) -> str:
    names, norms = gradient_norms(run)
    return names[int(np.argmax(norms))]


def gradient_ratio(run: Run) -> float:
    """The first layer's gradient size ÷ the output layer's: near 1 when gradients reach the first layer
    intact, 0.001 or less when they vanish on the way back."""
    _, norms = gradient_norms(run)
    if len(norms) < 2:
        raise NotMeasurable("this network has only one layer of weights, so there is no first and last to compare")
    return float(norms[0] / norms[-1]) if norms[-1] > 0 else math.inf


def _unit_shares(run: Run, which: str, activations: tuple[str, ...]) -> float:
    shares = [getattr(s, which) for s in unit_stats(run.trainer) if s.activation in activations]
    if not shares:
        raise NotMeasurable(f"this network has no {' or '.join(activations)} units")
    return float(np.mean(shares))


def dead_share(run: Run) -> float:
    """The share of ReLU units that output 0 for every training example, averaged over the ReLU layers."""
    return _unit_shares(run, "dead_share", ("relu",))


def saturated_share(run: Run) -> float:
    """The share of sigmoid and tanh outputs within 1 % of their bounds, averaged over those layers."""
    return _unit_shares(run, "saturated_share", ("sigmoid", "tanh"))


def sharpness(run: Run) -> float:
    """The largest curvature of the loss at the current weights (the Hessian's top eigenvalue): large in a
    sharp minimum, small in a flat one. The Loss Landscape lab shows the same number."""
    try:
        return float(landscape_sharpness(run).eigenvalue)
    except budget.OverBudget as refused:
        raise NotMeasurable(str(refused)) from None


# ---------------------------------------------------------------- classes and groups


def _test_predictions(run: Run) -> tuple[torch.Tensor, torch.Tensor]:
    if not run.objective.is_classification:
        raise NotMeasurable("this network predicts numbers, not classes")
    return run.trainer.predictions("test")


def class_accuracies(run: Run) -> dict[str, float]:
    """Each class's accuracy on the test set (the share of its examples predicted right)."""
    predicted, truth = _test_predictions(run)
    return {run.data.class_name(c): float((predicted[truth == c] == c).float().mean())
            for c in range(run.objective.n_classes) if bool((truth == c).any())}


def worst_class(run: Run) -> str:
    accuracies = class_accuracies(run)
    return min(accuracies, key=accuracies.get)


def _class_names(run: Run) -> list[str]:
    return [run.data.class_name(c) for c in range(run.objective.n_classes)]


def group_accuracies(run: Run) -> dict[str, float]:
    """Accuracy on the test examples of each group, for data about groups."""
    groups = run.data.test_groups
    if groups is None:
        raise NotMeasurable("this data has no groups to compare: choose a task about two groups")
    predicted, truth = _test_predictions(run)
    groups = groups.to(predicted.device)
    names = run.data.group_names
    return {names[g] if g < len(names) else f"group {g}": float((predicted[groups == g] == truth[groups == g])
                                                              .float().mean())
            for g in sorted(set(groups.tolist()))}


def group_accuracy_gap(run: Run) -> float:
    """The best group's test accuracy minus the worst group's: 0 when the network serves every group alike."""
    accuracies = group_accuracies(run).values()
    return max(accuracies) - min(accuracies)


def worst_group_accuracy(run: Run) -> float:
    return min(group_accuracies(run).values())


def worst_group(run: Run) -> str:
    accuracies = group_accuracies(run)
    return min(accuracies, key=accuracies.get)


def _group_names(run: Run) -> list[str]:
    return list(run.data.group_names)


def smallest_group_share(run: Run) -> float:
    """The share of the training set that the rarest group makes up."""
    groups = run.data.train_groups
    if groups is None:
        raise NotMeasurable("this data has no groups: choose a task about two groups")
    return float(torch.bincount(groups).min()) / len(groups)


# ---------------------------------------------------------------- robustness


def adversarial_accuracy(run: Run) -> float:
    """Test accuracy after each test input is nudged against the network by the fast gradient sign method
    (Goodfellow et al. 2015, https://arxiv.org/abs/1412.6572): every input value moves by 10 % of the range the
    inputs span, in the direction that raises the loss most. Images stay within their pixel range."""
    trainer = run.trainer
    if not run.objective.is_classification:
        raise NotMeasurable("this network predicts numbers, not classes")
    x, target, y = trainer.x_test, trainer.t_test, trainer.y_test
    problem = budget.over(budget.EVALUATION_WORK, (budget.STEP_COST + 1) * len(x) * run.work.macs,
                          f"Nudging all {len(x):,} test examples against the network", run.work.largest)
    if problem:
        raise NotMeasurable(problem)
    low, high = float(x.min()), float(x.max())
    epsilon = ADVERSARIAL_SHARE * (high - low)
    with evaluating(trainer.model):
        with torch.enable_grad():
            nudged = x.detach().clone().requires_grad_(True)
            (grad,) = torch.autograd.grad(trainer.objective.loss(trainer.model(nudged), target), nudged)
        attacked = x + epsilon * grad.sign()
        if run.data.input_kind == "image":
            attacked = attacked.clamp(low, high)
        with torch.no_grad():
            return float((trainer.objective.predict(trainer.model(attacked)) == y).float().mean())


# ---------------------------------------------------------------- the registry


def _number(name: str, label: str, measure: Callable[[Run], float], explanation: str, decimals: int = 3) -> Metric:
    return Metric(name, label, NUMBER, measure, explanation, decimals=decimals)


def _name(name: str, label: str, measure: Callable[[Run], str], choices: Callable[[Run], list[str]],
          explanation: str) -> Metric:
    return Metric(name, label, NAME, measure, explanation, choices)


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        _number("step", "the number of training steps", lambda run: float(run.trainer.step_count),
                "Optimiser steps taken since the network was reset.", 0),
        _number("epoch", "the number of epochs", lambda run: run.trainer.epoch,
                "How many times training has gone through the training set.", 2),
        _number("train_loss", "the training loss", lambda run: _evaluated(run, "train_loss"),
                "The loss on the training set (without the regularisation term)."),
        _number("test_loss", "the test loss", lambda run: _evaluated(run, "test_loss"),
                "The loss on the test set, which the network never trains on."),
        _number("train_accuracy", "the training accuracy", lambda run: _evaluated(run, "train_accuracy"),
                "The share of training examples the network gets right (0 to 1)."),
        _number("test_accuracy", "the test accuracy", lambda run: _evaluated(run, "test_accuracy"),
                "The share of test examples the network gets right (0 to 1)."),
        _number("loss_gap", "the gap between test and training loss",
                lambda run: _evaluated(run, "test_loss") - _evaluated(run, "train_loss"),
                "Test loss minus training loss: large when the network has memorised its training set."),
        _number("accuracy_gap", "the gap between training and test accuracy",
                lambda run: _evaluated(run, "train_accuracy") - _evaluated(run, "test_accuracy"),
                "Training accuracy minus test accuracy."),
        _number("test_loss_above_best", "how far the test loss is above its lowest", rise_above_best_test_loss,
                "The test loss now minus the lowest it has been: near 0 when training stopped in time."),
        _number("diverged", "whether training diverged (1) or not (0)", diverged,
                "1 when the loss or the weights became infinite or NaN, else 0.", 0),
        _number("parameters", "the number of parameters", parameters,
                "Every weight and bias the network learns.", 0),
        _number("multiply_adds", "the multiply-adds for one example", multiply_adds,
                "The work of one example's forward pass, counted from the layers' shapes.", 0),
        _number("hidden_neurons", "the number of hidden neurons", hidden_neurons,
                "Neurons in the hidden layers (for the Builder: units of Linear and recurrent layers).", 0),
        _number("hidden_layers", "the number of hidden layers", hidden_layers,
                "Layers with weights before the output layer.", 0),
        _number("near_zero_weights", "the share of weights near zero", near_zero_weights,
                f"The share of weights smaller than {NEAR_ZERO} in size: what L1 regularisation makes large."),
        _number("mean_weight_size", "the average weight size", mean_weight_size,
                "The mean of |w| over every weight: what L2 regularisation keeps small."),
        _name("smallest_gradient_layer", "the layer with the smallest gradient", smallest_gradient_layer,
              _layer_names, "The layer whose weights get the smallest gradient ‖∇W‖."),
        _name("largest_gradient_layer", "the layer with the largest gradient", largest_gradient_layer, _layer_names,
              "The layer whose weights get the largest gradient ‖∇W‖."),
        _number("gradient_ratio", "the first layer's gradient ÷ the output layer's", gradient_ratio,
                "Near 1: the gradient reaches the first layer intact; 0.001 or less: it vanishes on the way."),
        _number("dead_share", "the share of dead ReLU units", dead_share,
                "ReLU units that output 0 for every training example (averaged over the ReLU layers)."),
        _number("saturated_share", "the share of saturated outputs", saturated_share,
                "Sigmoid and tanh outputs within 1 % of their bounds (averaged over those layers)."),
        _number("sharpness", "the sharpness of the minimum", sharpness,
                "The loss's largest curvature at the current weights (the Hessian's top eigenvalue)."),
        _name("worst_class", "the class the network gets wrong most", worst_class, _class_names,
              "The class with the lowest test accuracy."),
        _number("group_accuracy_gap", "the gap in test accuracy between the groups", group_accuracy_gap,
                "The best group's test accuracy minus the worst group's."),
        _number("worst_group_accuracy", "the worst group's test accuracy", worst_group_accuracy,
                "Test accuracy on the group the network serves worst."),
        _name("worst_group", "the group the network serves worst", worst_group, _group_names,
              "The group with the lowest test accuracy."),
        _number("smallest_group_share", "the rarest group's share of the training set", smallest_group_share,
                "How much of the training set the rarest group makes up (0 to 1)."),
        _number("adversarial_accuracy", "the test accuracy under attack", adversarial_accuracy,
                f"Test accuracy when each input is nudged by {ADVERSARIAL_SHARE:.0%} of its range against the "
                "network (fast gradient sign method)."),
    )
}


def measure(name: str, run: Run) -> float | str:
    """The named metric of ``run``; KeyError for a name not in ``METRICS``, NotMeasurable when it means
    nothing for this run."""
    return METRICS[name].measure(run)
