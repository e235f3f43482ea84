"""The worst accepted case of each work budget, measured: what one learner can make the shared server do.

For each budget the heaviest request just inside it is built from the cost model (``specs.budget``,
``nets.layers``): families of networks that load each kind of layer (wide convolutions, even kernels,
BatchNorm and LayerNorm on wide images, residual blocks, LSTMs, GRUs, RNNs and self-attention over 30 steps,
MLPs), each scaled to the widest accepted network, then the biggest accepted batch, grid, number of samples
or attack steps. Every family runs in a fresh process on one thread and reports, for each computation, its
CPU time (wall time too: on a shared box it waits for a core) and its peak memory above what the process
held before it (Linux: the high-water mark of the resident set, reset just before the computation through
/proc/self/clear_refs, after glibc has given back what earlier computations freed; elsewhere the growth of
getrusage's maxrss, which can only under-report). Next to each: the budget, the case's cost as the budget
counts it, and the multiply-adds per second that cost implies.

Guides for the limits: per-tick work (a step, an evaluation, Gradient Flow's statistics) about a second of
one core at most; a one-off analysis that shows progress about 30 s; memory about 1 GB.

Run: .venv/bin/python benchmarks/limits.py              (every case; several minutes)
     .venv/bin/python benchmarks/limits.py --only lstm  (the families whose name contains a word)
     .venv/bin/python benchmarks/limits.py --measure analyses  (one kind of computation: tick, analyses, …)
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from dl_core import TASKS, BuilderSpec, LayerDef, default_train, validate  # noqa: E402
from dl_core.specs import budget  # noqa: E402
from dl_core.specs.budget import BYTES_PER_FLOAT, HVP_COST, SHARPNESS_ITERATIONS, STEP_COST, Budget  # noqa: E402

L = LayerDef
MAX_WIDTH, MAX_BATCH = 4_096, 2_000
LANDSCAPE_RESOLUTIONS = (31, 61)  # a middle grid, and the largest: at the same budget, the most points to pay for
LANDSCAPE_EXAMPLES = 256  # ``landscape.EVALUATION_EXAMPLES``: every landscape and sharpness evaluates these


@dataclass(frozen=True)
class Family:
    """Networks of one shape, ``layers(width)``, on one task."""

    name: str
    task: str
    layers: Callable[[int], tuple[LayerDef, ...]]
    step: int = 1  # widths go up in these steps (attention's heads must divide its features)

    def spec(self, width: int, batch: int = 2, **changes) -> BuilderSpec:
        train = replace(default_train(TASKS[self.task].n_classes), batch_size=batch)
        return BuilderSpec(task=self.task, layers=self.layers(width), train=train, **changes)


FAMILIES = [
    Family("two 7×7 convolutions", "digits", lambda w: (
        L("conv2d", w, 7), L("activation"), L("conv2d", w, 7), L("activation"), L("maxpool"), L("flatten"))),
    Family("two 6×6 convolutions (even kernel)", "digits", lambda w: (
        L("conv2d", w, 6), L("activation"), L("conv2d", w, 6), L("activation"), L("maxpool"), L("flatten"))),
    Family("1×1 convolution, 19 BatchNorms, 3 pools", "digits", lambda w: (
        (L("conv2d", w, 1),) + (L("batchnorm"),) * 19 + (L("maxpool"),) * 3 + (L("flatten"),))),
    Family("1×1 convolution, 19 ReLUs, 3 pools", "digits", lambda w: (
        (L("conv2d", w, 1),) + (L("activation"),) * 19 + (L("maxpool"),) * 3 + (L("flatten"),))),
    Family("convolution, LayerNorm and GELU ×9 on images", "digits", lambda w: (
        (L("conv2d", w, 3),) + (L("layernorm"), L("activation", activation="gelu")) * 9 + (L("maxpool"),) * 3
        + (L("flatten"),))),
    Family("convolution and 3 residual blocks", "digits", lambda w: (
        L("conv2d", w), L("residual"), L("residual"), L("residual"), L("maxpool"), L("maxpool"), L("flatten"))),
    Family("LSTM over 30 steps", "first_symbol_long", lambda w: (L("lstm", w), L("last_step"))),
    Family("GRU over 30 steps", "first_symbol_long", lambda w: (L("gru", w), L("last_step"))),
    Family("two RNNs over 30 steps", "first_symbol_long", lambda w: (L("rnn", w), L("rnn", w), L("last_step"))),
    Family("self-attention ×2 over 30 steps", "first_symbol_long", lambda w: (
        L("linear", w), L("attention", 4), L("attention", 4), L("last_step")), step=4),
    Family("Linear on every one of 30 steps", "first_symbol_long", lambda w: (
        L("linear", w), L("activation"), L("linear", w), L("activation"), L("last_step"))),
    Family("MLP of three layers on points", "points", lambda w: (
        L("linear", w), L("activation"), L("linear", w), L("activation"), L("linear", w), L("activation"))),
]


def largest(accepted: Callable[[int], bool], low: int, high: int, step: int = 1) -> int | None:
    """The largest multiple of ``step`` in [low, high] that is accepted (acceptance falls as it grows)."""
    lo, hi = -(-low // step), high // step
    if lo > hi or not accepted(lo * step):
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if accepted(mid * step) else (lo, mid - 1)
    return lo * step


def widest(family: Family, extra: Callable[[BuilderSpec], bool] = lambda spec: True) -> int | None:
    """The widest network of a family that trains within every budget (and passes ``extra``)."""
    return largest(lambda w: not validate(family.spec(w)) and extra(family.spec(w)), 1, MAX_WIDTH, family.step)


# ---------------------------------------------------------------- measuring, in the child process


def _status_bytes(name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(name)


def _peak_now() -> tuple[int, bool]:
    """(the memory to measure growth from, whether the high-water mark was reset to it)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # resets VmHWM to the current resident set (Linux ≥ 4.0)
        return _status_bytes("VmRSS"), True
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, False


