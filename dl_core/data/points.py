"""2D point sets behind one signature, ``make(n, noise, rng) -> (points, labels)``, registered by name.

The six TensorFlow Playground sets follow its definitions (points in roughly [-6, 6]²,
noise as a fraction 0–0.5, labels decided on the noisy position). Moons and the
three-class sets are additions. Nothing is downloaded: every point is generated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import Data, make_data

Maker = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]

EXTENT = 6.0  # every 2D dataset lives in [-EXTENT, EXTENT]²; plots use the same square


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    label: str
    kind: str  # "classification" or "regression"
    n_classes: int  # 0 for regression
    description: str
    make: Maker

    @property
    def is_classification(self) -> bool:
        return self.kind == "classification"


DATASETS: dict[str, DatasetInfo] = {}


def register(name: str, label: str, kind: str, n_classes: int, description: str):
    """Adds a generator to ``DATASETS``: one function plus this one line per dataset."""

    def add(make: Maker) -> Maker:
        DATASETS[name] = DatasetInfo(name, label, kind, n_classes, description, make)
        return make

    return add


def _uniform(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return rng.uniform(low, high, n)


@register("circle", "Circle", "classification", 2, "A disc of one class inside a ring of the other.")
def circle(n: int, noise: float, rng: np.random.Generator):
    radius = 5.0
    half = n // 2
    r = np.concatenate(
        [_uniform(rng, 0, radius * 0.5, half), _uniform(rng, radius * 0.7, radius, n - half)]
    )
    angle = _uniform(rng, 0, 2 * np.pi, n)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    jitter = rng.uniform(-radius, radius, (n, 2)) * noise
    inside = np.linalg.norm(points + jitter, axis=1) < radius * 0.5
    return points, inside.astype(np.int64)


@register("xor", "Exclusive or", "classification", 2, "Opposite quadrants share a class.")
def xor(n: int, noise: float, rng: np.random.Generator):
    padding = 0.3
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, padding, -padding)
    noisy = points + rng.uniform(-5, 5, (n, 2)) * noise
    same_sign = noisy[:, 0] * noisy[:, 1] >= 0
    return points, same_sign.astype(np.int64)


@register("gauss", "Gaussian", "classification", 2, "Two Gaussian clouds; noise widens them.")
def gauss(n: int, noise: float, rng: np.random.Generator):
    variance = 0.5 + (4.0 - 0.5) * (noise / 0.5)  # noise 0 → 0.5, noise 0.5 → 4
    half = n // 2
    labels = np.concatenate([np.ones(half), np.zeros(n - half)]).astype(np.int64)
    centres = np.where(labels[:, None] == 1, 2.0, -2.0)
    points = centres + rng.normal(0, np.sqrt(variance), (n, 2))
    return points, labels


def _spiral_arms(n: int, noise: float, rng: np.random.Generator, arms: int):
    per_arm = n // arms
    points, labels = [], []
    for arm in range(arms):
        count = per_arm if arm < arms - 1 else n - per_arm * (arms - 1)
        t = np.arange(count) / count
        r = t * 5
        angle = 1.75 * t * 2 * np.pi + arm * 2 * np.pi / arms
        xy = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
        points.append(xy + rng.uniform(-1, 1, (count, 2)) * noise)
        labels.append(np.full(count, arm))
    return np.concatenate(points), np.concatenate(labels).astype(np.int64)


@register("spiral", "Spiral", "classification", 2, "Two interleaved spiral arms: the hard one.")
def spiral(n: int, noise: float, rng: np.random.Generator):
    points, arm = _spiral_arms(n, noise, rng, arms=2)
    return points, (arm == 0).astype(np.int64)


@register("moons", "Two moons", "classification", 2, "Two interlocking half circles.")
def moons(n: int, noise: float, rng: np.random.Generator):
    half = n // 2
    t = np.concatenate([rng.uniform(0, np.pi, half), rng.uniform(0, np.pi, n - half)])
    labels = np.concatenate([np.zeros(half), np.ones(n - half)]).astype(np.int64)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    points = np.where(labels[:, None] == 0, upper, lower)
    points = (points - [0.5, 0.25]) * 3.2  # centre on the origin, fill about [-5, 5]
    return points + rng.normal(0, 1, (n, 2)) * noise * 2, labels


@register("blobs3", "Three blobs", "classification", 3, "Three Gaussian clouds: a three-class task.")
def blobs3(n: int, noise: float, rng: np.random.Generator):
    labels = np.arange(n) % 3
    angle = np.pi / 2 + labels * 2 * np.pi / 3
    centres = 3.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    spread = np.sqrt(0.5 + 3.5 * (noise / 0.5))
    return centres + rng.normal(0, spread, (n, 2)), labels.astype(np.int64)


@register("spiral3", "Three spirals", "classification", 3, "Three spiral arms: a hard three-class task.")
def spiral3(n: int, noise: float, rng: np.random.Generator):
    return _spiral_arms(n, noise, rng, arms=3)


@register("plane", "Plane", "regression", 0, "The target rises linearly along x1 + x2.")
def plane(n: int, noise: float, rng: np.random.Generator):
    points = rng.uniform(-6, 6, (n, 2))
    noisy = points + rng.uniform(-6, 6, (n, 2)) * noise
    target = noisy.sum(axis=1) / 12  # [-12, 12] → [-1, 1]; noise can push it past, so it is clipped
    return points, np.clip(target, -1, 1).astype(np.float32)


_BUMPS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


@register("multi_gauss", "Multi Gaussian", "regression", 0, "Six bumps and dips of alternating sign.")
def multi_gauss(n: int, noise: float, rng: np.random.Generator):
    points = rng.uniform(-6, 6, (n, 2))
    noisy = points + rng.uniform(-6, 6, (n, 2)) * noise
    target = np.zeros(n)
    for cx, cy, sign in _BUMPS:
        distance = np.hypot(noisy[:, 0] - cx, noisy[:, 1] - cy)
        bump = sign * np.clip(1 - distance / 2, 0, 1)  # 1 at the centre, 0 from distance 2 on
        target = np.where(np.abs(bump) > np.abs(target), bump, target)
    return points, target.astype(np.float32)


# ---------------------------------------------------------------- a whole split dataset


def points_data(name: str, n_points: int = 500, noise_percent: int = 0, train_percent: int = 50,
                seed: int = 0) -> Data:
    """Generates a point set and splits it; the same arguments always give the same numbers."""
    info = DATASETS[name]
    rng = np.random.default_rng(seed)
    points, labels = info.make(n_points, noise_percent / 100, rng)
    return make_data(name, info.label, points.astype(np.float32), labels, info.n_classes, "points",
                     train_percent / 100, rng, ("x₁", "x₂"),
                     tuple(f"class {c}" for c in range(info.n_classes)))
