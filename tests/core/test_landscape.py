import copy

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
from dl_core.specs.budget import landscape_problem
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
        assert m.losses[len(m.losses) // 2] == pytest.approx(m.centre_loss, rel=1e-4), "α = 0 is the minimum reached"
    assert minima["small batch"].eigenvalue != minima["full batch"].eigenvalue


# ---------------------------------------------------------------- the evaluation subset


@pytest.fixture(scope="module")
def lenet_run():
    run = make_run(PRESETS["lenet"].spec)
    run.trainer.step(30)
    return run


def test_the_evaluation_subset_keeps_each_class_share_and_is_fixed_by_its_seed():
    from dl_core.analyses.landscape import stratified_indices

    labels = np.repeat([0, 1, 2, 3], [500, 300, 150, 50])  # 1,000 labels, shares 50/30/15/5 %
    np.random.default_rng(0).shuffle(labels)
    chosen = stratified_indices(labels, 100, seed=7)
    assert len(chosen) == len(set(chosen)) == 100 and (np.diff(chosen) > 0).all()
    assert np.bincount(labels[chosen]).tolist() == [50, 30, 15, 5]
    np.testing.assert_array_equal(chosen, stratified_indices(labels, 100, seed=7))
    assert not np.array_equal(chosen, stratified_indices(labels, 100, seed=8))
    uneven = stratified_indices(labels, 7, seed=0)  # 3.5, 2.1, 1.05, 0.35: the largest remainders get the rest
    assert np.bincount(labels[uneven], minlength=4).tolist() == [4, 2, 1, 0]
    np.testing.assert_array_equal(stratified_indices(labels[:50], 100, seed=0), np.arange(50))  # fewer: all


def test_a_regression_subset_spans_the_targets():
    from dl_core.analyses.landscape import stratified_indices

    targets = np.random.default_rng(1).normal(size=1000)
    chosen = stratified_indices(targets, 50, seed=0, by_class=False)
    tenths = np.searchsorted(np.sort(targets), targets[chosen], side="right") * 10 // 1001  # rank tenth of each
    assert np.bincount(tenths, minlength=10).tolist() == [5] * 10


def test_every_landscape_of_a_digits_network_uses_the_stated_subset(lenet_run):
    from dl_core.analyses.landscape import EVALUATION_EXAMPLES, centre_loss, evaluation_data

    data = evaluation_data(lenet_run)
    trainer = lenet_run.trainer
    assert data.examples == EVALUATION_EXAMPLES < trainer.n_train
    share_all = np.bincount(trainer.y_train.numpy(), minlength=10) / trainer.n_train
    share_subset = np.bincount(trainer.y_train[data.indices].numpy(), minlength=10) / data.examples
    assert np.abs(share_all - share_subset).max() <= 1 / data.examples  # each class within one example
    torch.testing.assert_close(data.x, trainer.x_train[data.indices])
    assert f"{EVALUATION_EXAMPLES} of the {trainer.n_train:,} training examples" in data.description
    model, loss_fn = trainer.model, trainer.objective.loss
    with torch.no_grad():
        assert centre_loss(lenet_run) == pytest.approx(float(loss_fn(model.eval()(data.x), data.target)), rel=1e-6)
    largest_grid = MAX_GRID_RESOLUTION ** 2  # within the budget on the subset, not on every training example
    assert check_grid(lenet_run, MAX_GRID_RESOLUTION) is None
    assert landscape_problem(lenet_run.work, largest_grid, trainer.n_train) is not None


# ---------------------------------------------------------------- evaluating a plane layer by layer


def test_a_network_evaluated_layer_by_layer_matches_the_oracle_for_odd_pools_and_batch_norm():
    from dl_core.analyses.landscape import PlaneLoss

    torch.manual_seed(0)
    net = torch.nn.Sequential(  # 7×7 inputs: the first pool drops a row and a column; BatchNorm: a loaded copy
        torch.nn.Identity(), torch.nn.Conv2d(2, 4, 3, padding="same"), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.BatchNorm2d(4), torch.nn.Conv2d(4, 5, 2), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(5, 3))
    net[4].running_mean.uniform_(-0.5, 0.5)
    x, y = torch.randn(10, 2, 7, 7), torch.randint(0, 3, (10,))
    loss_fn = torch.nn.functional.cross_entropy
    centre = parameters_of(net)
    directions = [filter_normalized_direction(centre, torch.Generator().manual_seed(s)) for s in (1, 2)]
    directions[1]["4.weight"] = torch.randn(4)  # a direction that moves the BatchNorm scale too
    plane = PlaneLoss(net, loss_fn, x, y, centre, directions)
    assert plane.strategy == "layer by layer" and plane._maps is not None  # the first convolution from maps
    coordinates = torch.tensor([[0.0, 0.0], [0.7, -0.3], [-1.0, 0.5]])
    for (alpha, beta), value in zip(coordinates.tolist(), plane(coordinates).tolist()):
        params = {n: centre[n] + alpha * directions[0][n] + beta * directions[1][n] for n in centre}
        assert value == pytest.approx(loss_at_naively(net, loss_fn, x, y, params), rel=1e-5)


def test_a_recurrent_network_is_evaluated_layer_by_layer_without_maps():
    from dl_core.analyses.landscape import PlaneLoss, evaluation_data

    run = make_run(PRESETS["lstm"].spec)
    data = evaluation_data(run)
    model, loss_fn = run.model, run.objective.loss
    centre = parameters_of(model)
    d = [filter_normalized_direction(centre, torch.Generator().manual_seed(3))]
    plane = PlaneLoss(model, loss_fn, data.x, data.target, centre, d)
    assert plane.strategy == "layer by layer" and plane._maps is None
    for alpha, value in zip([0.5, -1.0], plane(torch.tensor([[0.5], [-1.0]])).tolist()):
        params = {n: centre[n] + alpha * d[0][n] for n in centre}
        assert value == pytest.approx(loss_at_naively(model, loss_fn, data.x, data.target, params), rel=1e-5)


# ---------------------------------------------------------------- coarse to fine


@pytest.mark.parametrize("resolution", [13, 12])
def test_the_refined_grid_equals_the_grid_computed_directly(trained_run, lenet_run, resolution):
    from dl_core.analyses.landscape import random_plane, refinement, refining_random_plane

    for run in (trained_run, lenet_run):
        shares = []
        pictures = list(refining_random_plane(run, resolution, 0.7, seed=5, progress=shares.append))
        direct = random_plane(run, resolution, 0.7, seed=5)
        levels = refinement(resolution)
        assert [len(p.alphas) for p in pictures] == [level.resolution for level in levels]
        assert len(pictures) >= 2 and len(pictures[0].alphas) <= 11 and len(pictures[-1].alphas) == resolution
        for picture, level in zip(pictures, levels):  # every picture is the direct grid's rows and columns
            np.testing.assert_allclose(picture.losses, direct.losses[np.ix_(level.kept, level.kept)], rtol=1e-6)
            np.testing.assert_array_equal(picture.alphas, direct.alphas[level.kept])
        assert shares == sorted(shares) and shares[-1] == 1.0
        assert pictures[-1].centre_loss == direct.centre_loss and "training examples" in pictures[-1].evaluated_on


def test_each_point_of_the_final_grid_is_computed_once():
    from dl_core.analyses.landscape import refine_grid

    asked = []

    def losses_at(indices):
        asked.extend(indices.tolist())
        return indices.astype(float)

    pictures = list(refine_grid(np.arange(41.0), np.arange(41.0), losses_at, 0.0))
    assert sorted(asked) == list(range(41 * 41))
    assert [len(p.alphas) for p in pictures] == [11, 21, 41]
    np.testing.assert_array_equal(pictures[-1].losses, np.arange(41 * 41).reshape(41, 41))


def test_cancelling_keeps_the_last_picture_and_computes_nothing_more(trained_run):
    from dl_core.analyses.landscape import refining_random_plane

    pictures = []
    for picture in refining_random_plane(trained_run, 21, 1.0, seed=0, should_stop=lambda: len(pictures) >= 1):
        pictures.append(picture)
    assert len(pictures) == 1 and pictures[0].losses.shape == (11, 11)


def test_the_path_plane_refines_to_the_direct_one(trained_run):
    from dl_core.analyses.landscape import path_plane, refining_path_plane

    snapshots = [torch.as_tensor(flatten(parameters_of(trained_run.model))) + 0.05 * k * torch.randn(
        flatten(parameters_of(trained_run.model)).shape, generator=torch.Generator().manual_seed(k)) for k in range(5)]
    snapshots.append(flatten(parameters_of(trained_run.model)))
    direct, _ = path_plane(trained_run, snapshots, 9)
    *_, (last, projection) = refining_path_plane(trained_run, snapshots, 9)
    np.testing.assert_allclose(last.losses, direct.losses, rtol=1e-6)
    assert last.centre_loss == pytest.approx(direct.centre_loss) and projection.coordinates.shape == (6, 2)


# ---------------------------------------------------------------- the Hessian's extremes and the convexity map


def test_lanczos_finds_both_ends_of_the_spectrum_even_when_the_krylov_space_runs_out():
    from dl_core.analyses.landscape import lanczos_extremes

    generator = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(3, 30, 30, generator=generator, dtype=torch.float64))
    spectra = torch.stack([torch.linspace(-2, 5, 30, dtype=torch.float64),
                           torch.tensor([3.0] * 10 + [-1.0] * 10 + [0.0] * 10, dtype=torch.float64),  # 3 values
                           torch.logspace(-3, 1, 30, dtype=torch.float64)])
    matrices = q @ torch.diag_embed(spectra) @ q.transpose(1, 2)  # (3, 30, 30)
    smallest, largest = lanczos_extremes(lambda v: torch.einsum("gij,gj->gi", matrices, v),
                                         torch.randn(3, 30, generator=generator, dtype=torch.float64), steps=30)
    np.testing.assert_allclose(smallest, spectra.min(dim=1).values.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(largest, spectra.max(dim=1).values.numpy(), rtol=1e-9)


@pytest.mark.parametrize("points", [3, 9])  # one point at a time, and all points under vmap
def test_hessian_extremes_match_eigvalsh_of_the_full_hessian_of_a_tiny_net(points):
    from dl_core.analyses.landscape import hessian_extremes

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)).double()
    x, y = torch.randn(20, 2, dtype=torch.float64), torch.randn(20, 1, dtype=torch.float64)
    loss_fn = torch.nn.functional.mse_loss
    centre = parameters_of(model)
    at = flatten(centre) + 0.8 * torch.randn(points, len(flatten(centre)), dtype=torch.float64)  # (G, 13)
    smallest, largest = hessian_extremes(model, loss_fn, x, y, centre, at, steps=20,
                                         generator=torch.Generator().manual_seed(1))
    for i, point in enumerate(at):
        hessian = torch.autograd.functional.hessian(
            lambda v: loss_fn(functional_call(model, unflatten(v, centre), (x,)), y), point)
        eigenvalues = torch.linalg.eigvalsh(hessian)
        assert smallest[i] == pytest.approx(eigenvalues[0].item(), rel=1e-7, abs=1e-10)
        assert largest[i] == pytest.approx(eigenvalues[-1].item(), rel=1e-7)
    assert (smallest < 0).any(), "some of these points have negative curvature: the test sees both signs"


