import pytest
import torch

from dl_core import make_run
from dl_core.device import describe, pick_device, use_threads_for
from helpers.specs import L, playground


def test_the_environment_forces_a_device(monkeypatch):
    monkeypatch.setenv("DL_LAB_DEVICE", "meta")  # a device this machine would never pick by itself
    assert pick_device() == torch.device("meta")
    monkeypatch.setenv("DL_LAB_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")
    assert pick_device("meta") == torch.device("meta"), "an explicit choice wins over the environment"
    assert describe(torch.device("cpu")).startswith("CPU")


def test_runs_are_made_on_the_device_the_environment_names(monkeypatch):
    monkeypatch.setenv("DL_LAB_DEVICE", "meta")
    with pytest.raises(RuntimeError, match="meta tensors"):  # a meta tensor has no values: proof it went there
        make_run(playground())
    monkeypatch.setenv("DL_LAB_DEVICE", "cpu")
    assert make_run(playground()).trainer.x_train.device.type == "cpu"


def test_small_models_run_on_one_thread():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        use_threads_for(1_000)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


@pytest.mark.gpu
def test_training_on_cuda_matches_the_cpu():
    spec = playground("spiral", hidden=(L(8, "tanh"),), optimizer="adam", batch=50)
    cpu, gpu = make_run(spec, device=torch.device("cpu")).trainer, make_run(spec, device=torch.device("cuda")).trainer
    cpu.step(100)
    gpu.step(100)
    assert gpu.model.output.weight.is_cuda
    assert gpu.history.test_loss[-1] == pytest.approx(cpu.history.test_loss[-1], rel=1e-3)
