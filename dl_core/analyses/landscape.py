"""Loss landscapes: directions in weight space, the loss evaluated along them, and the curvature there.

A direction is a dict of tensors shaped like the model's parameters. The loss at θ + α·δ + β·η is
evaluated for a whole grid of (α, β) by the fastest way the network allows (see ``loss_surface``),
on a fixed evaluation subset of the training data (``evaluation_data``: 256 examples, the same share
of each class as the whole), which every landscape of a run, its sharpness and its naive baseline
use. A grid can be computed coarse to fine (``refine_grid``): a coarse picture at once, refined in
place, each finer level reusing every point already computed. Every analysis is checked against
the work budgets (``specs.budget``) before it starts, counting the examples it evaluates.

References: Li, Xu, Taylor, Studer and Goldstein, "Visualizing the Loss Landscape of Neural Nets",
NeurIPS 2018 (filter normalisation, PCA of the optimiser's path, the convexity map |λmin/λmax|);
power iteration and Lanczos on Hessian-vector products for the Hessian's extreme eigenvalues.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, vmap

from ..runs import Run, make_run
from ..specs.budget import OverBudget, landscape_problem, sharpness_problem
from ..trainer import evaluating

Direction = dict[str, torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (output, target) → scalar
Progress = Callable[[float], None]  # the share of the work done, 0–1
ShouldStop = Callable[[], bool]  # asked between blocks of work: True cancels what is left

MAX_GRID_RESOLUTION = 61  # a 61×61 grid is 3,721 evaluations of the loss on the evaluation data
CHUNK_ELEMENTS = 4_000_000  # floats of activations alive at once inside one vmap chunk
EVALUATION_EXAMPLES = 256  # a 41×41 digits-CNN grid: ~5× faster than on all 1,258 training digits
EVALUATION_SEED = 0
COARSE_SIDE = 11  # the first picture of a coarse-to-fine grid has at most this many points a side
BLOCK_POINTS = 128  # grid points computed between two progress reports (and chances to cancel)
LANCZOS_STEPS = 20  # Hessian-vector products per point of a convexity map
CONVEXITY_RESOLUTION = 9  # a convexity map is coarse: a Lanczos run at every point
VMAP_HESSIAN_POINTS = 8  # below this, one point at a time was faster (one HVP: 3 ms alone, 32 ms under vmap)


class Cancelled(Exception):
    """Work stopped because ``should_stop`` said so."""


# ---------------------------------------------------------------- directions


def parameters_of(model: nn.Module) -> Direction:
    """The model's parameters, detached: the centre θ of every landscape."""
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def flatten(direction: Direction) -> torch.Tensor:
    """All tensors end to end (P,); empty when nothing is left to vary (a network whose only parameters are
    in the layer ``PlaneLoss`` folds into its maps)."""
    if not direction:
        return torch.zeros(0)
    return torch.cat([t.reshape(-1) for t in direction.values()])


def unflatten(vector: torch.Tensor, like: Direction) -> Direction:
    """Views into ``vector`` (P,) shaped like ``like``; with a leading batch dimension (G, P), each (G, *shape)."""
    out, start = {}, 0
    lead = vector.shape[:-1]
    for name, t in like.items():
        out[name] = vector[..., start:start + t.numel()].reshape(*lead, *t.shape)
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


# ---------------------------------------------------------------- the data a landscape is evaluated on


@dataclass(frozen=True, eq=False)
class EvaluationData:
    """The training examples every landscape of a run is evaluated on: a fixed subset, stratified."""

    x: torch.Tensor  # (n, *input_shape), on the run's device
    target: torch.Tensor  # (n,) or (n, C): what the loss compares the output with
    indices: np.ndarray  # (n,) positions in the training set, ascending
    n_train: int  # how many training examples there are in all
    data_label: str  # "Handwritten digits"
    stratified_by: str  # "class" or "target value"
    seed: int

    @property
    def examples(self) -> int:
        return len(self.indices)

    @property
    def description(self) -> str:
        """What a page says under a landscape: which data, how many examples."""
        if self.examples == self.n_train:
            return f"the loss on all {self.n_train:,} training examples ({self.data_label})"
        return (f"the loss on {self.examples:,} of the {self.n_train:,} training examples ({self.data_label}), "
                f"the same share of each {self.stratified_by} as the whole (chosen with seed {self.seed})")


