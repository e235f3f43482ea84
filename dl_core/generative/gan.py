"""A GAN on the plane: a generator G (noise z → a point) and a discriminator D (a point → a score) as small
MLPs, the three losses they play, and the pictures of the game (Goodfellow et al. 2014).

The pictures follow GAN Lab's idea (Kahng et al. 2019) of showing everything on one plane: the
discriminator's verdict as a heatmap behind the real and generated points, an arrow on each generated
point for the way the generator's loss pushes it, and the grid of the noise space as the generator folds it
onto the plane. Shapes: noise ``z`` is (N, d), points are (N, 2), D's raw output is (N, 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..nets.mlp import MLP, build_mlp, mlp_macs
from ..specs.budget import STEP_COST, OverBudget, frame_problem
from ..trainer import evaluating
from .targets import EXTENT, Target, coverage

if TYPE_CHECKING:
    from .trainers import GanTrainer

MAP_RESOLUTION = 48  # cells a side of the discriminator's heatmap
SHOWN_POINTS = 256  # generated points drawn (and pushed) each frame: always the same noise, so motion is smooth
FOLD_LINES = 15  # lines a side of the noise grid folded through the generator
MAX_RESOLUTION, MAX_SHOWN, MAX_FOLD_LINES = 200, 2_000, 60
INIT = "xavier"


@dataclass(frozen=True)
class GanLossInfo:
    name: str
    label: str
    discriminator: str  # what D minimises, in symbols
    generator: str  # what G minimises
    explanation: str


GAN_LOSSES: dict[str, GanLossInfo] = {
    info.name: info
    for info in (
        GanLossInfo("non_saturating", "Non-saturating", "−log D(x) − log(1 − D(G(z)))", "−log D(G(z))",
                    "The generator raises the log-probability that D calls its points real: strong gradients even "
                    "while D rejects them easily (Goodfellow et al. 2014, §3)."),
        GanLossInfo("minimax", "Original minimax", "−log D(x) − log(1 − D(G(z)))", "log(1 − D(G(z)))",
                    "The generator lowers exactly what D maximises. When D rejects its points confidently, "
                    "log(1 − D) is flat and the generator barely moves: it saturates."),
        GanLossInfo("wgan_gp", "Wasserstein + gradient penalty", "D(G(z)) − D(x) + λ·(‖∇D(x̂)‖ − 1)²",
                    "−D(G(z))",
                    "D becomes a critic whose score difference estimates the Wasserstein distance; the penalty keeps "
                    "its slope near 1 on points between real and fake (Gulrajani et al. 2017)."),
    )
}

NOISES = {"uniform": "Uniform on [−1, 1] in each dimension", "gaussian": "Standard normal in each dimension"}


# ---------------------------------------------------------------- the two networks


def gan_networks(noise_dim: int, generator_hidden: Sequence[tuple[int, str]],
                 discriminator_hidden: Sequence[tuple[int, str]], seed: int) -> nn.ModuleDict:
    """G: (N, noise_dim) → (N, 2) and D: (N, 2) → (N, 1) raw scores (a logit, or a critic's value);
    the same seed gives the same weights."""
    return nn.ModuleDict({
        "generator": build_mlp(noise_dim, list(generator_hidden), 2, 0.0, INIT, seed),
        "discriminator": build_mlp(2, list(discriminator_hidden), 1, 0.0, INIT, seed + 1),
    })


def macs_of(model: MLP) -> int:
    """One example's forward multiply-adds through an MLP."""
    sizes = model.layer_sizes
    return mlp_macs(sizes[0], sizes[1:-1], sizes[-1])


def noise(n: int, dim: int, kind: str, random: torch.Generator) -> torch.Tensor:
    """(n, dim) noise for the generator, drawn from ``random`` (a CPU generator: the same seed, the same noise)."""
    if kind == "uniform":
        return torch.rand(n, dim, generator=random) * 2 - 1
    return torch.randn(n, dim, generator=random)


def noise_half_width(kind: str) -> float:
    """Half the side of the noise square the folded grid spans: all of uniform noise, ±2σ of Gaussian noise."""
    return 1.0 if kind == "uniform" else 2.0


# ---------------------------------------------------------------- the losses


def discriminator_loss(kind: str, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    """What D minimises, without the gradient penalty. ``d_real`` (N, 1) and ``d_fake`` (M, 1) are D's raw
    scores. Non-saturating and minimax share it: binary cross-entropy with real → 1, fake → 0, written with
    softplus (−log σ(s) = softplus(−s), −log(1 − σ(s)) = softplus(s)) so that it cannot overflow."""
    if kind == "wgan_gp":
        return d_fake.mean() - d_real.mean()
    return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()


def generator_loss_each(kind: str, d_fake: torch.Tensor) -> torch.Tensor:
    """Each generated point's own loss ℓ_G, (M, 1) → (M,); the generator minimises their mean."""
    score = d_fake[:, 0]
    if kind == "non_saturating":
        return F.softplus(-score)  # −log D(G(z))
    if kind == "minimax":
        return -F.softplus(score)  # log(1 − D(G(z)))
    return -score  # the critic's score, raised


def generator_loss(kind: str, d_fake: torch.Tensor) -> torch.Tensor:
    return generator_loss_each(kind, d_fake).mean()


def gradient_penalty(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                     random: torch.Generator) -> torch.Tensor:
    """E[(‖∇ₓD(x̂)‖ − 1)²] on x̂ = αx + (1 − α)G(z), α ~ U(0, 1) per pair (Gulrajani et al. 2017, Algorithm 1).
    ``real`` and ``fake`` are (N, 2); the graph is kept so that the penalty trains D."""
    alpha = torch.rand(len(real), 1, generator=random).to(real.device)
    between = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (slope,) = torch.autograd.grad(discriminator(between).sum(), between, create_graph=True)
    return ((slope.norm(dim=1) - 1) ** 2).mean()


# ---------------------------------------------------------------- the pictures


def _device_of(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def plane_grid(resolution: int, extent: float = EXTENT) -> torch.Tensor:
    """(R·R, 2) cell centres of the plane, row by row from the bottom (y = −extent) up, as heatmaps are drawn."""
    ticks = torch.linspace(-extent, extent, resolution)
    ys, xs = torch.meshgrid(ticks, ticks, indexing="ij")
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)


@torch.no_grad()
def discriminator_map(discriminator: MLP, kind: str, resolution: int = MAP_RESOLUTION,
                      extent: float = EXTENT) -> np.ndarray:
    """D over the plane, (R, R) with row 0 at the bottom: the probability that a point is real, σ(D(x)), for
    the first two losses; the critic's raw score for the Wasserstein loss (its scale is free)."""
    if not 2 <= resolution <= MAX_RESOLUTION:
        raise ValueError(f"the map's resolution must be between 2 and {MAX_RESOLUTION}, not {resolution}")
    problem = frame_problem(resolution ** 2 * macs_of(discriminator),
                            f"A {resolution}×{resolution} map of the discriminator", "the discriminator")
    if problem:
        raise OverBudget(problem)
    with evaluating(discriminator):
        score = discriminator(plane_grid(resolution, extent).to(_device_of(discriminator)))[:, 0]
    values = score if kind == "wgan_gp" else torch.sigmoid(score)
    return values.reshape(resolution, resolution).cpu().numpy()


def generator_pushes(generator: MLP, discriminator: MLP, kind: str, z: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """(points (N, 2), pushes (N, 2)): the generated points G(z) and −∂ℓ_G/∂x at each, the way the generator's
    loss pushes that point (its own loss ℓ_G, not the batch mean, so an arrow does not shrink as N grows).
    The generator can only follow these pushes as far as its weights let it: they are what backpropagation
    hands on to G."""
    with evaluating(generator), evaluating(discriminator), torch.enable_grad():
        points = generator(z.to(_device_of(generator))).detach().requires_grad_(True)
        loss = generator_loss_each(kind, discriminator(points)).sum()
        (slope,) = torch.autograd.grad(loss, points)
    return points.detach().cpu().numpy(), (-slope).cpu().numpy()


@dataclass(frozen=True)
class FoldedGrid:
    """A grid over the noise space and where the generator sends it. Both are (rows, columns, 2); with 1D noise
    there is one row (its second coordinate 0); with more than 2 the other coordinates are held at 0."""

    noise: np.ndarray
    image: np.ndarray
    half_width: float  # the noise square is [−half_width, half_width]²


@torch.no_grad()
def folded_noise(generator: MLP, noise_kind: str, lines: int = FOLD_LINES) -> FoldedGrid:
    """The noise space's grid, folded onto the plane by G: where lines cross or bunch up, G squeezes or folds
    the noise (GAN Lab's "manifold" view)."""
    if not 2 <= lines <= MAX_FOLD_LINES:
        raise ValueError(f"the grid needs between 2 and {MAX_FOLD_LINES} lines, not {lines}")
    noise_dim = generator.layer_sizes[0]
    half = noise_half_width(noise_kind)
    ticks = torch.linspace(-half, half, lines)
    if noise_dim == 1:
        square = torch.stack([ticks, torch.zeros(lines)], dim=1)[None]  # (1, L, 2)
    else:
        rows, columns = torch.meshgrid(ticks, ticks, indexing="ij")
        square = torch.stack([columns, rows], dim=-1)  # (L, L, 2): z₁ along a row, z₂ up the rows
    z = torch.zeros(*square.shape[:2], noise_dim)
    z[..., :min(noise_dim, 2)] = square[..., :min(noise_dim, 2)]
    with evaluating(generator):
        image = generator(z.reshape(-1, noise_dim).to(_device_of(generator))).reshape(*square.shape[:2], 2)
    return FoldedGrid(square.numpy(), image.cpu().numpy(), half)


def frame_macs(g: int, d: int, resolution: int = MAP_RESOLUTION, shown: int = SHOWN_POINTS,
               lines: int = FOLD_LINES) -> int:
    """What one live frame costs, given one point's multiply-adds through G (``g``) and D (``d``): the map, the
    shown points with their pushes (forward and backward through both networks), and the folded grid."""
    return resolution ** 2 * d + STEP_COST * shown * (g + d) + lines ** 2 * g


@dataclass(frozen=True)
class GanFrame:
    """Everything one live redraw of the GAN shows, as plain arrays."""

    extent: float
    real: np.ndarray  # (N, 2) training points
    fake: np.ndarray  # (M, 2) generated from the run's fixed display noise
    pushes: np.ndarray | None  # (M, 2) −∂ℓ_G/∂x at each generated point
    heatmap: np.ndarray | None  # (R, R), row 0 at the bottom; see ``discriminator_map``
    heat_is_probability: bool  # σ(D) in [0, 1]; False: the critic's raw score
    modes: np.ndarray  # (K, 2)
    covered: np.ndarray  # (K,) bool
    on_target: float  # the share of generated points on the target
    folded: FoldedGrid | None


def gan_frame(trainer: GanTrainer, resolution: int = MAP_RESOLUTION, shown: int = SHOWN_POINTS,
              pushes: bool = True, heatmap: bool = True, lines: int = FOLD_LINES, fold: bool = True) -> GanFrame:
    """One frame of the GAN's live views; refused (``OverBudget``) beyond the live-view budget."""
    if not 1 <= shown <= MAX_SHOWN:
        raise ValueError(f"between 1 and {MAX_SHOWN} generated points can be shown, not {shown}")
    g, d = trainer.generator, trainer.discriminator
    problem = frame_problem(frame_macs(macs_of(g), macs_of(d), resolution if heatmap else 0, shown,
                                       lines if fold else 0),
                            "One frame of the GAN's views")
    if problem:
        raise OverBudget(problem)
    z = trainer.display_noise[:shown]
    if pushes:
        fake, push = generator_pushes(g, d, trainer.hyper.loss, z)
    else:
        with torch.no_grad(), evaluating(g):
            fake, push = g(z.to(_device_of(g))).cpu().numpy(), None
    target: Target = trainer.target
    covered = coverage(target, fake)
    real = trainer.data.x_train[:shown].numpy()
    return GanFrame(
        EXTENT, real, fake, push,
        discriminator_map(d, trainer.hyper.loss, resolution) if heatmap else None,
        trainer.hyper.loss != "wgan_gp", target.modes, covered.covered, covered.on_target,
        folded_noise(g, trainer.noise_kind, lines) if fold else None,
    )


def collapse_verdict(n_covered: int, n_modes: int) -> str:
    """A sentence on the share of modes covered."""
    share = n_covered / n_modes if n_modes else math.nan
    if share >= 0.99:
        return f"All {n_modes} modes are covered."
    if share >= 0.75:
        return f"{n_covered} of {n_modes} modes are covered."
    return (f"Only {n_covered} of {n_modes} modes are covered: the generator is collapsing onto a few modes. "
            "Try a remedy below.")
