"""What a GAN learns to imitate: distributions of points on the plane [-2, 2]², and how many of their modes a
set of generated points covers.

Every target has the same signature (``Target.sample(n, rng) -> (n, 2)``) and is registered by name; the
drawn one is made from the points a learner drew with the mouse (a spec carries them, see
``specs.generative``). Mode collapse is measured as in the unrolled-GAN and VEEGAN papers (Metz et al. 2016,
Srivastava et al. 2017): a generated point counts for the mode nearest to it if it lies on the target, and a
mode is covered when it gets a fair part of the points its share of the target would give it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.datasets import make_moons
from sklearn.metrics import pairwise_distances_argmin_min

from ..data import Data, make_data

EXTENT = 2.0  # the GAN's plane is [-EXTENT, EXTENT]²; the drawing pad maps onto the same square
Points = tuple[tuple[float, float], ...]

DRAWN_DECIMALS = 2  # a drawn point is kept to 0.01: 400 steps across the plane, short in a URL
MIN_DRAWN_POINTS, MAX_DRAWN_POINTS = 3, 256
DRAWN_SPREAD = 0.05  # each drawn point becomes a small Gaussian of this standard deviation
DRAWN_MODES = 8  # a drawing's regions for the coverage count (k-means on its points)
COVER_SHARE = 0.25  # a mode is covered with at least this part of its fair share of on-target points
TRAIN_POINTS, TEST_POINTS = 2_000, 500


@dataclass(frozen=True, eq=False)
class Target:
    """A distribution on the plane, with the regions (modes) that the coverage count asks about."""

    name: str
    label: str
    sample: Callable[[int, np.random.Generator], np.ndarray]  # (n, rng) → (n, 2) float32
    modes: np.ndarray  # (K, 2): the centre of each region; a generated point belongs to the nearest
    mass: np.ndarray  # (K,): the share of the target in each region (sums to 1)
    support: np.ndarray  # (M, 2): points on the target; a generated point within ``near`` of one is on target
    near: float

    @property
    def n_modes(self) -> int:
        return len(self.modes)


@dataclass(frozen=True)
class TargetInfo:
    name: str
    label: str
    description: str
    make: Callable[[Points], Target]  # the drawn points (only the drawn target reads them) → the target


def _mixture(name: str, label: str, centres: np.ndarray, spread: float) -> Target:
    """Equal Gaussians of standard deviation ``spread`` around ``centres`` (K, 2)."""
    def sample(n: int, rng: np.random.Generator) -> np.ndarray:
        which = rng.integers(0, len(centres), n)
        return (centres[which] + rng.normal(0, spread, (n, 2))).astype(np.float32)

    k = len(centres)
    return Target(name, label, sample, centres, np.full(k, 1 / k), centres, 3 * spread)  # 3σ: the usual radius


RING_RADIUS, RING_SPREAD = 1.5, 0.1
GRID_SPACING, GRID_SPREAD = 0.75, 0.05


def ring(drawn: Points = ()) -> Target:
    angle = 2 * np.pi * np.arange(8) / 8
    centres = RING_RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _mixture("ring", "Ring of 8 Gaussians", centres, RING_SPREAD)


def grid(drawn: Points = ()) -> Target:
    ticks = GRID_SPACING * np.arange(-2, 3)
    centres = np.stack(np.meshgrid(ticks, ticks), axis=-1).reshape(-1, 2)
    return _mixture("grid", "Grid of 25 Gaussians", centres, GRID_SPREAD)


MOONS_NOISE, MOONS_SCALE, MOONS_CENTRE = 0.06, 1.1, np.array([0.5, 0.25])


def moons(drawn: Points = ()) -> Target:
    """scikit-learn's two moons, centred and scaled onto the plane; each moon is cut into 4 regions."""
    def place(xy: np.ndarray) -> np.ndarray:
        return ((xy - MOONS_CENTRE) * MOONS_SCALE).astype(np.float32)

    def sample(n: int, rng: np.random.Generator) -> np.ndarray:
        xy, _ = make_moons(n, noise=MOONS_NOISE, random_state=int(rng.integers(2**31)))
        return place(xy)

    def on_moons(t: np.ndarray) -> np.ndarray:  # t in [0, π]: the upper moon, then the lower one
        upper = np.stack([np.cos(t), np.sin(t)], axis=1)
        return place(np.concatenate([upper, 1 - upper - [0, 0.5]]))

    modes = on_moons(np.pi * (np.arange(4) + 0.5) / 4)
    return Target("moons", "Two moons", sample, modes, np.full(8, 1 / 8), on_moons(np.linspace(0, np.pi, 200)),
                  3 * MOONS_NOISE * MOONS_SCALE)


LINE_START, LINE_END, LINE_SPREAD = np.array([-1.5, -1.0]), np.array([1.5, 1.0]), 0.03


