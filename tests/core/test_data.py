import numpy as np
import pytest
import torch

from types import SimpleNamespace

from dl_core.data import split
from dl_core.data.features import FEATURES, feature_matrix
from dl_core.data.points import DATASETS, EXTENT, points_data


def make_dataset(name, n_points, noise, train, seed):
    """The point set as numpy arrays, as these tests read them."""
    data = points_data(name, n_points, noise, train, seed)
    return SimpleNamespace(**{k: getattr(data, k).numpy() for k in ("x_train", "y_train", "x_test", "y_test")})


@pytest.mark.parametrize("name", list(DATASETS))
def test_shapes_types_and_split(name):
    data = make_dataset(name, 300, 20, 70, seed=3)
    assert data.x_train.shape == (210, 2) and data.x_test.shape == (90, 2)
    assert data.x_train.dtype == np.float32
    assert len(data.y_train) == 210 and len(data.y_test) == 90
    info = DATASETS[name]
    labels = np.concatenate([data.y_train, data.y_test])
    if info.is_classification:
        assert labels.dtype == np.int64
        assert set(np.unique(labels)) == set(range(info.n_classes)), "every class appears"
    else:
        assert labels.dtype == np.float32
        assert np.abs(labels).max() <= 1.0 + 1e-6


@pytest.mark.parametrize("name", list(DATASETS))
def test_points_stay_in_the_plotted_square(name):
    data = make_dataset(name, 500, 50, 50, seed=0)
    points = np.concatenate([data.x_train, data.x_test])
    assert np.abs(points).max() <= 2 * EXTENT  # at the most noise, Gaussian tails reach past the square
    assert np.mean(np.all(np.abs(points) <= EXTENT, axis=1)) > 0.9


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_same_numbers_other_seed_other_numbers(name):
    a, b, c = (make_dataset(name, 200, 10, 50, seed=s) for s in (7, 7, 8))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)


def test_circle_without_noise_is_separable_by_radius():
    data = make_dataset("circle", 400, 0, 50, seed=1)
    radius = np.linalg.norm(data.x_train, axis=1)
    assert np.all(radius[data.y_train == 1] <= 2.5 + 1e-5)
    assert np.all(radius[data.y_train == 0] >= 3.5 - 1e-5)


def test_xor_labels_follow_the_quadrant_sign_without_noise():
    data = make_dataset("xor", 400, 0, 50, seed=2)
    same_sign = data.x_train[:, 0] * data.x_train[:, 1] >= 0
    np.testing.assert_array_equal(same_sign.astype(np.int64), data.y_train)


def test_noise_moves_labels_away_from_the_clean_rule():
    clean = make_dataset("xor", 1000, 0, 50, seed=4)
    noisy = make_dataset("xor", 1000, 50, 50, seed=4)
    rule = lambda d: (d.x_train[:, 0] * d.x_train[:, 1] >= 0).astype(np.int64)  # noqa: E731
    assert np.mean(rule(clean) == clean.y_train) == 1.0
    assert np.mean(rule(noisy) == noisy.y_train) < 0.95


def test_plane_target_is_the_scaled_sum_without_noise():
    data = make_dataset("plane", 200, 0, 50, seed=0)
    np.testing.assert_allclose(data.y_train, data.x_train.sum(axis=1) / 12, atol=1e-5)


def test_feature_matrix_computes_each_feature():
    points = torch.tensor([[1.0, 2.0], [-3.0, 0.5]])
    x = feature_matrix(points, tuple(FEATURES))
    x1, x2 = points[:, 0], points[:, 1]
    expected = torch.stack([x1, x2, x1**2, x2**2, x1 * x2, torch.sin(x1), torch.sin(x2)], dim=1)
    torch.testing.assert_close(x, expected)


def test_split_keeps_every_example_once_and_at_least_one_on_each_side():
    x, y = np.arange(10.0)[:, None], np.arange(10)
    x_train, y_train, x_test, y_test = split(x, y, 0.7, np.random.default_rng(0))
    assert len(y_train) == 7 and sorted(np.concatenate([y_train, y_test])) == list(range(10))
    assert (x_train[:, 0] == y_train).all()
    assert len(split(x, y, 0.999, np.random.default_rng(0))[3]) == 1
    assert len(split(x, y, 0.0, np.random.default_rng(0))[1]) == 1


def test_points_data_names_its_features_and_classes():
    data = points_data("spiral3", 300, 0, 50, 1)
    assert data.input_kind == "points" and data.input_shape == (2,) and data.n_classes == 3
    assert data.feature_names == ("x₁", "x₂") and data.class_name(2) == "class 2"
    resplit = data.resplit(0.8, 5)
    assert len(resplit.y_train) == 240 and sorted(torch.cat([resplit.y_train, resplit.y_test]).tolist()) == \
        sorted(torch.cat([data.y_train, data.y_test]).tolist())
