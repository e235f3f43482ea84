"""Shared test set-up: tests run on the CPU, one thread, whatever the machine has."""

import os

import pytest
import torch

os.environ.setdefault("DL_LAB_DEVICE", "cpu")
os.environ.setdefault("DL_LAB_SECRET", "a secret for the tests' teacher links")
torch.set_num_threads(1)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
