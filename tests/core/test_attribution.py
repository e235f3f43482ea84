import numpy as np
import pytest
import torch

from dl_core import PRESETS, BuilderSpec, LayerDef, OverBudget, from_preset, make_run
from dl_core.analyses.attribution import (
    METHODS, AttributionError, attribute, attribute_many, check_options, default_options, feature_groups,
    gradient_field, layer_choices, make_baselines, methods_for, plane_path,
)
from dl_core.analyses.examples import from_point, from_split
from dl_core.data.csv import read_csv
from dl_core.data.features import feature_matrix
from dl_core.specs.presets import TABLE_PRESET
from helpers.specs import playground, trained

FEATURES = ("x1", "x2", "x1sq", "sinx1")


@pytest.fixture(scope="module")
def digits():
    return trained(from_preset("lenet"), 40)


@pytest.fixture(scope="module")
def points():
    return trained(playground("xor", features=FEATURES, loss="bce"), 200)


def output_of(run, x, target):
    run.model.eval()
    with torch.no_grad():
        return float(run.model(x)[0, target])


@pytest.mark.parametrize("baseline", ["zeros", "mean", "blurred"])
def test_integrated_gradients_add_up_to_the_change_of_the_score_within_the_reported_delta(digits, baseline):
    example = from_split(digits, "test", 3)
    a = attribute(digits, example, "integrated_gradients", baseline=baseline, steps=64)
    start = make_baselines(digits, example.x, baseline)
    change = output_of(digits, example.x, a.target) - output_of(digits, start, a.target)
    assert a.total - change == pytest.approx(a.delta, abs=1e-4)  # captum's delta is exactly the gap
    assert abs(a.delta) < 0.02 * abs(change) + 1e-3  # and the gap is small: the path integral converged
    assert a.values.shape == (1, 8, 8) and a.score == pytest.approx(output_of(digits, example.x, a.target), abs=1e-5)


def test_completeness_holds_for_the_playground_network_over_its_features(points):
    example = from_split(points, "test", 0)
    a = attribute(points, example, "integrated_gradients", steps=100)
    change = output_of(points, example.x, 0) - output_of(points, torch.zeros_like(example.x), 0)
    assert a.values.shape == (4,) and abs(a.total - change) < 1e-3
    assert a.explained.startswith("the output score")


@pytest.mark.parametrize("name", ["digits", "points"])
def test_saliency_is_the_absolute_gradient_from_plain_autograd(name, digits, points):
    run = digits if name == "digits" else points
    x = run.trainer.x_test[5:6]
    a = attribute_many(run, x, "saliency")[0]
    run.model.eval()
    inputs = x.clone().requires_grad_(True)
    out = run.model(inputs)
    expected_target = int(out.argmax(dim=1)) if out.shape[1] > 1 else 0
    (gradient,) = torch.autograd.grad(out[0, expected_target], inputs)
    assert a.target == expected_target
    np.testing.assert_allclose(a.values, gradient[0].abs().numpy(), rtol=1e-5, atol=1e-7)


def test_a_chosen_class_is_explained_instead_of_the_predicted_one(digits):
    example = from_split(digits, "test", 0)
    predicted = attribute(digits, example, "saliency")
    other = (predicted.target + 1) % 10
    chosen = attribute(digits, example, "saliency", target=other)
    assert chosen.target == other and "logit" in chosen.explained and not np.allclose(chosen.values, predicted.values)
    with pytest.raises(AttributionError, match="between 0 and 9"):
        attribute(digits, example, "saliency", target=10)


def test_occluding_a_region_the_model_ignores_gives_zero_there():
    run = make_run(BuilderSpec(task="digits", layers=(LayerDef("flatten"), LayerDef("linear", 16),
                                                      LayerDef("activation", activation="tanh"))))
    ignored = [0, 1, 8, 9]  # the top-left 2×2 pixels of the 8×8 image, as Flatten lays them out
    with torch.no_grad():
        run.model[1].weight[:, ignored] = 0
    example = from_split(run, "test", 0)
    for method, options in (("occlusion", dict(window=2, stride=2, baseline="noise")),
                            ("feature_ablation", dict(patch=2, baseline="noise"))):
        a = attribute(run, example, method, **options)
        assert np.all(a.values[0, :2, :2] == 0), method
        assert np.abs(a.values[0, 2:, 2:]).max() > 1e-4, method


def uploaded_table():
    """A CSV a learner uploads: 3 measurements and a numeric target (a regression)."""
    lines = ["a,b,c,target"] + [f"{r % 7},{(r * 3) % 5},{r % 4},{r * 0.37}" for r in range(60)]
    data = read_csv("\n".join(lines).encode())
    spec = BuilderSpec(task=data.name, layers=TABLE_PRESET).for_task(data.name, TABLE_PRESET, {data.name: data})
    return make_run(spec, {data.name: data})


