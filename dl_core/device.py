"""The only module that names accelerators: device choice, CPU thread count, seeding."""

from __future__ import annotations

import os

import torch

SMALL_MODEL_PARAMETERS = 1_000_000  # below this, extra CPU threads cost more than they give


def pick_device(prefer: str | None = None) -> torch.device:
    """CUDA, then Apple's MPS, then the CPU. ``prefer`` (or DL_LAB_DEVICE) forces one."""
    prefer = prefer or os.environ.get("DL_LAB_DEVICE")
    if prefer:
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe(device: torch.device) -> str:
    """A line for the home page: which device trains, and how."""
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)} (CUDA {torch.version.cuda})"
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return f"CPU, one thread for each small model (torch {torch.__version__})"


def use_threads_for(parameter_count: int) -> None:
    """One thread for small models: on a busy two-core box a second thread made a tiny
    MLP step 10–30× slower (measured). torch's setting is per process."""
    if parameter_count < SMALL_MODEL_PARAMETERS and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def generator(seed: int) -> torch.Generator:
    """A CPU generator for everything random that must repeat for the same seed."""
    return torch.Generator().manual_seed(seed)
