"""Every layer kind in every lab: a small network built around each kind, on a task it fits, goes through
each computation a lab runs on a Builder network (the loss landscape, the optimiser's path, sharpness, the
probe, one step on one example, gradient flow, attribution, the exported script), and one training step
costs no more than the work budgets charge for it. A layer kind added without a row here fails the first test.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from dl_core import TASKS, BuilderSpec, LayerDef, default_train, make_run
from dl_core.analyses import landscape
from dl_core.analyses.attribution import attribute
from dl_core.analyses.examples import from_split
from dl_core.analyses.worked_example import step_on_example
from dl_core.export import script
from dl_core.nets.layers import LAYERS
from dl_core.nets.mlp import ACTIVATIONS
from dl_core.observe.gradients import GradientFlow, unit_stats
from dl_core.observe.path import PathRecorder
from dl_core.observe.probe import probe
from dl_core.specs.budget import BYTES_PER_FLOAT, STEP_COST

L = LayerDef


def _spec(task: str, *layers: LayerDef, batch: int = 16) -> BuilderSpec:
    return BuilderSpec(task=task, layers=layers, train=replace(default_train(TASKS[task].n_classes), batch_size=batch))


# (the layer kind under test, what is special about the row) → a small network around it on a task it fits
ROWS: dict[tuple[str, str], BuilderSpec] = {
    ("linear", "on points"): _spec("points", L("linear", 8), L("activation")),
    ("linear", "on every step of a sequence"): _spec("sine", L("linear", 6), L("activation"), L("last_step")),
    ("conv2d", "even kernel"): _spec("digits", L("conv2d", 4, 4), L("activation"), L("flatten")),
    ("conv2d", "odd kernel, two deep"): _spec("digits", L("conv2d", 3, 5), L("activation"), L("conv2d", 4, 3),
                                              L("flatten")),
    ("maxpool", ""): _spec("digits", L("conv2d", 4), L("maxpool"), L("flatten")),
    ("avgpool", "the only layer before the output"): _spec("digits", L("avgpool"), L("flatten")),
    ("avgpool", "after a convolution"): _spec("digits", L("conv2d", 4), L("avgpool"), L("flatten")),
    ("flatten", ""): _spec("digits", L("flatten"), L("linear", 8), L("activation", activation="tanh")),
    ("dropout", ""): _spec("wine", L("linear", 8), L("dropout", rate=0.5), L("activation")),
    ("batchnorm", "on vectors"): _spec("wine", L("linear", 8), L("batchnorm"), L("activation")),
    ("batchnorm", "on images"): _spec("digits", L("conv2d", 4), L("batchnorm"), L("activation"), L("flatten")),
    ("layernorm", "on sequences"): _spec("first_symbol", L("linear", 8), L("layernorm"), L("last_step")),
    ("layernorm", "on images"): _spec("digits", L("conv2d", 3), L("layernorm"), L("flatten")),
    ("activation", "gelu"): _spec("points", L("linear", 8), L("activation", activation="gelu")),
    ("activation", "sigmoid"): _spec("wine", L("linear", 8), L("activation", activation="sigmoid")),
    ("residual", "on vectors"): _spec("points", L("linear", 8), L("residual", activation="tanh")),
    ("residual", "on images, even kernel"): _spec("digits", L("conv2d", 4), L("residual", kernel=2), L("flatten")),
    ("rnn", ""): _spec("sine", L("rnn", 8), L("last_step")),
    ("lstm", ""): _spec("first_symbol", L("lstm", 8), L("last_step")),
    ("gru", ""): _spec("sine", L("gru", 8), L("last_step")),
    ("attention", ""): _spec("first_symbol", L("linear", 8), L("attention", 2), L("flatten")),
    ("last_step", "the only layer before the output"): _spec("first_symbol", L("last_step")),
}
SPECS = list(ROWS.values())
# Known failures in files other helpers own, reported to them; strict, so a fix turns the mark into a failure.
KNOWN: dict = {}  # (lab, row) → why it fails today, for a fault found and not yet fixed


def rows(lab: str = ""):
    """Every row as a parameter of a test of ``lab``, known failures marked."""
    params = []
    for (kind, what), spec in ROWS.items():
        reason = KNOWN.get((lab, (kind, what)))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(spec, id=f"{kind}-{what}" if what else kind, marks=marks))
    return pytest.mark.parametrize("spec", params)


def test_every_layer_kind_has_a_row_and_every_row_is_a_valid_network():
    assert {kind for kind, _ in ROWS} == set(LAYERS), "each layer kind needs a row in ROWS"
    for (kind, what), spec in ROWS.items():
        assert kind in {layer.kind for layer in spec.layers}, (kind, what)
        assert spec.problems() == [], (kind, what)


def _trained(spec: BuilderSpec, steps: int = 0):
    run = make_run(spec)
    if steps:
        run.trainer.step(steps)
    return run


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


@rows("landscape")
def test_the_loss_landscape_on_a_random_plane(spec):
    run = _trained(spec, 2)
    surface = landscape.random_plane(run, 3, 1.0, seed=0)
    assert surface.losses.shape == (3, 3) and np.isfinite(surface.losses).all()
    assert _close(float(surface.losses[1, 1]), surface.centre_loss), "the grid's middle point is θ itself"
    assert _close(surface.centre_loss, landscape.centre_loss(run))


@rows("landscape")
def test_the_loss_landscape_around_the_optimisers_path(spec):
    run = make_run(spec)
    recorder = PathRecorder(run.model)
    run.trainer.on("after_step", recorder)
    run.trainer.step(4)
    surface, projection = landscape.path_plane(run, recorder.snapshots, 3)
    assert surface.losses.shape == (3, 3) and np.isfinite(surface.losses).all()
    np.testing.assert_allclose(projection.coordinates[-1], 0.0, atol=1e-5)  # the path ends at the current weights
    assert _close(surface.centre_loss, landscape.centre_loss(run))


@rows("landscape")
def test_sharpness(spec):
    run = _trained(spec, 2)
    result = landscape.sharpness(run, points=5)
    assert math.isfinite(result.eigenvalue)
    assert result.losses.shape == (5,) and np.isfinite(result.losses).all()
    assert _close(float(result.losses[2]), landscape.centre_loss(run)), "the line passes through θ"


@rows()
def test_the_probe_sees_every_layer_once(spec):
    run = _trained(spec, 1)
    example = from_split(run, "test", 0)
    seen = probe(run.model, run.objective.loss, example.x, example.target)
    assert [layer.name for layer in seen.layers] == [str(i) for i in range(len(run.model))]
    assert all(torch.isfinite(layer.grad_output).all() for layer in seen.layers)
    run.model.eval()
    with torch.no_grad():
        torch.testing.assert_close(seen.output, run.model(example.x)[0])


@rows()
def test_one_optimiser_step_on_one_example(spec):
    run = make_run(spec)
    weights = [p for p in run.model.parameters() if p.dim() >= 2]
    step = step_on_example(run, from_split(run, "train", 0))
    assert run.trainer.step_count == 1
    assert math.isfinite(step.loss_before) and math.isfinite(step.loss_after)
    assert len(step.moves) == len(weights) and step.biggest
    assert any(np.abs(move).max() > 0 for _, move in step.moves), "the step moved some weight"


@rows()
def test_gradient_flow_and_unit_statistics(spec):
    run = make_run(spec)
    flow = GradientFlow(run.trainer)
    run.trainer.step(2)
    grads = flow.series("grad_norm")
    assert grads.shape == (2, sum(p.dim() >= 2 for p in run.model.parameters()))
    assert np.isfinite(grads).all() and (grads > 0).any()
    kinds = tuple({type(info.make()) for name, info in ACTIVATIONS.items() if name != "linear"})
    activations = [m for m in run.model.modules() if type(m) in kinds]
    units = unit_stats(run.trainer)
    assert len(units) == len(activations)
    for unit in units:
        assert len(unit.values) == run.trainer.n_train and np.isfinite(unit.values).all()
        assert math.isnan(unit.dead_share) or 0 <= unit.dead_share <= 1


@rows()
def test_attribution_by_a_gradient_method(spec):
    run = _trained(spec, 1)
    example = from_split(run, "test", 0)
    result = attribute(run, example, "saliency")
    assert result.values.shape == example.input.shape
    assert np.isfinite(result.values).all() and np.abs(result.values).sum() > 0


def _saved_bytes_of_a_step(model, x, target, loss_fn) -> int:
    """Bytes autograd keeps for the backward pass of one step (the weights themselves not counted)."""
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    kept: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        where = t.untyped_storage().data_ptr()
        if where not in weights:
            kept[where] = max(kept.get(where, 0), t.numel() * t.element_size())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = loss_fn(model(x), target)
    loss.backward()
    return sum(kept.values())


@rows()
def test_one_training_step_costs_no_more_than_the_budgets_charge(spec):
    """The work budgets are estimated from shapes; here a real step is counted: its multiply-adds (torch's
    FLOP counter: matrix products and convolutions) and the bytes autograd keeps for the backward pass."""
    run = make_run(spec)
    work, batch = spec.work(), spec.train.batch_size
    x, target = run.trainer._next_batch()
    run.model.train()
    with FlopCounterMode(display=False) as counter:
        run.objective.loss(run.model(x), target).backward()
    assert counter.get_total_flops() / 2 <= STEP_COST * batch * work.macs
    charged = batch * work.stored * BYTES_PER_FLOAT * 2  # as ``budget.training_problems`` charges a step
    the_batch = x.numel() * x.element_size() + target.numel() * target.element_size()  # data, not the network's
    assert _saved_bytes_of_a_step(run.model, x, target, run.objective.loss) <= charged + the_batch + 64


RUNNER = """
import runpy, sys, traceback
import torch
torch.set_num_threads(1)
for path in sys.argv[1:]:
    print(f"=== {path}", flush=True)
    sys.argv = [path, "--steps", "1"]
    try:
        runpy.run_path(path, run_name="__main__")
    except BaseException:
        print("FAILED", traceback.format_exc(), flush=True)