def stratified_indices(labels: np.ndarray, examples: int, seed: int, by_class: bool = True) -> np.ndarray:
    """``examples`` positions of ``labels`` (N,), ascending, each class (or, for regression, each tenth of the
    targets by rank) given its share of the whole by largest remainders; the same seed, the same subset."""
    n = len(labels)
    if examples >= n:
        return np.arange(n)
    if by_class:
        groups = np.unique(labels, return_inverse=True)[1]
    else:
        bins = max(1, min(10, examples))
        groups = np.argsort(np.argsort(labels, kind="stable"), kind="stable") * bins // n
    counts = np.bincount(groups)
    quota = examples * counts / n
    taken = np.floor(quota).astype(int)
    for g in np.argsort(-(quota - taken), kind="stable")[: examples - taken.sum()]:  # largest remainders
        taken[g] += 1
    rng = np.random.default_rng(seed)
    chosen = [rng.permutation(np.flatnonzero(groups == g))[:k] for g, k in enumerate(taken)]
    return np.sort(np.concatenate(chosen))


def evaluation_data(run: Run, examples: int = EVALUATION_EXAMPLES, seed: int = EVALUATION_SEED) -> EvaluationData:
    """The run's fixed evaluation subset: ``examples`` training examples (all of them if there are fewer)."""
    trainer = run.trainer
    by_class = trainer.objective.is_classification
    indices = stratified_indices(trainer.y_train.cpu().numpy(), examples, seed, by_class)
    keep = torch.as_tensor(indices, device=trainer.x_train.device)
    return EvaluationData(trainer.x_train[keep], trainer.t_train[keep], indices, trainer.n_train,
                          trainer.data.label, "class" if by_class else "target value", seed)


# ---------------------------------------------------------------- the loss at many points of a plane


