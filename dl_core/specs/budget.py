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

BYTES_PER_FLOAT = 4


class OverBudget(ValueError):
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
LANDSCAPE_WORK = Budget("the landscape budget", 60e9, "multiply-adds", "use a coarser grid, or a smaller network")
SHARPNESS_WORK = Budget("the sharpness budget", 40e9, "multiply-adds", "use a smaller network")
PROBE_WORK = Budget("the one-example budget", 2e9, "multiply-adds", "use a smaller network")
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
    ):
        problem = over(budget, cost, what, work.largest)
        if problem:
            problems.append(problem)
    return problems


def landscape_problem(work: Work, grid_points: int, n_examples: int) -> str | None:
    return over(LANDSCAPE_WORK, grid_points * n_examples * work.macs,
                f"A landscape of {grid_points:,} grid points on {n_examples:,} examples", work.largest)


def sharpness_problem(work: Work, n_examples: int, iterations: int = SHARPNESS_ITERATIONS) -> str | None:
    return over(SHARPNESS_WORK, iterations * HVP_COST * n_examples * work.macs,
                f"Estimating the sharpness ({iterations} Hessian-vector products on {n_examples:,} examples)",
                work.largest)


def probe_problem(work: Work, examples: int = 1) -> str | None:
    return over(PROBE_WORK, STEP_COST * examples * work.macs, "Following one example forward and back", work.largest)
