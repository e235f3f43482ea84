"""Builder speed on one thread: the LeNet-style digits CNN (the preset ``lenet``, 1,257 training images).

- training steps a second of the run the Builder makes (``make_run``) at batch 64 and on the full batch, against
  a bare hand-written PyTorch loop over a copy of the same layers (tensors built once, no host sync);
- one example probed forward and backward through every layer (``observe.probe``, hooks and one
  ``autograd.grad``), against a bare forward and backward of the same example;
- one optimiser step on one example with every weight's move ranked (``worked_example.step_on_example``, the
  Forward & Backward lab's button), against the bare step (``Trainer.step_on``).

Run: .venv/bin/python benchmarks/builder.py [--quick]   (or `make bench`)
"""

from __future__ import annotations

import copy
import sys
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import arguments, best_interleaved, best_seconds, heading, one_thread, row  # noqa: E402

from dl_core import BuilderSpec, Run, from_preset, make_run  # noqa: E402
from dl_core.analyses.examples import from_split  # noqa: E402
from dl_core.analyses.worked_example import step_on_example  # noqa: E402
from dl_core.observe.probe import layers_of, probe  # noqa: E402
from dl_core.specs.training import MAX_BATCH  # noqa: E402


def with_batch(spec: BuilderSpec, batch: int) -> BuilderSpec:
    return replace(spec, train=replace(spec.train, batch_size=batch))


def bare_loop(run: Run, steps: int):
    """A hand-written loop over a copy of the same network: Adam, cross-entropy, shuffled batches."""
    model = copy.deepcopy(run.model)
    x, y = run.trainer.x_train, run.trainer.y_train  # (N, 1, 8, 8), (N,)
    optimizer = torch.optim.Adam(model.parameters(), lr=run.spec.train.learning_rate)
    n, batch = len(y), min(run.spec.train.batch_size, len(y))

    def train():
        model.train()
        order, cursor = torch.randperm(n), 0
        for _ in range(steps):
            if batch == n:
                xb, yb = x, y
            else:
                if cursor + batch > n:
                    order, cursor = torch.randperm(n), 0
                index = order[cursor:cursor + batch]
                cursor += batch
                xb, yb = x[index], y[index]
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(xb), yb).backward()
            optimizer.step()

    return train


def training(spec: BuilderSpec, steps: int, rounds: int) -> None:
    heading(f"Training, best of {rounds} interleaved rounds of {steps} steps (the Trainer records both splits' "
            "loss and accuracy once a call, as a live tick does)")
    for batch in (spec.train.batch_size, MAX_BATCH):
        sized = with_batch(spec, batch)
        run = make_run(sized)
        best = best_interleaved({"trainer": lambda r=run: r.trainer.step(steps),
                                 "bare": bare_loop(make_run(sized), steps)}, rounds)
        label = f"full batch ({run.trainer.n_train:,})" if batch >= run.trainer.n_train else f"batch {batch}"
        row(f"bare PyTorch loop, {label}", steps / best["bare"], "steps/s",
            f"{best['bare'] / steps * 1000:.2f} ms a step")
        row(f"Trainer.step(n) of make_run(spec), {label}", steps / best["trainer"], "steps/s",
            f"{best['trainer'] / steps * 1000:.2f} ms a step, {best['trainer'] / best['bare']:.2f}× the bare loop's "
            "time")


def one_example(spec: BuilderSpec, repeats: int) -> None:
    run = make_run(spec)
    run.trainer.step(20)
    example = from_split(run, "test", 0)
    model, loss = run.model, run.objective.loss
    heading(f"One example ({example.source}) through the {len(layers_of(model))} layers; best of {repeats}")

    def bare():
        torch.autograd.grad(loss(model(example.x), example.target), list(model.parameters()))

    plain = best_seconds(bare, repeats)
    probing = best_seconds(lambda: probe(model, loss, example.x, example.target), repeats)
    row("probe: every layer's values and gradients (hooks)", probing * 1000, "ms",
        f"{probing / plain:.1f}× a bare forward and backward", digits=2)
    row("bare forward and backward of the same example", plain * 1000, "ms", digits=2)
    stepping = best_seconds(lambda: step_on_example(run, example), repeats)
    alone = best_seconds(lambda: run.trainer.step_on(example.x, example.target), repeats)
    row("step_on_example: one step, every weight's move ranked", stepping * 1000, "ms",
        f"{stepping / alone:.1f}× the step alone", digits=2)
    row("Trainer.step_on: the step alone (with its record)", alone * 1000, "ms", digits=2)


def main() -> None:
    args = arguments(__doc__)
    one_thread()
    steps, rounds, repeats = (10, 2, 5) if args.quick else (50, 5, 20)
    spec = from_preset("lenet")
    quick = " (--quick: few repeats, rough figures)" if args.quick else ""
    print(f"LeNet-style CNN on the digits, torch {torch.__version__}, {torch.get_num_threads()} thread{quick}")
    training(spec, steps, rounds)
    one_example(spec, repeats)


if __name__ == "__main__":
    main()