def _give_back_freed_memory() -> None:
    """Memory freed earlier stays resident in glibc's heap, and reusing it would hide a peak: return it first."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def measured(computation: Callable[[], object]) -> dict:
    """CPU and wall seconds of ``computation`` and the peak memory it added, in MB."""
    gc.collect()
    _give_back_freed_memory()
    before, reset = _peak_now()
    cpu, wall = time.process_time(), time.perf_counter()
    computation()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = _status_bytes("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"cpu_s": cpu, "wall_s": wall, "peak_mb": max(0, peak - before) / 2**20}


def _example(run):
    from dl_core.analyses.examples import from_split

    return from_split(run, "test", 0)


def per_tick(family: Family) -> list[dict]:
    """The widest network at its biggest batch: one training step, one evaluation, Gradient Flow's statistics."""
    from dl_core import make_run
    from dl_core.observe.gradients import unit_stats

    width = widest(family)
    if width is None:
        return []
    batch = largest(lambda b: not validate(family.spec(width, b)), 2, MAX_BATCH)
    spec = family.spec(width, batch)
    work, examples = spec.work(), spec.shape().examples
    run = make_run(spec)
    trainer = run.trainer
    first = measured(lambda: trainer._update(*trainer._next_batch()))  # the step alone, without step()'s evaluation
    second = measured(lambda: trainer._update(*trainer._next_batch()))  # steady: the optimiser's state exists
    step = {**second, "peak_mb": max(first["peak_mb"], second["peak_mb"])}
    evaluation = measured(trainer.evaluate)
    where = f"{family.name}, width {width}, batch {batch}"
    return [
        row("step work", budget.STEP_WORK, STEP_COST * batch * work.macs, where, step),
        row("step memory", budget.STEP_MEMORY, 2 * batch * work.stored * BYTES_PER_FLOAT, where, step),
        row("evaluation work", budget.EVALUATION_WORK, examples * work.macs, f"{family.name}, width {width}",
            evaluation),
        row("evaluation memory", budget.EVALUATION_MEMORY, examples * work.stored * BYTES_PER_FLOAT,
            f"{family.name}, width {width} (evaluating every example)", evaluation),
        row("evaluation memory", budget.EVALUATION_MEMORY, examples * work.stored * BYTES_PER_FLOAT,
            f"{family.name}, width {width} (Gradient Flow's statistics)", measured(lambda: unit_stats(trainer))),
    ]


