"""Helpers shared by the benchmark scripts: best of several repeats, one thread, a --quick flag, rows of figures.

torch is imported only where a helper needs it, so the browser benchmarks (live_view.py, classroom.py) stay light.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable


def one_thread() -> None:
    """Small CPU models run on one thread: on a busy two-core box two threads made a tiny MLP 10–30× slower."""
    import torch

    torch.set_num_threads(1)


def arguments(description: str, **extra: dict) -> argparse.Namespace:
    """The flags every benchmark takes (``--quick``: fewer repeats), plus ``extra`` (name → add_argument keywords)."""
    first_paragraph = " ".join(description.strip().split("\n\n")[0].split())
    parser = argparse.ArgumentParser(description=first_paragraph.split(". ")[0].rstrip(":."))
    parser.add_argument("--quick", action="store_true", help="fewer repeats: a check that it runs, not figures")
    for name, options in extra.items():
        parser.add_argument(f"--{name.replace('_', '-')}", **options)
    return parser.parse_args()


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


def row(name: str, value: float, unit: str, note: str = "", digits: int = 1) -> None:
    print(f"  {name:<52} {value:>10,.{digits}f} {unit:<10} {note}".rstrip(), flush=True)


def heading(text: str) -> None:
    print(f"\n{text}", flush=True)
