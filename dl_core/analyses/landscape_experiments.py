"""What Li et al. (2018) found about loss landscapes, tried on the learner's own networks: five one-click
experiments. Each trains a few variants of a network, looks at the minimum each one reached (its curvature,
its convexity, filter-normalised and plain slices, the optimiser's path), and returns plain results: numbers
per variant, the paper's claim as a sentence, whether the learner's numbers agree, and a sentence that says so
with the numbers. Nothing here draws: ``viz.landscape`` turns the results into figures.

Li, Xu, Taylor, Studer and Goldstein, "Visualizing the Loss Landscape of Neural Nets", NeurIPS 2018:
skip connections keep deep landscapes smooth and convex (§6, fig. 5 and 8); with filter normalisation, the
flatness of a minimum tracks its test error across batch sizes (§5, fig. 4), and without it weight decay can
reverse which minimum looks sharper (§4, fig. 2 and 3); wider networks have smoother landscapes (§6, fig. 6);
optimiser paths lie in very few dimensions: two PCA directions explain 40–90 % of their variance (§7, fig. 9).

Every experiment takes ``progress`` (the share done, 0–1) and ``should_stop`` (asked between stages; True
raises ``Cancelled``), and states the data its landscapes were evaluated on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

import numpy as np
import torch

from ..data import Data
from ..observe.path import PathRecorder
from ..runs import Run, make_run
from ..specs import BuilderSpec, PlaygroundSpec, Spec
from ..specs.budget import OverBudget, sharpness_problem
from ..specs.playground import DataSpec, LayerSpec, ModelSpec
from ..specs.training import TrainSpec
from .landscape import (
    Cancelled, ConvexityMap, PathProjection, Progress, ShouldStop, Surface, convexity_map, evaluation_data,
    filter_normalized_direction, flatten, hessian_extremes, loss_surface, parameters_of, path_plane, random_direction,
    random_plane,
)

TRAIN_CHUNK = 50  # steps between two progress reports (and chances to cancel)
CENTRE_LANCZOS_STEPS = 40  # Hessian-vector products for λmin and λmax at a minimum
SEED = 0  # directions, Lanczos start vectors: the same for every variant

# the numbers each variant reports, as a learner reads them
LARGEST = "sharpness: largest Hessian eigenvalue λmax"
SMALLEST = "smallest Hessian eigenvalue λmin"
CONVEXITY = "non-convexity: mean |λmin/λmax| over the plane"
TEST_ERROR = "test error"
TRAIN_LOSS = "training loss"
RISE_NORMALISED = "loss rise, filter-normalised directions"
RISE_PLAIN = "loss rise, plain directions (not normalised)"
WEIGHT_NORM = "weight norm ‖θ‖"
PATH_SHARE = "share of the path's variance in 2 PCA directions"


@dataclass(frozen=True)
class Variant:
    """One network of an experiment, after training: its numbers and what the figures need."""

    name: str  # "plain", "with skip connections", "batch 8", …
    spec: Spec
    figures: dict[str, float]  # figure name (the constants above) → value
    surface: Surface | None = None  # a filter-normalised 2D slice through the minimum
    convexity: ConvexityMap | None = None
    slices: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # name → (α (S,), loss (S,))
    path: PathProjection | None = None
    path_steps: tuple[int, ...] = ()


@dataclass(frozen=True)
class ExperimentResult:
    key: str
    title: str
    claim: str  # what the paper found, in one sentence
    variants: dict[str, Variant]
    agrees: bool  # whether the learner's numbers show the same contrast
    verdict: str  # the contrast, with the learner's numbers
    evaluated_on: str  # which data the landscapes used, how many examples


# ---------------------------------------------------------------- shared steps


class _Stages:
    """Progress across an experiment's stages (a training, a measurement), each given a weight."""

    def __init__(self, weights: list[float], progress: Progress | None, should_stop: ShouldStop | None):
        self.starts = np.cumsum([0.0, *weights])[:-1] / sum(weights)
        self.sizes = np.asarray(weights) / sum(weights)
        self.progress, self.should_stop, self.current = progress, should_stop, -1

    def next(self) -> Progress:
        """Enters the next stage; returns the callback that reports a share of it."""
        if self.should_stop and self.should_stop():
            raise Cancelled("the experiment was cancelled")
        self.current += 1
        start, size = self.starts[self.current], self.sizes[self.current]
        return lambda share: self.progress(float(start + size * min(1.0, share))) if self.progress else None

    def check(self) -> None:
        if self.should_stop and self.should_stop():
            raise Cancelled("the experiment was cancelled")


