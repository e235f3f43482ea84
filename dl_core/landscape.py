"""Loss landscapes: directions in weight space and the loss evaluated along them, in batches.

A direction is a dict of tensors shaped like the model's parameters. The loss at
θ + α·δ + β·η is evaluated for a whole grid of (α, β) at once: ``torch.func.functional_call``
under ``vmap`` runs the model with a batch of parameter sets, in chunks that bound memory.
References: Li et al., "Visualizing the Loss Landscape of Neural Nets", NeurIPS 2018
(filter normalisation, PCA of the trajectory); power iteration on Hessian-vector products
for the sharpest curvature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, vmap

from .train import EveryNth

Direction = dict[str, torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (output, target) → scalar

MAX_GRID_RESOLUTION = 61  # a 61×61 grid is 3,721 evaluations of the loss on the whole training set
MAX_GRID_EVALUATIONS = 4_000_000  # grid points × data points: the most one landscape may cost
CHUNK_ELEMENTS = 4_000_000  # floats of activations alive at once inside one vmap chunk


def parameters_of(model: nn.Module) -> Direction:
    """The model's parameters, detached: the centre θ of every landscape."""
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def flatten(direction: Direction) -> torch.Tensor:
    return torch.cat([t.reshape(-1) for t in direction.values()])


def unflatten(vector: torch.Tensor, like: Direction) -> Direction:
    out, start = {}, 0
    for name, t in like.items():
        out[name] = vector[start:start + t.numel()].reshape(t.shape)
        start += t.numel()
    return out


def random_direction(params: Direction, generator: torch.Generator) -> Direction:
    """A Gaussian direction with the parameters' shapes."""
    return {name: torch.randn(p.shape, generator=generator).to(p) for name, p in params.items()}


def filter_normalize(direction: Direction, params: Direction) -> Direction:
    """Li et al. 2018: each filter of δ (the weights into one unit: a row of a Linear weight,
    one output channel of a convolution) is rescaled to the norm of the same filter in θ.
    Biases and other one-dimensional parameters (normalisation scales) get a zero direction."""
    out = {}
    for name, d in direction.items():
        p = params[name]
        if p.dim() <= 1:
            out[name] = torch.zeros_like(p)
            continue
        d_filters, p_filters = d.reshape(d.shape[0], -1), p.reshape(p.shape[0], -1)  # (units, fan-in)
        scale = p_filters.norm(dim=1, keepdim=True) / (d_filters.norm(dim=1, keepdim=True) + 1e-10)
        out[name] = (d_filters * scale).reshape(d.shape)
    return out


def filter_normalized_direction(params: Direction, generator: torch.Generator) -> Direction:
    return filter_normalize(random_direction(params, generator), params)


