import math

import numpy as np
import pytest
import torch

from dl_core import BuilderSpec, DataSpec, LayerDef, LayerSpec, ModelSpec, PlaygroundSpec, TrainSpec, make_run
from dl_core.analyses.diagnosis import deep_net_comparison, diagnose
from dl_core.observe.gradients import GradientFlow, current_gradients, unit_stats
from dl_core.specs.remedies import apply_remedy

L = LayerSpec


def deep(activation: str, init: str, depth: int = 10) -> PlaygroundSpec:
    return PlaygroundSpec(DataSpec("circle"), ModelSpec(("x1", "x2"), (L(8, activation),) * depth, 0.0, init),
                TrainSpec("bce", "sgd", 0.1, 10))


def test_recorded_norms_equal_norms_taken_from_p_grad_directly():
    trainer = make_run(deep("tanh", "xavier", depth=3)).trainer
    flow = GradientFlow(trainer)
    direct_grads, direct_ratios = [], []

    def read_grads(t):
        direct_grads.append([lin.weight.grad.norm().item() for lin in t.model.linears])
        read_grads.before = [lin.weight.detach().clone() for lin in t.model.linears]

    def read_update(t):
        direct_ratios.append([((lin.weight - b).norm() / lin.weight.norm()).item()
                              for lin, b in zip(t.model.linears, read_grads.before)])

    trainer.on("after_backward", read_grads)
    trainer.on("after_step", read_update)
    trainer.step(5)
    np.testing.assert_allclose(flow.series("grad_norm"), np.array(direct_grads), rtol=1e-6)
    np.testing.assert_allclose(flow.series("update_ratio"), np.array(direct_ratios), rtol=1e-5)
    weights = [lin.weight.norm().item() for lin in trainer.model.linears]
    np.testing.assert_allclose(flow.series("weight_norm")[-1], weights, rtol=1e-6)
    assert flow.steps == [1, 2, 3, 4, 5] and flow.names[-1] == "output"


def test_flow_stays_bounded_on_long_runs():
    trainer = make_run(deep("relu", "he", depth=2)).trainer
    flow = GradientFlow(trainer, limit=16)
    trainer.step(100)
    assert len(flow.steps) <= 16 and flow.steps[-1] > 90
    flow.detach()
    trainer.step(10)
    assert flow.steps[-1] <= 100


def test_vanishing_detector_fires_on_deep_sigmoid_and_not_on_relu_with_he():
    verdicts = {}
    for name, spec in {"sigmoid": deep("sigmoid", "xavier"), "relu": deep("relu", "he")}.items():
        trainer = make_run(spec).trainer
        flow = GradientFlow(trainer)
        trainer.step(30)
        verdicts[name] = [v.kind for v in diagnose(flow, unit_stats(trainer))]
    assert "vanishing" in verdicts["sigmoid"]
    assert "vanishing" not in verdicts["relu"]


def test_dead_units_are_counted_and_named():
    trainer = make_run(PlaygroundSpec(DataSpec("circle"), ModelSpec(("x1", "x2"), (L(8, "relu"),), 0.0, "he"))).trainer
    with torch.no_grad():
        trainer.model.hidden[0].linear.bias[:6] = -100.0  # six units can never switch on
    (stats,) = unit_stats(trainer)
    assert stats.dead_share == pytest.approx(6 / 8)
    assert math.isnan(stats.saturated_share)
    flow = GradientFlow(trainer)
    trainer.step(1)
    dead = [v for v in diagnose(flow, [stats]) if v.kind == "dead"]
    assert dead and "75%" in dead[0].message


def test_saturation_and_exploding_verdicts_with_their_remedies():
    spec = PlaygroundSpec(DataSpec("circle"), ModelSpec(("x1", "x2", "x1sq", "x2sq"), (L(8, "tanh"),), 0.0, "large"))
    trainer = make_run(spec).trainer
    flow = GradientFlow(trainer)
    trainer.step(3)
    units = unit_stats(trainer)
    assert units[0].saturated_share > 0.5
    kinds = {v.kind: v for v in diagnose(flow, units, diverged=True)}
    assert "saturated" in kinds and "relu" in kinds["saturated"].remedies
    assert {"smaller_lr", "clip"} <= set(kinds["exploding"].remedies)


def test_a_healthy_net_is_called_healthy():
    trainer = make_run(PlaygroundSpec(DataSpec("circle"), ModelSpec(("x1", "x2"), (L(8, "tanh"),)))).trainer
    flow = GradientFlow(trainer)
    trainer.step(20)
    assert [v.kind for v in diagnose(flow, unit_stats(trainer))] == ["healthy"]


