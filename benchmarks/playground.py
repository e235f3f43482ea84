"""Playground speed on one thread, without a browser:

- training steps a second of the run the Playground makes (``make_run``), for the default network and the heaviest
  one the limits allow, against a bare hand-written PyTorch loop over the same layers (tensors built once, no host
  sync), a naive one (tensors rebuilt from Python lists and ``.item()`` every step), and the same run through
  autograd and torch's optimiser step instead of the written-out backpropagation (``dl_core.nets.backprop``);
- the cost of one live frame (``live_frames.playground_frame``: every neuron's map, the weights, the new history
  and the confusion matrix as compact bytes) and of a whole tick at 30 frames a second, against the plotly way
  the live view replaced (the boundary figure and the network diagram built and serialised to JSON every frame),
  and the first frame (with the network's shape and the points) against the later ones (``FrameLog`` sends that
  part only when it changes);
- one example forward and backward written out layer by layer (``worked_example.example_pass``, hooks through
  ``observe.probe``), against a bare forward and backward of the same example.

Run: .venv/bin/python benchmarks/playground.py [--quick]   (or `make bench`)
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import arguments, best_interleaved, best_seconds, heading, one_thread, row  # noqa: E402

from dl_core import FEATURES, LayerSpec, PlaygroundSpec, Run, make_run  # noqa: E402
from dl_core.analyses.examples import from_split  # noqa: E402
from dl_core.analyses.frames import bundle  # noqa: E402
from dl_core.analyses.live_frames import FrameLog, decode, playground_frame  # noqa: E402
from dl_core.analyses.playground_pictures import snapshot  # noqa: E402
from dl_core.analyses.worked_example import example_pass  # noqa: E402
from dl_core.specs.playground import MAX_HIDDEN_LAYERS  # noqa: E402
from dl_core.specs.training import MAX_SPEED  # noqa: E402
from ui.labs.playground import FRAME_SECONDS, PARTS  # noqa: E402

DEFAULT = PlaygroundSpec()  # circle, 500 points, x₁ x₂ → 4 tanh → 2 tanh → 1, SGD 0.03, batch 10
HEAVY = replace(DEFAULT, model=replace(DEFAULT.model, features=tuple(FEATURES),
                                       hidden=(LayerSpec(8),) * MAX_HIDDEN_LAYERS),
                view=replace(DEFAULT.view, speed=MAX_SPEED))
PLAIN_ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}


def describe(spec: PlaygroundSpec) -> str:
    layers = "-".join(str(layer.width) for layer in spec.model.hidden)
    return (f"{len(spec.model.features)} inputs, {layers} {spec.model.hidden[0].activation}, "
            f"{spec.data.n_points} points, batch {spec.train.batch_size}")


def plain_copy(run: Run) -> nn.Sequential:
    """The run's MLP written by hand as nn.Linear and activation modules, with the same weights."""
    layers: list[nn.Module] = []
    for layer in run.model.hidden:
        layers += [_copied(layer.linear), PLAIN_ACTIVATIONS[layer.activation_name]()]
    return nn.Sequential(*layers, _copied(run.model.output))


def _copied(linear: nn.Linear) -> nn.Linear:
    copy = nn.Linear(linear.in_features, linear.out_features)
    copy.load_state_dict(linear.state_dict())
    return copy


def bare_loop(run: Run, steps: int):
    """What a careful hand-written loop does: tensors built once, shuffled batches, no host sync in the loop."""
    model = plain_copy(run)
    x, y = run.trainer.x_train, run.trainer.y_train.float()  # (N, F), (N,)
    optimizer = torch.optim.SGD(model.parameters(), lr=run.spec.train.learning_rate)
    n, batch = len(y), min(run.spec.train.batch_size, len(y))

    def train():
        order, cursor = torch.randperm(n), 0
        for _ in range(steps):
            if cursor + batch > n:
                order, cursor = torch.randperm(n), 0
            index = order[cursor:cursor + batch]
            cursor += batch
            optimizer.zero_grad(set_to_none=True)
            F.binary_cross_entropy_with_logits(model(x[index])[:, 0], y[index]).backward()
            optimizer.step()

    return train


def naive_loop(run: Run, steps: int):
    """A first attempt: new tensors from Python lists every step, and the loss read back every step."""
    model = plain_copy(run)
    points, labels = run.trainer.x_train.tolist(), run.trainer.y_train.tolist()
    optimizer = torch.optim.SGD(model.parameters(), lr=run.spec.train.learning_rate)
    n, batch = len(labels), min(run.spec.train.batch_size, len(labels))

    def train():
        for step in range(steps):
            start = (step * batch) % n
            xb = torch.tensor([points[(start + i) % n] for i in range(batch)])
            yb = torch.tensor([labels[(start + i) % n] for i in range(batch)], dtype=torch.float32)
            optimizer.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(xb)[:, 0], yb)
            loss.backward()
            optimizer.step()
            loss.item()

    return train


