"""Small specs for tests, spelled in one line each."""

from __future__ import annotations

from dl_core import DataSpec, LayerSpec, ModelSpec, PlaygroundSpec, TrainSpec, make_run

L = LayerSpec


def playground(dataset: str = "circle", features: tuple[str, ...] = ("x1", "x2"),
               hidden: tuple[LayerSpec, ...] = (L(4), L(2)), loss: str = "bce", optimizer: str = "sgd",
               lr: float = 0.03, batch: int = 10, reg: str = "none", rate: float = 0.0, init: str = "xavier",
               noise: int = 0, seed: int = 0, points: int = 500, train_share: int = 70, clip: float = 0.0,
               norm: bool = False, skip: bool = False, dropout: float = 0.0) -> PlaygroundSpec:
    return PlaygroundSpec(DataSpec(dataset, noise, train_share, points, seed),
                          ModelSpec(features, hidden, dropout, init, norm, skip),
                          TrainSpec(loss, optimizer, lr, batch, reg, rate, clip))


def trained(spec, steps: int = 0):
    """A run of ``spec`` after ``steps`` training steps."""
    run = make_run(spec)
    if steps:
        run.trainer.step(steps)
    return run