NETWORKS = {
    "playground": lambda: make_run(playground("circle", features=("x1", "x2", "x1x2"), hidden=())),
    "points mlp": lambda: make_run(PRESETS["mlp"].spec),
    "digits": lambda: make_run(from_preset("lenet")),
    "wine": lambda: make_run(PRESETS["tabular"].spec),
    "lstm": lambda: make_run(PRESETS["lstm"].spec),
    "transformer": lambda: make_run(PRESETS["transformer"].spec),
    "sine": lambda: make_run(PRESETS["gru_sine"].spec),
    "uploaded table": uploaded_table,
}
CHEAP = dict(steps=4, samples=3, smoothing_samples=2)


@pytest.mark.parametrize("name", list(NETWORKS))
def test_every_method_works_on_every_network_and_leaves_it_as_it_was(name):
    run = NETWORKS[name]()
    run.model.train()
    before = {k: v.clone() for k, v in run.model.state_dict().items()}
    x = run.trainer.x_test[:2]
    for method in methods_for(run.data.input_kind):
        options = {k: v for k, v in CHEAP.items() if k in method.options}
        if method.smoothable:
            options["smoothing"] = "smoothgrad"
        for a in attribute_many(run, x, method.name, **options):
            assert np.isfinite(a.values).all(), method.name
            if method.family == "layer":
                assert a.over.startswith(("layer", "output"))
            else:
                assert a.values.shape == run.data.input_shape and a.over == "input", method.name
            if a.on_input is not None:
                assert a.on_input.shape == run.data.input_shape
    assert run.model.training  # put back in the mode it was in
    assert all(p.grad is None for p in run.model.parameters())  # captum used autograd.grad, not .backward
    assert all(torch.equal(before[k], v) for k, v in run.model.state_dict().items())


def test_every_kind_of_input_has_methods_and_the_registry_is_complete():
    assert len(methods_for("image")) == len(METHODS)
    assert "gradcam" not in {m.name for m in methods_for("table")}
    for method in METHODS.values():
        assert method.asks.endswith("?") or "?" in method.asks, method.name
        assert method.suits and method.paper


def test_a_batch_gives_what_each_example_gives_alone(digits):
    x = digits.trainer.x_test[:4]
    for method, options in (("integrated_gradients", {}), ("occlusion", {}), ("shapley_sampling", {"samples": 5})):
        together = attribute_many(digits, x, method, **options)
        for i in range(4):
            alone = attribute_many(digits, x[i:i + 1], method, **options)[0]
            assert together[i].target == alone.target and together[i].values.shape == alone.values.shape
            if method != "shapley_sampling":  # its random orders are drawn for the batch as a whole
                np.testing.assert_allclose(together[i].values, alone.values, rtol=1e-4, atol=1e-6)


