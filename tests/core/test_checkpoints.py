import numpy as np
import pytest
import torch

from dl_core import from_preset, make_run
from dl_core.analyses.attribution import over_training
from dl_core.analyses.examples import from_split
from dl_core.observe.checkpoints import Checkpoints


def test_checkpoints_stay_few_evenly_spaced_and_hold_the_weights_of_their_step():
    run = make_run(from_preset("lenet"))
    checkpoints = run.probe("checkpoints", lambda trainer: Checkpoints(trainer, limit=4))
    first = {k: v.clone() for k, v in run.model.state_dict().items()}
    run.trainer.step(20)
    assert 2 <= len(checkpoints) <= 4 and checkpoints.steps[0] == 0
    assert checkpoints.steps == sorted(checkpoints.steps) and checkpoints.steps[-1] <= 20
    at_start = checkpoints.model_at(0)
    assert all(torch.equal(first[k], v) for k, v in at_start.state_dict().items())
    assert at_start is not run.model and not torch.equal(at_start[0].weight, run.model[0].weight)
    models = checkpoints.models()
    assert models[-1][0] == 20 and torch.equal(models[-1][1][0].weight, run.model[0].weight)


def test_a_checkpoint_records_what_the_network_was_at_that_step():
    run = make_run(from_preset("lenet"))
    checkpoints = Checkpoints(run.trainer, limit=64)
    seen = {}
    run.trainer.on("after_step", lambda t: seen.__setitem__(t.step_count, run.model[9].bias.detach().clone()))
    run.trainer.step(6)
    for k, step in enumerate(checkpoints.steps[1:], 1):
        np.testing.assert_array_equal(checkpoints.states[k]["9.bias"].numpy(), seen[step].numpy())
    checkpoints.detach()
    run.trainer.step(3)
    assert checkpoints.steps[-1] == 6


def test_the_same_example_is_explained_at_every_checkpoint_for_one_class():
    run = make_run(from_preset("lenet"))
    checkpoints = Checkpoints(run.trainer, limit=8)
    run.trainer.step(40)
    example = from_split(run, "test", 0)
    seen = []
    maps = over_training(run, example, "saliency", checkpoints.models(), progress=seen.append)
    assert [step for step, _ in maps] == checkpoints.steps + ([40] if checkpoints.steps[-1] < 40 else [])
    assert len({a.target for _, a in maps}) == 1 and seen[-1] == pytest.approx(1.0)
    assert not np.allclose(maps[0][1].values, maps[-1][1].values)
