"""The Generative lab's two kinds of spec: an autoencoder on the digits ("autoencoder") and a GAN on the
plane ("gan"). Each is frozen, with a field table like the Playground's, so a setting travels in a URL and a
JSON file, is checked naming its field and limit, and is drawn as a control.

A drawn target travels in the spec itself: ``drawn`` holds up to 256 points of the plane [−2, 2]², each
rounded to 0.01. In a URL they are written ``x:y`` separated by commas (``-1.25:0.5,0:1.5``; at most about
3,300 characters); in JSON as a list of [x, y] pairs. Links with more points, or points off the plane, are
refused naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Mapping

from ..data import Data
from ..generative.autoencoder import (
    DECODERS, ENCODERS, GRID_SIZE, MAX_LATENT, RECONSTRUCTION_LOSSES, VARIANTS, autoencoder_work,
)
from ..generative.gan import GAN_LOSSES, NOISES, frame_macs
from ..generative.targets import (
    DRAWN_DECIMALS, EXTENT, MAX_DRAWN_POINTS, MIN_DRAWN_POINTS, TARGETS, TEST_POINTS, TRAIN_POINTS, Points,
)
from ..nets.mlp import ACTIVATIONS, mlp_macs, mlp_parameter_count
from ..optimizers import OPTIMIZERS
from . import budget
from .fields import (
    BadValue, Custom, Field, Range, Steps, choice_field, number_field, parse_float, shown, toggle_field,
)
from .playground import LayerSpec, _format_hidden, _parse_hidden
from .remedies import Remedy
from .training import LEARNING_RATES, speed_field, train_fields

MAX_SEED = 2**31 - 1
DIGITS = 1_797  # scikit-learn's digits, training and test together
LATENTS = (2, 3, 4, 8, 16)
MAX_BETA = 5.0
MAX_GAN_LAYERS, MAX_GAN_WIDTH = 4, 128
MAX_NOISE_DIM = 8
MAX_GAN_BATCH = 1_024
GAN_BATCHES = (8, 16, 32, 64, 128, 256, 512, 1024)
MAX_D_STEPS = 10
MAX_GP_WEIGHT = 100.0


# ---------------------------------------------------------------- the autoencoder


@dataclass(frozen=True)
class AutoencoderTrain:
    """How an autoencoder trains; all of it changes live, without a reset, except the loss and the optimiser."""

    loss: str = "bce"  # how a reconstruction is scored: a name in RECONSTRUCTION_LOSSES
    optimizer: str = "adam"
    learning_rate: float = 0.003
    batch_size: int = 64
    grad_clip: float = 0.0  # the largest gradient norm an update may use; 0 means no clipping
    beta: float = 1.0  # the VAE's KL weight β
    noise: float = 0.3  # the denoising autoencoder's input noise: its standard deviation (pixels are 0–1)


@dataclass(frozen=True)
class GenerativeView:
    speed: int = 100  # training steps a second while playing


@dataclass(frozen=True)
class AutoencoderSpec:
    kind: ClassVar[str] = "autoencoder"
    label: ClassVar[str] = "The autoencoder"
    FIELDS: ClassVar[tuple[Field, ...]]  # below
    variant: str = "vae"  # a name in VARIANTS
    encoder: str = "dense"  # a name in ENCODERS
    decoder: str = "dense"  # a name in DECODERS
    latent: int = 2  # numbers in the code
    train: AutoencoderTrain = field(default_factory=AutoencoderTrain)
    seed: int = 0
    view: GenerativeView = field(default_factory=GenerativeView)

    @property
    def variational(self) -> bool:
        return self.variant == "vae"

    def parts_work(self) -> tuple[budget.Work, budget.Work]:
        """(the encoder's work, the decoder's) per example."""
        return autoencoder_work(self.encoder, self.decoder, self.latent, self.variational)

    def work(self, uploads: Mapping[str, Data] | None = None) -> budget.Work:
        encoding, decoding = self.parts_work()
        heavier = max((encoding, decoding), key=lambda w: w.macs)
        return budget.Work(encoding.macs + decoding.macs, encoding.stored + decoding.stored,
                           encoding.parameters + decoding.parameters, heavier.largest)

    def rebuild_key(self) -> tuple:
        """What a running trainer cannot change in place: the network, the loss, the optimiser and the seed."""
        return (self.variant, self.encoder, self.decoder, self.latent, self.train.loss, self.train.optimizer,
                self.seed)

    def problems(self, uploads: Mapping[str, Data] | None = None) -> list[str]:
        """The work budgets of a training step, an evaluation and a live frame; [] when it can be built."""
        encoding, decoding = self.parts_work()
        frame = DIGITS * encoding.macs + GRID_SIZE ** 2 * decoding.macs  # the codes, and the decoded grid
        problems = budget.training_problems(self.work(), self.train.batch_size, DIGITS)
        return problems + [p for p in [budget.frame_problem(frame, "One frame of the autoencoder's views")] if p]

    def repaired(self, uploads: Mapping[str, Data] | None = None) -> AutoencoderSpec:
        """A spec that passes ``problems``: the default network and training when this one cannot be trained."""
        if not self.problems(uploads):
            return self
        spec = replace(AutoencoderSpec(), variant=self.variant, seed=self.seed)
        return spec if not spec.problems(uploads) else AutoencoderSpec(seed=self.seed)

    def remedy(self, name: str) -> AutoencoderSpec | None:
        """No diagnosis remedy applies to the autoencoder's fixed presets (the training ones still do)."""
        return None