def train(spec: Spec, steps: int, stages: _Stages, uploads: Mapping[str, Data] | None = None,
          on_run: Callable[[Run], None] | None = None) -> Run:
    """A run of ``spec`` after ``steps`` steps, trained in chunks between which it reports and may be cancelled.
    ``on_run`` is called on the fresh run first (to attach a probe)."""
    report = stages.next()
    run = make_run(spec, uploads)
    if on_run:
        on_run(run)
    for done in range(0, steps, TRAIN_CHUNK):
        stages.check()
        run.trainer.step(min(TRAIN_CHUNK, steps - done))
        report((done + TRAIN_CHUNK) / steps)
    return run


def curvature_at_minimum(run: Run, steps: int = CENTRE_LANCZOS_STEPS) -> tuple[float, float]:
    """(λmin, λmax) of the Hessian at the run's weights, by Lanczos on the evaluation data."""
    data = evaluation_data(run)
    problem = sharpness_problem(run.work, data.examples, iterations=steps)
    if problem:
        raise OverBudget(problem)
    centre = parameters_of(run.model)
    smallest, largest = hessian_extremes(run.model, run.objective.loss, data.x, data.target, centre,
                                         flatten(centre)[None], steps, torch.Generator().manual_seed(SEED))
    return float(smallest[0]), float(largest[0])


def test_error(run: Run) -> float:
    """The share of test examples misclassified (for regression: the test loss)."""
    metrics = run.trainer.evaluate()
    accuracy = metrics["test_accuracy"]
    return metrics["test_loss"] if np.isnan(accuracy) else 1.0 - accuracy


def loss_rise(run: Run, distance: float, normalised: bool, directions: int = 4) -> float:
    """How much the loss rises ``distance`` away from the weights: the mean of L(θ ± distance·d) − L(θ) over
    ``directions`` seeded random directions d, filter-normalised (Li et al.) or plain Gaussian directions of
    unit length (the same vector for every network of the same shape)."""
    data = evaluation_data(run)
    centre = parameters_of(run.model)
    generator = torch.Generator().manual_seed(SEED)
    rises = []
    for _ in range(directions):
        if normalised:
            d = filter_normalized_direction(centre, generator)
        else:
            d = random_direction(centre, generator)
            length = flatten(d).norm()
            d = {name: t / length for name, t in d.items()}
        losses = loss_surface(run.model, run.objective.loss, data.x, data.target, centre, [d],
                              torch.tensor([[-distance], [0.0], [distance]]))
        rises.append((losses[0] + losses[2]) / 2 - losses[1])
    return float(np.mean(rises))


def weight_norm(run: Run) -> float:
    return float(flatten(parameters_of(run.model)).norm())


def _points_spec(base: Spec | None) -> PlaygroundSpec:
    """The learner's 2D points (a Playground spec's data, a Builder's points task), else noisy spirals."""
    if isinstance(base, PlaygroundSpec):
        return base
    if isinstance(base, BuilderSpec) and base.task == "points":
        return PlaygroundSpec(DataSpec(base.points, 10, 70, 500, base.seed))  # as the Builder's points task
    return PlaygroundSpec(DataSpec("spiral", 10, 50, 500, 0))


def _fmt(value: float) -> str:
    return f"{value:.3g}"


# ---------------------------------------------------------------- 1. skip connections


SKIPS_CLAIM = ("Skip connections keep the landscape of a deep network smooth and nearly convex around its minimum; "
               "without them a deep network's minimum is sharper and surrounded by strong negative curvature "
               "(Li et al. 2018, §6: ResNet-56 against the same network without shortcuts).")