"""


@pytest.fixture(scope="module")
def exported_outputs(tmp_path_factory):
    """Every row's exported script run for one step, all in one Python process (one torch import)."""
    folder = tmp_path_factory.mktemp("exported")
    paths = []
    for k, spec in enumerate(SPECS):
        path = folder / f"network_{k}.py"
        path.write_text(script(spec, steps=1))
        paths.append(str(path))
    result = subprocess.run([sys.executable, "-c", RUNNER, *paths], capture_output=True, text=True, cwd=folder,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    pieces = result.stdout.split("=== ")[1:]
    return {path: piece for path, piece in zip(paths, pieces)}, paths


@rows()
def test_the_exported_script_starts_from_the_same_network_and_trains(spec, exported_outputs):
    outputs, paths = exported_outputs
    output = outputs[paths[SPECS.index(spec)]]
    assert "FAILED" not in output, output
    first = re.search(r"step 0: train loss ([\d.e+-]+)", output)
    assert first and "step 1: train loss on the batch" in output, output
    expected = make_run(spec).trainer.history.train_loss[0]
    assert float(first.group(1)) == pytest.approx(expected, rel=1e-3, abs=2e-4), output  # printed to 4 decimals


@rows("modes")
def test_a_network_said_to_compute_the_same_in_both_modes_does(spec):
    """The Trainer skips switching train/eval mode for a network ``mode_free`` passes (a walk over every module,
    a third of a tiny network's step): each row's network in train mode and in eval mode, on the same inputs,
    must then agree; dropout and batch normalisation must not pass."""
    from dl_core.trainer import mode_free

    run = make_run(spec)
    run.trainer.step(3)  # batch normalisation's running statistics move away from their start
    x = run.trainer.x_train[:16]
    run.model.train()
    torch.manual_seed(1)
    trained = run.model(x)
    run.model.eval()
    evaluated = run.model(x)
    kinds = {layer.kind for layer in spec.layers}
    if kinds & {"dropout", "batchnorm"}:
        assert not mode_free(run.model)
    if mode_free(run.model):
        torch.testing.assert_close(trained, evaluated)