def analyses(family: Family) -> list[dict]:
    """The widest network each analysis accepts: a landscape, sharpness, a convexity map, a step on one example."""
    from dl_core import make_run
    from dl_core.analyses import landscape
    from dl_core.analyses.worked_example import step_on_example

    rows = []
    for side in LANDSCAPE_RESOLUTIONS:
        width = widest(family, lambda s, n=side ** 2: budget.landscape_problem(s.work(), n, _examples(s)) is None)
        if width is not None:
            run = make_run(family.spec(width))
            cost = side ** 2 * (_examples(run.spec) * run.work.macs + run.work.overhead)
            rows.append(row("landscape", budget.LANDSCAPE_WORK, cost, f"{family.name}, width {width}, {side}×{side} "
                            "grid", measured(lambda run=run, side=side: landscape.random_plane(run, side, 1.0, 0))))
    width = widest(family, lambda s: budget.sharpness_problem(s.work(), _examples(s)) is None)
    if width is not None:
        run = make_run(family.spec(width))
        cost = SHARPNESS_ITERATIONS * HVP_COST * (_examples(run.spec) * run.work.macs + run.work.overhead)
        rows.append(row("sharpness", budget.SHARPNESS_WORK, cost, f"{family.name}, width {width}",
                        measured(lambda: landscape.sharpness(run))))
    resolution = landscape.CONVEXITY_RESOLUTION
    iterations = resolution ** 2 * landscape.LANCZOS_STEPS
    width = widest(family, lambda s: budget.sharpness_problem(s.work(), _examples(s), iterations) is None)
    if width is not None:
        run = make_run(family.spec(width))
        cost = iterations * HVP_COST * (_examples(run.spec) * run.work.macs + run.work.overhead)
        rows.append(row("sharpness", budget.SHARPNESS_WORK, cost, f"{family.name}, width {width}, convexity map "
                        f"{resolution}×{resolution}", measured(lambda: landscape.convexity_map(run))))
    width = widest(family)
    if width is not None:
        run = make_run(family.spec(width))
        example = _example(run)
        rows.append(row("one example", budget.PROBE_WORK, STEP_COST * run.work.macs,
                        f"{family.name}, width {width} (the training budgets bind first; the time includes the "
                        "evaluation that follows the step)",
                        measured(lambda: step_on_example(run, example))))
    return rows


def _examples(spec: BuilderSpec) -> int:
    """How many examples a landscape evaluates: the fixed subset, or the whole training set if smaller."""
    return min(LANDSCAPE_EXAMPLES, int(spec.shape().examples * 0.7))


def explaining(family: Family) -> list[dict]:
    """The widest network, then the most samples, steps or attack steps each budget accepts."""
    from dl_core import OverBudget, make_run
    from dl_core.analyses.adversarial import MAX_STEPS as MAX_ATTACK_STEPS
    from dl_core.analyses.adversarial import robustness_curve
    from dl_core.analyses.attribution import MAX_SAMPLES, MAX_STEPS, layer_choices, prepare, run_prepared
    from dl_core.analyses.sanity import randomisation_check

    width = widest(family)
    if width is None:
        return []
    run = make_run(family.spec(width))
    example = _example(run)
    where = f"{family.name}, width {width}"
    rows = []

    def fits(method: str, **options) -> bool:
        try:
            prepare(run, example.x, method, **options)
            return True
        except OverBudget:
            return False

    samples = largest(lambda n: fits("gradient_shap", samples=n), 1, MAX_SAMPLES)
    if samples:
        prepared = prepare(run, example.x, "gradient_shap", samples=samples)
        rows.append(row("attribution", budget.ATTRIBUTION_WORK, prepared.passes * run.work.macs,
                        f"{where}, GradientShap with {samples} samples", measured(lambda: run_prepared(prepared))))
    maps = sum(1 for c in layer_choices(run) if c.has_weights) + 1
    steps = largest(lambda n: budget.sanity_problem(run.work, (n + 2) * STEP_COST, maps) is None, 1, MAX_STEPS)
    if steps:
        cost = (steps + 2) * STEP_COST * maps * run.work.macs
        rows.append(row("sanity check", budget.SANITY_WORK, cost, f"{where}, Integrated Gradients, {steps} steps, "
                        f"{maps} maps", measured(lambda: randomisation_check(run, example, "integrated_gradients",
                                                                              steps=steps))))
    tests = len(run.trainer.y_test)
    steps = largest(lambda n: budget.attack_problem(run.work, tests, n) is None, 1, MAX_ATTACK_STEPS)
    if steps:
        cost = (STEP_COST * steps + 1) * tests * run.work.macs
        rows.append(row("attack", budget.ATTACK_WORK, cost, f"{where}, PGD with {steps} steps on {tests} tests",
                        measured(lambda: robustness_curve(run, [0.1], "pgd", steps))))
    return rows


