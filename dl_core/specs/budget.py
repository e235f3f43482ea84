"""Work budgets: what one learner's request may cost the shared server, estimated from shapes before
anything is allocated.

Every kind of spec describes its network's cost per example (``Work``); each heavy computation
(a training step, an evaluation pass, a landscape grid, a sharpness estimate, a probe) multiplies
that by how many examples and repetitions it needs and is refused beyond its budget, with a
message naming the budget and what to shrink. The budgets were chosen on the two-core test
machine (``benchmarks/limits.py`` prints the worst accepted case of each) so that the heaviest
accepted request of one learner takes about a second of one core or less per redraw, and at most
tens of seconds for a one-off analysis that shows progress: the server stays live for the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Refusal

BYTES_PER_FLOAT = 4


class OverBudget(Refusal):
    """A computation refused before it starts; the message names the budget and what to shrink."""


@dataclass(frozen=True)
class Budget:
    name: str  # as a message names it
    limit: float
    unit: str  # "multiply-adds", "bytes"
    shrink: str  # what a learner can change to fit


STEP_WORK = Budget("the training-step budget", 4e9, "multiply-adds", "use a smaller batch or fewer units, "
                   "filters or layers")
STEP_MEMORY = Budget("the training-step memory budget", 384 * 2**20, "bytes",
                     "use a smaller batch, or fewer filters or layers (each layer's output is kept for the "
                     "backward pass)")
EVALUATION_WORK = Budget("the evaluation budget", 12e9, "multiply-adds", "use fewer units, filters or layers: "
                         "the whole training and test set is evaluated after every burst of steps")
EVALUATION_MEMORY = Budget("the evaluation memory budget", 256 * 2**20, "bytes", "use fewer filters, units or "
                          "layers, or pool earlier: the whole data set passes through the network at once when it is "
                          "evaluated, and Gradient Flow keeps every activation of the training set")
LANDSCAPE_WORK = Budget("the landscape budget", 60e9, "multiply-adds", "use a coarser grid, or a smaller network")
SHARPNESS_WORK = Budget("the sharpness budget", 25e9, "multiply-adds", "use a smaller network")
PROBE_WORK = Budget("the one-example budget", 2e9, "multiply-adds", "use a smaller network")
ATTRIBUTION_WORK = Budget("the attribution budget", 20e9, "multiply-adds", "use fewer steps or samples, a larger "
                          "window, stride or patch, fewer examples, or a smaller network")
SANITY_WORK = Budget("the sanity-check budget", 40e9, "multiply-adds", "use a cheaper method (fewer steps or "
                     "samples), or a smaller network")
ATTACK_WORK = Budget("the adversarial budget", 40e9, "multiply-adds", "use fewer attack steps, or a smaller network")
MAX_PARAMETERS = 200_000  # weights, their gradients and the optimiser's state stay a few MB per learner

HVP_COST = 5  # one Hessian-vector product ≈ a forward pass, a backward pass and the backward of that
STEP_COST = 3  # forward + backward ≈ three forward passes
SHARPNESS_ITERATIONS = 50


@dataclass(frozen=True)
class Work:
    """What one example costs a network, from shapes alone."""

    macs: int  # forward multiply-adds (element-wise work included)
    stored: int  # floats kept per example for the backward pass
    parameters: int
    largest: str  # the layer that does the most work, as a learner names it ("layer 3 (Conv2d)")
    overhead: int = 0  # multiply-add equivalents one pass costs whatever the number of examples (its layers' calls)


def _amount(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / 2**20:,.0f} MB"
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if value >= size:
            return f"{value / size:,.1f} {word} {unit}"
    return f"{value:,.0f} {unit}"


def over(budget: Budget, cost: float, what: str, largest: str = "") -> str | None:
    """None within the budget; else a sentence: what costs how much, the budget, and what to shrink."""
    if cost <= budget.limit:
        return None
    heaviest = f" (most of it in {largest})" if largest else ""
    return (f"{what} would cost {_amount(cost, budget.unit)}{heaviest}; {budget.name} is "
            f"{_amount(budget.limit, budget.unit)}: {budget.shrink}.")


def training_problems(work: Work, batch: int, n_examples: int) -> list[str]:
    """Budgets every trainable network must meet before it is built: parameters, one step, one evaluation."""
    problems = []
    if work.parameters > MAX_PARAMETERS:
        problems.append(f"This network has {work.parameters:,} parameters; the limit is {MAX_PARAMETERS:,}. "
                        f"Use fewer units, filters or layers.")
    for budget, cost, what in (
        (STEP_WORK, STEP_COST * batch * work.macs, f"One training step on a batch of {batch:,}"),
        (STEP_MEMORY, batch * work.stored * BYTES_PER_FLOAT * 2, f"One training step on a batch of {batch:,}"),
        (EVALUATION_WORK, n_examples * work.macs, f"Evaluating all {n_examples:,} examples"),
        (EVALUATION_MEMORY, n_examples * work.stored * BYTES_PER_FLOAT, f"Evaluating all {n_examples:,} examples"),
    ):
        problem = over(budget, cost, what, work.largest)
        if problem:
            problems.append(problem)
    return problems


def landscape_problem(work: Work, grid_points: int, n_examples: int) -> str | None:
    """Each grid point is a pass over the examples: on a small network its layers' calls cost more than their sums."""
    return over(LANDSCAPE_WORK, grid_points * (n_examples * work.macs + work.overhead),
                f"A landscape of {grid_points:,} grid points on {n_examples:,} examples", work.largest)


def sharpness_problem(work: Work, n_examples: int, iterations: int = SHARPNESS_ITERATIONS) -> str | None:
    return over(SHARPNESS_WORK, iterations * HVP_COST * (n_examples * work.macs + work.overhead),
                f"Estimating the sharpness ({iterations} Hessian-vector products on {n_examples:,} examples)",
                work.largest)


def probe_problem(work: Work, examples: int = 1) -> str | None:
    return over(PROBE_WORK, STEP_COST * examples * work.macs, "Following one example forward and back", work.largest)


def attribution_problem(work: Work, passes: float, examples: int = 1, what: str = "This attribution") -> str | None:
    """``passes``: forward-pass equivalents one example costs (a backward pass counts two)."""
    return over(ATTRIBUTION_WORK, passes * examples * work.macs,
                f"{what} ({passes:,.0f} passes through the network for each of {examples:,} example(s))",
                work.largest)


def sanity_problem(work: Work, passes: float, maps: int) -> str | None:
    return over(SANITY_WORK, passes * maps * work.macs,
                f"A sanity check of {maps} attribution maps ({passes:,.0f} passes each)", work.largest)


def attack_problem(work: Work, examples: int, steps: int) -> str | None:
    return over(ATTACK_WORK, (STEP_COST * steps + 1) * examples * work.macs,
                f"Attacking {examples:,} examples with {steps} gradient step(s) each", work.largest)


FRAME_WORK = Budget("the live-view budget", 1e9, "multiply-adds", "use a smaller network, a coarser map or fewer "
                    "points: every redraw while training pays for this")


def frame_problem(macs: float, what: str, largest: str = "") -> str | None:
    """One redraw of a live view (a map of a network over the plane, decoded images, arrows): it is paid for
    several times a second while a run plays."""
    return over(FRAME_WORK, macs, what, largest)