def grid_chunk_size(model: nn.Module, n_points: int) -> int:
    """How many parameter sets one vmap call may evaluate so that activations stay bounded."""
    widest = max((p.shape[0] for p in model.parameters() if p.dim() >= 1), default=1)
    return max(1, CHUNK_ELEMENTS // max(1, n_points * widest * 4))


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


def _max_of_four(h: torch.Tensor) -> torch.Tensor:
    """MaxPool2d(2) as the largest of four strided views, the same numbers: (N, C, H, W) → (N, C, H//2, W//2).
    max_pool2d's one-thread CPU kernel took 3–7× longer on 256 digits' 6×8×8 maps; a LeNet grid, ~10 % less CPU."""
    h = h[..., : h.shape[-2] // 2 * 2, : h.shape[-1] // 2 * 2]
    return torch.maximum(torch.maximum(h[..., 0::2, 0::2], h[..., 0::2, 1::2]),
                         torch.maximum(h[..., 1::2, 0::2], h[..., 1::2, 1::2]))


def _is_pair(value, expected: int) -> bool:
    return value in (expected, (expected, expected))


def _parameter_free(module: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """How to apply a layer without parameters in eval mode: the layer itself, or a faster equal."""
    if (type(module) is nn.MaxPool2d and _is_pair(module.kernel_size, 2) and _is_pair(module.stride, 2)
            and _is_pair(module.padding, 0) and _is_pair(module.dilation, 1) and not module.ceil_mode
            and not module.return_indices):
        return _max_of_four
    return module


def _with_parameters(module: nn.Module) -> Callable[[torch.Tensor, Direction], torch.Tensor]:
    """How to apply a layer with the given parameters (names relative to the layer), in eval mode."""
    if type(module) is nn.Linear:
        return lambda h, p: F.linear(h, p["weight"], p.get("bias"))
    if type(module) is nn.Conv2d and module.padding_mode == "zeros":
        return lambda h, p: F.conv2d(h, p["weight"], p.get("bias"), module.stride, module.padding, module.dilation,
                                     module.groups)
    twin = copy.deepcopy(module).eval()  # the learner's layer is never touched
    slots = dict(twin.named_parameters())

    def apply(h: torch.Tensor, p: Direction) -> torch.Tensor:
        # loading weights into a copy: functional_call cost ~0.2 ms more a call for a GRU or an attention layer
        for name, value in p.items():
            slots[name].copy_(value)
        return twin(h)

    return apply


class PlaneLoss:
    """The loss at centre + Σₖ c[k]·directions[k] for rows c of a coordinate matrix, by the fastest way this
    network allows (measured on the two-core CPU, ``benchmarks/landscape.py``):

    - networks whose every layer vmap batches (MLPs): a chunk of parameter sets per call, under vmap;
    - a stack of layers (``nn.Sequential``, every Builder network): one grid point at a time, layer by layer.
      Its first layer with parameters sees the same input at every point and, if it is a Linear or a
      convolution, is linear in its weights, so its output is combined from K + 1 maps computed once:
      layer(x; θ + Σ cₖδₖ) = layer(x; θ) + Σ cₖ·layer(x; δₖ) (a bias is a weight on a constant input);
    - anything else: one grid point per call of the whole network.

    vmap, grouped convolutions and unfold + matmul all lost to the one-point loop for convolutions on this
    CPU; recurrent layers have no vmap rule. Every strategy gives the loss in eval mode (no dropout)."""

    def __init__(self, model: nn.Module, loss_fn: LossFn, x: torch.Tensor, target: torch.Tensor,
                 centre: Direction, directions: list[Direction]):
        self.model, self.loss_fn, self.x, self.target = model, loss_fn, x, target
        self.centre, self.directions = centre, directions
        if batches_under_vmap(model):
            self.strategy, self.chunk = "vmap", grid_chunk_size(model, len(x))
        elif isinstance(model, nn.Sequential) and len(model) > 0:
            self.strategy, self.chunk = "layer by layer", BLOCK_POINTS
            self._plan_layers()
        else:
            self.strategy, self.chunk = "one point at a time", BLOCK_POINTS
        names = self._varying if self.strategy == "layer by layer" else list(centre)
        self._like = {n: centre[n] for n in names}
        self._base = flatten(self._like)  # (P,)
        self._basis = torch.stack([flatten({n: d[n] for n in names}) for d in directions])  # (K, P)

    def _plan_layers(self) -> None:
        layers = list(self.model.named_children())
        owns = [any(True for _ in m.parameters()) for _, m in layers]
        first = owns.index(True) if any(owns) else len(layers)
        h = self.x
        with torch.no_grad():
            for _, m in layers[:first]:
                h = m(h)
            self._maps = None  # (K + 1) outputs of the first layer with parameters, when it is linear in them
            if first < len(layers) and type(layers[first][1]) in (nn.Linear, nn.Conv2d):
                name, m = layers[first]
                own = [n for n in self.centre if n.startswith(name + ".")]
                at = lambda d: functional_call(m, {n[len(name) + 1:]: d[n] for n in own}, (h,))  # noqa: E731
                self._maps = [at(self.centre)] + [at(d) for d in self.directions]
                first += 1
        self._input = h
        self._steps = []  # (layer, how to apply it, its parameters' full names)
        for name, m in layers[first:]:
            own = [n for n in self.centre if n.startswith(name + ".")]
            self._steps.append((name, _with_parameters(m) if own else _parameter_free(m), own))
        self._varying = [n for _, _, own in self._steps for n in own]

    def __call__(self, coordinates: torch.Tensor) -> torch.Tensor:
        """(G, K) coordinates → (G,) losses, on the evaluation data's device."""
        with torch.no_grad(), evaluating(self.model):
            if self.strategy == "vmap":
                return torch.cat([self._vmapped(c) for c in coordinates.to(self.x).split(self.chunk)])
            rows = coordinates.tolist()  # one transfer to Python floats, no host sync per point
            losses = torch.empty(len(rows), device=self.x.device, dtype=self.x.dtype)
            for i, row in enumerate(rows):
                losses[i] = self._at(row)
            return losses

    def _vmapped(self, c: torch.Tensor) -> torch.Tensor:
        sets = unflatten(torch.addmm(self._base, c, self._basis), self._like)  # every tensor (g, *shape)
        return vmap(lambda params: self.loss_fn(functional_call(self.model, params, (self.x,)), self.target))(sets)

    def _flat_at(self, row: list[float]) -> torch.Tensor:
        """The parameters at one point, element by element: the same numbers whatever else is computed with it."""
        flat = self._base
        for k, c in enumerate(row):
            flat = torch.add(flat, self._basis[k], alpha=c)
        return flat

    def _at(self, row: list[float]) -> torch.Tensor:
        params = unflatten(self._flat_at(row), self._like)
        if self.strategy == "one point at a time":
            return self.loss_fn(functional_call(self.model, params, (self.x,)), self.target)
        h = self._input
        if self._maps is not None:
            h = self._maps[0]
            for k, c in enumerate(row):
                h = torch.add(h, self._maps[k + 1], alpha=c)
        for name, apply, own in self._steps:
            h = apply(h, {n[len(name) + 1:]: params[n] for n in own}) if own else apply(h)
        return self.loss_fn(h, self.target)


def loss_surface(
    model: nn.Module, loss_fn: LossFn, x: torch.Tensor, target: torch.Tensor, centre: Direction,
    directions: list[Direction], coordinates: torch.Tensor, progress: Progress | None = None,
) -> np.ndarray:
    """Loss at centre + Σₖ coordinates[:, k]·directions[k], for every row of ``coordinates`` (G, K).

    Returns (G,) losses, the model in eval mode (no dropout); ``PlaneLoss`` says how each kind of network
    is evaluated. ``progress`` hears the share done after each chunk."""
    plane = PlaneLoss(model, loss_fn, x, target, centre, directions)
    losses = []
    for start in range(0, len(coordinates), plane.chunk):
        losses.append(plane(coordinates[start:start + plane.chunk]))
        if progress:
            progress(min(1.0, (start + plane.chunk) / len(coordinates)))
    return torch.cat(losses).cpu().numpy()


# ---------------------------------------------------------------- grids, coarse to fine


def axis(span: float, resolution: int) -> torch.Tensor:
    return torch.linspace(-span, span, resolution)


def grid_coordinates(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """All (α, β) pairs, α varying fastest: (len(b)·len(a), 2); reshape losses to (len(b), len(a))."""
    bb, aa = torch.meshgrid(b, a, indexing="ij")
    return torch.stack([aa.reshape(-1), bb.reshape(-1)], dim=1)


@dataclass(frozen=True)
class GridLevel:
    """One picture of a coarse-to-fine grid: every ``step``-th row and column of the final R×R grid, and the
    last; its points are points of the final grid, so a finer level reuses every one already computed."""

    step: int
    kept: np.ndarray  # (r,) indices into the final axes: the rows and columns this level shows
    blocks: tuple[np.ndarray, ...]  # flat indices j·R + i first computed at this level, block by block

    @property
    def resolution(self) -> int:
        return len(self.kept)


def refinement(resolution: int, coarse_side: int = COARSE_SIDE, block_points: int = BLOCK_POINTS) -> list[GridLevel]:
    """The levels of a coarse-to-fine R×R grid: the step halves from level to level down to 1, starting
    from the smallest power of two that leaves at most ``coarse_side`` points a side (41: 11, 21, 41)."""
    kept_at = lambda step: np.unique(np.r_[np.arange(0, resolution, step), resolution - 1])  # noqa: E731
    step = 1
    while len(kept_at(step)) > coarse_side and step < resolution:
        step *= 2
    levels, known = [], np.zeros((resolution, resolution), dtype=bool)
    while step >= 1:
        kept = kept_at(step)
        wanted = np.zeros_like(known)
        wanted[np.ix_(kept, kept)] = True
        new = np.flatnonzero(wanted & ~known)  # row by row: a block is a band of the picture
        known |= wanted
        pieces = max(1, math.ceil(len(new) / block_points))
        levels.append(GridLevel(step, kept, tuple(np.array_split(new, pieces))))
        step //= 2
    return levels


@dataclass(frozen=True)
class Surface:
    alphas: np.ndarray  # (R,)
    betas: np.ndarray  # (R,)
    losses: np.ndarray  # (R, R): row j is β = betas[j]
    centre_loss: float  # L(θ) itself: an even grid has no point at (0, 0)
    evaluated_on: str = ""  # which data, how many examples: what the page says under the picture


def refine_grid(alphas: np.ndarray, betas: np.ndarray, losses_at: Callable[[np.ndarray], np.ndarray],
                at_centre: float, evaluated_on: str = "", progress: Progress | None = None,
                should_stop: ShouldStop | None = None, coarse_side: int = COARSE_SIDE) -> Iterator[Surface]:
    """The grid over ``alphas`` × ``betas`` (R each), coarse to fine: yields one ``Surface`` per level of
    ``refinement(R)``, the last the whole grid, equal to computing it directly. ``losses_at(flat indices)``
    gives the losses at those points (index j·R + i is (alphas[i], betas[j])); ``progress`` hears the share of
    all points done after every block, and ``should_stop`` is asked before every block: True ends the
    refinement, leaving the last picture yielded."""
    resolution = len(alphas)
    levels = refinement(resolution, coarse_side)
    total = sum(len(block) for level in levels for block in level.blocks)
    losses, done = np.full(resolution * resolution, np.nan), 0
    for level in levels:
        for block in level.blocks:
            if should_stop and should_stop():
                return
            losses[block] = losses_at(block)
            done += len(block)
            if progress:
                progress(done / total)
        kept = level.kept
        grid = losses.reshape(resolution, resolution)[np.ix_(kept, kept)]
        yield Surface(np.asarray(alphas)[kept], np.asarray(betas)[kept], grid, at_centre, evaluated_on)


def check_grid(run: Run, resolution: int) -> str | None:
    """Why a grid is refused, naming the limit or the budget; None when it may be computed."""
    if not 3 <= resolution <= MAX_GRID_RESOLUTION:
        limit = f"{MAX_GRID_RESOLUTION}×{MAX_GRID_RESOLUTION}"
        return f"A grid of {resolution}×{resolution} is refused: the limit is {limit}."
    return landscape_problem(run.work, resolution ** 2, evaluation_data(run).examples)


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


def lanczos_extremes(hvp: Callable[[torch.Tensor], torch.Tensor], start: torch.Tensor,
                     steps: int = LANCZOS_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """(λmin, λmax) of G symmetric matrices at once, each seen only through ``hvp``: (G, P) → (G, P), the
    matrices times one vector each. ``steps`` Lanczos iterations from the rows of ``start`` (G, P), fully
    reorthogonalised; the extreme Ritz values converge first and are exact once ``steps`` reaches P."""
    g, p = start.shape
    steps = min(steps, p)
    basis = start.new_zeros(steps, g, p)  # the Krylov basis, one orthonormal set per matrix
    diagonal, off = np.zeros((g, steps)), np.zeros((g, steps))
    length = np.full(g, steps)
    v = start / start.norm(dim=1, keepdim=True)
    alive = torch.ones(g, dtype=torch.bool, device=start.device)
    scale = torch.zeros(g, dtype=start.dtype, device=start.device)
    for j in range(steps):
        basis[j] = v
        w = hvp(v)
        a = (w * v).sum(dim=1)
        for _ in range(2):  # twice is enough (Parlett): orthogonal to every earlier vector to rounding
            w = w - torch.einsum("jg,jgp->gp", torch.einsum("jgp,gp->jg", basis[:j + 1], w), basis[:j + 1])
        b = w.norm(dim=1)
        diagonal[:, j], off[:, j] = a.cpu().numpy(), b.cpu().numpy()
        scale = torch.maximum(scale, a.abs())
        ended = alive & (b <= 1000 * torch.finfo(start.dtype).eps * scale)  # the Krylov space is exhausted
        length[ended.cpu().numpy()] = j + 1
        alive &= ~ended
        v = torch.where(alive[:, None], w / b.clamp_min(torch.finfo(start.dtype).tiny)[:, None], 0)
    smallest, largest = np.empty(g), np.empty(g)
    for i, k in enumerate(length):
        ritz = np.linalg.eigvalsh(np.diag(diagonal[i, :k]) + np.diag(off[i, :k - 1], 1) + np.diag(off[i, :k - 1], -1))
        smallest[i], largest[i] = ritz[0], ritz[-1]
    return smallest, largest


def hessian_extremes(model: nn.Module, loss_fn: LossFn, x: torch.Tensor, target: torch.Tensor, like: Direction,
                     points: torch.Tensor, steps: int = LANCZOS_STEPS, generator: torch.Generator | None = None,
                     progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(λmin, λmax) of the Hessian of the loss at each row of ``points`` (G, P), flattened parameters shaped
    like ``like``, by ``lanczos_extremes``. With at least ``VMAP_HESSIAN_POINTS`` points, networks vmap batches
    run every point's Hessian-vector product in one call; otherwise point by point, each point's gradient graph
    built once and differentiated again for every product (both reverse-over-reverse: forward-over-reverse
    under vmap took twice as long on the CPU)."""
    start = torch.randn(points.shape, generator=generator, dtype=torch.float64).to(points)

    def loss_of(flat: torch.Tensor) -> torch.Tensor:
        return loss_fn(functional_call(model, unflatten(flat, like), (x,)), target)

    def hvp_one(flat: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return torch.func.grad(lambda f: (torch.func.grad(loss_of)(f) * v).sum())(flat)

    with evaluating(model):
        if batches_under_vmap(model) and len(points) >= VMAP_HESSIAN_POINTS:
            result = lanczos_extremes(lambda v: vmap(hvp_one)(points, v), start, steps)
            if progress:
                progress(1.0)
            return result
        smallest, largest = np.empty(len(points)), np.empty(len(points))
        for i, point in enumerate(points):
            flat = point.detach().clone().requires_grad_(True)
            with torch.enable_grad():
                (gradient,) = torch.autograd.grad(loss_of(flat), flat, create_graph=True)
            hvp = lambda v: torch.autograd.grad(gradient, flat, v[0], retain_graph=True)[0][None]  # noqa: E731, B023
            (smallest[i],), (largest[i],) = lanczos_extremes(hvp, start[i:i + 1], steps)
            if progress:
                progress((i + 1) / len(points))
        return smallest, largest


# ---------------------------------------------------------------- analyses of a run's network


def _inputs(run: Run) -> tuple[nn.Module, LossFn, torch.Tensor, torch.Tensor]:
    """The learner's own network, the evaluation data, and the loss it trains on (without regularisation)."""
    data = evaluation_data(run)
    return run.trainer.model, run.trainer.objective.loss, data.x, data.target


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


def _random_plane_directions(run: Run, seed: int) -> tuple[Direction, list[Direction]]:
    centre = parameters_of(run.model)
    generator = torch.Generator().manual_seed(seed)
    return centre, [filter_normalized_direction(centre, generator) for _ in range(2)]


def random_plane_points(run: Run, resolution: int, span: float, seed: int, indices: np.ndarray) -> np.ndarray:
    """The losses at some points of the grid of ``random_plane``: flat indices j·R + i (β = betas[j], α =
    alphas[i]). What ``refine_grid`` asks for, block by block; a page may cache it by its arguments."""
    _refuse(check_grid(run, resolution))
    centre, directions = _random_plane_directions(run, seed)
    a = axis(span, resolution)
    indices = torch.as_tensor(np.asarray(indices), dtype=torch.long)
    coordinates = torch.stack([a[indices % resolution], a[indices // resolution]], dim=1)
    return loss_surface(*_inputs(run), centre, directions, coordinates)


def refining_random_plane(run: Run, resolution: int, span: float, seed: int, progress: Progress | None = None,
                          should_stop: ShouldStop | None = None,
                          points: Callable[[np.ndarray], np.ndarray] | None = None) -> Iterator[Surface]:
    """``random_plane`` coarse to fine: a coarse picture at once (at most 11×11), then finer ones in place;
    the last equals ``random_plane``. ``points(indices)`` may replace ``random_plane_points`` (a cached one)."""
    _refuse(check_grid(run, resolution))
    a = axis(span, resolution).numpy()
    points = points or (lambda indices: random_plane_points(run, resolution, span, seed, indices))
    yield from refine_grid(a, a, points, centre_loss(run), evaluation_data(run).description, progress, should_stop)


def random_plane_rows(run: Run, resolution: int, span: float, seed: int, rows: range) -> np.ndarray:
    """Some rows of the grid below: the losses for β = betas[j], j in ``rows``, every α. (len(rows), R)"""
    _refuse(check_grid(run, resolution))
    centre, directions = _random_plane_directions(run, seed)
    a = axis(span, resolution)
    losses = loss_surface(*_inputs(run), centre, directions, grid_coordinates(a, a[rows.start:rows.stop]))
    return losses.reshape(len(rows), resolution)


def random_plane(run: Run, resolution: int, span: float, seed: int, progress: Progress | None = None) -> Surface:
    """L(θ + αδ + βη) for α, β in [-span, span], δ and η filter-normalised Gaussian directions (seeded),
    computed directly, row block by row block."""
    surface = plane_from_rows(resolution, span, lambda rows: random_plane_rows(run, resolution, span, seed, rows),
                              centre_loss(run), progress)
    return Surface(surface.alphas, surface.betas, surface.losses, surface.centre_loss, evaluation_data(run).description)


def row_blocks(resolution: int, blocks: int = 8) -> list[range]:
    """The grid's rows in about ``blocks`` pieces: a unit of work, of progress and of caching."""
    size = -(-resolution // blocks)
    return [range(start, min(start + size, resolution)) for start in range(0, resolution, size)]


def plane_from_rows(resolution: int, span: float, rows_of: Callable[[range], np.ndarray], at_centre: float,
                    progress: Progress | None = None) -> Surface:
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
    _refuse(landscape_problem(run.work, points, evaluation_data(run).examples))
    centre = parameters_of(run.model)
    direction = filter_normalized_direction(centre, torch.Generator().manual_seed(seed))
    a = axis(span, points)
    return a.numpy(), loss_surface(*_inputs(run), centre, [direction], a[:, None])


def interpolation(run: Run, start: Direction, points: int = 41,
                  before: float = 0.25, after: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """The loss on the straight line from ``start`` (α = 0) to the current weights (α = 1), a little beyond."""
    _refuse(landscape_problem(run.work, points, evaluation_data(run).examples))
    end = parameters_of(run.model)
    direction = {name: end[name] - start[name] for name in end}
    a = torch.linspace(-before, 1 + after, points)
    return a.numpy(), loss_surface(*_inputs(run), start, [direction], a[:, None])


def _path_axes(projection: PathProjection, resolution: int, margin: float) -> tuple[torch.Tensor, torch.Tensor]:
    c = projection.coordinates
    lows, highs = c.min(axis=0), c.max(axis=0)
    pad = np.maximum((highs - lows) * margin, 1e-3)
    return (torch.linspace(float(lows[0] - pad[0]), float(highs[0] + pad[0]), resolution),
            torch.linspace(float(lows[1] - pad[1]), float(highs[1] + pad[1]), resolution))


def path_plane(run: Run, snapshots: list[torch.Tensor], resolution: int, margin: float = 0.25,
               progress: Progress | None = None) -> tuple[Surface, PathProjection]:
    """The loss over the plane of the path's two main PCA directions, centred on the last snapshot,
    covering the whole path with ``margin`` to spare."""
    _refuse(check_grid(run, resolution))
    projection = project_path(snapshots, parameters_of(run.model))
    a, b = _path_axes(projection, resolution, margin)
    inputs = _inputs(run)
    losses = loss_surface(*inputs, projection.centre, projection.directions, grid_coordinates(a, b),
                          progress).reshape(resolution, resolution)
    at_centre = loss_surface(*inputs, projection.centre, projection.directions, torch.zeros(1, 2))[0]
    return Surface(a.numpy(), b.numpy(), losses, float(at_centre), evaluation_data(run).description), projection


def refining_path_plane(run: Run, snapshots: list[torch.Tensor], resolution: int, margin: float = 0.25,
                        progress: Progress | None = None, should_stop: ShouldStop | None = None,
                        ) -> Iterator[tuple[Surface, PathProjection]]:
    """``path_plane`` coarse to fine, as ``refining_random_plane``; the last equals ``path_plane``."""
    _refuse(check_grid(run, resolution))
    projection = project_path(snapshots, parameters_of(run.model))
    a, b = _path_axes(projection, resolution, margin)
    inputs = _inputs(run)
    plane = PlaneLoss(*inputs, projection.centre, projection.directions)

    def points(indices: np.ndarray) -> np.ndarray:
        indices = torch.as_tensor(indices, dtype=torch.long)
        return plane(torch.stack([a[indices % resolution], b[indices // resolution]], dim=1)).cpu().numpy()

    at_centre = float(plane(torch.zeros(1, 2))[0])
    for surface in refine_grid(a.numpy(), b.numpy(), points, at_centre, evaluation_data(run).description, progress,
                               should_stop):
        yield surface, projection


@dataclass(frozen=True)
class Sharpness:
    eigenvalue: float  # the Hessian's eigenvalue of largest magnitude at the current weights
    alphas: np.ndarray
    losses: np.ndarray  # the loss along the matching unit eigenvector
    evaluated_on: str = ""


def sharpness(run: Run, span: float = 1.0, points: int = 41, seed: int = 0) -> Sharpness:
    data = evaluation_data(run)
    _refuse(sharpness_problem(run.work, data.examples))
    model, loss_fn = run.trainer.model, run.trainer.objective.loss
    eigenvalue, vector = top_hessian_eigen(model, loss_fn, data.x, data.target,
                                           generator=torch.Generator().manual_seed(seed))
    a = axis(span, points)
    losses = loss_surface(model, loss_fn, data.x, data.target, parameters_of(model), [vector], a[:, None])
    return Sharpness(eigenvalue, a.numpy(), losses, data.description)


@dataclass(frozen=True)
class ConvexityMap:
    """Li et al. 2018, fig. 8: the Hessian's extreme eigenvalues at the points of a plane. Where |λmin/λmax| is
    near 0 the loss curves (almost) only upwards: convex; where it is large, it curves down a lot too."""

    alphas: np.ndarray  # (R,)
    betas: np.ndarray  # (R,)
    smallest: np.ndarray  # (R, R) λmin, row j at β = betas[j]
    largest: np.ndarray  # (R, R) λmax
    evaluated_on: str = ""

    @property
    def ratio(self) -> np.ndarray:
        """|λmin/λmax| (R, R), the quantity the paper maps."""
        return np.abs(self.smallest / np.where(self.largest == 0, np.finfo(float).tiny, self.largest))

    @property
    def mean_ratio(self) -> float:
        return float(self.ratio.mean())


def convexity_problem(run: Run, resolution: int, steps: int = LANCZOS_STEPS) -> str | None:
    return sharpness_problem(run.work, evaluation_data(run).examples, iterations=resolution ** 2 * steps)


def convexity_map(run: Run, resolution: int = CONVEXITY_RESOLUTION, span: float = 1.0, seed: int = 0,
                  steps: int = LANCZOS_STEPS, progress: Progress | None = None) -> ConvexityMap:
    """|λmin/λmax| of the Hessian over the plane of ``random_plane`` (same seed, same directions) at a coarse
    ``resolution``: ``steps`` Lanczos iterations at each point, checked against the sharpness budget."""
    _refuse(convexity_problem(run, resolution, steps))
    centre, directions = _random_plane_directions(run, seed)
    a = axis(span, resolution)
    c = grid_coordinates(a, a).to(flatten(centre))
    points = flatten(centre) + c @ torch.stack([flatten(d) for d in directions])  # (R², P)
    data = evaluation_data(run)
    smallest, largest = hessian_extremes(run.trainer.model, run.trainer.objective.loss, data.x, data.target, centre,
                                         points, steps, torch.Generator().manual_seed(seed), progress)
    shape = (resolution, resolution)
    return ConvexityMap(a.numpy(), a.numpy(), smallest.reshape(shape), largest.reshape(shape), data.description)


@dataclass(frozen=True)
class Minimum:
    """Where one variant of a spec ended up after training, seen through the landscape."""

    eigenvalue: float
    alphas: np.ndarray
    losses: np.ndarray  # along a filter-normalised random direction (the same seed for every variant)
    test_accuracy: float
    train_loss: float  # on the whole training set
    surface: Surface  # a 2D slice through the minimum, filter-normalised directions
    centre_loss: float = math.nan  # on the evaluation data, as ``losses`` and ``surface``


def compare_minima(variants: dict, steps: int, span: float = 1.0, seed: int = 0, resolution: int = 21,
                   progress: Progress | None = None, uploads=None) -> dict[str, Minimum]:
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
                               random_plane(run, resolution, span, seed), centre_loss(run))
    return result
