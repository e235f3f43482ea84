"""Autoencoders on the 8×8 digits: an encoder squeezes a digit into a short code, a decoder rebuilds the
digit from it. Three variants share one model:

- plain: code = encoder(x); trained to rebuild x;
- denoising (Vincent et al. 2008): trained to rebuild the clean x from a noisy copy, x + noise·ε;
- variational (Kingma & Welling 2013): the encoder gives a mean μ and a log-variance log σ² per code
  dimension, the code is drawn as z = μ + σ·ε (the reparameterisation trick), and the loss adds β times
  the KL divergence of N(μ, σ²) from the prior N(0, I) (β = 1 is the ELBO; β > 1 is Higgins et al. 2017).

Encoders and decoders come from small presets (dense or convolutional); their cost is known from shapes
before anything is built. Images are (N, 1, 8, 8) in [0, 1]; codes (N, L); the decoder gives logits, so a
pixel's value is σ(logit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..nets.layers import LAYERS, Cost, LayerDef, plan
from ..specs.budget import OverBudget, Work, frame_problem
from ..trainer import evaluating

if TYPE_CHECKING:
    from .trainers import AutoencoderTrainer

IMAGE = (1, 8, 8)
PIXELS = 64
MAX_LATENT = 16
L = LayerDef

VARIANTS = {"plain": "Plain autoencoder", "denoising": "Denoising autoencoder", "vae": "Variational (VAE)"}
RECONSTRUCTION_LOSSES = {
    "bce": "Binary cross-entropy: −Σ [x·log x̂ + (1 − x)·log(1 − x̂)] over the 64 pixels",
    "mse": "Squared error: Σ (x̂ − x)² over the 64 pixels",
}


@dataclass(frozen=True)
class EncoderPreset:
    name: str
    label: str
    description: str
    layers: tuple[LayerDef, ...]  # Builder layers on a 1×8×8 image; a Linear head to the code follows


@dataclass(frozen=True)
class DecoderPreset:
    """From the code: ``dense`` Builder layers (ending in a vector), reshaped to ``image_from`` (C, H, W), then
    for each number in ``convs`` the image is doubled in size and convolved to that many channels."""

    name: str
    label: str
    description: str
    dense: tuple[LayerDef, ...]
    image_from: tuple[int, int, int]
    convs: tuple[int, ...] = ()


ENCODERS: dict[str, EncoderPreset] = {
    preset.name: preset
    for preset in (
        EncoderPreset("dense", "Dense", "64 pixels → 128 → 64 units (ReLU) → the code",
                      (L("flatten"), L("linear", 128), L("activation"), L("linear", 64), L("activation"))),
        EncoderPreset("conv", "Convolutional", "8 then 16 filters of 3×3, each followed by ReLU and 2×2 max-pooling "
                      "(16×2×2) → the code", (L("conv2d", 8), L("activation"), L("maxpool"), L("conv2d", 16),
                                              L("activation"), L("maxpool"), L("flatten"))),
    )
}
DECODERS: dict[str, DecoderPreset] = {
    preset.name: preset
    for preset in (
        DecoderPreset("dense", "Dense", "the code → 64 → 128 units (ReLU) → 64 pixels",
                      (L("linear", 64), L("activation"), L("linear", 128), L("activation"), L("linear", PIXELS)),
                      IMAGE),
        DecoderPreset("conv", "Convolutional", "the code → 64 units (ReLU) as 16×2×2 → doubled to 4×4, 8 filters "
                      "of 3×3, ReLU → doubled to 8×8, 1 filter of 3×3",
                      (L("linear", 64), L("activation")), (16, 2, 2), (8, 1)),
    )
}


# ---------------------------------------------------------------- shapes and costs, then the modules


def _decoder_plan(preset: DecoderPreset, latent: int) -> list[tuple[LayerDef, tuple[int, ...], Cost]]:
    """(layer, its input shape, its cost) for every decoder layer, from shapes alone. Two kinds exist only
    here: "unflatten" (a vector laid out as an image) and "upsample" (each pixel repeated 2×2)."""
    planned, shape = [], (latent,)
    for layer in preset.dense:
        cost = LAYERS[layer.kind].cost(layer, shape)
        planned.append((layer, shape, cost))
        shape = cost.output
    image = preset.image_from
    planned.append((L("unflatten"), shape, Cost(image, 0, 0, 0)))
    shape = image
    for index, filters in enumerate(preset.convs):
        doubled = (shape[0], 2 * shape[1], 2 * shape[2])
        planned.append((L("upsample"), shape, Cost(doubled, 0, math.prod(doubled), math.prod(doubled))))
        conv = L("conv2d", filters)
        cost = LAYERS["conv2d"].cost(conv, doubled)
        planned.append((conv, doubled, cost))
        shape = cost.output
        if index < len(preset.convs) - 1:
            relu = L("activation")
            planned.append((relu, shape, LAYERS["activation"].cost(relu, shape)))
    if shape != IMAGE:
        raise ValueError(f"decoder {preset.name} gives {shape}, not {IMAGE}")
    return planned


def _code_outputs(latent: int, variational: bool) -> int:
    return 2 * latent if variational else latent  # μ and log σ² for each code dimension


def autoencoder_work(encoder: str, decoder: str, latent: int, variational: bool) -> tuple[Work, Work]:
    """(the encoder's work, the decoder's work) per example, from shapes alone."""
    encoding = plan(ENCODERS[encoder].layers, IMAGE, _code_outputs(latent, variational))
    decoding = [cost for _, _, cost in _decoder_plan(DECODERS[decoder], latent)]
    enc = Work(sum(p.cost.macs for p in encoding), sum(p.cost.stored for p in encoding),
               sum(p.parameters for p in encoding), "the encoder")
    dec = Work(sum(c.macs for c in decoding), sum(c.stored for c in decoding), sum(c.parameters for c in decoding),
               "the decoder")
    return enc, dec


class Reconstruction(NamedTuple):
    logits: torch.Tensor  # (N, 1, 8, 8): the rebuilt digit is σ(logits)
    mean: torch.Tensor  # (N, L): the code (a VAE's μ)
    log_var: torch.Tensor | None  # (N, L): a VAE's log σ²; None otherwise
    code: torch.Tensor  # (N, L): what was decoded: μ + σ·ε for a VAE given ε, else μ


class Autoencoder(nn.Module):
    """An encoder and a decoder around a code of ``latent`` numbers; variational when ``variational``."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, latent: int, variational: bool,
                 presets: tuple[str, str]):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.latent, self.variational = latent, variational
        self.presets = presets  # (a name in ENCODERS, a name in DECODERS)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(μ (N, L), log σ² (N, L) or None) for images (N, 1, 8, 8)."""
        h = self.encoder(x)
        return tuple(h.chunk(2, dim=1)) if self.variational else (h, None)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Logits (N, 1, 8, 8) for codes (N, L)."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor, eps: torch.Tensor | None = None) -> Reconstruction:
        """``eps`` (N, L) ~ N(0, I) draws a VAE's code as μ + σ·ε; without it (or for the other variants) the
        code is μ."""
        mean, log_var = self.encode(x)
        code = mean if log_var is None or eps is None else mean + torch.exp(0.5 * log_var) * eps
        return Reconstruction(self.decode(code), mean, log_var, code)

    def __repr__(self) -> str:
        kind = "VAE" if self.variational else "Autoencoder"
        count = sum(p.numel() for p in self.parameters())
        encoder, decoder = ENCODERS[self.presets[0]].label, DECODERS[self.presets[1]].label
        return f"{kind}({encoder} encoder → {self.latent}-number code → {decoder} decoder, {count:,} parameters)"