def line(drawn: Points = ()) -> Target:
    """A thin straight band; cut into 8 equal pieces for the coverage count."""
    def along(u: np.ndarray) -> np.ndarray:
        return (LINE_START + u[:, None] * (LINE_END - LINE_START)).astype(np.float32)

    def sample(n: int, rng: np.random.Generator) -> np.ndarray:
        return (along(rng.uniform(0, 1, n)) + rng.normal(0, LINE_SPREAD, (n, 2))).astype(np.float32)

    return Target("line", "A line", sample, along((np.arange(8) + 0.5) / 8), np.full(8, 1 / 8),
                  along(np.linspace(0, 1, 200)), 3 * LINE_SPREAD)


def drawn_target(drawn: Points) -> Target:
    """The learner's own points, each a small Gaussian; its regions are k-means clusters of the points."""
    points = np.asarray(drawn, dtype=np.float32).reshape(-1, 2)
    if len(points) < MIN_DRAWN_POINTS:
        raise ValueError(f"a drawn target needs at least {MIN_DRAWN_POINTS} points, not {len(points)}")

    def sample(n: int, rng: np.random.Generator) -> np.ndarray:
        return (points[rng.integers(0, len(points), n)] + rng.normal(0, DRAWN_SPREAD, (n, 2))).astype(np.float32)

    k = min(DRAWN_MODES, len(np.unique(points, axis=0)))
    clusters = KMeans(k, n_init=4, random_state=0).fit(points)
    mass = np.bincount(clusters.labels_, minlength=k) / len(points)
    return Target("drawn", "Your drawing", sample, clusters.cluster_centers_, mass, points, 3 * DRAWN_SPREAD)


TARGETS: dict[str, TargetInfo] = {
    info.name: info
    for info in (
        TargetInfo("ring", "Ring", "8 Gaussians on a circle: the classic test of mode collapse.", ring),
        TargetInfo("grid", "Grid", "25 Gaussians on a 5×5 grid: many small modes.", grid),
        TargetInfo("moons", "Two moons", "Two interlocking half circles: curved, thin shapes.", moons),
        TargetInfo("line", "Line", "A thin straight band: all the points on a 1D line.", line),
        TargetInfo("drawn", "Draw your own", "Points you draw with the mouse, each made a small blob.",
                   drawn_target),
    )
}


def target_named(name: str, drawn: Points = ()) -> Target:
    return TARGETS[name].make(drawn)


def target_data(target: Target, seed: int) -> Data:
    """Real points of a target, split into training points (what the discriminator sees) and held-out ones.
    ``y`` is the index of each point's nearest mode (for colouring; nothing learns it)."""
    rng = np.random.default_rng(seed)
    x = target.sample(TRAIN_POINTS + TEST_POINTS, rng)
    nearest, _ = pairwise_distances_argmin_min(x, target.modes)
    return make_data(target.name, target.label, x, nearest.astype(np.float32), 0, "points",
                     TRAIN_POINTS / (TRAIN_POINTS + TEST_POINTS), rng, ("x₁", "x₂"))


def thin_drawing(points: np.ndarray, limit: int = MAX_DRAWN_POINTS) -> Points:
    """A mouse stroke (N, 2) in plane coordinates as a spec keeps it: inside the plane, rounded to 0.01,
    and evenly thinned to at most ``limit`` points."""
    points = np.clip(np.asarray(points, dtype=np.float64).reshape(-1, 2), -EXTENT, EXTENT)
    if len(points) > limit:
        points = points[np.linspace(0, len(points) - 1, limit).round().astype(int)]
    return tuple((round(float(x), DRAWN_DECIMALS) + 0.0, round(float(y), DRAWN_DECIMALS) + 0.0) for x, y in points)


# ---------------------------------------------------------------- mode coverage


@dataclass(frozen=True)
class Coverage:
    """Which of a target's modes a set of generated points covers."""

    counts: np.ndarray  # (K,) on-target generated points nearest to each mode
    expected: np.ndarray  # (K,) each mode's fair share: its mass × the number of generated points
    on_target: float  # the share of generated points that lie on the target at all

    @property
    def covered(self) -> np.ndarray:
        """(K,) bool: at least ``COVER_SHARE`` of the fair share, and at least one point."""
        return (self.counts >= COVER_SHARE * self.expected) & (self.counts > 0)

    @property
    def n_covered(self) -> int:
        return int(self.covered.sum())

    @property
    def n_modes(self) -> int:
        return len(self.counts)


def coverage(target: Target, points: np.ndarray | torch.Tensor) -> Coverage:
    """How many of ``target``'s modes the generated ``points`` (N, 2) cover."""
    points = points.detach().cpu().numpy() if isinstance(points, torch.Tensor) else np.asarray(points)
    if not np.isfinite(points).all():
        return Coverage(np.zeros(target.n_modes, dtype=int), target.mass * len(points), 0.0)
    _, distance = pairwise_distances_argmin_min(points, target.support)
    on_target = distance <= target.near
    nearest, _ = pairwise_distances_argmin_min(points, target.modes)
    counts = np.bincount(nearest[on_target], minlength=target.n_modes)
    return Coverage(counts, target.mass * len(points), float(on_target.mean()) if len(points) else 0.0)