def skip_connections(base: Spec | None = None, depth: int = 10, width: int = 16, steps: int = 1000,
                     span: float = 1.0, resolution: int = 21, convexity_resolution: int = 7, lanczos_steps: int = 16,
                     uploads: Mapping[str, Data] | None = None, progress: Progress | None = None,
                     should_stop: ShouldStop | None = None) -> ExperimentResult:
    """A deep plain network against the same network with skip connections (``depth`` ReLU layers of ``width``
    units, LayerNorm and He initialisation as in a ResNet's blocks, Adam), on the learner's 2D points: a 2D
    filter-normalised slice, the sharpness λmax and the convexity map |λmin/λmax| of each minimum."""
    points = _points_spec(base)
    model = ModelSpec(points.model.features, (LayerSpec(width, "relu"),) * depth, 0.0, "he", norm=True)
    specs = {name: replace(points, model=replace(model, skip=skip), train=TrainSpec(
        points.train.loss, "adam", 0.01, 32)) for name, skip in (("plain", False), ("with skip connections", True))}
    stages = _Stages([2, 1, 2, 1] * 2, progress, should_stop)
    variants = {}
    for name, spec in specs.items():
        run = train(spec, steps, stages, uploads)
        stages.next()
        smallest, largest = curvature_at_minimum(run)
        convexity = convexity_map(run, convexity_resolution, span, SEED, lanczos_steps, stages.next())
        surface = random_plane(run, resolution, span, SEED, stages.next())
        figures = {LARGEST: largest, SMALLEST: smallest, CONVEXITY: convexity.mean_ratio, TEST_ERROR: test_error(run),
                   TRAIN_LOSS: run.trainer.history.last("train_loss")}
        variants[name] = Variant(name, spec, figures, surface, convexity)
    evaluated_on = surface.evaluated_on
    plain, skips = variants["plain"].figures, variants["with skip connections"].figures
    sharper, less_convex = plain[LARGEST] > skips[LARGEST], plain[CONVEXITY] > skips[CONVEXITY]
    verdict = (f"Plain: λmax {_fmt(plain[LARGEST])}, mean |λmin/λmax| {_fmt(plain[CONVEXITY])}, training loss "
               f"{_fmt(plain[TRAIN_LOSS])}; with skip connections: λmax {_fmt(skips[LARGEST])}, mean |λmin/λmax| "
               f"{_fmt(skips[CONVEXITY])}, training loss {_fmt(skips[TRAIN_LOSS])}. The plain network is "
               f"{'sharper' if sharper else 'not sharper'} and {'less' if less_convex else 'not less'} convex"
               f"{': as the paper found' if sharper and less_convex else ''}.")
    return ExperimentResult("skips", "Skip connections", SKIPS_CLAIM, variants, sharper and less_convex, verdict,
                            evaluated_on)


# ---------------------------------------------------------------- 2 and 3. batch size; why filter normalisation


BATCH_CLAIM = ("With filter-normalised directions, small batches find flatter minima than large ones, and the "
               "flatter minima have the lower test error: flatness, measured this way, tracks generalisation "
               "(Li et al. 2018, §5, fig. 4: batch 128 against 8,192).")
NORMALISATION_CLAIM = ("Without filter normalisation, which minimum looks sharper depends on the weights' scale: "
                       "weight decay shrinks the small-batch weights more (it acts at every one of their many more "
                       "steps), so the small-batch minimum turns from flatter to sharper-looking, while its test "
                       "error stays the lower one (Li et al. 2018, §4, fig. 2 and 3).")
SMALL_BATCH, LARGE_BATCH = 8, 256
BATCH_EPOCHS = 40  # both batch sizes see the data as often, as in the paper: the small batch takes many more steps
NORMALISED_DISTANCE = 0.5  # half a filter-normalised step: half the size of each filter's own weights
PLAIN_DISTANCE = 1.0  # one unit of length in weight space, whatever the weights' size


def _batch_base(base: Spec | None, dataset: str) -> Spec:
    """The learner's spec, or a 3-layer ReLU network with LayerNorm (its hidden layers ignore the weights' scale,
    as the paper's batch-normalised networks do) trained with momentum on noisy 2D points."""
    if base is not None:
        return base
    return PlaygroundSpec(DataSpec(dataset, 10, 50, 500, 0),
                          ModelSpec(("x1", "x2"), (LayerSpec(16, "relu"),) * 3, 0.0, "he", norm=True),
                          TrainSpec("bce", "momentum", 0.05, SMALL_BATCH))


def _with_training(spec: Spec, batch: int, decay: float) -> Spec:
    train = replace(spec.train, batch_size=batch, regularization="l2" if decay else "none", reg_rate=decay)
    return replace(spec, train=train)


