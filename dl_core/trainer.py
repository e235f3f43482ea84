"""The Trainer: built parts in (model, objective, data, training settings), ``step(n)`` out, with a
history of losses and accuracies and events that probes subscribe to. It knows nothing of any lab
or kind of spec; ``runs.make_run`` is the one place a spec becomes a Trainer.

Events, each called with the trainer:
- ``after_backward``: after ``loss.backward()``, before gradient clipping and the optimiser
  step (gradients are in ``p.grad``; the weights are still those that produced them);
- ``after_step``: after the optimiser has updated the weights.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator
from weakref import WeakKeyDictionary

import numpy as np
import torch
from torch import nn

from .data import Data
from .device import generator, pick_device, use_threads_for
from .nets import backprop
from .nets.mlp import parameter_count
from .objective import Objective
from .optimizers import OPTIMIZERS
from .specs.training import TrainSpec

EVENTS = ("after_backward", "after_step")


@dataclass
class History:
    """One entry per recorded step; accuracies are NaN for regression."""

    step: list[int] = field(default_factory=list)
    epoch: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)

    def append(self, step: int, epoch: float, metrics: dict[str, float]) -> None:
        self.step.append(step)
        self.epoch.append(epoch)
        for name, value in metrics.items():
            getattr(self, name).append(value)

    def last(self, name: str) -> float:
        values = getattr(self, name)
        return values[-1] if values else math.nan


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """The model in eval mode (no dropout, running statistics for BatchNorm) for the block, then back in
    the mode it was in. A network that computes the same in both modes is left as it is (``mode_free``)."""
    if mode_free(model):
        yield model
        return
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def training_mode(model: nn.Module) -> None:
    """``model.train()``, without walking every module when it is in train mode already."""
    if not model.training:
        model.train()


_MODE_FREE: WeakKeyDictionary = WeakKeyDictionary()  # a model → whether it computes the same in both modes
_MODE_FREE_TORCH = (nn.Linear, nn.Identity, nn.ModuleList, nn.ModuleDict, nn.Sequential, nn.Flatten, nn.Unflatten,
                    nn.LayerNorm, nn.GroupNorm, nn.modules.conv._ConvNd, nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d,
                    nn.AvgPool2d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.Embedding)


def mode_free(model: nn.Module) -> bool:
    """Whether every module of ``model`` computes the same in train and eval mode: torch's layers that are
    known to (no dropout, batch statistics or attention dropout among them), its activations but RReLU, and
    dl_core's own modules, which never read ``self.training`` (tests/core/test_trainer.py holds them to it).
    Switching modes walks every module, which cost a third of a step on the Playground's heaviest network;
    for these networks it is skipped. Judged once per model: a network's modules do not change once built."""
    known = _MODE_FREE.get(model)
    if known is None:
        known = _MODE_FREE[model] = all(
            type(m).__module__.startswith("dl_core.") or isinstance(m, _MODE_FREE_TORCH)
            or (type(m).__module__ == "torch.nn.modules.activation"
                and not isinstance(m, (nn.RReLU, nn.MultiheadAttention)))
            for m in model.modules())
    return known


