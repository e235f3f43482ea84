import io
import re
import runpy
import subprocess
import sys

import pytest
import torch

from dl_core.build_run import build_trainer, from_preset, task_data
from dl_core.builder import build
from dl_core.export import script, weights_file
from dl_core.tasks import PRESETS, TASKS


def exported(spec, tmp_path):
    path = tmp_path / f"{spec.task}_network.py"
    path.write_text(script(spec, steps=60))
    return path, runpy.run_path(str(path), run_name="exported")


@pytest.mark.parametrize("name", list(PRESETS))
def test_the_exported_model_is_the_built_one_and_takes_its_weights(name, tmp_path):
    spec = from_preset(name, seed=2)
    task = TASKS[spec.task]
    ours = build(list(spec.layers), task.input_shape, task.n_classes or 1, spec.seed).eval()
    _, module = exported(spec, tmp_path)
    theirs = module["build_model"]().eval()
    assert {k: v.shape for k, v in theirs.state_dict().items()} == {k: v.shape for k, v in ours.state_dict().items()}
    theirs.load_state_dict(torch.load(io.BytesIO(weights_file(ours)), weights_only=True))
    x = torch.randn(3, *task.input_shape)
    torch.testing.assert_close(theirs(x), ours(x))
    data, mine = module[task.make.__name__](spec.seed), task_data(spec)
    assert torch.equal(data.x_train, mine.x_train) and torch.equal(data.y_test, mine.y_test), "the same data"


@pytest.mark.parametrize("name", ["lenet", "lstm"])
def test_the_exported_script_runs_and_its_loss_falls(name, tmp_path):
    spec = from_preset(name)
    path, _ = exported(spec, tmp_path)
    trained = build_trainer(spec)
    trained.step(20)
    weights = tmp_path / "weights.pt"
    weights.write_bytes(weights_file(trained.model))
    for extra in ([], ["--weights", str(weights)]):
        run = subprocess.run([sys.executable, str(path), "--steps", "60", *extra], capture_output=True, text=True,
                             cwd=tmp_path, timeout=120)
        assert run.returncode == 0, run.stderr
        losses = [float(v) for v in re.findall(r"train loss ([\d.]+)", run.stdout)]
        assert len(losses) >= 2 and losses[-1] < losses[0], run.stdout


@pytest.mark.parametrize("points", ["circle", "xor", "moons"])
def test_each_set_of_points_exports_its_own_generator(points, tmp_path):
    from dataclasses import replace

    spec = replace(from_preset("mlp"), points=points)
    _, module = exported(spec, tmp_path)
    data, mine = module["points"](spec.seed), task_data(spec)
    assert torch.equal(data.x_train, mine.x_train) and torch.equal(data.y_train, mine.y_train)