def training(spec: PlaygroundSpec, steps: int, rounds: int) -> None:
    heading(f"Training, {describe(spec)}: best of {rounds} interleaved rounds of {steps:,} steps")
    as_played, recording, autograd = make_run(spec), make_run(spec), make_run(spec)
    recording.trainer.record_every = 1
    autograd.trainer.written_out = None  # torch's backward and optimiser step, as before dl_core.nets.backprop
    best = best_interleaved({
        "trainer": lambda: as_played.trainer.step(steps),
        "autograd": lambda: autograd.trainer.step(steps),
        "bare": bare_loop(make_run(spec), steps),
        "recording": lambda: recording.trainer.step(steps),
        "naive": naive_loop(make_run(spec), steps),
    }, rounds)
    bare = best["bare"]
    row("bare PyTorch loop (same layers, tensors built once)", steps / bare, "steps/s")
    row("naive loop (tensors from lists, .item() each step)", steps / best["naive"], "steps/s",
        f"{best['naive'] / bare:.2f}× the bare loop's time")
    row("Trainer.step(n) of make_run(spec), as played", steps / best["trainer"], "steps/s",
        f"{best['trainer'] / bare:.2f}× the bare loop's time, {best['naive'] / best['trainer']:.2f}× the naive one's "
        "speed")
    row("the same through autograd and torch.optim (before)", steps / best["autograd"], "steps/s",
        f"{best['autograd'] / best['trainer']:.2f}× the Trainer's time")
    row("the same, train and test loss recorded every step", steps / best["recording"], "steps/s",
        f"{best['recording'] / bare:.2f}× the bare loop's time")


def plotly_frame(run: Run) -> int:
    """What a frame cost before the live view: the boundary and the network diagram as plotly/JSON, every frame."""
    picture = snapshot(run)
    return len(picture.boundary.to_json()) + len(json.dumps(picture.network))


def frames(spec: PlaygroundSpec, repeats: int) -> None:
    due = max(PARTS, round(spec.view.speed * FRAME_SECONDS))  # steps a tick trains at the spec's speed
    chunk = due // PARTS
    heading(f"One live tick, {describe(spec)}, speed {spec.view.speed:,} steps/s ({due} steps a tick, "
            f"{1 / FRAME_SECONDS:.0f} ticks/s, {PARTS} frames a tick: {PARTS / FRAME_SECONDS:.0f} frames/s); "
            f"best of {repeats}")
    run = make_run(spec)
    run.trainer.step(200)
    log = FrameLog()
    first = playground_frame(run, log, playing=True, speed=spec.view.speed)
    later = playground_frame(run, log, playing=True, speed=spec.view.speed)
    header, arrays = decode(later)
    assert "static" not in header and set(arrays) >= {"output", "nodes_out", "w0"}, "a later frame, decoded"

    def one_tick() -> bytes:
        parts = []
        for _ in range(PARTS):
            run.trainer.step(chunk)
            parts.append(playground_frame(run, log, playing=True, speed=spec.view.speed))
        return bundle(parts, FRAME_SECONDS)

    frame = best_seconds(lambda: playground_frame(run, log, playing=True, speed=spec.view.speed), repeats)
    fresh = best_seconds(lambda: playground_frame(run, FrameLog(), playing=True, speed=spec.view.speed), repeats)
    steps = best_seconds(lambda: [run.trainer.step(chunk) for _ in range(PARTS)], repeats)
    tick = best_seconds(one_tick, repeats)
    plotly = best_seconds(lambda: plotly_frame(run), max(3, repeats // 2))
    plotly_bytes = plotly_frame(run)
    message = one_tick()
    row(f"{chunk * PARTS} training steps in {PARTS} chunks", steps * 1000, "ms")
    row("a frame: maps, weights, history, confusion, as bytes", frame * 1000, "ms",
        f"{plotly / frame:.1f}× faster than the plotly way")
    row("the plotly way: boundary + diagram as JSON (before)", plotly * 1000, "ms")
    row("a frame that resends the network's shape, the points", fresh * 1000, "ms",
        f"{fresh / frame:.2f}× a later frame's time (FrameLog saves it)")
    share = tick / FRAME_SECONDS
    row("whole tick: the steps, a frame after each chunk", tick * 1000, "ms",
        f"{share:.0%} of one core per playing learner at {1 / FRAME_SECONDS:.0f} ticks/s"
        + (" (more than a core: the speed cannot be kept)" if share > 1 else ""))
    row("bytes of a later frame", len(later), "B", f"{plotly_bytes / len(later):.1f}× fewer than the plotly way's "
        f"{plotly_bytes:,}; the first frame {len(first):,}", digits=0)
    row("bytes of a tick's message", len(message), "B", f"{len(message) / FRAME_SECONDS / 1e3:,.0f} kB/s", digits=0)


def worked_example(repeats: int) -> None:
    heading(f"One example forward and backward, every layer written out (Forward & Backward), {describe(DEFAULT)}")
    run = make_run(DEFAULT)
    example = from_split(run, "train", 0)
    model, loss = run.model, run.objective.loss

    def bare():
        parameters = list(model.parameters())
        torch.autograd.grad(loss(model(example.x), example.target), parameters)

    passing = best_seconds(lambda: example_pass(run, example), repeats)
    plain = best_seconds(bare, repeats)
    row("example_pass: z, a, f'(z), every gradient (hooks)", passing * 1000, "ms",
        f"{passing / plain:.1f}× a bare forward and backward", digits=2)
    row("bare forward and backward of the same example", plain * 1000, "ms", digits=2)


def main() -> None:
    args = arguments(__doc__)
    one_thread()
    steps, rounds, repeats = (300, 3, 5) if args.quick else (2000, 9, 20)
    quick = " (--quick: few repeats, rough figures)" if args.quick else ""
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread{quick}")
    for spec in (DEFAULT, HEAVY):
        training(spec, steps, rounds)
    for spec in (DEFAULT, HEAVY):
        frames(spec, repeats)
    worked_example(repeats)


if __name__ == "__main__":
    main()
