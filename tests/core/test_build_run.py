import pytest

from dl_core.build_run import BuilderSpec, build_trainer, default_train, from_json, from_preset, validate_build
from dl_core.builder import LayerDef
from dl_core.tasks import PRESETS


def test_the_default_builds_the_lenet_for_digits_and_trains():
    spec = BuilderSpec()
    assert validate_build(spec) == []
    trainer = build_trainer(spec)
    assert tuple(trainer.x_train.shape[1:]) == (1, 8, 8)
    trainer.step(40)
    assert trainer.history.test_accuracy[-1] > trainer.history.test_accuracy[0] + 0.3
    assert trainer.confusion_matrix("test").shape == (10, 10)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_round_trips_through_json(name):
    spec = from_preset(name, seed=3)
    assert from_json(spec.to_json()) == (spec, [])


def test_a_broken_stack_is_refused_naming_the_layer():
    spec = BuilderSpec(layers=(LayerDef("flatten"), LayerDef("conv2d", 4)))
    (problem,) = validate_build(spec)
    assert problem.startswith("Layer 2 (Conv2d) needs an image")


def test_bad_json_opens_the_default_with_a_warning():
    spec, warnings = from_json('{"task": "digits", "layers": [{"kind": "lstm"}]}')
    assert spec == BuilderSpec() and "cannot be built" in warnings[0] and "Layer 1 (LSTM)" in warnings[0]
    assert "Could not read" in from_json("nonsense")[1][0]


def test_regression_tasks_train_with_squared_error():
    spec = BuilderSpec("sine", (LayerDef("gru", 16), LayerDef("last_step")), default_train("sine"))
    assert validate_build(spec) == []
    trainer = build_trainer(spec)
    trainer.step(60)
    assert trainer.history.test_loss[-1] < 0.5 * trainer.history.test_loss[0]


def test_a_drawing_is_downsampled_as_the_digits_were_made():
    import numpy as np

    from dl_core.build_run import class_probabilities
    from dl_core.tasks import digit_from_drawing

    bitmap = np.zeros((32, 32), np.float32)
    bitmap[0:4, 0:4] = 1  # a full block: 16 on-pixels
    bitmap[4:6, 28:32] = 1  # half of another: 8
    image = digit_from_drawing(bitmap)
    assert image.shape == (8, 8) and image[0, 0] == 1.0 and image[1, 7] == 0.5 and image.sum() == 1.5
    probabilities = class_probabilities(build_trainer(BuilderSpec()), image[None])
    assert probabilities.shape == (10,) and abs(probabilities.sum() - 1) < 1e-5


def test_regularisation_reaches_convolution_weights_not_biases():
    from dataclasses import replace

    spec = BuilderSpec()
    trainer = build_trainer(replace(spec, train=replace(spec.train, regularization="l2", reg_rate=0.1)))
    weights = [p for name, p in trainer.model.named_parameters() if name.endswith("weight")]
    assert any(p.dim() == 4 for p in weights)
    expected = 0.1 * 0.5 * sum((p ** 2).sum() for p in weights)
    assert abs(trainer.penalty().item() - expected.item()) < 1e-4
    trainer.step(2)