def test_the_convexity_map_of_a_run_matches_eigvalsh_at_sampled_points(trained_run):
    from dl_core.analyses.landscape import convexity_map, evaluation_data

    convexity = convexity_map(trained_run, resolution=3, span=0.5, seed=2, steps=60)
    model = trained_run.model
    centre = parameters_of(model)
    generator = torch.Generator().manual_seed(2)
    d1, d2 = (filter_normalized_direction(centre, generator) for _ in range(2))
    data = evaluation_data(trained_run)
    double = copy.deepcopy(model).double()  # the oracle's Hessian in float64
    like = {n: t.double() for n, t in centre.items()}
    loss_fn = trained_run.objective.loss
    for j, i in [(0, 0), (1, 1), (2, 0), (1, 2)]:
        point = flatten(like) + convexity.alphas[i] * flatten(d1).double() + convexity.betas[j] * flatten(d2).double()
        hessian = torch.autograd.functional.hessian(
            lambda v: loss_fn(functional_call(double, unflatten(v, like), (data.x.double(),)), data.target.double()),
            point)
        eigenvalues = torch.linalg.eigvalsh(hessian)
        ratio = abs(eigenvalues[0] / eigenvalues[-1]).item()
        assert convexity.largest[j, i] == pytest.approx(eigenvalues[-1].item(), rel=1e-3)
        assert convexity.ratio[j, i] == pytest.approx(ratio, rel=2e-3, abs=1e-4)
    assert convexity.ratio.shape == (3, 3) and "training examples" in convexity.evaluated_on


def test_a_convexity_map_beyond_the_sharpness_budget_is_refused(lenet_run):
    from dl_core.analyses.landscape import convexity_map

    with pytest.raises(OverBudget, match="sharpness budget"):
        convexity_map(lenet_run, resolution=41)


def test_the_convexity_figure_caps_its_colours_but_hovers_the_ratio_itself():
    from dl_core.viz.landscape import convexity_heatmap

    ratio = np.array([[0.0, 0.5], [2.0, 0.1]])
    fig = convexity_heatmap(np.array([-1.0, 1.0]), np.array([-1.0, 1.0]), ratio, cap=1.0)
    heat = fig.data[0]
    np.testing.assert_array_equal(np.asarray(heat.z), [[0.0, 0.5], [1.0, 0.1]])
    np.testing.assert_array_equal(np.asarray(heat.customdata), ratio)
    assert (heat.zmin, heat.zmax) == (0, 1.0)