def build_autoencoder(encoder: str, decoder: str, latent: int, variational: bool, seed: int) -> Autoencoder:
    """The same arguments give the same initial weights (PyTorch's default initialisation)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        planned = plan(ENCODERS[encoder].layers, IMAGE, _code_outputs(latent, variational))
        encoding = nn.Sequential(*[LAYERS[p.layer.kind].make(p.layer, p.input) for p in planned])
        modules = []
        for layer, shape, cost in _decoder_plan(DECODERS[decoder], latent):
            if layer.kind == "unflatten":
                modules.append(nn.Unflatten(1, cost.output))
            elif layer.kind == "upsample":
                modules.append(nn.Upsample(scale_factor=2, mode="nearest"))
            else:
                modules.append(LAYERS[layer.kind].make(layer, shape))
        decoding = nn.Sequential(*modules)
    return Autoencoder(encoding, decoding, latent, variational, (encoder, decoder))


# ---------------------------------------------------------------- the loss, split in two


def corrupt(x: torch.Tensor, level: float, random: torch.Generator) -> torch.Tensor:
    """A denoising autoencoder's input: x + level·ε, ε ~ N(0, 1) per pixel, kept within [0, 1]."""
    return (x + level * torch.randn(x.shape, generator=random).to(x.device)).clamp(0, 1)


