"""Playground speed: Trainer vs a bare PyTorch loop vs a naive loop, and the cost of one UI tick.

Run: .venv/bin/python benchmarks/playground.py   (or `make bench`)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import best_interleaved, best_seconds, one_thread, row  # noqa: E402

from dl_core import DataSpec, LayerSpec, ModelSpec, Spec, Trainer, TrainSpec, ViewSpec  # noqa: E402
from dl_core.playground import confusion_figure, learning_curves, snapshot  # noqa: E402

STEPS = 2000
STEPS_PER_TICK = 25


def default_spec(batch: int = 10, hidden=(LayerSpec(4), LayerSpec(2))) -> Spec:
    return Spec(DataSpec("circle"), ModelSpec(("x1", "x2"), hidden), TrainSpec("bce", "sgd", 0.03, batch))


def bare_loop(trainer: Trainer, batch: int):
    """What a careful hand-written loop does: tensors built once, no host sync in the loop."""
    model = trainer.model
    x, y = trainer.x_train, trainer.y_train.float()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.03)
    loss_fn = nn.BCEWithLogitsLoss()
    n = len(y)

    def run():
        order = torch.randperm(n)
        cursor = 0
        for _ in range(STEPS):
            if batch >= n:
                xb, yb = x, y
            else:
                if cursor + batch > n:
                    order, cursor = torch.randperm(n), 0
                index = order[cursor:cursor + batch]
                cursor += batch
                xb, yb = x[index], y[index]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb)[:, 0], yb)
            loss.backward()
            optimizer.step()

    return run


def naive_loop(trainer: Trainer, batch: int):
    """A first attempt: new tensors from Python lists every step and .item() every step."""
    model = trainer.model
    points = trainer.x_train.tolist()
    labels = trainer.y_train.tolist()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.03)
    n = len(labels)

    def run():
        for step in range(STEPS):
            start = (step * batch) % n
            rows = [points[(start + i) % n] for i in range(min(batch, n))]
            targets = [labels[(start + i) % n] for i in range(min(batch, n))]
            xb, yb = torch.tensor(rows), torch.tensor(targets, dtype=torch.float32)
            optimizer.zero_grad()
            loss = nn.functional.binary_cross_entropy_with_logits(model(xb)[:, 0], yb)
            loss.backward()
            optimizer.step()
            loss.item()

    return run


def steps_per_second(seconds: float) -> float:
    return STEPS / seconds


def compare(title: str, spec: Spec, batch: int) -> None:
    print(f"\n{title}")
    per_call, every = Trainer(spec, record_every=None), Trainer(spec, record_every=1)
    best = best_interleaved({
        "ours": lambda: per_call.step(STEPS),
        "bare": bare_loop(Trainer(spec), batch),
        "recording": lambda: every.step(STEPS),
        "naive": naive_loop(Trainer(spec), batch),
    })
    bare, naive, ours, ours_recording = best["bare"], best["naive"], best["ours"], best["recording"]
    row("bare PyTorch loop", steps_per_second(bare), "steps/s")
    row("naive loop (tensors rebuilt, .item() each step)", steps_per_second(naive), "steps/s")
    row("Trainer.step(n), history once per call", steps_per_second(ours), "steps/s", f"{ours / bare:.2f}× bare time")
    row("Trainer, train+test loss recorded every step", steps_per_second(ours_recording), "steps/s",
        f"{ours_recording / bare:.2f}× bare time")
    row("Trainer speed-up over the naive loop", naive / ours, "×")


def tick_cost() -> None:
    print(f"\nOne Playground tick ({STEPS_PER_TICK} steps + maps + figures serialised), default network")
    trainer = Trainer(default_spec(), record_every=None)
    view = ViewSpec(show_test=True)

    def tick():
        trainer.step(STEPS_PER_TICK)
        picture = snapshot(trainer, view)
        picture.boundary.to_json()
        json.dumps(picture.network)

    def slow_panel():
        learning_curves(trainer).to_json()
        confusion_figure(trainer).to_json()

    steps = best_seconds(lambda: trainer.step(STEPS_PER_TICK), repeats=20)
    whole = best_seconds(tick, repeats=20)
    slow = best_seconds(slow_panel, repeats=10)
    row(f"{STEPS_PER_TICK} training steps", steps * 1000, "ms")
    row("whole tick: steps, boundary, neuron maps, diagram", whole * 1000, "ms",
        f"→ {1 / whole:,.0f} redraws/s possible")
    row("curves + confusion matrix (redrawn once a second)", slow * 1000, "ms")


def main() -> None:
    one_thread()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread, best of several runs of {STEPS} steps")
    compare("Default Playground network: 2 inputs, 4-2 tanh, 500 points, batch 10", default_spec(), 10)
    full = default_spec(batch=2000, hidden=(LayerSpec(8), LayerSpec(8)))
    compare("2-8-8-1 tanh, full batch (250 training points)", full, 2000)
    tick_cost()


if __name__ == "__main__":
    main()
