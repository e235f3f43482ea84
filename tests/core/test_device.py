import pytest
import torch

from dl_core import DataSpec, LayerSpec, ModelSpec, Spec, Trainer, TrainSpec
from dl_core.device import describe, pick_device, use_threads_for


def test_the_environment_can_force_a_device(monkeypatch):
    monkeypatch.setenv("DL_LAB_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")
    assert pick_device("cpu") == torch.device("cpu")
    assert describe(torch.device("cpu")).startswith("CPU")


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
    spec = Spec(DataSpec("spiral"), ModelSpec(("x1", "x2"), (LayerSpec(8, "tanh"),)),
                TrainSpec("bce", "adam", 0.03, 50))
    cpu, gpu = Trainer(spec, torch.device("cpu")), Trainer(spec, torch.device("cuda"))
    cpu.step(100)
    gpu.step(100)
    assert gpu.model.output.weight.is_cuda
    assert gpu.history.test_loss[-1] == pytest.approx(cpu.history.test_loss[-1], rel=1e-3)
