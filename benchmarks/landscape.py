"""Loss landscape speed: a 41×41 grid evaluated in batches against a naive per-point loop.

For the Playground MLP and a LeNet-style CNN on scikit-learn's 8×8 digits (all 1,797 images).
Run: .venv/bin/python benchmarks/landscape.py   (or `make bench`)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import best_seconds, one_thread, row  # noqa: E402

from dl_core import Spec, Trainer  # noqa: E402
from torch.func import functional_call, vmap  # noqa: E402

from dl_core.landscape import (  # noqa: E402
    axis, filter_normalized_direction, grid_chunk_size, grid_coordinates, loss_at_naively, loss_surface, parameters_of,
)

RESOLUTION = 41


def naive_grid(model, loss_fn, x, target, centre, d1, d2, a):
    losses = []
    for beta in a:
        for alpha in a:
            params = {n: centre[n] + alpha * d1[n] + beta * d2[n] for n in centre}
            losses.append(loss_at_naively(model, loss_fn, x, target, params))
    return np.array(losses)


def digits_cnn() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """LeNet-style: conv 1→6 (3×3) → ReLU → max-pool → conv 6→16 (3×3) → ReLU → flatten → 64 → 10."""
    digits = load_digits()
    x = torch.tensor(digits.images / 16.0, dtype=torch.float32)[:, None]  # (1797, 1, 8, 8)
    y = torch.tensor(digits.target)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, 6, 4, 4)
        nn.Conv2d(6, 16, 3, padding=1), nn.ReLU(), nn.Flatten(),  # (N, 256)
        nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(100):  # a partly trained network, as a learner would have
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    return model, x, y


def vmap_grid(model, loss_fn, x, target, centre, d1, d2, coordinates):
    """Every parameter set of a chunk in one call, whatever the layers (what loss_surface does for MLPs)."""
    batched = vmap(lambda params: loss_fn(functional_call(model, params, (x,)), target))
    chunk = grid_chunk_size(model, len(x))
    return torch.cat([batched({n: centre[n] + c[:, 0].reshape(-1, *[1] * t.dim()) * d1[n]
                                  + c[:, 1].reshape(-1, *[1] * t.dim()) * d2[n] for n, t in centre.items()})
                      for c in coordinates.split(chunk)]).numpy()


@torch.no_grad()
def compare(title: str, model, loss_fn, x, target, repeats: int) -> None:
    model.eval()
    centre = parameters_of(model)
    generator = torch.Generator().manual_seed(0)
    d1, d2 = (filter_normalized_direction(centre, generator) for _ in range(2))
    a = axis(1.0, RESOLUTION)
    coordinates = grid_coordinates(a, a)
    timed = {
        "naive: load weights, evaluate, per grid point": lambda: naive_grid(model, loss_fn, x, target, centre, d1,
                                                                            d2, a),
        "vmap over parameter sets (functional_call)": lambda: vmap_grid(model, loss_fn, x, target, centre, d1, d2,
                                                                        coordinates),
        "loss_surface, as the Loss Landscape lab runs it": lambda: loss_surface(model, loss_fn, x, target, centre,
                                                                                [d1, d2], coordinates),
    }
    results = {name: run() for name, run in timed.items()}
    seconds = {name: best_seconds(run, repeats=repeats, warmup=0) for name, run in timed.items()}
    spread = max(np.abs(r - results[next(iter(results))]).max() for r in results.values())
    parameters = sum(p.numel() for p in model.parameters())
    print(f"\n{title}: {RESOLUTION}×{RESOLUTION} grid, {len(x):,} points, {parameters:,} "
          f"parameters (largest difference between the methods: {spread:.1e})")
    naive = seconds[next(iter(seconds))]
    for name, value in seconds.items():
        row(name, value * 1000, "ms", f"{naive / value:.1f}× the naive loop's speed")


def main() -> None:
    one_thread()
    trainer = Trainer(Spec(), record_every=None)
    trainer.step(200)
    compare("Playground MLP (2 inputs, 4-2 tanh)", trainer.model, trainer.objective.loss, trainer.x_train,
            trainer.t_train, repeats=5)
    model, x, y = digits_cnn()
    compare("Digits CNN", model, nn.functional.cross_entropy, x, y, repeats=1)


if __name__ == "__main__":
    main()
