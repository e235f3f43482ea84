import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from dl_core.data.scarce import (
    augmented, digits_0_4, digits_5_9_few, digits_few, digits_few_augmented, few_digits_split, shifted, turned,
)


def test_a_few_of_each_digit_train_and_all_the_others_test():
    x_train, y_train, x_test, y_test = few_digits_split(3, (5, 6, 7, 8, 9), 10)
    assert np.bincount(y_train).tolist() == [10] * 5
    digits = load_digits()
    assert len(y_train) + len(y_test) == int(np.sum(digits.target >= 5))
    every = {image.tobytes() for image in (digits.images[digits.target >= 5] / 16.0)}
    chosen = {image[0].tobytes() for image in np.concatenate([x_train, x_test])}
    assert chosen == every, "every image of the digits 5–9, and only those"
    data = digits_5_9_few(3)
    assert data.class_names == ("5", "6", "7", "8", "9") and data.n_classes == 5
    assert torch.equal(data.x_train, torch.as_tensor(x_train, dtype=torch.float32))


def test_shifts_move_pixels_and_blank_what_they_uncover():
    image = np.arange(1, 17, dtype=np.float32).reshape(1, 1, 4, 4)
    down = shifted(image, 1, 0)
    np.testing.assert_array_equal(down[0, 0, 1:], image[0, 0, :-1])
    assert not down[0, 0, 0].any()
    left = shifted(image, 0, -1)
    np.testing.assert_array_equal(left[0, 0, :, :-1], image[0, 0, :, 1:])
    assert not left[0, 0, :, -1].any()


def test_turning_by_right_angles_agrees_with_numpy():
    images = np.random.default_rng(0).random((3, 1, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(turned(images, 0.0), images, atol=1e-6)
    np.testing.assert_allclose(turned(images, 180.0), images[:, :, ::-1, ::-1], atol=1e-5)
    quarter = turned(images, 90.0)
    assert any(np.allclose(quarter, np.rot90(images, k, axes=(2, 3)), atol=1e-5) for k in (1, 3))
    small = turned(images, 12.0)
    assert small.shape == images.shape and 0 < np.abs(small - images).mean() < np.abs(quarter - images).mean()


def test_the_augmented_task_adds_six_copies_of_the_same_digits_and_keeps_the_test_set():
    plain, more = digits_few(1), digits_few_augmented(1)
    assert len(plain.y_train) == 200 and len(more.y_train) == 1400
    assert torch.equal(plain.x_test, more.x_test) and torch.equal(plain.y_test, more.y_test)
    assert torch.equal(more.x_train[:200], plain.x_train) and torch.equal(more.y_train.reshape(7, 200)[3],
                                                                            plain.y_train)
    x, y = augmented(plain.x_train.numpy(), plain.y_train.numpy())
    assert x.shape == (1400, 1, 8, 8) and x.min() >= 0 and x.max() <= 1 + 1e-6 and (y == more.y_train.numpy()).all()


@pytest.mark.parametrize("make", [digits_few, digits_few_augmented, digits_5_9_few, digits_0_4])
def test_the_same_seed_gives_the_same_split(make):
    a, b, c = make(0), make(0), make(1)
    assert torch.equal(a.x_train, b.x_train) and not torch.equal(a.x_train, c.x_train)