def _variant_is(*names: str):
    return lambda spec: spec.variant in names


_TRAIN_ROWS = {f.key: f for f in train_fields()}

AUTOENCODER_FIELDS: tuple[Field, ...] = (
    choice_field("variant", "Kind of autoencoder", "variant", VARIANTS, "kind of autoencoder", "Network",
                 "Plain: rebuild the digit from its code. Denoising: rebuild the clean digit from a noisy copy. "
                 "Variational: the code is drawn from a Gaussian the encoder describes, and a KL term pulls those "
                 "Gaussians towards N(0, 1), so that every point of the code space decodes to something."),
    choice_field("encoder", "Encoder", "encoder", {n: p.label for n, p in ENCODERS.items()}, "encoder", "Network",
                 "; ".join(f"{p.label}: {p.description}" for p in ENCODERS.values())),
    choice_field("decoder", "Decoder", "decoder", {n: p.label for n, p in DECODERS.items()}, "decoder", "Network",
                 "; ".join(f"{p.label}: {p.description}" for p in DECODERS.values())),
    number_field("latent", "Code size", "latent", 2, MAX_LATENT, Steps(LATENTS), "Network",
                 "How many numbers the code has. With 2 the code is a point of the plane; with more, the plane "
                 "shows the codes' two principal directions.", whole=True),
    replace(number_field("beta", "KL weight β", "train.beta", 0, MAX_BETA, Range(0.0, MAX_BETA, 0.1), "Training",
                         "The VAE's loss is reconstruction + β·KL. β = 1 is the evidence lower bound; a larger β "
                         "packs the codes closer to N(0, 1) at the cost of blurrier digits. Changes live."),
            applies=_variant_is("vae")),
    replace(number_field("noise", "Input noise", "train.noise", 0, 1, Range(0.0, 1.0, 0.05), "Training",
                         "The standard deviation of the Gaussian noise added to each pixel (0–1) of the input; the "
                         "target stays the clean digit. Changes live."),
            applies=_variant_is("denoising")),
    choice_field("loss", "Reconstruction loss", "train.loss", RECONSTRUCTION_LOSSES, "reconstruction loss",
                 "Training", "How a rebuilt digit is scored against the original, summed over its 64 pixels."),
    _TRAIN_ROWS["optimizer"],
    _TRAIN_ROWS["lr"],
    _TRAIN_ROWS["batch"],
    _TRAIN_ROWS["clip"],
    number_field("seed", "Seed", "seed", 0, MAX_SEED, Custom("seed"), "Training",
                 "One number decides the digits' split, the initial weights, the batches and the noise.", whole=True),
    speed_field(),
)
AutoencoderSpec.FIELDS = AUTOENCODER_FIELDS


# ---------------------------------------------------------------- the GAN


@dataclass(frozen=True)
class GanTrain:
    """How the two networks train; all of it changes live except the loss and the optimisers."""

    loss: str = "non_saturating"  # a name in generative.gan.GAN_LOSSES
    d_steps: int = 1  # k: discriminator steps per generator step
    batch_size: int = 128  # real and generated points per step, each
    g_optimizer: str = "adam"
    g_learning_rate: float = 0.001  # slower than the discriminator (Heusel et al. 2017): fewer collapses
    d_optimizer: str = "adam"
    d_learning_rate: float = 0.003
    gp_weight: float = 0.1  # λ of the gradient penalty (Wasserstein loss only)


