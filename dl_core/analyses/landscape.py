"""Loss landscapes: directions in weight space and the loss evaluated along them, in batches.

A direction is a dict of tensors shaped like the model's parameters. The loss at
θ + α·δ + β·η is evaluated for a whole grid of (α, β) in chunks: ``torch.func.functional_call``
under ``vmap`` runs the model with a batch of parameter sets (networks with convolutions or
recurrent layers go one set at a time; see ``loss_surface``). Every analysis is checked against
the work budgets (``specs.budget``) before it starts.
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

from ..runs import Run, make_run
from ..specs.budget import OverBudget, landscape_problem, sharpness_problem
from ..trainer import evaluating

Direction = dict[str, torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (output, target) → scalar

MAX_GRID_RESOLUTION = 61  # a 61×61 grid is 3,721 evaluations of the loss on the whole training set
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

    Returns (G,) losses, the model in eval mode (no dropout). Networks made only of layers that vmap
    batches (Linear, activations, LayerNorm, …) run a chunk of parameter sets per call under vmap.
    Others go one set per call: for convolutions that was faster on the CPU (vmap 16.5 s, grouped
    convolutions 12–28 s and unfold + bmm 21 s against this loop's 10.4 s for a 41×41 grid of a digits
    CNN, ``benchmarks/landscape.py``), and recurrent layers have no vmap rule at all."""
    coordinates = coordinates.to(x)
    chunk = grid_chunk_size(model, len(x))

    def loss_at(params: Direction) -> torch.Tensor:
        return loss_fn(functional_call(model, params, (x,)), target)

    if batches_under_vmap(model):
        batched = vmap(loss_at)
        evaluate = lambda c: batched(_parameter_sets(centre, directions, c))  # noqa: E731
    else:
        chunk = 1
        evaluate = lambda c: loss_at({n: t[0] for n, t in _parameter_sets(centre, directions, c).items()})[None]  # noqa: E731
    losses = []
    with evaluating(model):
        for start in range(0, len(coordinates), chunk):
            losses.append(evaluate(coordinates[start:start + chunk]))
            if progress:
                progress(min(1.0, (start + chunk) / len(coordinates)))
    return torch.cat(losses).cpu().numpy()


_VMAP_SAFE = (nn.Linear, nn.LayerNorm, nn.Dropout, nn.Flatten, nn.Identity, nn.Sequential, nn.ModuleList,
              nn.Tanh, nn.ReLU, nn.Sigmoid, nn.LeakyReLU, nn.GELU, nn.ELU, nn.SiLU)


def batches_under_vmap(model: nn.Module) -> bool:
    """Whether every layer is of a kind vmap is known to batch; containers and parameter-free layers of
    our own (the MLP's hidden layers, Residual, LastStep) pass through to their children."""
    for m in model.modules():
        own_container = type(m).__module__.startswith("dl_core") and not any(True for _ in m.parameters(recurse=False))
        if not (isinstance(m, _VMAP_SAFE) or own_container):
            return False
    return True


def _parameter_sets(centre: Direction, directions: list[Direction], c: torch.Tensor) -> Direction:
    """One parameter set per row of ``c`` (g, K): each tensor (g, *shape)."""
    return {
        name: centre[name] + sum(c[:, k].reshape(-1, *[1] * t.dim()) * d[name] for k, d in enumerate(directions))
        for name, t in centre.items()
    }


def axis(span: float, resolution: int) -> torch.Tensor:
    return torch.linspace(-span, span, resolution)