def grid_chunk_size(model: nn.Module, n_points: int) -> int:
    """How many parameter sets one vmap call may evaluate so that activations stay bounded."""
    widest = max((p.shape[0] for p in model.parameters() if p.dim() >= 1), default=1)
    return max(1, CHUNK_ELEMENTS // max(1, n_points * widest * 4))


@torch.no_grad()
def loss_surface(
    model: nn.Module, loss_fn: LossFn, x: torch.Tensor, target: torch.Tensor, centre: Direction,
    directions: list[Direction], coordinates: torch.Tensor, progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """Loss at centre + Σₖ coordinates[:, k]·directions[k], for every row of ``coordinates`` (G, K).

    Returns (G,) losses. The model is evaluated in eval mode (no dropout)."""
    was_training = model.training
    model.eval()
    coordinates = coordinates.to(x)
    chunk = grid_chunk_size(model, len(x))

    def loss_at(params: Direction) -> torch.Tensor:
        return loss_fn(functional_call(model, params, (x,)), target)

    batched = vmap(loss_at)
    losses = []
    for start in range(0, len(coordinates), chunk):
        c = coordinates[start:start + chunk]  # (g, K)
        params = {
            name: centre[name] + sum(c[:, k].reshape(-1, *[1] * t.dim()) * d[name] for k, d in enumerate(directions))
            for name, t in centre.items()
        }  # each (g, *shape)
        losses.append(batched(params))
        if progress:
            progress(min(1.0, (start + len(c)) / len(coordinates)))
    model.train(was_training)
    return torch.cat(losses).cpu().numpy()


@torch.no_grad()
def loss_at_naively(model: nn.Module, loss_fn: LossFn, x: torch.Tensor, target: torch.Tensor,
                    params: Direction) -> float:
    """The baseline and oracle: load the weights into the model, evaluate, put the old ones back."""
    saved = parameters_of(model)
    was_training = model.training
    model.eval()
    for name, p in model.named_parameters():
        p.copy_(params[name])
    value = float(loss_fn(model(x), target))
    for name, p in model.named_parameters():
        p.copy_(saved[name])
    model.train(was_training)
    return value


def axis(span: float, resolution: int) -> torch.Tensor:
    return torch.linspace(-span, span, resolution)


def grid_coordinates(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """All (α, β) pairs, α varying fastest: (len(b)·len(a), 2); reshape losses to (len(b), len(a))."""
    bb, aa = torch.meshgrid(b, a, indexing="ij")
    return torch.stack([aa.reshape(-1), bb.reshape(-1)], dim=1)


def check_grid(resolution: int, n_points: int) -> str | None:
    """Why a grid is refused, naming the limit; None when it may be computed."""
    if not 3 <= resolution <= MAX_GRID_RESOLUTION:
        return f"A grid of {resolution}×{resolution} is refused: the limit is {MAX_GRID_RESOLUTION}×{MAX_GRID_RESOLUTION}."
    if resolution ** 2 * n_points > MAX_GRID_EVALUATIONS:
        return (f"{resolution}×{resolution} grid points × {n_points:,} training points is "
                f"{resolution ** 2 * n_points:,} evaluations; the limit is {MAX_GRID_EVALUATIONS:,}.")
    return None


# ---------------------------------------------------------------- the optimiser's path


@dataclass(frozen=True)
class PathProjection:
    """Snapshots projected on the two main PCA directions of (snapshot − final)."""

    directions: list[Direction]  # two unit vectors in weight space
    coordinates: np.ndarray  # (T, 2): each snapshot's position in that plane; the final one is (0, 0)
    explained: np.ndarray  # (2,) share of the path's variance each direction explains
    centre: Direction  # the final snapshot


def project_path(snapshots: list[torch.Tensor], like: Direction) -> PathProjection:
    """``snapshots`` are flattened parameter vectors in training order, the last one the centre."""
    if len(snapshots) < 3:
        raise ValueError("the path needs at least 3 snapshots: train a few more steps")
    path = torch.stack(snapshots).double()  # (T, P)
    final = path[-1]
    offsets = path - final
    _, s, vt = torch.linalg.svd(offsets, full_matrices=False)
    variance = s ** 2
    explained = (variance[:2] / variance.sum()).numpy() if variance.sum() > 0 else np.zeros(2)
    basis = vt[:2]  # (2, P), orthonormal
    if len(basis) < 2:
        basis = torch.cat([basis, torch.zeros(2 - len(basis), basis.shape[1], dtype=basis.dtype)])
    coordinates = (offsets @ basis.T).numpy()
    dtype = next(iter(like.values())).dtype
    return PathProjection(
        directions=[unflatten(row.to(dtype), like) for row in basis],
        coordinates=coordinates,
        explained=explained,
        centre=unflatten(final.to(dtype), like),
    )


class PathRecorder:
    """Flattened snapshots of the weights as training runs (at most ``limit``, evenly thinned).
    Subscribe it to the Trainer's ``after_step`` event."""

    def __init__(self, model: nn.Module, limit: int = 200):
        self.model = model
        self.sampling = EveryNth(limit)
        self.snapshots: list[torch.Tensor] = []
        self.steps: list[int] = []
        self.record(0)

    def record(self, step: int) -> None:
        self.snapshots.append(torch.cat([p.detach().reshape(-1).cpu() for p in self.model.parameters()]))
        self.steps.append(step)
        self.snapshots, self.steps = self.sampling.thin(self.snapshots, self.steps)

    def __call__(self, trainer) -> None:
        if self.sampling.due():
            self.record(trainer.step_count)


# ---------------------------------------------------------------- curvature


def hessian_vector_product(loss: torch.Tensor, params: list[torch.Tensor], vector: list[torch.Tensor]):
    """H·v without forming H: the gradient of (∇L · v)."""
    grads = torch.autograd.grad(loss, params, create_graph=True)
    dot = sum((g * v).sum() for g, v in zip(grads, vector))
    return torch.autograd.grad(dot, params)


def top_hessian_eigen(model: nn.Module, loss_fn: LossFn, x: torch.Tensor, target: torch.Tensor,
                      iterations: int = 50, generator: torch.Generator | None = None,
                      tolerance: float = 1e-6) -> tuple[float, Direction]:
    """The Hessian's eigenvalue of largest magnitude and its unit eigenvector, by power iteration."""
    was_training = model.training
    model.eval()
    names, params = zip(*[(n, p) for n, p in model.named_parameters() if p.requires_grad])
    vector = [torch.randn(p.shape, generator=generator).to(p) for p in params]
    norm = torch.sqrt(sum((v * v).sum() for v in vector))
    vector = [v / norm for v in vector]
    eigenvalue = 0.0
    for _ in range(iterations):
        loss = loss_fn(model(x), target)
        hv = hessian_vector_product(loss, list(params), vector)
        new_eigenvalue = float(sum((h * v).sum() for h, v in zip(hv, vector)))  # Rayleigh quotient
        norm = torch.sqrt(sum((h * h).sum() for h in hv))
        if norm == 0:
            break
        vector = [h.detach() / norm for h in hv]
        converged = abs(new_eigenvalue - eigenvalue) <= tolerance * max(1.0, abs(new_eigenvalue))
        eigenvalue = new_eigenvalue
        if converged:
            break
    model.train(was_training)
    return eigenvalue, {n: v for n, v in zip(names, vector)}