def reconstruction_loss(logits: torch.Tensor, target: torch.Tensor, kind: str = "bce") -> torch.Tensor:
    """Per example, summed over the pixels: (N, 1, 8, 8) logits and targets in [0, 1] → (N,).
    "bce" is −log p(x | z) of a Bernoulli decoder (Kingma & Welling 2013, Appendix C.1)."""
    if kind == "bce":
        return F.binary_cross_entropy_with_logits(logits, target, reduction="none").flatten(1).sum(1)
    return ((torch.sigmoid(logits) - target) ** 2).flatten(1).sum(1)


def kl_to_prior(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) per example: −½ Σⱼ (1 + log σⱼ² − μⱼ² − σⱼ²) (Kingma & Welling 2013,
    Appendix B). (N, L), (N, L) → (N,)"""
    return -0.5 * (1 + log_var - mean ** 2 - log_var.exp()).sum(1)


class LossParts(NamedTuple):
    """Means over the batch of per-example sums; ``total`` = reconstruction + β·KL."""

    total: torch.Tensor
    reconstruction: torch.Tensor
    kl: torch.Tensor


def autoencoder_loss(out: Reconstruction, target: torch.Tensor, beta: float = 1.0, kind: str = "bce") -> LossParts:
    """The loss of a batch; KL is 0 for the plain and denoising variants."""
    reconstruction = reconstruction_loss(out.logits, target, kind).mean()
    kl = kl_to_prior(out.mean, out.log_var).mean() if out.log_var is not None else torch.zeros((), device=target.device)
    return LossParts(reconstruction + beta * kl, reconstruction, kl)


# ---------------------------------------------------------------- what a page asks of a trained one


def _device_of(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def _as_images(images: np.ndarray | torch.Tensor, model: nn.Module) -> torch.Tensor:
    """(N, 8, 8), (N, 1, 8, 8) or one (8, 8) image → (N, 1, 8, 8) float on the model's device."""
    return torch.as_tensor(images, dtype=torch.float32).reshape(-1, *IMAGE).to(_device_of(model))


def _macs(model: Autoencoder) -> tuple[int, int]:
    """One example's forward multiply-adds through (the encoder, the decoder)."""
    encoding, decoding = autoencoder_work(*model.presets, model.latent, model.variational)
    return encoding.macs, decoding.macs


@torch.no_grad()
def codes_of(model: Autoencoder, images: np.ndarray | torch.Tensor) -> np.ndarray:
    """The codes (means, for a VAE) of images: (N, 8, 8) or (N, 1, 8, 8) → (N, L)."""
    with evaluating(model):
        return model.encode(_as_images(images, model))[0].cpu().numpy()


@torch.no_grad()
def decode_codes(model: Autoencoder, codes: np.ndarray | torch.Tensor) -> np.ndarray:
    """The digits codes decode to: (N, L) → (N, 8, 8) in [0, 1]."""
    z = torch.as_tensor(codes, dtype=torch.float32).reshape(-1, model.latent).to(_device_of(model))
    with evaluating(model):
        return torch.sigmoid(model.decode(z))[:, 0].cpu().numpy()


@torch.no_grad()
def reconstruct(model: Autoencoder, images: np.ndarray | torch.Tensor) -> np.ndarray:
    """Images rebuilt from their codes (the mean, for a VAE): (N, 8, 8) → (N, 8, 8) in [0, 1]."""
    with evaluating(model):
        return torch.sigmoid(model(_as_images(images, model)).logits)[:, 0].cpu().numpy()


