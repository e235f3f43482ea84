"""Builder speed: the LeNet-style digits CNN's training steps per second (full batch and batch 64),
and the time to probe one example forward and backward.

Run: .venv/bin/python benchmarks/builder.py   (or `make bench`)
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import best_seconds, one_thread, row  # noqa: E402

from dl_core.build_run import build_trainer, from_preset  # noqa: E402
from dl_core.passes import step_on_input  # noqa: E402
from dl_core.probe import probe  # noqa: E402

STEPS = 50


def main() -> None:
    one_thread()
    spec = from_preset("lenet")
    print(f"LeNet-style CNN on the digits (1,257 training images), one thread, best of 5 runs of {STEPS} steps")
    for batch in (64, 2000):
        trainer = build_trainer(replace(spec, train=replace(spec.train, batch_size=batch)))
        seconds = best_seconds(lambda t=trainer: t.step(STEPS), repeats=5)
        label = "full batch (1,257)" if batch == 2000 else f"batch {batch}"
        row(f"Trainer.step, {label}", STEPS / seconds, "steps/s", f"{seconds / STEPS * 1000:.1f} ms a step")
    trainer = build_trainer(spec)
    x, target = trainer.x_test[:1], trainer.t_test[:1]
    probing = best_seconds(lambda: probe(trainer.model, trainer.objective.loss, x, target), repeats=20)
    row("probe one example forward and backward (every layer)", probing * 1000, "ms")
    stepping = best_seconds(lambda: step_on_input(trainer, x, target), repeats=10)
    row("one optimiser step on one example, with every weight's move", stepping * 1000, "ms")


if __name__ == "__main__":
    main()