def _steps_for(run_spec: Spec, batch: int, epochs: int, uploads: Mapping[str, Data] | None) -> int:
    examples = make_run(run_spec, uploads).trainer.n_train
    return epochs * -(-examples // min(batch, examples))


def _minimum(spec: Spec, steps: int, stages: _Stages, uploads: Mapping[str, Data] | None,
             span: float) -> tuple[Variant, str]:
    """Trains ``spec`` and measures the minimum: the rises along filter-normalised and plain directions, λmax,
    the weight norm, the test error, and a 1D slice through it along one direction of each kind."""
    run = train(spec, steps, stages, uploads)
    stages.next()
    smallest, largest = curvature_at_minimum(run)
    figures = {RISE_NORMALISED: loss_rise(run, NORMALISED_DISTANCE, True),
               RISE_PLAIN: loss_rise(run, PLAIN_DISTANCE, False), LARGEST: largest, WEIGHT_NORM: weight_norm(run),
               TEST_ERROR: test_error(run), TRAIN_LOSS: run.trainer.history.last("train_loss")}
    data = evaluation_data(run)
    lines, centre = {}, parameters_of(run.model)
    a = torch.linspace(-span, span, 41)
    for normalised in (True, False):
        generator = torch.Generator().manual_seed(SEED)
        d = filter_normalized_direction(centre, generator) if normalised else random_direction(centre, generator)
        if not normalised:  # scaled so that both slices' α = ±0.5 are where their rises are measured
            length = flatten(d).norm()
            d = {name: t / length * PLAIN_DISTANCE / NORMALISED_DISTANCE for name, t in d.items()}
        lines["filter-normalised" if normalised else "plain"] = (
            a.numpy(), loss_surface(run.model, run.objective.loss, data.x, data.target, centre, [d], a[:, None]))
    return Variant("", spec, figures, slices=lines), data.description


def batch_size(base: Spec | None = None, small: int = SMALL_BATCH, large: int = LARGE_BATCH,
               epochs: int = BATCH_EPOCHS, span: float = 1.0, uploads: Mapping[str, Data] | None = None,
               progress: Progress | None = None, should_stop: ShouldStop | None = None) -> ExperimentResult:
    """The learner's network (or a small LayerNorm network on noisy circles) trained with a small and a large
    batch for the same number of epochs: the loss rise half a filter-normalised step away, λmax and test error."""
    spec = _batch_base(base, "circle")
    stages = _Stages([3, 1, 1, 1], progress, should_stop)
    variants = {}
    for batch in (small, large):
        variant_spec = _with_training(spec, batch, 0.0)
        variant, evaluated_on = _minimum(variant_spec, _steps_for(variant_spec, batch, epochs, uploads), stages,
                                         uploads, span)
        variants[f"batch {batch}"] = replace(variant, name=f"batch {batch}")
    s, g = variants[f"batch {small}"].figures, variants[f"batch {large}"].figures
    flatter, no_worse = s[RISE_NORMALISED] < g[RISE_NORMALISED], s[TEST_ERROR] <= g[TEST_ERROR]
    verdict = (f"Batch {small}: the loss rises {_fmt(s[RISE_NORMALISED])} half a filter-normalised step away, test "
               f"error {s[TEST_ERROR]:.1%}; batch {large}: {_fmt(g[RISE_NORMALISED])}, test error {g[TEST_ERROR]:.1%}. "
               f"The small-batch minimum is {'flatter' if flatter else 'not flatter'} and its test error is "
               f"{'no higher' if no_worse else 'higher'}{': as the paper found' if flatter and no_worse else ''}.")
    return ExperimentResult("batch", "Batch size, seen with filter normalisation", BATCH_CLAIM, variants,
                            flatter and no_worse, verdict, evaluated_on)


def why_filter_normalisation(base: Spec | None = None, small: int = SMALL_BATCH, large: int = LARGE_BATCH,
                             decay: float = 0.003, epochs: int = BATCH_EPOCHS, span: float = 1.0,
                             uploads: Mapping[str, Data] | None = None, progress: Progress | None = None,
                             should_stop: ShouldStop | None = None) -> ExperimentResult:
    """Small and large batch, without and with weight decay (L2 at rate ``decay``), compared along plain (not
    normalised) random directions: the apparent sharpness flips with weight decay, the test error does not."""
    spec = _batch_base(base, "xor")
    stages = _Stages([3, 1, 1, 1] * 2, progress, should_stop)
    variants, evaluated_on = {}, ""
    for rate in (0.0, decay):
        for batch in (small, large):
            variant_spec = _with_training(spec, batch, rate)
            name = f"batch {batch}, " + (f"weight decay {rate:g}" if rate else "no weight decay")
            variant, evaluated_on = _minimum(variant_spec, _steps_for(variant_spec, batch, epochs, uploads), stages,
                                             uploads, span)
            variants[name] = replace(variant, name=name)
    rows = list(variants.values())  # small, large without decay; small, large with decay
    plain_without = rows[0].figures[RISE_PLAIN] < rows[1].figures[RISE_PLAIN]  # the small batch looks flatter
    plain_with = rows[2].figures[RISE_PLAIN] < rows[3].figures[RISE_PLAIN]
    error_holds = all(rows[k].figures[TEST_ERROR] <= rows[k + 1].figures[TEST_ERROR] for k in (0, 2))
    flips = plain_without != plain_with
    looks = {True: "flatter", False: "sharper"}
    verdict = (f"Along plain directions the small-batch minimum looks {looks[plain_without]} without weight decay "
               f"(loss rise {_fmt(rows[0].figures[RISE_PLAIN])} against {_fmt(rows[1].figures[RISE_PLAIN])}) and "
               f"{looks[plain_with]} with it ({_fmt(rows[2].figures[RISE_PLAIN])} against "
               f"{_fmt(rows[3].figures[RISE_PLAIN])}; weight norms {_fmt(rows[2].figures[WEIGHT_NORM])} against "
               f"{_fmt(rows[3].figures[WEIGHT_NORM])}); test errors {rows[0].figures[TEST_ERROR]:.1%} against "
               f"{rows[1].figures[TEST_ERROR]:.1%} without, {rows[2].figures[TEST_ERROR]:.1%} against "
               f"{rows[3].figures[TEST_ERROR]:.1%} with. The apparent sharpness {'flips' if flips else 'does not flip'}"
               f" and the small batch's test error is {'no higher both times' if error_holds else 'higher once'}"
               f"{': as the paper found' if flips and error_holds else ''}.")
    return ExperimentResult("normalisation", "Why filter normalisation matters", NORMALISATION_CLAIM, variants,
                            flips and error_holds, verdict, evaluated_on)


# ---------------------------------------------------------------- 4. width


WIDTH_CLAIM = ("Wider networks of the same depth have flatter minima with wider regions of convexity around them "
               "(Li et al. 2018, §6, fig. 6: ResNet-56 with 1, 2, 4 and 8 times the filters).")


def width(base: Spec | None = None, narrow: int = 6, wide: int = 24, depth: int = 4, steps: int = 1000,
          span: float = 1.0, resolution: int = 21, convexity_resolution: int = 7, lanczos_steps: int = 16,
          uploads: Mapping[str, Data] | None = None, progress: Progress | None = None,
          should_stop: ShouldStop | None = None) -> ExperimentResult:
    """A narrow and a wide network of the same ``depth`` on the learner's 2D points, with its activation,
    initialisation and normalisation (or ReLU and He initialisation on noisy circles), trained alike with Adam:
    the filter-normalised rise, the convexity map and λmax of each minimum."""
    points = _points_spec(base) if base is not None else PlaygroundSpec(
        DataSpec("circle", 10, 50, 500, 0), ModelSpec(("x1", "x2"), (LayerSpec(4, "relu"),), 0.0, "he"))
    activation = points.model.hidden[0].activation if points.model.hidden else "relu"
    stages = _Stages([2, 1, 2, 1] * 2, progress, should_stop)
    variants, evaluated_on = {}, ""
    for units in (narrow, wide):
        spec = replace(points, model=replace(points.model, hidden=(LayerSpec(units, activation),) * depth, skip=False),
                       train=TrainSpec(points.train.loss, "adam", 0.01, 32))
        run = train(spec, steps, stages, uploads)
        stages.next()
        smallest, largest = curvature_at_minimum(run)
        convexity = convexity_map(run, convexity_resolution, span, SEED, lanczos_steps, stages.next())
        surface = random_plane(run, resolution, span, SEED, stages.next())
        evaluated_on = surface.evaluated_on
        figures = {LARGEST: largest, CONVEXITY: convexity.mean_ratio,
                   RISE_NORMALISED: loss_rise(run, NORMALISED_DISTANCE, True), TEST_ERROR: test_error(run),
                   TRAIN_LOSS: run.trainer.history.last("train_loss")}
        name = f"{depth} layers of {units}"
        variants[name] = Variant(name, spec, figures, surface, convexity)
    n, w = (v.figures for v in variants.values())
    flatter, more_convex = w[RISE_NORMALISED] < n[RISE_NORMALISED], w[CONVEXITY] < n[CONVEXITY]
    verdict = (f"{narrow} units a layer: loss rise {_fmt(n[RISE_NORMALISED])} half a filter-normalised step away, "
               f"mean |λmin/λmax| {_fmt(n[CONVEXITY])}, λmax {_fmt(n[LARGEST])}; {wide} units: "
               f"{_fmt(w[RISE_NORMALISED])}, {_fmt(w[CONVEXITY])}, λmax {_fmt(w[LARGEST])}. The wide network's "
               f"minimum is {'flatter' if flatter else 'not flatter'} and {'more' if more_convex else 'not more'} "
               f"convex{': as the paper found' if flatter and more_convex else ''}.")
    return ExperimentResult("width", "Width smooths the landscape", WIDTH_CLAIM, variants, flatter and more_convex,
                            verdict, evaluated_on)


# ---------------------------------------------------------------- 5. optimiser paths


PATHS_CLAIM = ("An optimiser's path through millions of weights lies almost in a plane: its two main PCA directions "
               "explain 40–90 % of the path's variance (Li et al. 2018, §7, fig. 9).")
PATH_SHARE_LOW = 0.4
OPTIMISER_RATES = {"sgd": 0.1, "momentum": 0.01, "adam": 0.01}  # momentum 0.9 makes 0.01 an effective 0.1


def _record_path(trainer) -> PathRecorder:
    recorder = PathRecorder(trainer.model)
    trainer.on("after_step", recorder)
    return recorder


def optimiser_paths(base: Spec | None = None, steps: int = 600, resolution: int = 15,
                    uploads: Mapping[str, Data] | None = None, progress: Progress | None = None,
                    should_stop: ShouldStop | None = None) -> ExperimentResult:
    """The learner's network (or the Playground's default on noisy spirals) trained from the same start with SGD,
    momentum and Adam (each at a learning rate that suits it): the share of each path's variance its two PCA
    directions explain, and the loss over that plane with the path drawn on it."""
    spec = base if base is not None else PlaygroundSpec(DataSpec("spiral", 10, 50, 500, 0),
                                                        ModelSpec(("x1", "x2"), (LayerSpec(8, "tanh"),) * 2))
    stages = _Stages([2, 1] * len(OPTIMISER_RATES), progress, should_stop)
    variants, evaluated_on = {}, ""
    for optimiser, rate in OPTIMISER_RATES.items():
        variant_spec = replace(spec, train=replace(spec.train, optimizer=optimiser, learning_rate=rate))
        run = train(variant_spec, steps, stages, uploads, on_run=lambda r: r.probe("path", _record_path))
        recorder = run.probes["path"]
        surface, projection = path_plane(run, recorder.snapshots, resolution, progress=stages.next())
        evaluated_on = surface.evaluated_on
        figures = {PATH_SHARE: float(projection.explained.sum()), TEST_ERROR: test_error(run),
                   TRAIN_LOSS: run.trainer.history.last("train_loss")}
        variants[optimiser] = Variant(optimiser, variant_spec, figures, surface, path=projection,
                                      path_steps=tuple(recorder.steps))
    shares = {name: v.figures[PATH_SHARE] for name, v in variants.items()}
    agrees = all(share >= PATH_SHARE_LOW for share in shares.values())
    verdict = ("Two PCA directions explain " + ", ".join(f"{share:.0%} of the {name} path" for name, share in
                                                         shares.items())
               + f" ({'each' if agrees else 'not each'} at least {PATH_SHARE_LOW:.0%}"
               + (": as the paper found)." if agrees else ")."))
    return ExperimentResult("paths", "Optimiser paths", PATHS_CLAIM, variants, agrees, verdict, evaluated_on)


@dataclass(frozen=True)
class Experiment:
    key: str
    title: str
    claim: str
    run: Callable[..., ExperimentResult]  # (base=None, *, uploads, progress, should_stop) → result


EXPERIMENTS: dict[str, Experiment] = {
    e.key: e
    for e in (
        Experiment("skips", "Skip connections", SKIPS_CLAIM, skip_connections),
        Experiment("batch", "Batch size, seen with filter normalisation", BATCH_CLAIM, batch_size),
        Experiment("normalisation", "Why filter normalisation matters", NORMALISATION_CLAIM, why_filter_normalisation),
        Experiment("width", "Width smooths the landscape", WIDTH_CLAIM, width),
        Experiment("paths", "Optimiser paths", PATHS_CLAIM, optimiser_paths),
    )
}