@torch.no_grad()
def reconstruction_errors(model: Autoencoder, images: np.ndarray | torch.Tensor) -> np.ndarray:
    """Each image's mean squared pixel error after a trip through the code: the anomaly score. (N,)"""
    x = _as_images(images, model)
    rebuilt = torch.as_tensor(reconstruct(model, x)).to(x.device)
    return ((rebuilt - x[:, 0]) ** 2).flatten(1).mean(1).cpu().numpy()


@dataclass(frozen=True)
class LatentPlane:
    """The plane the codes are shown on. A 2-number code is the plane itself; a longer one is shown on its two
    principal directions (those of the test codes), so a point of the plane is a code again:
    code = centre + x·axes[0] + y·axes[1]."""

    centre: np.ndarray  # (L,)
    axes: np.ndarray  # (2, L), orthonormal rows
    low: np.ndarray  # (2,) the fitted codes' smallest plane coordinates, less a margin
    high: np.ndarray  # (2,)
    titles: tuple[str, str]

    def to_plane(self, codes: np.ndarray) -> np.ndarray:
        """(N, L) → (N, 2)"""
        return (np.asarray(codes) - self.centre) @ self.axes.T

    def to_codes(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) → (N, L); exact for a 2-number code, the plane's points for a longer one."""
        return self.centre + np.asarray(points, dtype=np.float64).reshape(-1, 2) @ self.axes


def latent_plane(codes: np.ndarray, margin: float = 0.1) -> LatentPlane:
    """The plane for codes (N, L): the identity for L = 2, else the two leading principal directions (signs
    fixed so that each direction's largest entry is positive, so the picture does not flip between frames)."""
    codes = np.asarray(codes, dtype=np.float64)
    latent = codes.shape[1]
    if latent < 2:
        raise ValueError(f"a code of {latent} number(s) has no plane; codes have 2 to {MAX_LATENT} numbers")
    if latent == 2:
        centre, axes, titles = np.zeros(2), np.eye(2), ("z₁", "z₂")
    else:
        centre = codes.mean(axis=0)
        _, _, directions = np.linalg.svd(codes - centre, full_matrices=False)
        axes = directions[:2] * np.sign(directions[:2][np.arange(2), np.abs(directions[:2]).argmax(axis=1)])[:, None]
        titles = ("principal direction 1", "principal direction 2")
    points = (codes - centre) @ axes.T
    low, high = points.min(axis=0), points.max(axis=0)
    pad = margin * np.maximum(high - low, 1e-6)
    return LatentPlane(centre, axes, low - pad, high + pad, titles)


def decode_points(model: Autoencoder, plane: LatentPlane, points: np.ndarray) -> np.ndarray:
    """The digits at points of the latent plane (a click): (N, 2) → (N, 8, 8)."""
    return decode_codes(model, plane.to_codes(points))


@dataclass(frozen=True)
class LatentWalk:
    codes: np.ndarray  # (S, L): evenly spaced from the first digit's code to the second's
    images: np.ndarray  # (S, 8, 8): each decoded


def latent_walk(model: Autoencoder, start: np.ndarray, end: np.ndarray, steps: int = 10) -> LatentWalk:
    """A straight walk from ``start``'s code to ``end``'s (two (8, 8) digits), decoded step by step; the first
    and last images are those two codes decoded."""
    if not 2 <= steps <= MAX_WALK_STEPS:
        raise ValueError(f"a walk has between 2 and {MAX_WALK_STEPS} steps, not {steps}")
    a, b = codes_of(model, np.stack([np.asarray(start), np.asarray(end)]))
    share = np.linspace(0.0, 1.0, steps)[:, None]
    codes = (1 - share) * a + share * b
    return LatentWalk(codes, decode_codes(model, codes))


MAX_WALK_STEPS = 40
GRID_SIZE, MAX_GRID_SIZE = 12, 40
PRIOR_REACH = 2.5  # a VAE's grid spans ±2.5 along each direction: 99 % of the prior N(0, 1)


@dataclass(frozen=True)
class DecodedGrid:
    images: np.ndarray  # (S, S, 8, 8): row 0 at the top (the largest y), like the plane it tiles
    xs: np.ndarray  # (S,) plane coordinates of the columns
    ys: np.ndarray  # (S,) of the rows, top to bottom