@dataclass(frozen=True)
class GanView:
    speed: int = 100  # generator steps a second while playing
    heatmap: bool = True  # the discriminator's verdict behind the points
    arrows: bool = True  # each generated point's push
    folding: bool = True  # the noise grid folded through the generator


RELU_32 = (LayerSpec(32, "relu"), LayerSpec(32, "relu"))


@dataclass(frozen=True)
class GanSpec:
    kind: ClassVar[str] = "gan"
    label: ClassVar[str] = "The GAN"
    FIELDS: ClassVar[tuple[Field, ...]]  # below
    target: str = "ring"  # a name in generative.targets.TARGETS
    drawn: Points = ()  # the drawn target's points (see the module's docstring)
    noise_dim: int = 2
    noise: str = "gaussian"  # a name in generative.gan.NOISES
    generator: tuple[LayerSpec, ...] = RELU_32
    discriminator: tuple[LayerSpec, ...] = RELU_32
    train: GanTrain = field(default_factory=GanTrain)
    seed: int = 0
    view: GanView = field(default_factory=GanView)

    def network_macs(self) -> tuple[int, int]:
        """One point's forward multiply-adds through (the generator, the discriminator)."""
        return (mlp_macs(self.noise_dim, [layer.width for layer in self.generator], 2),
                mlp_macs(2, [layer.width for layer in self.discriminator], 1))

    def work(self, uploads: Mapping[str, Data] | None = None) -> budget.Work:
        """Per point of a batch, one whole step: k discriminator steps (a generated and a real point each, and
        with the penalty, a point between them through D and back twice), then the generator's step."""
        g, d = self.network_macs()
        penalty = 3 * d if self.train.loss == "wgan_gp" else 0
        macs = self.train.d_steps * (g + 2 * d + penalty) + g + d
        g_units = self.noise_dim + sum(layer.width for layer in self.generator) + 2
        d_units = 2 + sum(layer.width for layer in self.discriminator) + 1
        stored = 2 * (self.train.d_steps * (2 + (2 if penalty else 0)) * d_units + g_units + d_units)
        parameters = (mlp_parameter_count(self.noise_dim, [layer.width for layer in self.generator], 2)
                      + mlp_parameter_count(2, [layer.width for layer in self.discriminator], 1))
        return budget.Work(macs, stored, parameters, "the discriminator" if d >= g else "the generator")

    def rebuild_key(self) -> tuple:
        """What a running trainer cannot change in place: target, networks, loss, optimisers and seed."""
        return (self.target, self.drawn, self.noise_dim, self.noise, self.generator, self.discriminator,
                self.train.loss, self.train.g_optimizer, self.train.d_optimizer, self.seed)

    def problems(self, uploads: Mapping[str, Data] | None = None) -> list[str]:
        """Checks across fields, then the work budgets of a step, an evaluation and a live frame."""
        if self.target == "drawn" and len(self.drawn) < MIN_DRAWN_POINTS:
            return [f"The drawn target needs at least {MIN_DRAWN_POINTS} points, not {len(self.drawn)}: draw on the "
                    "plane, or choose another target."]
        problems = budget.training_problems(self.work(), self.train.batch_size, TRAIN_POINTS + TEST_POINTS)
        frame = budget.frame_problem(frame_macs(*self.network_macs()), "One frame of the GAN's views")
        return problems + [p for p in [frame] if p]

    def repaired(self, uploads: Mapping[str, Data] | None = None) -> GanSpec:
        """A spec that passes ``problems``: the ring for a drawing too small, then the default networks and
        training when these are over budget."""
        spec = self
        if spec.target == "drawn" and len(spec.drawn) < MIN_DRAWN_POINTS:
            spec = replace(spec, target=GanSpec.target)
        if spec.problems(uploads):
            spec = replace(spec, generator=RELU_32, discriminator=RELU_32, noise_dim=GanSpec.noise_dim)
        if spec.problems(uploads):
            spec = replace(spec, train=replace(GanTrain(), loss=spec.train.loss))
        return spec if not spec.problems(uploads) else GanSpec(seed=self.seed)

    def remedy(self, name: str) -> GanSpec | None:
        """This spec with a remedy for mode collapse applied (see ``GAN_REMEDIES``); None where it does not
        apply (already so, or at its limit)."""
        t = self.train
        if name == "wgan_gp" and t.loss != "wgan_gp":
            return replace(self, train=replace(t, loss="wgan_gp", d_steps=max(t.d_steps, 5),
                                               gp_weight=t.gp_weight or GanTrain.gp_weight))
        if name == "non_saturating" and t.loss == "minimax":
            return replace(self, train=replace(t, loss="non_saturating"))
        if name == "more_d_steps" and t.d_steps < 5:
            return replace(self, train=replace(t, d_steps=5))
        if name == "slower_generator" and t.g_learning_rate > 1e-5:
            return replace(self, train=replace(t, g_learning_rate=max(1e-5, t.g_learning_rate / 4)))
        if name == "wider_networks":
            wider = [tuple(LayerSpec(min(MAX_GAN_WIDTH, 2 * layer.width), layer.activation) for layer in layers)
                     for layers in (self.generator, self.discriminator)]
            if wider != [self.generator, self.discriminator]:
                spec = replace(self, generator=wider[0], discriminator=wider[1])
                return spec if not spec.problems() else None
        return None