def test_smoothing_without_noise_is_the_method_itself_and_vargrad_of_it_is_zero(digits):
    example = from_split(digits, "test", 1)
    plain = attribute(digits, example, "input_x_gradient")
    smooth = attribute(digits, example, "input_x_gradient", smoothing="smoothgrad", noise=0.0, smoothing_samples=3)
    var = attribute(digits, example, "input_x_gradient", smoothing="vargrad", noise=0.0, smoothing_samples=3)
    np.testing.assert_allclose(smooth.values, plain.values, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(var.values, 0, atol=1e-6 * float(np.abs(plain.values).max()) ** 2)  # E[a²] − E[a]²
    noisy = attribute(digits, example, "input_x_gradient", smoothing="smoothgrad", noise=0.2, smoothing_samples=8)
    assert not np.allclose(noisy.values, plain.values) and noisy.smoothing == "smoothgrad"


def test_gradcam_is_upsampled_to_the_image_and_conductance_adds_up_at_the_layer(digits):
    example = from_split(digits, "test", 2)
    layers = layer_choices(digits)
    assert [c.label for c in layers][:2] == ["layer 1 (Conv2d)", "layer 2 (ReLU)"] and layers[-1].shape == (10,)
    cam = attribute(digits, example, "gradcam")
    assert cam.over == "layer 4 (Conv2d)" and cam.values.shape == (1, 4, 4) and cam.on_input.shape == (1, 8, 8)
    assert cam.values.min() >= 0  # GradCAM keeps the positive part
    conductance = attribute(digits, example, "layer_conductance", layer="3", steps=64)
    change = output_of(digits, example.x, conductance.target) - output_of(digits, torch.zeros_like(example.x),
                                                                          conductance.target)
    assert conductance.values.shape == (16, 4, 4)
    assert conductance.total - change == pytest.approx(conductance.delta, abs=1e-4)


def test_neuron_gradient_is_the_gradient_of_that_unit(points):
    example = from_split(points, "test", 4)
    a = attribute(points, example, "neuron_gradient", layer="hidden.0", unit=2)
    inputs = example.x.clone().requires_grad_(True)
    unit = points.model.hidden[0](inputs)[0, 2]
    (gradient,) = torch.autograd.grad(unit, inputs)
    np.testing.assert_allclose(a.values, gradient[0].numpy(), rtol=1e-5, atol=1e-7)
    assert a.score == pytest.approx(float(unit.detach())) and "unit 3 of layer 1" in a.explained


def test_the_gradient_field_is_the_gradient_through_the_point_features(points):
    field = gradient_field(points, resolution=5)
    chosen = torch.as_tensor(field.points[[0, 7, 24]]).requires_grad_(True)
    points.model.eval()
    out = points.model(feature_matrix(chosen, FEATURES))[:, 0].sum()
    (gradient,) = torch.autograd.grad(out, chosen)
    np.testing.assert_allclose(field.gradients[[0, 7, 24]], gradient.numpy(), rtol=1e-5, atol=1e-6)
    assert field.points.shape == (25, 2) and field.points[0, 0] == -points.plane.extent


def test_the_plane_path_runs_from_the_baseline_to_the_point_and_adds_up(points):
    example = from_point(points, np.array([1.5, -2.0]), 1)
    path = plane_path(points, example, baseline=(0.5, 0.5), steps=80)
    np.testing.assert_allclose(path.points[0], [0.5, 0.5])
    np.testing.assert_allclose(path.points[-1], [1.5, -2.0], rtol=1e-6)
    assert path.attributions.sum() == pytest.approx(path.scores[-1] - path.scores[0] + path.delta, abs=1e-4)
    assert abs(path.delta) < 1e-2
    with pytest.raises(AttributionError, match="points of the plane"):
        gradient_field(make_run(from_preset("lenet")))


def test_defaults_follow_the_input_kind_and_bad_options_are_refused_with_a_message(digits):
    assert default_options(digits, "occlusion") == {"window": 2, "stride": 1, "baseline": "zeros"}
    assert default_options(digits, "gradient_shap")["baseline"] == "sample"
    assert check_options(digits, "lime", {"samples": "50"})["samples"] == 50
    wine = make_run(PRESETS["tabular"].spec)
    assert default_options(wine, "occlusion")["window"] == 1
    problems = [
        (digits, "saliency", {"steps": 5}, "no option 'steps'"),
        (digits, "occlusion", {"window": 9}, "larger than the input"),
        (digits, "occlusion", {"window": 2, "stride": 3}, "may not exceed the window"),
        (digits, "integrated_gradients", {"steps": 0}, "between 1 and 300"),
        (digits, "integrated_gradients", {"steps": "many"}, "must be a number"),
        (digits, "integrated_gradients", {"baseline": "sample"}, "takes the baselines"),
        (wine, "integrated_gradients", {"baseline": "blurred"}, "needs neighbouring values"),
        (wine, "gradcam", {}, "does not suit tables"),
        (digits, "neuron_gradient", {"layer": "nonsense"}, "cannot look at layer"),
        (digits, "neuron_gradient", {"layer": "0", "unit": 10_000}, "has units 0 to"),
        (digits, "nonsense", {}, "unknown method"),
    ]
    for run, method, options, message in problems:
        with pytest.raises(AttributionError, match=message):
            attribute(run, from_split(run, "test", 0), method, **options)


def test_heavy_requests_are_refused_before_any_work_naming_the_budget(digits):
    calls = []
    handle = digits.model.register_forward_pre_hook(lambda module, args: calls.append(1))
    try:
        with pytest.raises(OverBudget, match="the attribution budget"):
            attribute_many(digits, digits.trainer.x_test, "shapley_sampling", samples=2_000, patch=1)
    finally:
        handle.remove()
    assert calls == []  # refused from shapes alone


def test_perturbation_methods_report_progress_up_to_one(digits):
    seen = []
    attribute(digits, from_split(digits, "test", 0), "shapley_sampling", samples=4, progress=seen.append)
    assert seen[-1] == 1.0 and len(seen) > 2 and seen == sorted(seen)


def test_random_methods_repeat_for_a_seed_and_leave_the_global_generators_alone(digits):
    example = from_split(digits, "test", 0)
    numpy_before, torch_before = np.random.get_state()[1].copy(), torch.random.get_rng_state()
    maps = [attribute(digits, example, "gradient_shap", seed=seed, samples=5).values for seed in (1, 1, 2)]
    np.testing.assert_array_equal(maps[0], maps[1])
    assert not np.allclose(maps[0], maps[2])
    assert np.array_equal(np.random.get_state()[1], numpy_before)
    assert torch.equal(torch.random.get_rng_state(), torch_before)


def test_feature_groups_are_patches_steps_and_single_features():
    image = feature_groups((1, 4, 4), "image", 2)[0, 0]
    assert image.tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]
    assert feature_groups((3, 2), "sequence", 2)[0].tolist() == [[0, 0], [1, 1], [2, 2]]
    assert feature_groups((5,), "table", 2)[0].tolist() == [0, 1, 2, 3, 4]
