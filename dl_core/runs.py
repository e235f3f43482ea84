"""The one place a spec becomes a run.

``make_run(spec)`` checks the spec (its fields, how they fit together, and the work budgets,
all from shapes before anything is allocated), builds the data, the network and the objective,
and hands them to a ``Trainer``. Labs ask the ``Run`` for what they need (its trainer, its data,
the plane its points live in) and never look at what kind of spec made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, TypeVar

import numpy as np
import torch
from torch import nn

from .errors import Refusal
from .data import Data
from .data.features import feature_labels, feature_matrix
from .data.points import EXTENT, points_data
from .data.tasks import is_upload, task_data, uploaded
from .device import generator
from .generative.runs import autoencoder_run, gan_run
from .nets.layers import build
from .nets.mlp import build_mlp, initialise
from .objective import Objective, objective
from .specs import BuilderSpec, PlaygroundSpec, Spec, validate
from .specs.budget import Work
from .trainer import Trainer
from .transfer import SCRATCH, start_from

P = TypeVar("P")
Uploads = Mapping[str, Data]


class InvalidSpec(Refusal):
    """A spec that cannot be built, with every problem in sentences a learner can act on."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True, eq=False)
class Plane:
    """Data that are 2D points, seen as the plane they live in: what the Playground and the point views draw.
    ``encode`` turns points (N, 2) into what the network takes (N, F): the chosen input features."""

    train: tuple[np.ndarray, np.ndarray]  # (points (N, 2), labels (N,))
    test: tuple[np.ndarray, np.ndarray]
    encode: Callable[[torch.Tensor], torch.Tensor]
    extent: float = EXTENT


@dataclass(eq=False)
class Run:
    spec: Spec
    trainer: Trainer
    plane: Plane | None = None  # None unless the inputs are 2D points
    uploads: Uploads = field(default_factory=dict)
    probes: dict[str, Any] = field(default_factory=dict)

    @property
    def model(self) -> nn.Module:
        return self.trainer.model

    @property
    def objective(self) -> Objective:
        return self.trainer.objective

    @property
    def data(self) -> Data:
        return self.trainer.data

    @property
    def work(self) -> Work:
        return self.spec.work(self.uploads)

    def probe(self, name: str, attach: Callable[[Trainer], P]) -> P:
        """A probe on this run's trainer (path recorder, gradient flow), attached the first time a lab asks."""
        if name not in self.probes:
            self.probes[name] = attach(self.trainer)
        return self.probes[name]

    def fresh(self) -> Run:
        """The same spec from its first step: new trainer, no probes."""
        return make_run(self.spec, self.uploads, self.trainer.device)


def follow(run: Run | None, spec: Spec, uploads: Uploads | None = None) -> Run:
    """The run for ``spec``: ``run`` itself while only the training settings (learning rate, batch size,
    regularisation, clipping) or the view change, as in TensorFlow Playground; a new one when anything else does."""
    if run is None or run.spec.kind != spec.kind or run.spec.rebuild_key() != spec.rebuild_key():
        return make_run(spec, uploads)
    if run.spec.train != spec.train:
        run.trainer.set_hyper(spec.train)
    run.spec = spec
    return run


def make_run(spec: Spec, uploads: Uploads | None = None, device: torch.device | None = None) -> Run:
    """A run for any kind of spec; raises InvalidSpec (nothing allocated) when it cannot be built or is over budget."""
    uploads = dict(uploads or {})
    problems = validate(spec, uploads)
    if problems:
        raise InvalidSpec(problems)
    return _MAKERS[spec.kind](spec, uploads, device)


def _playground(spec: PlaygroundSpec, uploads: Uploads, device: torch.device | None) -> Run:
    d, m = spec.data, spec.model
    points = uploaded(d.dataset, uploads).resplit(d.train_share / 100, d.seed) if is_upload(d.dataset) else \
        points_data(d.dataset, d.n_points, d.noise, d.train_share, d.seed)
    encode = lambda p: feature_matrix(p, m.features)  # noqa: E731
    data = replace(points, x_train=encode(points.x_train), x_test=encode(points.x_test),
                   feature_names=feature_labels(m.features))
    goal = objective(spec.train.loss, data.n_classes)
    hidden = [(layer.width, layer.activation) for layer in m.hidden]
    model = build_mlp(len(m.features), hidden, goal.n_outputs, m.dropout, m.init, d.seed, m.norm, m.skip)
    trainer = Trainer(model, goal, data, spec.train, d.seed, device)
    return Run(spec, trainer, _plane(points, encode), uploads)


def _builder(spec: BuilderSpec, uploads: Uploads, device: torch.device | None) -> Run:
    data = task_data(spec.task, spec.seed, spec.points, uploads)
    goal = objective(spec.train.loss, data.n_classes)
    model = build(spec.layers, data.input_shape, goal.n_outputs, spec.seed)
    if spec.init != "default":
        initialise(model, spec.init, generator(spec.seed))
    if spec.start != SCRATCH:
        start_from(model, spec.start, spec.layers, spec.seed)
    trainer = Trainer(model, goal, data, spec.train, spec.seed, device)
    plane = _plane(data, lambda p: p) if data.input_kind == "points" and data.input_shape == (2,) else None
    return Run(spec, trainer, plane, uploads)


def _plane(points: Data, encode: Callable[[torch.Tensor], torch.Tensor]) -> Plane:
    as_numpy = lambda t: t.cpu().numpy()  # noqa: E731
    return Plane((as_numpy(points.x_train), as_numpy(points.y_train)), (as_numpy(points.x_test),
                                                                       as_numpy(points.y_test)), encode)


_MAKERS: dict[str, Callable[[Any, Uploads, torch.device | None], Run]] = {
    PlaygroundSpec.kind: _playground,
    BuilderSpec.kind: _builder,
    "autoencoder": autoencoder_run,
    "gan": gan_run,
}