GAN_REMEDIES: dict[str, Remedy] = {
    remedy.name: remedy
    for remedy in (
        Remedy("wgan_gp", "Wasserstein loss with gradient penalty (k = 5)",
               "a critic's slope does not vanish where it is sure, so every mode keeps pulling generated points "
               "towards it"),
        Remedy("non_saturating", "Non-saturating loss",
               "log(1 − D(G(z))) is flat where D rejects the generated points; −log D(G(z)) is steep there"),
        Remedy("more_d_steps", "Five discriminator steps per generator step",
               "a well-trained discriminator points the generator at the modes it is missing"),
        Remedy("slower_generator", "Generator's learning rate ÷ 4",
               "a generator that moves slower than the discriminator can follow gives it time to answer, "
               "instead of the two chasing each other round the modes"),
        Remedy("wider_networks", "Twice as wide networks",
               "more units let the generator fold its noise onto several modes at once"),
    )
}


def gan_remedies(spec: GanSpec) -> list[Remedy]:
    """The remedies for mode collapse that would change ``spec``."""
    return [remedy for name, remedy in GAN_REMEDIES.items() if spec.remedy(name) is not None]


# ---------------------------------------------------------------- the GAN's field table


def _parse_drawn(raw: Any) -> Points:
    """'x:y,x:y,…' (a URL) or [[x, y], …] (JSON) → points rounded to 0.01."""
    if isinstance(raw, str):
        if len(raw) > 16 * MAX_DRAWN_POINTS:
            raise BadValue(f"too long for {MAX_DRAWN_POINTS} points")
        pairs = [item.split(":") for item in raw.split(",") if item.strip()]
    elif isinstance(raw, (list, tuple)):
        if len(raw) > MAX_DRAWN_POINTS:
            raise BadValue(f"at most {MAX_DRAWN_POINTS} points, not {len(raw)}")
        pairs = raw
    else:
        raise BadValue("expected points written x:y, separated by commas")
    points = []
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise BadValue("expected points written x:y, separated by commas")
        x, y = (round(parse_float(value.strip() if isinstance(value, str) else value), DRAWN_DECIMALS) + 0.0
                for value in pair)
        points.append((x, y))
    return tuple(points)


def _check_drawn(points: Points) -> str | None:
    if len(points) > MAX_DRAWN_POINTS:
        return f"has {len(points)} points; the limit is {MAX_DRAWN_POINTS}"
    for x, y in points:
        if not (-EXTENT <= x <= EXTENT and -EXTENT <= y <= EXTENT):
            return f"has the point ({x:g}, {y:g}) off the plane: both coordinates run from {-EXTENT:g} to {EXTENT:g}"
    return None


def _format_drawn(points: Points) -> str:
    return ",".join(f"{x:g}:{y:g}" for x, y in points)


def _check_gan_layers(layers: tuple[LayerSpec, ...]) -> str | None:
    if len(layers) > MAX_GAN_LAYERS:
        return f"may have at most {MAX_GAN_LAYERS} hidden layers, not {len(layers)}"
    for i, layer in enumerate(layers, 1):
        if not 1 <= layer.width <= MAX_GAN_WIDTH:
            return f"layer {i} has {layer.width} neurons; the limit is 1 to {MAX_GAN_WIDTH}"
        if layer.activation not in ACTIVATIONS:
            return f"layer {i} has an unknown activation '{shown(layer.activation)}'"
    return None


def _layers_json(layers: tuple[LayerSpec, ...]) -> list[dict]:
    return [{"width": layer.width, "activation": layer.activation} for layer in layers]


