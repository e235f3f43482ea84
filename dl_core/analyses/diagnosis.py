"""What the gradient-flow statistics show, in words: vanishing, exploding, dead, saturated or healthy,
each with the remedies to try (named in ``specs.remedies``), and a demonstration on two deep nets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..observe.gradients import GradientFlow, UnitStats
from ..runs import make_run
from ..specs.playground import DataSpec, LayerSpec, ModelSpec, PlaygroundSpec
from ..specs.training import TrainSpec

VANISHING_RATIO = 1e-3  # first layer's gradient norm below this share of the last layer's
EXPLODING_NORM = 1e2  # a layer's gradient norm above this
DEAD_SHARE = 0.5  # half a ReLU layer's units never active on the training set
SATURATED_SHARE = 0.5  # half a sigmoid/tanh layer's activations within 1 % of a bound


@dataclass(frozen=True)
class Verdict:
    kind: str  # "waiting", "vanishing", "exploding", "dead", "saturated", "healthy"
    message: str
    remedies: tuple[str, ...] = ()  # names in specs.remedies.REMEDIES


def diagnose(flow: GradientFlow, units: list[UnitStats], diverged: bool = False) -> list[Verdict]:
    """What the statistics show, worst first; "waiting" until a step has been measured, and a single
    "healthy" verdict when nothing is wrong (which still names the largest dead and saturated shares)."""
    grads = flow.recent_grad_norms()
    if grads is None and not diverged:
        return [Verdict("waiting", "Nothing measured yet: the verdict comes with the first training step.")]
    verdicts = []
    if grads is not None and len(grads) >= 2:
        first, last = grads[0], grads[-1]
        if math.isfinite(first) and math.isfinite(last) and last > 0 and first / last < VANISHING_RATIO:
            orders = math.log10(last / max(first, 1e-30))
            verdicts.append(Verdict(
                "vanishing",
                f"Vanishing gradients: the first layer's gradient norm ({first:.1e}) is {orders:.0f} orders of "
                f"magnitude below the output layer's ({last:.1e}). Early layers barely learn.",
                ("relu", "he_init", "skips", "layer_norm")))
    if diverged or (grads is not None and grads.max() > EXPLODING_NORM):
        largest = f" reached {grads.max():.1e}" if grads is not None else ""
        verdicts.append(Verdict(
            "exploding",
            f"Exploding gradients: a layer's gradient norm{largest}" + (" and training diverged." if diverged else "."),
            ("smaller_lr", "clip")))
    dead = [u for u in units if u.dead_share >= DEAD_SHARE]
    if dead:
        worst = max(dead, key=lambda u: u.dead_share)
        verdicts.append(Verdict(
            "dead",
            f"Dead units: {worst.dead_share:.0%} of {worst.name}'s units output 0 for every training point, "
            "so no gradient reaches them and they never recover.",
            ("leaky_relu", "smaller_lr", "he_init")))
    saturated = [u for u in units if u.saturated_share >= SATURATED_SHARE]
    if saturated:
        worst = max(saturated, key=lambda u: u.saturated_share)
        verdicts.append(Verdict(
            "saturated",
            f"Saturated units: {worst.saturated_share:.0%} of {worst.name}'s activations sit at the flat ends "
            "of the curve, where the gradient is nearly 0.",
            ("relu", "layer_norm", "smaller_lr") if worst.activation == "tanh"
            else ("relu", "tanh", "layer_norm", "smaller_lr")))
    return verdicts or [Verdict("healthy", "Healthy: gradients reach every layer at a similar scale" + _below(units))]


def _below(units: list[UnitStats]) -> str:
    """The largest dead and saturated shares, when some units are, so the verdict agrees with the charts."""
    notes = []
    dead = [u for u in units if not math.isnan(u.dead_share) and u.dead_share > 0]
    if dead:
        worst = max(dead, key=lambda u: u.dead_share)
        notes.append(f"{worst.dead_share:.0%} of {worst.name}'s units are dead")
    saturated = [u for u in units if not math.isnan(u.saturated_share) and u.saturated_share > 0.05]
    if saturated:
        worst = max(saturated, key=lambda u: u.saturated_share)
        notes.append(f"{worst.saturated_share:.0%} of {worst.name}'s activations are saturated")
    if not notes:
        return ", and no unit is dead or saturated."
    return (f"; {' and '.join(notes)}, below the {DEAD_SHARE:.0%} at which this page calls a layer dead or "
            "saturated.")


def deep_net_comparison(steps: int = 100, depth: int = 10, width: int = 8,
                        progress: Callable[[float], None] | None = None) -> dict[str, np.ndarray]:
    """A deep sigmoid MLP against the same depth with ReLU and He initialisation, trained on
    the same data: each one's mean gradient norm per layer (first hidden layer to output)."""
    specs = {
        f"{depth} sigmoid layers, Xavier init": PlaygroundSpec(
            DataSpec("circle"), ModelSpec(("x1", "x2"), (LayerSpec(width, "sigmoid"),) * depth, 0.0, "xavier"),
            TrainSpec("bce", "sgd", 0.1, 10)),
        f"{depth} ReLU layers, He init": PlaygroundSpec(
            DataSpec("circle"), ModelSpec(("x1", "x2"), (LayerSpec(width, "relu"),) * depth, 0.0, "he"),
            TrainSpec("bce", "sgd", 0.1, 10)),
    }
    result = {}
    for k, (label, spec) in enumerate(specs.items()):
        trainer = make_run(spec).trainer
        flow = GradientFlow(trainer)
        for done in range(0, steps, 10):
            trainer.step(min(10, steps - done))
            if progress:
                progress((k + (done + 10) / steps) / len(specs))
        result[label] = flow.series("grad_norm").mean(axis=0)
    return result