def grid_coordinates(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """All (α, β) pairs, α varying fastest: (len(b)·len(a), 2); reshape losses to (len(b), len(a))."""
    bb, aa = torch.meshgrid(b, a, indexing="ij")
    return torch.stack([aa.reshape(-1), bb.reshape(-1)], dim=1)


def check_grid(run: Run, resolution: int) -> str | None:
    """Why a grid is refused, naming the limit or the budget; None when it may be computed."""
    if not 3 <= resolution <= MAX_GRID_RESOLUTION:
        limit = f"{MAX_GRID_RESOLUTION}×{MAX_GRID_RESOLUTION}"
        return f"A grid of {resolution}×{resolution} is refused: the limit is {limit}."
    return landscape_problem(run.work, resolution ** 2, len(run.trainer.x_train))


def _refuse(problem: str | None) -> None:
    if problem:
        raise OverBudget(problem)


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
    names, params = zip(*[(n, p) for n, p in model.named_parameters() if p.requires_grad])
    vector = [torch.randn(p.shape, generator=generator).to(p) for p in params]
    norm = torch.sqrt(sum((v * v).sum() for v in vector))
    vector = [v / norm for v in vector]
    eigenvalue = 0.0
    with evaluating(model), torch.enable_grad():
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
    return eigenvalue, {n: v for n, v in zip(names, vector)}


# ---------------------------------------------------------------- analyses of a run's network


@dataclass(frozen=True)
class Surface:
    alphas: np.ndarray  # (R,)
    betas: np.ndarray  # (R,)
    losses: np.ndarray  # (R, R): row j is β = betas[j]
    centre_loss: float


def _inputs(run: Run) -> tuple[nn.Module, LossFn, torch.Tensor, torch.Tensor]:
    """The learner's own network and training data, with the loss it trains on (without regularisation)."""
    trainer = run.trainer
    return trainer.model, trainer.objective.loss, trainer.x_train, trainer.t_train


def run_at(spec, flat_parameters: np.ndarray, uploads=None) -> Run:
    """A run of ``spec`` whose weights are ``flat_parameters``: what a cached analysis rebuilds."""
    run = make_run(spec, uploads)
    values = unflatten(torch.as_tensor(flat_parameters), parameters_of(run.model))
    with torch.no_grad():
        for name, p in run.model.named_parameters():
            p.copy_(values[name])
    return run


def flat_parameters(run: Run) -> np.ndarray:
    return flatten(parameters_of(run.model)).cpu().numpy()


def centre_loss(run: Run) -> float:
    """L(θ): the loss at the current weights, on the data every landscape of this run uses."""
    model, loss_fn, x, target = _inputs(run)
    with torch.no_grad(), evaluating(model):
        return float(loss_fn(model(x), target))


def random_plane_rows(run: Run, resolution: int, span: float, seed: int, rows: range) -> np.ndarray:
    """Some rows of the grid below: the losses for β = betas[j], j in ``rows``, every α. (len(rows), R)"""
    _refuse(check_grid(run, resolution))
    centre = parameters_of(run.model)
    generator = torch.Generator().manual_seed(seed)
    directions = [filter_normalized_direction(centre, generator) for _ in range(2)]
    a = axis(span, resolution)
    losses = loss_surface(*_inputs(run), centre, directions, grid_coordinates(a, a[rows.start:rows.stop]))
    return losses.reshape(len(rows), resolution)


def random_plane(run: Run, resolution: int, span: float, seed: int,
                 progress: Callable[[float], None] | None = None) -> Surface:
    """L(θ + αδ + βη) for α, β in [-span, span], δ and η filter-normalised Gaussian directions (seeded)."""
    return plane_from_rows(resolution, span, lambda rows: random_plane_rows(run, resolution, span, seed, rows),
                           centre_loss(run), progress)


def row_blocks(resolution: int, blocks: int = 8) -> list[range]:
    """The grid's rows in about ``blocks`` pieces: a unit of work, of progress and of caching."""
    size = -(-resolution // blocks)
    return [range(start, min(start + size, resolution)) for start in range(0, resolution, size)]


def plane_from_rows(resolution: int, span: float, rows_of: Callable[[range], np.ndarray], at_centre: float,
                    progress: Callable[[float], None] | None = None) -> Surface:
    """A surface assembled block by block from ``rows_of(rows)``, reporting progress after each block.
    ``at_centre`` is L(θ), computed at θ itself: an even grid has no point at (0, 0)."""
    blocks, pieces = row_blocks(resolution), []
    for k, rows in enumerate(blocks):
        pieces.append(rows_of(rows))
        if progress:
            progress((k + 1) / len(blocks))
    a = axis(span, resolution).numpy()
    losses = np.concatenate(pieces)
    return Surface(a, a, losses, at_centre)


def random_slice(run: Run, span: float, points: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The loss along one filter-normalised random direction through the current weights."""
    _refuse(landscape_problem(run.work, points, len(run.trainer.x_train)))
    centre = parameters_of(run.model)
    direction = filter_normalized_direction(centre, torch.Generator().manual_seed(seed))
    a = axis(span, points)
    return a.numpy(), loss_surface(*_inputs(run), centre, [direction], a[:, None])


def interpolation(run: Run, start: Direction, points: int = 41,
                  before: float = 0.25, after: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """The loss on the straight line from ``start`` (α = 0) to the current weights (α = 1), a little beyond."""
    _refuse(landscape_problem(run.work, points, len(run.trainer.x_train)))
    end = parameters_of(run.model)
    direction = {name: end[name] - start[name] for name in end}
    a = torch.linspace(-before, 1 + after, points)
    return a.numpy(), loss_surface(*_inputs(run), start, [direction], a[:, None])


def path_plane(run: Run, snapshots: list[torch.Tensor], resolution: int, margin: float = 0.25,
               progress: Callable[[float], None] | None = None) -> tuple[Surface, PathProjection]:
    """The loss over the plane of the path's two main PCA directions, centred on the last snapshot,
    covering the whole path with ``margin`` to spare."""
    _refuse(check_grid(run, resolution))
    projection = project_path(snapshots, parameters_of(run.model))
    c = projection.coordinates
    lows, highs = c.min(axis=0), c.max(axis=0)
    pad = np.maximum((highs - lows) * margin, 1e-3)
    a = torch.linspace(float(lows[0] - pad[0]), float(highs[0] + pad[0]), resolution)
    b = torch.linspace(float(lows[1] - pad[1]), float(highs[1] + pad[1]), resolution)
    losses = loss_surface(*_inputs(run), projection.centre, projection.directions, grid_coordinates(a, b),
                          progress).reshape(resolution, resolution)
    at_centre = loss_surface(*_inputs(run), projection.centre, projection.directions, torch.zeros(1, 2))[0]
    return Surface(a.numpy(), b.numpy(), losses, float(at_centre)), projection


@dataclass(frozen=True)
class Sharpness:
    eigenvalue: float  # the Hessian's eigenvalue of largest magnitude at the current weights
    alphas: np.ndarray
    losses: np.ndarray  # the loss along the matching unit eigenvector


def sharpness(run: Run, span: float = 1.0, points: int = 41, seed: int = 0) -> Sharpness:
    _refuse(sharpness_problem(run.work, len(run.trainer.x_train)))
    model, loss_fn, x, target = _inputs(run)
    eigenvalue, vector = top_hessian_eigen(model, loss_fn, x, target, generator=torch.Generator().manual_seed(seed))
    a = axis(span, points)
    losses = loss_surface(model, loss_fn, x, target, parameters_of(model), [vector], a[:, None])
    return Sharpness(eigenvalue, a.numpy(), losses)


@dataclass(frozen=True)
class Minimum:
    """Where one variant of a spec ended up after training, seen through the landscape."""

    eigenvalue: float
    alphas: np.ndarray
    losses: np.ndarray  # along a filter-normalised random direction (the same seed for every variant)
    test_accuracy: float
    train_loss: float
    surface: Surface  # a 2D slice through the minimum, filter-normalised directions


def compare_minima(variants: dict, steps: int, span: float = 1.0, seed: int = 0, resolution: int = 21,
                   progress: Callable[[float], None] | None = None, uploads=None) -> dict[str, Minimum]:
    """Trains each named spec for ``steps`` and measures the minimum it reached: its sharpness and a
    1D filter-normalised slice, comparable across variants because filter normalisation removes scale."""
    result = {}
    for k, (name, spec) in enumerate(variants.items()):
        run = make_run(spec, uploads)
        for done in range(0, steps, 100):
            run.trainer.step(min(100, steps - done))
            if progress:
                progress((k + min(1.0, (done + 100) / steps)) / len(variants))
        curvature = sharpness(run, span, seed=seed)
        alphas, losses = random_slice(run, span, 41, seed)
        metrics = run.trainer.evaluate()
        result[name] = Minimum(curvature.eigenvalue, alphas, losses, metrics["test_accuracy"], metrics["train_loss"],
                               random_plane(run, resolution, span, seed))
    return result