def _layers_field(key: str, label: str, path: str, what: str) -> Field:
    return Field(key, label, path, _parse_hidden, _check_gan_layers, Custom("gan_layers"), "Network",
                 f"The {what}'s hidden layers, e.g. 32:relu,32:relu: up to {MAX_GAN_LAYERS} layers of up to "
                 f"{MAX_GAN_WIDTH} neurons, each with its own activation.", _format_hidden, _layers_json)


_OPTIMIZER_LABELS = {n: i.label for n, i in OPTIMIZERS.items()}
_OPTIMIZER_HELP = "; ".join(f"{i.label}: {i.explanation}" for i in OPTIMIZERS.values())

GAN_FIELDS: tuple[Field, ...] = (
    choice_field("target", "Target distribution", "target", {n: i.label for n, i in TARGETS.items()}, "target",
                 "Data", "; ".join(f"{i.label}: {i.description}" for i in TARGETS.values())),
    replace(Field("drawn", "Drawn points", "drawn", _parse_drawn, _check_drawn, Custom("gan_drawing"), "Data",
                  f"The points of your own target: {MIN_DRAWN_POINTS} to {MAX_DRAWN_POINTS} points of the plane "
                  f"[−{EXTENT:g}, {EXTENT:g}]², rounded to 0.01.", _format_drawn, lambda v: [list(p) for p in v]),
            applies=lambda spec: spec.target == "drawn"),
    number_field("noise_dim", "Noise dimensions", "noise_dim", 1, MAX_NOISE_DIM, Steps((1, 2, 3, 4, 8)), "Network",
                 "How many random numbers the generator turns into one point. With 2, the folded grid shows all "
                 "of the noise space; with more, its first two directions.", whole=True),
    choice_field("noise", "Noise", "noise", NOISES, "noise", "Network", "Where the generator's input comes from."),
    _layers_field("g_layers", "Generator's layers", "generator", "generator"),
    _layers_field("d_layers", "Discriminator's layers", "discriminator", "discriminator"),
    choice_field("loss", "Loss", "train.loss", {name: f"{info.label}: D minimises {info.discriminator}, G minimises "
                                                      f"{info.generator}" for name, info in GAN_LOSSES.items()},
                 "loss", "Training",
                 "The game the two networks play."),
    number_field("k", "Discriminator steps per generator step", "train.d_steps", 1, MAX_D_STEPS,
                 Steps((1, 2, 3, 5, 10)), "Training", "k in Goodfellow et al.'s Algorithm 1.", whole=True),
    number_field("batch", "Batch size", "train.batch_size", 1, MAX_GAN_BATCH, Steps(GAN_BATCHES), "Training",
                 "Real points, and as many generated ones, per step.", whole=True),
    choice_field("g_optimizer", "Generator's optimiser", "train.g_optimizer", _OPTIMIZER_LABELS, "optimiser",
                 "Training", _OPTIMIZER_HELP),
    number_field("g_lr", "Generator's learning rate", "train.g_learning_rate", 1e-5, 1.0, Steps(LEARNING_RATES[:9]),
                 "Training", "Changes live, without a reset."),
    choice_field("d_optimizer", "Discriminator's optimiser", "train.d_optimizer", _OPTIMIZER_LABELS, "optimiser",
                 "Training", _OPTIMIZER_HELP),
    number_field("d_lr", "Discriminator's learning rate", "train.d_learning_rate", 1e-5, 1.0,
                 Steps(LEARNING_RATES[:9]), "Training", "Changes live, without a reset."),
    replace(number_field("gp", "Gradient penalty weight λ", "train.gp_weight", 0, MAX_GP_WEIGHT,
                         Steps((0.0, 0.01, 0.1, 1.0, 10.0, 100.0)), "Training",
                         "How strongly the critic's slope is held near 1 between real and generated points."),
            applies=lambda spec: spec.train.loss == "wgan_gp"),
    number_field("seed", "Seed", "seed", 0, MAX_SEED, Custom("seed"), "Training",
                 "One number decides the real points, the initial weights and every draw of noise.", whole=True),
    speed_field(),
    toggle_field("heatmap", "Show the discriminator", "view.heatmap", "View",
                 "Colour the plane by the discriminator's verdict: blue where it says real, orange where fake."),
    toggle_field("arrows", "Show the generator's pushes", "view.arrows", "View",
                 "An arrow on each generated point: −∂ℓ_G/∂x, where the generator's loss pushes it."),
    toggle_field("folding", "Show the folded noise grid", "view.folding", "View",
                 "The noise space's grid as the generator lays it on the plane."),
)
GanSpec.FIELDS = GAN_FIELDS
