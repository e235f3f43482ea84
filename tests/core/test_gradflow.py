import math

import numpy as np
import pytest
import torch

from dl_core import DataSpec, LayerSpec, ModelSpec, Spec, Trainer, TrainSpec
from dl_core.gradflow import (
    CLIP, HE_INIT, RELU, SMALLER_LR, GradientFlow, current_gradients, deep_net_comparison, diagnose, unit_stats,
)

L = LayerSpec


def deep(activation: str, init: str, depth: int = 10) -> Spec:
    return Spec(DataSpec("circle"), ModelSpec(("x1", "x2"), (L(8, activation),) * depth, 0.0, init),
                TrainSpec("bce", "sgd", 0.1, 10))


def test_recorded_norms_equal_norms_taken_from_p_grad_directly():
    trainer = Trainer(deep("tanh", "xavier", depth=3))
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
    trainer = Trainer(deep("relu", "he", depth=2), record_every=None)
    flow = GradientFlow(trainer, limit=16)
    trainer.step(100)
    assert len(flow.steps) <= 16 and flow.steps[-1] > 90
    flow.detach()
    trainer.step(10)
    assert flow.steps[-1] <= 100


def test_vanishing_detector_fires_on_deep_sigmoid_and_not_on_relu_with_he():
    verdicts = {}
    for name, spec in {"sigmoid": deep("sigmoid", "xavier"), "relu": deep("relu", "he")}.items():
        trainer = Trainer(spec, record_every=None)
        flow = GradientFlow(trainer)
        trainer.step(30)
        verdicts[name] = [v.kind for v in diagnose(flow, unit_stats(trainer))]
    assert "vanishing" in verdicts["sigmoid"]
    assert "vanishing" not in verdicts["relu"]


def test_dead_units_are_counted_and_named():
    trainer = Trainer(Spec(DataSpec("circle"), ModelSpec(("x1", "x2"), (L(8, "relu"),), 0.0, "he")))
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
    trainer = Trainer(Spec(DataSpec("circle"), ModelSpec(("x1", "x2", "x1sq", "x2sq"), (L(8, "tanh"),), 0.0, "large")))
    flow = GradientFlow(trainer)
    trainer.step(3)
    units = unit_stats(trainer)
    assert units[0].saturated_share > 0.5
    kinds = {v.kind: v for v in diagnose(flow, units, diverged=True)}
    assert "saturated" in kinds and RELU in kinds["saturated"].remedies
    assert SMALLER_LR in kinds["exploding"].remedies and CLIP in kinds["exploding"].remedies


def test_a_healthy_net_is_called_healthy():
    trainer = Trainer(Spec(DataSpec("circle"), ModelSpec(("x1", "x2"), (L(8, "tanh"),))))
    flow = GradientFlow(trainer)
    trainer.step(20)
    assert [v.kind for v in diagnose(flow, unit_stats(trainer))] == ["healthy"]


def test_remedies_change_the_spec_as_they_say():
    spec = deep("sigmoid", "xavier", depth=3)
    assert {layer.activation for layer in RELU.apply(spec).model.hidden} == {"relu"}
    assert HE_INIT.apply(spec).model.init == "he"
    assert SMALLER_LR.apply(spec).train.learning_rate == pytest.approx(0.01)
    assert CLIP.apply(spec).train.grad_clip == 1.0


def test_gradient_clipping_caps_the_update():
    spec = Spec(DataSpec("plane"), ModelSpec(("x1", "x2"), (L(8, "relu"),), 0.0, "large"),
                TrainSpec("mse", "sgd", 0.01, 10, grad_clip=0.5))
    trainer = Trainer(spec)
    before = [p.detach().clone() for p in trainer.model.parameters()]
    trainer.step(1)
    moved = torch.sqrt(sum(((p.detach() - b) ** 2).sum() for p, b in zip(trainer.model.parameters(), before)))
    assert moved.item() <= 0.01 * 0.5 + 1e-6  # η × the clipped norm


def test_current_gradients_have_each_layers_size():
    trainer = Trainer(deep("relu", "he", depth=2))
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

    from dl_core.gradflow import LAYER_NORM, SKIPS

    spec = SKIPS.apply(deep("sigmoid", "xavier"))
    assert spec.model.skip and LAYER_NORM.apply(spec).model.norm
    trainer = Trainer(replace(spec, data=replace(spec.data, seed=1)), record_every=None)
    flow = GradientFlow(trainer)
    trainer.step(30)
    grads = flow.recent_grad_norms()
    assert grads[0] / grads[-1] > 1e-2
    assert "vanishing" not in [v.kind for v in diagnose(flow, unit_stats(trainer))]


def test_gradient_flow_on_a_builder_cnn():
    from dl_core.build_run import BuilderSpec, build_trainer
    trainer = build_trainer(BuilderSpec())
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
