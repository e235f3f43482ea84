import numpy as np
import pytest
import torch
from torch.func import functional_call

from dl_core import BuilderSpec, LayerDef, OverBudget, PRESETS, TrainSpec, make_run
from dl_core.analyses.landscape import (
    MAX_GRID_RESOLUTION, axis, check_grid, filter_normalize, filter_normalized_direction, flatten, grid_coordinates,
    loss_surface, parameters_of, project_path, random_direction, top_hessian_eigen, unflatten,
)
from dl_core.observe.path import PathRecorder
from helpers.oracles import loss_at_naively
from helpers.specs import L, playground


@pytest.fixture(scope="module")
def trained_run():
    run = make_run(playground("spiral", points=200, hidden=(L(6, "tanh"), L(4, "relu")), optimizer="adam",
                              batch=2000, train_share=50))
    run.trainer.step(50)
    return run


@pytest.fixture(scope="module")
def trained(trained_run):
    return trained_run.trainer


def surface_args(trainer):
    return trainer.model, trainer.objective.loss, trainer.x_train, trainer.t_train


def test_grid_centre_is_the_current_loss(trained):
    centre = parameters_of(trained.model)
    directions = [filter_normalized_direction(centre, torch.Generator().manual_seed(s)) for s in (1, 2)]
    losses = loss_surface(*surface_args(trained), centre, directions, grid_coordinates(axis(1, 5), axis(1, 5)))
    assert losses.reshape(5, 5)[2, 2] == pytest.approx(trained.evaluate()["train_loss"], rel=1e-5)


def test_every_grid_point_equals_loading_the_weights_and_evaluating(trained):
    centre = parameters_of(trained.model)
    d1, d2 = (filter_normalized_direction(centre, torch.Generator().manual_seed(s)) for s in (3, 4))
    a, b = axis(0.8, 4), axis(0.5, 3)
    losses = loss_surface(*surface_args(trained), centre, [d1, d2], grid_coordinates(a, b)).reshape(3, 4)
    for j, beta in enumerate(b):
        for i, alpha in enumerate(a):
            params = {n: centre[n] + alpha * d1[n] + beta * d2[n] for n in centre}
            assert losses[j, i] == pytest.approx(loss_at_naively(*surface_args(trained), params), rel=1e-5)
    torch.testing.assert_close(parameters_of(trained.model), centre)  # the model's own weights are untouched


def test_chunked_evaluation_gives_the_same_numbers(trained, monkeypatch):
    centre = parameters_of(trained.model)
    d = [filter_normalized_direction(centre, torch.Generator().manual_seed(5))]
    coordinates = axis(1, 9)[:, None]
    whole = loss_surface(*surface_args(trained), centre, d, coordinates)
    monkeypatch.setattr("dl_core.analyses.landscape.CHUNK_ELEMENTS", 1)  # one grid point per chunk
    seen = []
    chunked = loss_surface(*surface_args(trained), centre, d, coordinates, progress=seen.append)
    np.testing.assert_allclose(whole, chunked, rtol=1e-6)
    assert len(seen) == 9 and seen[-1] == 1.0


def test_filter_normalisation_matches_each_filter_norm_and_ignores_biases(trained):
    centre = parameters_of(trained.model)
    raw = random_direction(centre, torch.Generator().manual_seed(0))
    d = filter_normalize(raw, centre)
    for name, p in centre.items():
        if p.dim() == 1:
            assert (d[name] == 0).all(), name
        else:
            torch.testing.assert_close(d[name].norm(dim=1), p.norm(dim=1))
            # the same direction per filter, only rescaled
            cosine = torch.nn.functional.cosine_similarity(d[name], raw[name], dim=1)
            torch.testing.assert_close(cosine, torch.ones_like(cosine))


def test_filter_normalisation_of_a_convolution_is_per_output_channel():
    weight = torch.randn(5, 3, 3, 3)
    d = filter_normalize({"w": torch.randn(5, 3, 3, 3)}, {"w": weight})["w"]
    torch.testing.assert_close(d.reshape(5, -1).norm(dim=1), weight.reshape(5, -1).norm(dim=1))


def test_a_straight_path_projects_to_a_straight_line():
    like = {"w": torch.zeros(3, 4), "b": torch.zeros(3)}
    start, end = torch.randn(15), torch.randn(15)
    snapshots = [start + t * (end - start) for t in torch.linspace(0, 1, 20)]
    projection = project_path(snapshots, like)
    assert projection.explained[0] == pytest.approx(1.0, abs=1e-9)  # float32 noise is ~1e-14 of the variance
    coordinates = projection.coordinates
    assert np.abs(coordinates[:, 1]).max() < 1e-6 * np.abs(coordinates[:, 0]).max()  # on the first axis (float32)
    assert np.allclose(np.abs(coordinates[:, 0]), np.linspace(1, 0, 20) * (end - start).norm().item())
    torch.testing.assert_close(flatten(projection.centre), end)


def test_path_recorder_thins_itself_and_keeps_the_latest(trained):
    recorder = PathRecorder(trained.model, limit=8)
    for step in range(1, 40):
        trained.step_count = step
        recorder(trained)
    assert len(recorder.snapshots) <= 8 and recorder.sampling.every > 1
    assert recorder.steps == sorted(recorder.steps) and recorder.steps[0] == 0


