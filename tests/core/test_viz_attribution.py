import numpy as np
import pytest

from dl_core.viz.attribution import (
    attack_images, attention_matrices, deletion_curves, feature_bars, image_attribution, map_grid, picture,
    plane_attribution, probability_bars, robustness_plot, sanity_grid, sanity_metrics, scaled, sequence_strips,
    shown,
)

RNG = np.random.default_rng(0)


def test_the_part_of_a_map_shown_and_its_scale():
    values = np.array([-2.0, 0.0, 1.0])
    assert shown(values, "positive").tolist() == [0, 0, 1] and shown(values, "negative").tolist() == [-2, 0, 0]
    assert shown(values, "absolute").tolist() == [2, 0, 1] and shown(values, "all") is values
    assert scaled(values).tolist() == [-1, 0, 0.5] and scaled(np.zeros(2)).tolist() == [0, 0]
    assert picture(np.ones((3, 4, 5))).shape == (4, 5) and picture(np.ones((6, 2))).shape == (2, 6)
    assert picture(np.ones(7)).shape == (1, 7)


def test_maps_are_drawn_on_one_scale_centred_on_zero():
    image, values = RNG.random((1, 8, 8)), RNG.normal(size=(1, 8, 8))
    fig = image_attribution(image, values)
    maps = [t for t in fig.data if t.colorscale and t.colorscale[0][1] != "rgb(255,255,255)" and t.zmid == 0]
    assert len(fig.data) == 4 and len(maps) == 2
    assert all(m.zmin == -1 and m.zmax == 1 for m in maps)
    assert np.abs(np.asarray(maps[0].z)).max() == pytest.approx(1.0)
    np.testing.assert_allclose(np.asarray(maps[0].customdata), values[0])  # hover shows the real values
    grid = map_grid({"a": values, "b": 2 * values, "c": -values}, image, columns=2)
    assert len(grid.data) == 4 and [a.text for a in grid.layout.annotations] == ["input", "a", "b", "c"]


def test_point_views_draw_arrows_the_path_and_the_example():
    output = RNG.uniform(-1, 1, (20, 20))
    train = (RNG.uniform(-6, 6, (30, 2)), RNG.integers(0, 2, 30))
    points, gradients = RNG.uniform(-6, 6, (25, 2)), RNG.normal(size=(25, 2))
    path = np.linspace([0, 0], [2, 3], 10)
    fig = plane_attribution(output, 6.0, train, points, gradients, path, np.array([2, 3]))
    names = [t.name for t in fig.data]
    assert "input gradient" in names and "integrated-gradients path" in names and "the example" in names


def test_tables_sequences_and_curves():
    bars = feature_bars(["a", "b", "c"], np.array([0.5, -2.0, 1.0]))
    assert list(bars.data[0].y) == ["a", "c", "b"]  # largest on top (plotly draws the first at the bottom)
    strips = sequence_strips(RNG.normal(size=(12, 4)), RNG.random((12, 4)), ["A", "B", "C", "D"])
    assert len(strips.data) == 3 and np.asarray(strips.data[1].z).shape == (4, 12)
    single = sequence_strips(RNG.normal(size=(20, 1)), RNG.random((20, 1)), ["value"])
    assert single.data[0].type == "scatter"
    removed = np.linspace(0, 1, 5)
    curves = deletion_curves(removed, {"integrated gradients": np.linspace(1, 0, 5), "random": np.ones(5)}, "p")
    assert "area 0.500" in curves.data[0].name


def test_sanity_attention_and_attack_figures():
    labels = ["trained", "layer 10 random", "layer 8 and above random"]
    metrics = sanity_metrics(labels, [1, 0.4, 0.1], [1, 0.5, 0.2], [1, 0.3, None])
    assert len(metrics.data) == 3 and np.isnan(metrics.data[2].y[2])
    assert len(sanity_metrics(labels, [1, 0, 0], [1, 0, 0], [None] * 3).data) == 2
    grid = sanity_grid(labels, [RNG.normal(size=(1, 8, 8)) for _ in labels], [1.0, 0.4, float("nan")])
    assert "ρ undefined" in grid.layout.annotations[-1].text
    weights = RNG.dirichlet(np.ones(12), size=(2, 12))
    assert len(attention_matrices(weights).data) == 2
    assert len(probability_bars(np.array([0.1, 0.9]), ["a", "b"], chosen=1).data) == 1
    original = RNG.random((1, 8, 8))
    attacked = attack_images(original, np.clip(original + 0.1, 0, 1))
    assert len(attacked.data) == 3
    assert robustness_plot([0, 0.1], [0.9, 0.5]).layout.yaxis.tickformat == ".0%"
    assert robustness_plot([0, 0.1], [float("nan")] * 2, [0.1, 0.3]).data[0].name == "test loss"
