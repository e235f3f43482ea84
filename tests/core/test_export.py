import io
import re
import runpy
import subprocess
import sys
from dataclasses import replace

import pytest
import torch

from dl_core import PRESETS, LayerDef, TrainSpec, from_preset, make_run
from dl_core.data.csv import read_csv
from dl_core.data.tasks import task_data
from dl_core.export import INIT_CODE, script, weights_file
from dl_core.nets.layers import build
from dl_core.nets.mlp import INITS


def exported(spec, tmp_path, **kwargs):
    path = tmp_path / "network.py"
    path.write_text(script(spec, steps=60, **kwargs))
    return path, runpy.run_path(str(path), run_name="exported")


def run_script(path, *args, cwd):
    result = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, cwd=cwd, timeout=180)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("name", list(PRESETS))
def test_the_exported_model_is_the_built_one_and_takes_its_weights(name, tmp_path):
    spec = from_preset(name, seed=2)
    shape = spec.shape()
    ours = build(spec.layers, shape.input_shape, shape.n_classes or 1, spec.seed).eval()
    _, module = exported(spec, tmp_path)
    theirs = module["build_model"]().eval()
    assert {k: v.shape for k, v in theirs.state_dict().items()} == {k: v.shape for k, v in ours.state_dict().items()}
    saved = torch.load(io.BytesIO(weights_file(make_run(spec).trainer)), weights_only=True)
    theirs.load_state_dict(saved["model"])
    ours.load_state_dict(saved["model"])
    x = torch.randn(3, *shape.input_shape)
    torch.testing.assert_close(theirs(x), ours(x))
    maker = "points" if spec.task == "points" else spec.task
    data, mine = module[maker](spec.seed), task_data(spec.task, spec.seed, spec.points)
    assert torch.equal(data.x_train, mine.x_train) and torch.equal(data.y_test, mine.y_test), "the same data"


def batch_losses(output: str) -> list[float]:
    return [float(v) for v in re.findall(r"train loss on the batch ([\d.e-]+);", output)]


@pytest.mark.parametrize("name, layers, train", [
    ("lenet", None, TrainSpec("cross_entropy", "adam", 0.01, 64, "l2", 0.01, 0.5)),
    ("tabular", None, TrainSpec("cross_entropy", "momentum", 0.05, 16, "l1", 0.001)),
    ("mlp", None, TrainSpec("bce", "sgd", 0.1, 2000)),
    ("gru_sine", None, TrainSpec("huber", "rmsprop", 0.003, 32, "l2", 0.1, 0.1)),
])
def test_the_scripts_first_steps_are_the_apps(name, layers, train, tmp_path):
    """Same initial weights, the same batches, the same dropout masks, the same loss, penalty and clipping:
    the loss on the second batch (after one update) agrees too. (The tabular preset has dropout.)"""
    spec = replace(from_preset(name, seed=4), train=train)
    spec = replace(spec, layers=layers) if layers else spec
    path, _ = exported(spec, tmp_path)
    trainer = make_run(spec).trainer
    expected = []
    for _ in range(2):
        x, target = trainer._next_batch()
        masks = trainer._noise.state
        with torch.no_grad(), trainer._noise:  # the loss the update will see, with its dropout masks
            expected.append(trainer.objective.loss(trainer.model(x), target).item())
        trainer._noise.state = masks
        trainer._update(x, target)
    output = run_script(path, "--steps", "2", cwd=tmp_path)
    assert batch_losses(output) == pytest.approx(expected, rel=1e-4), output


def test_the_exported_script_trains_continues_from_saved_weights_and_evaluates_only(tmp_path):
    spec = from_preset("lenet")
    path, _ = exported(spec, tmp_path)
    run = make_run(spec)
    run.trainer.step(20)
    weights = tmp_path / "weights.pt"
    weights.write_bytes(weights_file(run.trainer))
    trained = run_script(path, "--steps", "60", cwd=tmp_path)
    losses = batch_losses(trained)
    assert len(losses) >= 2 and losses[-1] < losses[0], trained
    only = run_script(path, "--steps", "0", "--weights", str(weights), cwd=tmp_path)
    metrics = run.trainer.evaluate()
    assert only.strip().startswith("step 20:") and "train loss on the batch" not in only
    assert f"test accuracy {metrics['test_accuracy']:.4f}" in only, (only, metrics)
    resumed = run_script(path, "--steps", "5", "--weights", str(weights), cwd=tmp_path)
    assert "step 21: train loss on the batch" in resumed and "step 25:" in resumed


@pytest.mark.parametrize("points", ["circle", "xor", "moons"])
def test_each_set_of_points_exports_its_own_generator(points, tmp_path):
    spec = replace(from_preset("mlp"), points=points)
    _, module = exported(spec, tmp_path)
    data, mine = module["points"](spec.seed), task_data("points", spec.seed, points)
    assert torch.equal(data.x_train, mine.x_train) and torch.equal(data.y_train, mine.y_train)


@pytest.mark.parametrize("init", list(INITS))
def test_named_initialisations_are_written_out_and_give_the_apps_weights(init, tmp_path):
    assert set(INIT_CODE) == set(INITS)
    spec = replace(from_preset("tabular", seed=5), init=init)
    _, module = exported(spec, tmp_path)
    theirs = module["build_model"]()
    torch.manual_seed(spec.seed)
    module["initialise"](theirs, spec.seed)
    ours = make_run(spec).model
    for (name, a), b in zip(theirs.state_dict().items(), ours.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)


def test_a_network_on_an_uploaded_table_carries_the_table(tmp_path):
    lines = ["a,b,c,kind"] + [f"{r % 7},{(r * 3) % 5},{r % 2},{'x' if r % 3 else 'y'}" for r in range(60)]
    raw = "\n".join(lines).encode()
    table = read_csv(raw)
    spec = from_preset("tabular").for_task(table.name, (LayerDef("linear", 8), LayerDef("activation")),
                                           uploads={table.name: table})
    path = tmp_path / "network.py"
    path.write_text(script(spec, steps=5, uploads={table.name: table}, csv_source=(raw, "auto")))
    module = runpy.run_path(str(path), run_name="exported")
    data = module["read_csv"](module["YOUR_CSV"].encode("utf-8"), "table", "auto", "your data")
    assert torch.equal(data.x_train, table.x_train) and torch.equal(data.y_test, table.y_test)
    assert "step 5:" in run_script(path, cwd=tmp_path)


@pytest.mark.parametrize("task", ["first_symbol_long", "digits_few", "digits_few_augmented", "digits_5_9_few",
                                  "groups_skewed", "groups_balanced"])
def test_the_lessons_tasks_export_the_same_data(task, tmp_path):
    from dl_core.export import _data_code
    from dl_core.specs.presets import first_preset_for

    spec = replace(first_preset_for(task).spec, seed=3)
    _, module = exported(spec, tmp_path)
    data, mine = module[_data_code(spec, None)[1].split("(")[0]](spec.seed), task_data(task, spec.seed)
    assert torch.equal(data.x_train, mine.x_train) and torch.equal(data.y_test, mine.y_test)
