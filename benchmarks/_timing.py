"""Timing helpers shared by the benchmark scripts: best of several repeats, one thread."""

from __future__ import annotations

import time
from typing import Callable

import torch


def one_thread() -> None:
    torch.set_num_threads(1)


def best_seconds(run: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """The fastest of ``repeats`` timed calls: the least disturbed by anything else on the machine."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def best_interleaved(runs: dict[str, Callable[[], object]], rounds: int = 9) -> dict[str, float]:
    """Best time of each contender, timed in turn round after round so that all see the same machine load.

    The order rotates every round: on this machine whichever ran first in a round was up to 40 % faster.
    """
    for run in runs.values():
        run()  # warm-up
    best = {name: float("inf") for name in runs}
    names = list(runs)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            run = runs[name]
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def row(name: str, value: float, unit: str, note: str = "") -> None:
    print(f"  {name:<52} {value:>10,.1f} {unit:<10} {note}")