def decoded_grid(model: Autoencoder, plane: LatentPlane, size: int = GRID_SIZE,
                 bounds: tuple[float, float, float, float] | None = None) -> DecodedGrid:
    """The digits decoded from a size × size grid over the latent plane. ``bounds`` (x₀, x₁, y₀, y₁) default to
    ±2.5 for a VAE's 2-number code (where its prior puts almost all codes) and to the fitted codes' extent
    otherwise."""
    if not 2 <= size <= MAX_GRID_SIZE:
        raise ValueError(f"the grid has between 2 and {MAX_GRID_SIZE} rows, not {size}")
    problem = frame_problem(size * size * _macs(model)[1], f"Decoding a {size}×{size} grid", "the decoder")
    if problem:
        raise OverBudget(problem)
    if bounds is None:
        if model.variational and model.latent == 2:
            bounds = (-PRIOR_REACH, PRIOR_REACH, -PRIOR_REACH, PRIOR_REACH)
        else:
            bounds = (plane.low[0], plane.high[0], plane.low[1], plane.high[1])
    xs, ys = np.linspace(bounds[0], bounds[1], size), np.linspace(bounds[3], bounds[2], size)
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    images = decode_codes(model, plane.to_codes(points))
    return DecodedGrid(images.reshape(size, size, 8, 8), xs, ys)


SHOWN_RECONSTRUCTIONS = 10


@dataclass(frozen=True)
class AutoencoderFrame:
    """Everything one live redraw of an autoencoder shows, as plain arrays."""

    plane: LatentPlane
    points: np.ndarray  # (N, 2) the test digits' codes on the plane
    labels: np.ndarray  # (N,) their classes
    originals: np.ndarray  # (S, 8, 8) the first test digits
    reconstructions: np.ndarray  # (S, 8, 8) the same digits rebuilt


def autoencoder_frame(trainer: AutoencoderTrainer, shown: int = SHOWN_RECONSTRUCTIONS) -> AutoencoderFrame:
    """The test digits on the latent plane, and the first ``shown`` of them beside their reconstructions."""
    model, x = trainer.model, trainer.x_test
    shown = max(1, min(shown, len(x)))
    encoding, decoding = _macs(model)
    problem = frame_problem(len(x) * encoding + shown * (encoding + decoding),
                            f"Encoding {len(x):,} test digits", "the encoder")
    if problem:
        raise OverBudget(problem)
    codes = codes_of(model, x)
    plane = latent_plane(codes)
    return AutoencoderFrame(plane, plane.to_plane(codes), trainer.y_test.cpu().numpy(), x[:shown, 0].cpu().numpy(),
                            reconstruct(model, x[:shown]))


UNUSUAL_PERCENTILE = 99  # a digit whose error beats this share of the test digits' is called unusual


@dataclass(frozen=True)
class DigitReading:
    """What the model makes of one digit (a drawn one, say)."""

    code: np.ndarray  # (L,)
    point: np.ndarray  # (2,) on the plane
    reconstruction: np.ndarray  # (8, 8)
    score: float  # the anomaly score: the mean squared pixel error of the reconstruction
    percentile: float  # the share of test digits (0–100) rebuilt with a smaller error
    threshold: float  # the test digits' 99th percentile of the error
    unusual: bool  # score above the threshold: most likely no digit like those it learnt


def read_digit(trainer: AutoencoderTrainer, image: np.ndarray, plane: LatentPlane | None = None) -> DigitReading:
    """One (8, 8) image in [0, 1] through the model, with its anomaly score against the test digits'."""
    model = trainer.model
    reference = reconstruction_errors(model, trainer.x_test)
    code = codes_of(model, image)[0]
    plane = plane or latent_plane(codes_of(model, trainer.x_test))
    score = float(reconstruction_errors(model, image)[0])
    threshold = float(np.percentile(reference, UNUSUAL_PERCENTILE))
    return DigitReading(code, plane.to_plane(code[None])[0], decode_codes(model, code[None])[0], score,
                        float(100 * (reference < score).mean()), threshold, score > threshold)