def test_power_iteration_matches_the_full_hessian_of_a_tiny_net():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)).double()
    x, y = torch.randn(20, 2, dtype=torch.float64), torch.randn(20, 1, dtype=torch.float64)
    loss_fn = torch.nn.functional.mse_loss
    centre = parameters_of(model)

    def loss_of(vector):
        return loss_fn(functional_call(model, unflatten(vector, centre), (x,)), y)

    hessian = torch.autograd.functional.hessian(loss_of, flatten(centre))
    eigenvalues = torch.linalg.eigvalsh(hessian)
    largest = eigenvalues[eigenvalues.abs().argmax()].item()
    value, vector = top_hessian_eigen(model, loss_fn, x, y, iterations=500, tolerance=1e-12,
                                      generator=torch.Generator().manual_seed(1))
    assert value == pytest.approx(largest, rel=1e-4)
    v = flatten(vector)
    torch.testing.assert_close(hessian @ v, largest * v, atol=1e-4, rtol=1e-3)


def test_oversized_grids_are_refused_with_the_limit_or_budget_named(trained_run):
    assert check_grid(trained_run, 41) is None
    assert f"{MAX_GRID_RESOLUTION}×{MAX_GRID_RESOLUTION}" in check_grid(trained_run, MAX_GRID_RESOLUTION + 1)
    heavy = make_run(BuilderSpec(layers=(LayerDef("conv2d", 64, 5), LayerDef("activation"), LayerDef("conv2d", 64, 5),
                                         LayerDef("maxpool"), LayerDef("flatten")),
                                 train=TrainSpec("cross_entropy", "adam", 0.01, 16)))
    problem = check_grid(heavy, 15)
    assert problem and "the landscape budget is" in problem and "layer 3 (Conv2d)" in problem
    with pytest.raises(OverBudget, match="landscape budget"):
        from dl_core.analyses.landscape import random_plane
        random_plane(heavy, 15, 1.0, 0)


def test_a_plane_assembled_from_row_blocks_equals_the_naive_grid(trained_run):
    from dl_core.analyses.landscape import random_plane, row_blocks

    trained = trained_run.trainer
    shares = []
    surface = random_plane(trained_run, 9, 0.5, seed=11, progress=shares.append)
    assert surface.losses.shape == (9, 9) and len(shares) == len(row_blocks(9)) and shares[-1] == 1.0
    centre = parameters_of(trained.model)
    generator = torch.Generator().manual_seed(11)
    d1, d2 = (filter_normalized_direction(centre, generator) for _ in range(2))
    for j, i in [(0, 0), (3, 7), (8, 8), (4, 4)]:
        params = {n: centre[n] + surface.alphas[i] * d1[n] + surface.betas[j] * d2[n] for n in centre}
        assert surface.losses[j, i] == pytest.approx(loss_at_naively(*surface_args(trained), params), rel=1e-5)
    assert surface.centre_loss == pytest.approx(trained.evaluate()["train_loss"], rel=1e-5)


def test_convolutional_networks_take_the_per_point_path_and_match_the_oracle():
    from dl_core.analyses.landscape import batches_under_vmap as uses_vmap

    torch.manual_seed(0)
    cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                              torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 4))
    x, y = torch.randn(12, 1, 8, 8), torch.randint(0, 4, (12,))
    loss_fn = torch.nn.functional.cross_entropy
    assert not uses_vmap(cnn) and uses_vmap(torch.nn.Linear(2, 2))
    centre = parameters_of(cnn)
    d1, d2 = (filter_normalized_direction(centre, torch.Generator().manual_seed(s)) for s in (1, 2))
    coordinates = grid_coordinates(axis(1, 3), axis(0.5, 3))
    losses = loss_surface(cnn, loss_fn, x, y, centre, [d1, d2], coordinates)
    for (alpha, beta), value in zip(coordinates.tolist(), losses):
        params = {n: centre[n] + alpha * d1[n] + beta * d2[n] for n in centre}
        assert value == pytest.approx(loss_at_naively(cnn, loss_fn, x, y, params), rel=1e-5)


def test_an_even_grid_names_the_loss_at_the_weights_themselves(trained_run):
    from dl_core.analyses.landscape import random_plane

    surface = random_plane(trained_run, 4, 0.5, seed=3)
    assert 0.0 not in surface.alphas
    assert surface.centre_loss == pytest.approx(trained_run.trainer.evaluate()["train_loss"], rel=1e-5)


@pytest.mark.parametrize("name", ["lstm", "gru_sine", "transformer", "tabular"])
def test_every_kind_of_network_gets_a_landscape_and_a_sharpness(name):
    from dataclasses import replace

    from dl_core.analyses.landscape import random_plane, sharpness

    spec = PRESETS[name].spec
    run = make_run(replace(spec, train=replace(spec.train, batch_size=32)))
    run.trainer.step(2)
    surface = random_plane(run, 3, 0.5, seed=0)
    assert np.isfinite(surface.losses).all()
    assert np.isfinite(sharpness(run, points=5).eigenvalue)


def test_the_minima_comparison_measures_each_variant():
    from dl_core.analyses.landscape import compare_minima

    base = playground("xor", hidden=(L(6, "tanh"),), batch=10, lr=0.1)
    from dataclasses import replace
    variants = {"small batch": base, "full batch": replace(base, train=replace(base.train, batch_size=2000))}
    minima = compare_minima(variants, steps=100, resolution=5)
    for m in minima.values():
        assert m.eigenvalue > 0 and m.losses.min() > 0 and m.train_loss > 0
        assert 0 < m.test_accuracy <= 1 and m.surface.losses.shape == (5, 5)
        assert m.losses[len(m.losses) // 2] == pytest.approx(m.train_loss, rel=1e-4), "α = 0 is the minimum reached"
    assert minima["small batch"].eigenvalue != minima["full batch"].eigenvalue