def test_nothing_is_called_healthy_before_it_is_measured():
    trainer = make_run(deep("sigmoid", "xavier", depth=8)).trainer
    flow = GradientFlow(trainer)
    assert [v.kind for v in diagnose(flow, unit_stats(trainer))] == ["waiting"]


def test_a_healthy_verdict_still_names_the_dead_units_its_charts_show():
    trainer = make_run(PlaygroundSpec(DataSpec("circle"), ModelSpec(("x1", "x2"), (L(8, "relu"),), 0.0, "he"))).trainer
    with torch.no_grad():
        trainer.model.hidden[0].linear.bias[:3] = -100.0  # three of eight: dead, but under half
    flow = GradientFlow(trainer)
    trainer.step(1)
    (verdict,) = diagnose(flow, unit_stats(trainer))
    assert verdict.kind == "healthy" and "38% of layer 1 (relu)'s units are dead" in verdict.message


def test_gradient_clipping_caps_the_update():
    spec = PlaygroundSpec(DataSpec("plane"), ModelSpec(("x1", "x2"), (L(8, "relu"),), 0.0, "large"),
                TrainSpec("mse", "sgd", 0.01, 10, grad_clip=0.5))
    trainer = make_run(spec).trainer
    before = [p.detach().clone() for p in trainer.model.parameters()]
    trainer.step(1)
    moved = torch.sqrt(sum(((p.detach() - b) ** 2).sum() for p, b in zip(trainer.model.parameters(), before)))
    assert moved.item() <= 0.01 * 0.5 + 1e-6  # η × the clipped norm


def test_current_gradients_have_each_layers_size():
    trainer = make_run(deep("relu", "he", depth=2)).trainer
    assert [g.size for g in current_gradients(trainer)] == [0, 0, 0]
    trainer.step(1)
    assert [g.size for g in current_gradients(trainer)] == [16, 64, 8]


def test_deep_net_comparison_shows_the_gap():
    progress = []
    result = deep_net_comparison(steps=20, progress=progress.append)
    sigmoid, relu = result.values()
    assert len(sigmoid) == len(relu) == 11
    assert sigmoid[0] / sigmoid[-1] < 1e-3 < relu[0] / relu[-1]
    assert progress[-1] == pytest.approx(1.0)


def test_skip_connections_cure_vanishing_gradients_in_a_deep_sigmoid_net():
    from dataclasses import replace

    spec = apply_remedy(deep("sigmoid", "xavier"), "skips")
    assert spec.model.skip and apply_remedy(spec, "layer_norm").model.norm
    trainer = make_run(replace(spec, data=replace(spec.data, seed=1))).trainer
    flow = GradientFlow(trainer)
    trainer.step(30)
    grads = flow.recent_grad_norms()
    assert grads[0] / grads[-1] > 1e-2
    assert "vanishing" not in [v.kind for v in diagnose(flow, unit_stats(trainer))]


def test_gradient_flow_on_a_builder_cnn():
    trainer = make_run(BuilderSpec()).trainer
    flow = GradientFlow(trainer)
    direct = []
    trainer.on("after_backward", lambda t: direct.append(
        [p.grad.norm().item() for p in t.model.parameters() if p.dim() >= 2]))
    trainer.step(3)
    np.testing.assert_allclose(flow.series("grad_norm"), np.array(direct), rtol=1e-6)
    assert flow.names == ["layer 1 (Conv2d)", "layer 4 (Conv2d)", "layer 8 (Linear)", "layer 10 (Linear)"]
    before = unit_stats(trainer)[0]
    channel = int(np.argmax([before.values.reshape(len(before.values), 6, -1)[:, c].max() for c in range(6)]))
    with torch.no_grad():
        trainer.model[0].bias[channel] = -100.0  # the liveliest channel of the first convolution: now never on
    after = unit_stats(trainer)[0]
    assert after.name == "layer 2 (ReLU)" and after.dead_share == pytest.approx(before.dead_share + 1 / 6)
    assert len(current_gradients(trainer)) == 4


def test_dead_units_of_a_sequence_are_its_features_not_its_time_steps():
    spec = BuilderSpec(task="first_symbol", layers=(LayerDef("linear", 16), LayerDef("activation"),
                                                    LayerDef("last_step")),
                       train=TrainSpec("cross_entropy", "adam", 0.01, 64))
    trainer = make_run(spec).trainer
    with torch.no_grad():
        trainer.model[0].bias[:10] = -100.0  # 10 of the 16 features can never switch on, at any step
        trainer.model[0].bias[10:] = 100.0  # and the other 6 always are
    (stats,) = unit_stats(trainer)
    assert stats.dead_share == pytest.approx(10 / 16)


def test_every_hook_unit_stats_adds_is_removed():
    trainer = make_run(BuilderSpec()).trainer
    unit_stats(trainer)
    assert all(not m._forward_hooks for m in trainer.model.modules())