@contextmanager
def batch_statistics_frozen(model: nn.Module) -> Iterator[None]:
    """BatchNorm layers use their running statistics for the block: a batch of one example has no spread
    to normalise by (BatchNorm1d refuses it), so a step on one example uses what training has seen."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.training]
    for m in norms:
        m.eval()
    try:
        yield
    finally:
        for m in norms:
            m.train()


class Trainer:
    """Trains ``model`` on ``data`` ``n`` steps at a time."""

    def __init__(self, model: nn.Module, goal: Objective, data: Data, hyper: TrainSpec, seed: int,
                 device: torch.device | None = None, record_every: int | None = None):
        """``record_every``: evaluate both splits every this many steps; None: once per ``step()`` call."""
        self.hyper = hyper
        self.data = data
        self.device = device or pick_device()
        self.record_every = record_every
        self.objective = goal
        self.model = model
        use_threads_for(parameter_count(self.model))
        self.model.to(self.device)
        self.initial_parameters = {name: p.detach().clone() for name, p in self.model.named_parameters()}

        self.x_train, self.y_train = data.x_train.to(self.device), data.y_train.to(self.device)  # (N, ...), (N,)
        self.x_test, self.y_test = data.x_test.to(self.device), data.y_test.to(self.device)
        self.t_train = self.objective.target(self.y_train)  # what the loss compares with
        self.t_test = self.objective.target(self.y_test)
        self.n_train = len(self.y_train)

        self.optimizer = OPTIMIZERS[hyper.optimizer].make(self.model.parameters(), hyper.learning_rate)
        self.batch_size = min(hyper.batch_size, self.n_train)
        self.step_count = 0
        self.samples_seen = 0
        self.diverged: str | None = None
        self.history = History()
        self._callbacks: dict[str, list[Callable[[Trainer], None]]] = {event: [] for event in EVENTS}
        self._order_generator = generator(seed + 1)
        self._noise = _Noise(seed + 2, self.device, active=_draws_while_training(model))
        # backpropagation written out for a plain MLP (about 2× faster on tiny networks); None: autograd's
        self.written_out = backprop.WrittenOut(model, goal) if backprop.fits(model, goal) else None
        self._plain_sgd = backprop.plain_sgd(self.optimizer)
        self._order = torch.empty(0, dtype=torch.long)
        self._cursor = self.n_train  # past the end: the first batch draws a new order
        self._predicted: tuple[int, torch.Tensor] | None = None  # (step, test predictions) at the last record
        self._record()

    # ------------------------------------------------------------ events

    def on(self, event: str, callback: Callable[[Trainer], None]) -> Callable[[], None]:
        """Subscribes to an event; returns a function that unsubscribes."""
        self._callbacks[event].append(callback)
        return lambda: self._callbacks[event].remove(callback)

    def _trigger(self, event: str) -> None:
        for callback in self._callbacks[event]:
            callback(self)

    # ------------------------------------------------------------ hyper-parameters

    def set_hyper(self, train: TrainSpec) -> None:
        """Learning rate, batch size, regularisation and clipping change without a reset."""
        if (train.loss, train.optimizer) != (self.hyper.loss, self.hyper.optimizer):
            raise ValueError("a new loss or optimiser needs a new Trainer")
        for group in self.optimizer.param_groups:
            group["lr"] = train.learning_rate
        self.hyper = train
        self.batch_size = min(train.batch_size, self.n_train)

    @property
    def epoch(self) -> float:
        return self.samples_seen / self.n_train

    # ------------------------------------------------------------ training

    def _next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and loss targets of the next batch: each epoch visits every point once, shuffled."""
        size = self.batch_size
        if size == self.n_train:
            return self.x_train, self.t_train
        if self._cursor + size > self.n_train:
            self._order = torch.randperm(self.n_train, generator=self._order_generator).to(self.device)
            self._cursor = 0
        index = self._order[self._cursor:self._cursor + size]
        self._cursor += size
        return self.x_train[index], self.t_train[index]

    def penalty(self) -> torch.Tensor | None:
        """The regularisation term added to the loss (None without one). It acts on weights (every parameter
        of two or more dimensions: linear, convolution, recurrent), not on biases or normalisation scales."""
        kind, rate = self.hyper.regularization, self.hyper.reg_rate
        if kind == "none" or rate == 0:
            return None
        weights = [p for p in self.model.parameters() if p.dim() >= 2]
        if kind == "l1":
            return rate * sum(w.abs().sum() for w in weights)
        return rate * 0.5 * sum((w * w).sum() for w in weights)

    def step(self, n: int = 1) -> int:
        """Advances up to ``n`` optimiser steps; returns how many ran (fewer once diverged)."""
        done = 0
        training_mode(self.model)
        for _ in range(n):
            if self.diverged:
                break
            self._update(*self._next_batch())
            done += 1
            if self.diverged:
                break
            if self.record_every and self.step_count % self.record_every == 0:
                self._record()
        if done and not self.diverged and (not self.record_every or self.step_count % self.record_every):
            self._record()
        return done

    def step_on(self, x: torch.Tensor, target: torch.Tensor) -> None:
        """One optimiser step on the batch given (inputs (B, ...), loss targets (B,)), e.g. a single example."""
        if not self.diverged:
            training_mode(self.model)
            with batch_statistics_frozen(self.model) if len(x) == 1 else _nothing():
                self._update(x.to(self.device), target.to(self.device))
            if not self.diverged:
                self._record()

    def _update(self, x: torch.Tensor, target: torch.Tensor) -> None:
        written_out = self.written_out is not None and not self.written_out.hooked()
        if written_out:  # every p.grad is overwritten: nothing to zero
            loss = self.written_out.step(x, target, self.hyper.regularization, self.hyper.reg_rate)
        else:
            self.optimizer.zero_grad(set_to_none=True)
            with self._noise:
                loss = self.objective.loss(self.model(x), target)
        with torch.set_grad_enabled(not written_out):
            penalty = self.penalty()
        total = loss if penalty is None else loss + penalty
        if not written_out:
            total.backward()
        self._trigger("after_backward")
        if self.hyper.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.hyper.grad_clip)
        if written_out and self._plain_sgd:  # torch's SGD.step costs ~80 µs of Python around 6 additions
            self.written_out.descend(self.optimizer.param_groups[0]["lr"])
        else:
            self.optimizer.step()
        self.step_count += 1
        self.samples_seen += len(x)
        self._trigger("after_step")
        if not math.isfinite(total.item()):  # .item() is cheaper than an isfinite op on a tiny tensor
            self._diverge()

    def _diverge(self) -> None:
        self.diverged = (
            f"Training diverged at step {self.step_count}: the loss or the weights became "
            f"infinite or NaN. The learning rate ({self.hyper.learning_rate:g}) is probably too "
            "large for this network; lower it and press Reset."
        )

    # ------------------------------------------------------------ measuring

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Loss (without the regularisation term) and accuracy on both splits."""
        metrics = {}
        splits = (("train", self.x_train, self.y_train, self.t_train), ("test", self.x_test, self.y_test, self.t_test))
        with evaluating(self.model):
            for split, x, y, target in splits:
                out = self.model(x)
                metrics[f"{split}_loss"] = float(self.objective.loss(out, target))
                predicted = self.objective.predict(out)
                metrics[f"{split}_accuracy"] = (
                    float((predicted == y).float().mean()) if self.objective.is_classification else math.nan)
                if split == "test":
                    self._predicted = (self.step_count, predicted)  # the live views ask for them every frame
        return metrics

    def _record(self) -> None:
        metrics = self.evaluate()
        if not math.isfinite(metrics["train_loss"]):  # weights blew up in the last update
            self._diverge()
            return
        self.history.append(self.step_count, self.epoch, metrics)

    @torch.no_grad()
    def predictions(self, split: str = "test") -> tuple[torch.Tensor, torch.Tensor]:
        """(predicted, true) labels on one split, the network in eval mode (no dropout)."""
        x, y = (self.x_test, self.y_test) if split == "test" else (self.x_train, self.y_train)
        if split == "test" and self._predicted is not None and self._predicted[0] == self.step_count:
            return self._predicted[1], y
        with evaluating(self.model):
            return self.objective.predict(self.model(x)), y

    @torch.no_grad()
    def confusion_matrix(self, split: str = "test") -> np.ndarray:
        """Counts[true class, predicted class] on one split."""
        predicted, y = self.predictions(split)
        c = self.objective.n_classes
        counts = torch.bincount(y * c + predicted, minlength=c * c)
        return counts.reshape(c, c).cpu().numpy()


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _draws_while_training(model: nn.Module) -> bool:
    """Whether a training forward pass draws random numbers (dropout); for other networks ``_Noise`` rests."""
    return any(isinstance(m, (nn.modules.dropout._DropoutNd, nn.RReLU)) for m in model.modules())


class _Noise:
    """The run's own stream of training randomness (dropout's masks): inside ``with``, torch's global
    generator plays this stream, and outside it is as it was. The same seed draws the same masks whatever
    else the process ran in between (another learner's run, an analysis), and the exported script draws
    them from the same seed. Swapping a CPU generator's state costs a few microseconds a step."""

    def __init__(self, seed: int, device: torch.device, active: bool = True):
        self.active = active  # False: the network draws nothing, and ``with`` does nothing
        self.cuda = device if device.type == "cuda" else None
        self.state = torch.Generator().manual_seed(seed).get_state()
        self.cuda_state = torch.Generator(device).manual_seed(seed).get_state() if self.cuda else None
        self.outside: tuple[torch.Tensor, torch.Tensor | None] | None = None

    def __enter__(self) -> None:
        if not self.active:
            return
        self.outside = torch.get_rng_state(), torch.cuda.get_rng_state(self.cuda) if self.cuda else None
        torch.set_rng_state(self.state)
        if self.cuda:
            torch.cuda.set_rng_state(self.cuda_state, self.cuda)

    def __exit__(self, *exc: object) -> None:
        if not self.active:
            return
        self.state = torch.get_rng_state()
        torch.set_rng_state(self.outside[0])
        if self.cuda:
            self.cuda_state = torch.cuda.get_rng_state(self.cuda)
            torch.cuda.set_rng_state(self.outside[1], self.cuda)
