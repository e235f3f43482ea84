"""Loss landscape speed: every network preset's 41×41 grid, as the Loss Landscape lab computes it, next to the
naive loop (load the weights into the model, evaluate, read the number back; one grid point at a time), both on
the same evaluation data: the run's fixed subset of 256 training examples (``landscape.evaluation_data``).

Then, for the LeNet-style digits CNN, what each lever gives (all data vs the subset, one call of the whole network
per point, layer by layer, the first layer combined from maps, max-pooling as strided maxima, channels-last maps),
and how long the first, coarse picture of a coarse-to-fine grid takes.

Run: .venv/bin/python benchmarks/landscape.py [--quick] [--rounds N] [--presets lenet lstm …]   (or `make bench`).
One thread; the best of interleaved rounds (3 unless given); wall time and, beside it, CPU time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import arguments, best_interleaved, one_thread, row  # noqa: E402

from dl_core import PRESETS, PlaygroundSpec, from_preset, make_run  # noqa: E402
from dl_core.analyses import landscape  # noqa: E402
from dl_core.analyses.landscape import (  # noqa: E402
    PlaneLoss, axis, evaluation_data, filter_normalized_direction, grid_coordinates, loss_surface, parameters_of,
    refining_random_plane,
)
from dl_core.trainer import evaluating  # noqa: E402

RESOLUTION = 41
TRAINING_STEPS = 100  # a partly trained network, as a learner would have it
SLOW_SECONDS = 10  # a preset whose naive grid takes longer is timed in one round


@torch.no_grad()
def naive_grid(model, loss_fn, x, target, centre, d1, d2, a) -> np.ndarray:
    """The baseline: for every grid point, load θ + αδ + βη into the model, evaluate, read the loss back."""
    saved = parameters_of(model)
    losses = []
    with evaluating(model):
        for beta in a.tolist():
            for alpha in a.tolist():
                for name, p in model.named_parameters():
                    p.copy_(centre[name] + alpha * d1[name] + beta * d2[name])
                losses.append(float(loss_fn(model(x), target)))
        for name, p in model.named_parameters():
            p.copy_(saved[name])
    return np.array(losses)


def setting(run, examples: int | None = None):
    """The run's network and loss, its evaluation data (or its first ``examples`` training examples), two
    filter-normalised directions and the 41×41 coordinates."""
    model, loss_fn = run.model, run.objective.loss
    if examples is None:
        data = evaluation_data(run)
        x, target = data.x, data.target
    else:
        x, target = run.trainer.x_train[:examples], run.trainer.t_train[:examples]
    centre = parameters_of(model)
    generator = torch.Generator().manual_seed(0)
    d1, d2 = (filter_normalized_direction(centre, generator) for _ in range(2))
    a = axis(1.0, RESOLUTION)
    return model, loss_fn, x, target, centre, d1, d2, a, grid_coordinates(a, a)


def cpu_timed(runs: dict[str, Callable[[], object]]) -> tuple[dict[str, Callable[[], object]], dict[str, float]]:
    """The same contenders, each also noting the fastest CPU time of this process it took: on a machine shared with
    other work, wall time includes waiting for a core, CPU time does not."""
    cpu = {name: float("inf") for name in runs}

    def timed(name: str, run: Callable[[], object]) -> Callable[[], None]:
        def call() -> None:
            start = time.process_time()
            run()
            cpu[name] = min(cpu[name], time.process_time() - start)
        return call

    return {name: timed(name, run) for name, run in runs.items()}, cpu


def trained(spec):
    run = make_run(spec)
    run.trainer.step(TRAINING_STEPS)
    return run


def every_preset(rounds: int, only: list[str]) -> None:
    print(f"\nEvery preset: a {RESOLUTION}×{RESOLUTION} grid ({RESOLUTION ** 2:,} points) on the evaluation data, "
          f"after {TRAINING_STEPS} training steps; best of {rounds} interleaved rounds")
    specs = {"playground (default)": PlaygroundSpec()} | {name: from_preset(name) for name in PRESETS}
    for name, spec in specs.items():
        if only and name not in only:
            continue
        compare(name, trained(spec), rounds)


def compare(name: str, run, rounds: int) -> None:
    model, loss_fn, x, target, centre, d1, d2, a, coordinates = setting(run)
    strategy = PlaneLoss(model, loss_fn, x, target, centre, [d1, d2]).strategy
    ours = loss_surface(model, loss_fn, x, target, centre, [d1, d2], coordinates)
    start = time.perf_counter()
    naive = naive_grid(model, loss_fn, x, target, centre, d1, d2, a)
    slow = time.perf_counter() - start > SLOW_SECONDS
    difference = float(np.max(np.abs(ours - naive) / np.maximum(np.abs(naive), 1e-12)))
    runs, cpu = cpu_timed({
        "naive": lambda: naive_grid(model, loss_fn, x, target, centre, d1, d2, a),
        "ours": lambda: loss_surface(model, loss_fn, x, target, centre, [d1, d2], coordinates),
    })
    best = best_interleaved(runs, rounds=1 if slow else rounds)
    print(f"  {name}: {len(x):,} of {run.trainer.n_train:,} training examples{' (one round)' if slow else ''}, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters, {strategy}; "
          f"largest relative difference from the naive loop {difference:.1e}")
    row("    naive loop", best["naive"] * 1000, "ms", f"CPU {cpu['naive'] * 1000:,.0f} ms")
    row("    loss_surface", best["ours"] * 1000, "ms", f"CPU {cpu['ours'] * 1000:,.0f} ms; "
        f"{best['naive'] / best['ours']:.1f}× the naive loop's speed ({cpu['naive'] / cpu['ours']:.1f}× in CPU time)")


def levers(rounds: int) -> None:
    """The LeNet-style CNN, each lever switched on in turn."""
    run = trained(from_preset("lenet"))
    subset = setting(run)
    model, loss_fn, x, target, centre, d1, d2, a, coordinates = subset
    whole = setting(run, run.trainer.n_train)

    def planes(*, strategy: str | None = None, fast_pool: bool = True, channels_last: bool = False):
        plane = PlaneLoss(model, loss_fn, x, target, centre, [d1, d2])
        if strategy:
            plane.strategy = strategy
        if not fast_pool:
            plane._steps = [(n, apply if own else model.get_submodule(n), own) for n, apply, own in plane._steps]
        if channels_last:
            plane._maps = [m.contiguous(memory_format=torch.channels_last) for m in plane._maps]
        return lambda: plane(coordinates)

    contenders = {
        "naive loop, all training digits": lambda: naive_grid(*whole[:8]),
        "naive loop, evaluation subset": lambda: naive_grid(*subset[:8]),
        "one call of the whole network per point": planes(strategy="one point at a time"),
        "layer by layer, first layer from maps": planes(fast_pool=False),
        "+ max-pooling as strided maxima (what runs)": planes(),
        "+ channels-last maps": planes(channels_last=True),
    }
    runs, cpu = cpu_timed(contenders)
    best = best_interleaved(runs, rounds=rounds)
    print(f"\nLeNet-style digits CNN, {RESOLUTION}×{RESOLUTION}: what each lever gives; best of {rounds} interleaved "
          f"rounds ({len(whole[2]):,} or {len(x):,} examples)")
    naive = best["naive loop, all training digits"]
    for name, seconds in best.items():
        row(f"  {name}", seconds * 1000, "ms", f"CPU {cpu[name] * 1000:,.0f} ms; {naive / seconds:.1f}× the first "
            "line's speed")
    first_picture, first_cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        surface = next(refining_random_plane(run, RESOLUTION, 1.0, 0))
        first_picture.append(time.perf_counter() - start)
        first_cpu.append(time.process_time() - start_cpu)
    row(f"  coarse-to-fine: the first picture ({len(surface.alphas)}×{len(surface.betas)}), from the run",
        min(first_picture) * 1000, "ms", f"CPU {min(first_cpu) * 1000:,.0f} ms; directions, evaluation data and "
        "L(θ) included")


def main() -> None:
    args = arguments(__doc__, rounds=dict(type=int, default=3, help="interleaved rounds (3)"),
                     presets=dict(nargs="*", default=[], help="preset names, to time a few (the levers are skipped)"))
    one_thread()
    rounds, only = (1 if args.quick else args.rounds), args.presets
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread; the evaluation subset holds at most "
          f"{landscape.EVALUATION_EXAMPLES} training examples")
    if not only:
        levers(rounds)
    every_preset(rounds, only)


if __name__ == "__main__":
    main()