def pretraining(family: Family) -> list[dict]:
    """A network that starts from weights learnt on the digits 0–4: its pretraining runs when the run is made."""
    from dl_core import make_run
    from dl_core.transfer import PRETRAIN_WORK, SOURCES, start_problem

    source = SOURCES["digits_0_4"]
    width = widest(family, lambda s: start_problem("digits_0_4", s.layers, (1, 8, 8)) is None)
    if width is None:
        return []
    spec = family.spec(width, start="digits_0_4")
    cost = source.steps * STEP_COST * source.train.batch_size * sum(p.cost.macs for p in spec.planned())
    return [row("pretraining", PRETRAIN_WORK, cost, f"{family.name}, width {width}, {source.steps} steps",
                measured(lambda: make_run(spec)))]


def row(name: str, limit: Budget, cost: float, case: str, figures: dict) -> dict:
    return {"budget": name, "limit": limit.limit, "unit": limit.unit, "cost": cost, "case": case, **figures}


MEASURES = {"tick": per_tick, "analyses": analyses, "explaining": explaining, "pretraining": pretraining}
WHICH = {  # which families each measure tries (the others cannot be worse there, or cannot run it)
    "tick": [f.name for f in FAMILIES],
    "analyses": [f.name for f in FAMILIES],
    "explaining": ["two 7×7 convolutions", "LSTM over 30 steps", "self-attention ×2 over 30 steps"],
    "pretraining": [f.name for f in FAMILIES if f.task == "digits"],
}


def child(measure: str, family_name: str) -> None:
    torch.set_num_threads(1)
    family = next(f for f in FAMILIES if f.name == family_name)
    print(json.dumps(MEASURES[measure](family)))


# ---------------------------------------------------------------- the table, in the parent process


def amount(value: float, unit: str) -> str:
    return f"{value / 2**20:,.0f} MB" if unit == "bytes" else f"{value / 1e9:,.2f} G MACs"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=2, metavar=("MEASURE", "FAMILY"), help=argparse.SUPPRESS)
    parser.add_argument("--only", default="", help="only the families whose name contains this")
    parser.add_argument("--measure", choices=list(MEASURES), help="only this measure")
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    rows = []
    for measure, names in WHICH.items():
        if args.measure and measure != args.measure:
            continue
        for name in names:
            if args.only.lower() not in name.lower():
                continue
            result = subprocess.run([sys.executable, __file__, "--child", measure, name], capture_output=True,
                                    text=True, timeout=1800)
            if result.returncode != 0:
                print(f"  {measure} / {name}: failed\n{result.stderr[-2000:]}", flush=True)
                continue
            found = json.loads(result.stdout.strip().splitlines()[-1])
            if not found:
                print(f"  {measure} / {name}: no network of this family is accepted", flush=True)
            for r in found:
                rows.append(r)
                print(f"  {r['budget']:<18} {r['case'][:78]:<78} {r['cpu_s']:7.2f} s CPU {r['peak_mb']:7,.0f} MB",
                      flush=True)
    print("\nThe worst accepted case of each budget (one thread; CPU seconds of the computation; peak memory above "
          "what the process held before it)\n")
    print(f"{'budget':<18} {'limit':>13} {'cost of the case':>17}  {'CPU s':>7} {'wall s':>7} {'peak MB':>8} "
          f"{'G MAC/s':>8}  case")
    for name in dict.fromkeys(r["budget"] for r in rows):
        mine = [r for r in rows if r["budget"] == name]
        by = "peak_mb" if mine[0]["unit"] == "bytes" else "cpu_s"
        for r in sorted(mine, key=lambda r: -r[by]):
            rate = f"{r['cost'] / r['cpu_s'] / 1e9:8.2f}" if r["unit"] != "bytes" and r["cpu_s"] > 0 else " " * 8
            worst = "◀ worst" if r is max(mine, key=lambda r: r[by]) else ""
            print(f"{name:<18} {amount(r['limit'], r['unit']):>13} {amount(r['cost'], r['unit']):>17}  "
                  f"{r['cpu_s']:7.2f} {r['wall_s']:7.2f} {r['peak_mb']:8,.0f} {rate}  {r['case']} {worst}")
        print()


if __name__ == "__main__":
    main()
