import numpy as np
import pytest
import torch

from dl_core import PRESETS, BuilderSpec, make_run
from dl_core.analyses.examples import (
    NoExample, chosen_indices, class_probabilities, from_drawing, from_point, from_split,
)
from dl_core.data.tasks import digit_from_drawing
from helpers.specs import playground


def test_a_drawing_is_downsampled_as_the_digits_were_made():
    bitmap = np.zeros((32, 32), np.float32)
    bitmap[0:4, 0:4] = 1  # a full block: 16 on-pixels
    bitmap[4:6, 28:32] = 1  # half of another: 8
    image = digit_from_drawing(bitmap)
    assert image.shape == (8, 8) and image[0, 0] == 1.0 and image[1, 7] == 0.5 and image.sum() == 1.5
    run = make_run(BuilderSpec())
    example = from_drawing(run, bitmap, 7)
    assert example.x.shape == (1, 1, 8, 8) and example.label == 7 and example.source == "your drawing"


def test_class_probabilities_are_the_softmax_of_the_network():
    run = make_run(BuilderSpec())
    run.trainer.step(30)
    x = run.trainer.x_test[:5]
    probabilities = class_probabilities(run, x)
    run.model.eval()
    expected = torch.softmax(run.model(x), dim=1).detach().numpy()
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5)
    assert probabilities.shape == (5, 10) and not np.allclose(probabilities, 0.1, atol=0.02)


def test_one_output_unit_gives_two_class_probabilities():
    run = make_run(playground("circle", loss="bce"))
    run.trainer.step(30)
    p = class_probabilities(run, run.trainer.x_test[:4])
    with torch.no_grad():
        expected = torch.sigmoid(run.model(run.trainer.x_test[:4])[:, 0]).numpy()
    np.testing.assert_allclose(p[:, 1], expected, rtol=1e-5)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)


def test_examples_from_each_source_carry_what_the_network_needs():
    run = make_run(playground("xor", features=("x1", "x2", "sinx1")))
    test = from_split(run, "test", 3)
    assert test.x.shape == (1, 3) and test.point is not None and test.source == "test example 3"
    np.testing.assert_allclose(test.point, run.plane.test[0][3])
    own = from_point(run, np.array([1.0, -2.0]), 1)
    np.testing.assert_allclose(own.input, [1.0, -2.0, np.sin(1.0)], rtol=1e-6)
    assert own.target.shape == (1,) and own.label == 1
    with pytest.raises(NoExample, match="examples 0 to"):
        from_split(run, "train", 10_000)
    with pytest.raises(NoExample, match="points of the plane"):
        from_point(make_run(BuilderSpec()), np.zeros(2), 0)
    with pytest.raises(NoExample, match="8×8 digits"):
        from_drawing(run, np.zeros((32, 32)), 0)


def test_examples_can_be_chosen_by_class_and_by_whether_the_network_is_right():
    run = make_run(BuilderSpec())
    run.trainer.step(20)
    predicted, truth = (t.numpy() for t in run.trainer.predictions("test"))
    wrong_sevens = chosen_indices(run, "test", klass=7, correct=False)
    assert all(truth[i] == 7 and predicted[i] != 7 for i in wrong_sevens)
    right = chosen_indices(run, "test", correct=True)
    assert len(right) + len(chosen_indices(run, "test", correct=False)) == len(truth)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_task_gives_examples(name):
    run = make_run(PRESETS[name].spec)
    example = from_split(run, "test", 0)
    assert example.x.shape[1:] == run.trainer.x_test.shape[1:]
