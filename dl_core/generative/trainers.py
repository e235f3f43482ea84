"""The trainers a generative run holds. Pages treat them like ``dl_core.trainer.Trainer``: ``step(n)``,
``step_count``, ``epoch``, ``diverged``, ``history`` (with ``last(name)``), ``on(event, callback)``, ``model``,
``hyper`` and ``set_hyper``. Everything random (batches, noise, a VAE's draws) comes from generators seeded by
the spec, so the same spec trains to the same numbers.

Events, each called with the trainer:
- ``after_backward``: after a loss's ``backward()``, before clipping and the optimiser's step;
- ``after_step``: after the optimiser has updated the weights.
The autoencoder fires each once per step. The GAN fires each once per network update, so k + 1 times per
step: ``trainer.phase`` says whose update it is ("discriminator" or "generator"); only that network's
parameters have ``p.grad`` set, the other's are None. ``step_count`` counts generator steps and has already
grown when the generator's ``after_step`` fires.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from ..data import Data
from ..device import generator as seeded, pick_device, use_threads_for
from ..nets.mlp import MLP, parameter_count
from ..optimizers import OPTIMIZERS
from ..specs.generative import AutoencoderTrain, GanTrain
from ..trainer import EVENTS, History, evaluating
from .autoencoder import Autoencoder, autoencoder_loss, corrupt
from .gan import MAX_SHOWN, discriminator_loss, generator_loss, gradient_penalty, noise
from .targets import Target, coverage

EVAL_POINTS = 1_000  # generated points the GAN's history is measured on: always the same noise


class _LiveTraining:
    """What both trainers share with ``dl_core.trainer.Trainer``: the events, the step loop (with one record
    per ``step(n)`` call), divergence, and the epoch count."""

    history: History

    def __init__(self, model: nn.Module, data: Data, hyper, seed: int, device: torch.device | None):
        self.hyper = hyper
        self.data = data
        self.device = device or pick_device()
        self.model = model
        use_threads_for(parameter_count(model))
        self.model.to(self.device)
        self.n_train = data.n_train
        self.step_count = 0
        self.samples_seen = 0
        self.diverged: str | None = None
        self.random = seeded(seed + 1)  # batches and noise
        self._callbacks: dict[str, list[Callable]] = {event: [] for event in EVENTS}

    def on(self, event: str, callback: Callable) -> Callable[[], None]:
        """Subscribes to an event; returns a function that unsubscribes."""
        self._callbacks[event].append(callback)
        return lambda: self._callbacks[event].remove(callback)

    def _trigger(self, event: str) -> None:
        for callback in self._callbacks[event]:
            callback(self)

    @property
    def epoch(self) -> float:
        return self.samples_seen / self.n_train

    def step(self, n: int = 1) -> int:
        """Advances up to ``n`` steps; returns how many ran (fewer once diverged)."""
        done = 0
        self.model.train()
        for _ in range(n):
            if self.diverged:
                break
            self._one_step()
            done += 1
        if done and not self.diverged:
            self._record()
        return done

    def _one_step(self) -> None:
        raise NotImplementedError

    def evaluate(self) -> dict[str, float]:
        raise NotImplementedError

    def _record(self) -> None:
        metrics = self.evaluate()
        if not math.isfinite(metrics["train_loss"]):  # weights blew up in the last update
            self._diverge()
            return
        self.history.append(self.step_count, self.epoch, metrics)

    def _check(self, loss: torch.Tensor) -> None:
        if not math.isfinite(loss.item()):  # .item() is cheaper than an isfinite op on a tiny tensor
            self._diverge()

    def _diverge(self) -> None:
        self.diverged = (f"Training diverged at step {self.step_count}: a loss or the weights became infinite or "
                         f"NaN. {self._advice()} Lower it and press Reset.")

    def _advice(self) -> str:
        return f"The learning rate ({self.hyper.learning_rate:g}) is probably too large for this network."


# ---------------------------------------------------------------- the autoencoder


@dataclass
class AutoencoderHistory(History):
    """``train_loss``/``test_loss`` are the whole loss (reconstruction + β·KL, per digit); the parts follow.
    ``test_pixel_error`` is the mean squared pixel error of the clean test digits rebuilt from their codes."""

    train_reconstruction: list[float] = field(default_factory=list)
    test_reconstruction: list[float] = field(default_factory=list)
    train_kl: list[float] = field(default_factory=list)
    test_kl: list[float] = field(default_factory=list)
    test_pixel_error: list[float] = field(default_factory=list)


class AutoencoderTrainer(_LiveTraining):
    """Trains an ``Autoencoder`` on images (the digits), ``variant`` "plain", "denoising" or "vae"."""

    def __init__(self, model: Autoencoder, data: Data, hyper: AutoencoderTrain, variant: str, seed: int,
                 device: torch.device | None = None):
        super().__init__(model, data, hyper, seed, device)
        self.variant = variant
        self.x_train, self.y_train = data.x_train.to(self.device), data.y_train.to(self.device)  # (N, 1, 8, 8), (N,)
        self.x_test, self.y_test = data.x_test.to(self.device), data.y_test.to(self.device)
        self.optimizer = OPTIMIZERS[hyper.optimizer].make(model.parameters(), hyper.learning_rate)
        self.batch_size = min(hyper.batch_size, self.n_train)
        fixed = seeded(seed + 2)  # the evaluation's own draws, the same at every record: smooth curves
        self._fixed = {split: (torch.randn(x.shape, generator=fixed).to(self.device),
                               torch.randn(len(x), model.latent, generator=fixed).to(self.device))
                       for split, x in (("train", self.x_train), ("test", self.x_test))}
        self._order = torch.empty(0, dtype=torch.long)
        self._cursor = self.n_train  # past the end: the first batch draws a new order
        self.history = AutoencoderHistory()
        self._record()

    def set_hyper(self, train: AutoencoderTrain) -> None:
        """Learning rate, batch size, clipping, β and the input noise change without a reset."""
        if (train.loss, train.optimizer) != (self.hyper.loss, self.hyper.optimizer):
            raise ValueError("a new loss or optimiser needs a new trainer")
        for group in self.optimizer.param_groups:
            group["lr"] = train.learning_rate
        self.hyper = train
        self.batch_size = min(train.batch_size, self.n_train)

    def _next_batch(self) -> torch.Tensor:
        """The next batch of training images: each epoch visits every image once, shuffled."""
        if self.batch_size == self.n_train:
            return self.x_train
        if self._cursor + self.batch_size > self.n_train:
            self._order = torch.randperm(self.n_train, generator=self.random).to(self.device)
            self._cursor = 0
        index = self._order[self._cursor:self._cursor + self.batch_size]
        self._cursor += self.batch_size
        return self.x_train[index]

    def _inputs(self, x: torch.Tensor, pixel_noise: torch.Tensor | None = None) -> torch.Tensor:
        """What the encoder sees: a noisy copy for the denoising variant, else the images themselves."""
        if self.variant != "denoising":
            return x
        if pixel_noise is None:
            return corrupt(x, self.hyper.noise, self.random)
        return (x + self.hyper.noise * pixel_noise).clamp(0, 1)

    def _one_step(self) -> None:
        x = self._next_batch()
        eps = torch.randn(len(x), self.model.latent, generator=self.random).to(self.device) \
            if self.variant == "vae" else None
        self.optimizer.zero_grad(set_to_none=True)
        parts = autoencoder_loss(self.model(self._inputs(x), eps), x, self.hyper.beta, self.hyper.loss)
        parts.total.backward()
        self._trigger("after_backward")
        if self.hyper.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.hyper.grad_clip)
        self.optimizer.step()
        self.step_count += 1
        self.samples_seen += len(x)
        self._trigger("after_step")
        self._check(parts.total)

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """The loss and its parts on both splits (the same noise and draws every time), and the test digits'
        pixel error rebuilt from their codes."""
        metrics = {}
        with evaluating(self.model):
            for split, x in (("train", self.x_train), ("test", self.x_test)):
                pixel_noise, eps = self._fixed[split]
                parts = autoencoder_loss(self.model(self._inputs(x, pixel_noise), eps if self.variant == "vae"
                                                    else None), x, self.hyper.beta, self.hyper.loss)
                metrics[f"{split}_loss"] = float(parts.total)
                metrics[f"{split}_reconstruction"] = float(parts.reconstruction)
                metrics[f"{split}_kl"] = float(parts.kl)
            rebuilt = torch.sigmoid(self.model(self.x_test).logits)
            metrics["test_pixel_error"] = float(((rebuilt - self.x_test) ** 2).mean())
        return metrics


# ---------------------------------------------------------------- the GAN


@dataclass
class GanHistory(History):
    """``train_loss``/``test_loss`` are the discriminator's loss (without the penalty) with the real points it
    trains on and with held-out ones (a gap means it memorises); ``generator_loss`` is the generator's.
    All are measured on the same generated points every time (the run's fixed noise), as are
    ``modes_covered`` (a count) and ``on_target`` (a share)."""

    generator_loss: list[float] = field(default_factory=list)
    modes_covered: list[float] = field(default_factory=list)
    on_target: list[float] = field(default_factory=list)

    @property
    def discriminator_loss(self) -> list[float]:
        return self.train_loss


class GanTrainer(_LiveTraining):
    """Trains ``model["generator"]`` and ``model["discriminator"]`` against each other on real points ``data``:
    ``hyper.d_steps`` discriminator updates, then one generator update, per step (Goodfellow et al. 2014,
    Algorithm 1)."""

    def __init__(self, model: nn.ModuleDict, target: Target, data: Data, hyper: GanTrain, noise_kind: str,
                 seed: int, device: torch.device | None = None):
        super().__init__(model, data, hyper, seed, device)
        self.target = target
        self.noise_kind = noise_kind
        self.noise_dim = self.generator.layer_sizes[0]
        self.x_train, self.x_test = data.x_train.to(self.device), data.x_test.to(self.device)  # (N, 2)
        self.optimizers = {
            "generator": OPTIMIZERS[hyper.g_optimizer].make(self.generator.parameters(), hyper.g_learning_rate),
            "discriminator": OPTIMIZERS[hyper.d_optimizer].make(self.discriminator.parameters(),
                                                               hyper.d_learning_rate),
        }
        self.phase: str | None = None  # whose update the last event was about
        self.display_noise = noise(MAX_SHOWN, self.noise_dim, noise_kind, seeded(seed + 2))  # (MAX_SHOWN, d)
        self.history = GanHistory()
        self._record()

    @property
    def generator(self) -> MLP:
        return self.model["generator"]

    @property
    def discriminator(self) -> MLP:
        return self.model["discriminator"]

    def set_hyper(self, train: GanTrain) -> None:
        """Learning rates, k, batch size and λ change without a reset."""
        fixed = ("loss", "g_optimizer", "d_optimizer")
        if any(getattr(train, name) != getattr(self.hyper, name) for name in fixed):
            raise ValueError("a new loss or optimiser needs a new trainer")
        for name, rate in (("generator", train.g_learning_rate), ("discriminator", train.d_learning_rate)):
            for group in self.optimizers[name].param_groups:
                group["lr"] = rate
        self.hyper = train

    def _advice(self) -> str:
        return (f"The learning rates (generator {self.hyper.g_learning_rate:g}, discriminator "
                f"{self.hyper.d_learning_rate:g}) are probably too large for these networks.")

    def _noise(self, n: int) -> torch.Tensor:
        return noise(n, self.noise_dim, self.noise_kind, self.random).to(self.device)

    def _update(self, phase: str, loss: torch.Tensor) -> None:
        for optimizer in self.optimizers.values():
            optimizer.zero_grad(set_to_none=True)  # only this phase's network holds gradients when events fire
        loss.backward()
        self.phase = phase
        self._trigger("after_backward")
        self.optimizers[phase].step()
        if phase == "generator":
            self.step_count += 1
        self._trigger("after_step")
        self._check(loss)

    def _one_step(self) -> None:
        g, d, kind, size = self.generator, self.discriminator, self.hyper.loss, self.hyper.batch_size
        for _ in range(self.hyper.d_steps):
            real = self.x_train[torch.randint(self.n_train, (size,), generator=self.random).to(self.device)]
            with torch.no_grad():
                fake = g(self._noise(size))
            loss = discriminator_loss(kind, d(real), d(fake))
            if kind == "wgan_gp" and self.hyper.gp_weight > 0:
                loss = loss + self.hyper.gp_weight * gradient_penalty(d, real, fake, self.random)
            self._update("discriminator", loss)
            self.samples_seen += size
            if self.diverged:
                return
        d.requires_grad_(False)  # the generator's step needs ∂/∂x through D, not D's own gradients
        try:
            self._update("generator", generator_loss(kind, d(g(self._noise(size)))))
        finally:
            d.requires_grad_(True)

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        g, d, kind = self.generator, self.discriminator, self.hyper.loss
        with evaluating(self.model):
            fake = g(self.display_noise[:EVAL_POINTS].to(self.device))
            d_fake = d(fake)
            metrics = {
                "train_loss": float(discriminator_loss(kind, d(self.x_train), d_fake)),
                "test_loss": float(discriminator_loss(kind, d(self.x_test), d_fake)),
                "generator_loss": float(generator_loss(kind, d_fake)),
            }
        covered = coverage(self.target, fake)
        metrics["modes_covered"] = float(covered.n_covered)
        metrics["on_target"] = covered.on_target
        return metrics
