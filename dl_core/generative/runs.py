"""The makers ``runs.make_run`` calls for the Generative lab's kinds of spec: each builds the data, the
networks and the trainer, and returns a ``Run`` like any other (checks and budgets have passed by then)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import torch

from ..data import Data
from ..data.tasks import digits
from ..specs.generative import AutoencoderSpec, GanSpec
from .autoencoder import build_autoencoder
from .gan import gan_networks
from .targets import EXTENT, target_data, target_named
from .trainers import AutoencoderTrainer, GanTrainer

if TYPE_CHECKING:
    from ..runs import Run


def autoencoder_run(spec: AutoencoderSpec, uploads: Mapping[str, Data], device: torch.device | None) -> Run:
    """The digits (split by the seed) and an autoencoder of the spec's presets."""
    from ..runs import Run  # runs imports this module for its table of makers

    model = build_autoencoder(spec.encoder, spec.decoder, spec.latent, spec.variational, spec.seed)
    trainer = AutoencoderTrainer(model, digits(spec.seed), spec.train, spec.variant, spec.seed, device)
    return Run(spec, trainer, None, dict(uploads))


def gan_run(spec: GanSpec, uploads: Mapping[str, Data], device: torch.device | None) -> Run:
    """Real points of the target, a generator and a discriminator. The run's plane holds the real points."""
    from ..runs import Plane, Run  # runs imports this module for its table of makers

    target = target_named(spec.target, spec.drawn)
    data = target_data(target, spec.seed)
    model = gan_networks(spec.noise_dim, [(layer.width, layer.activation) for layer in spec.generator],
                         [(layer.width, layer.activation) for layer in spec.discriminator], spec.seed)
    trainer = GanTrainer(model, target, data, spec.train, spec.noise, spec.seed, device)
    plane = Plane((data.x_train.numpy(), data.y_train.numpy()), (data.x_test.numpy(), data.y_test.numpy()),
                  lambda points: points, EXTENT)
    return Run(spec, trainer, plane, dict(uploads))
