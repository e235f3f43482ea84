"""What every trainable spec shares: how it trains (loss, optimiser, steps) and how fast the live view runs."""

from __future__ import annotations

from dataclasses import dataclass

from ..objective import LOSSES
from ..optimizers import OPTIMIZERS
from .fields import Field, Steps, choice_field, number_field

MIN_LEARNING_RATE, MAX_LEARNING_RATE = 1e-6, 10.0
MAX_BATCH = 2_000  # more than any training set here: full batch
MAX_REG_RATE = 10.0
MAX_GRAD_CLIP = 100.0
MAX_SPEED = 5_000  # training steps a second while playing

REGULARIZATIONS = {"none": "None", "l1": "L1: rate·Σ|w|", "l2": "L2: rate·½Σw²"}
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (1, 2, 5, 10, 16, 20, 32, 50, 64, 100, 128, 256, 500, 1000, 2000)
REG_RATES = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
CLIPS = (0.0, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0)
SPEEDS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2000, 5000)


@dataclass(frozen=True)
class TrainSpec:
    loss: str = "bce"
    optimizer: str = "sgd"
    learning_rate: float = 0.03
    batch_size: int = 10  # larger than the training set means full batch
    regularization: str = "none"
    reg_rate: float = 0.0
    grad_clip: float = 0.0  # the largest gradient norm an update may use; 0 means no clipping


def train_fields(loss_help: str = "") -> tuple[Field, ...]:
    """The training rows of a field table; every trainable kind of spec has them under ``train``."""
    return (
        choice_field("loss", "Loss", "train.loss", {n: f"{i.label}: {i.formula}" for n, i in LOSSES.items()},
                     "loss", "Training", loss_help or "What the network is scored on while it learns."),
        choice_field("optimizer", "Optimiser", "train.optimizer", {n: i.label for n, i in OPTIMIZERS.items()},
                     "optimiser", "Training", "; ".join(f"{i.label}: {i.explanation}" for i in OPTIMIZERS.values())),
        number_field("lr", "Learning rate", "train.learning_rate", MIN_LEARNING_RATE, MAX_LEARNING_RATE,
                     Steps(LEARNING_RATES), "Training", "The step size. Changing it keeps training where it is."),
        number_field("batch", "Batch size", "train.batch_size", 1, MAX_BATCH, Steps(BATCH_SIZES), "Training",
                     "Examples per step. At least the training set's size means full batch.", whole=True),
        choice_field("reg", "Regularisation", "train.regularization", REGULARIZATIONS, "regularisation", "Training",
                     "A penalty on the weights (not the biases), added to the loss."),
        number_field("rate", "Regularisation rate", "train.reg_rate", 0, MAX_REG_RATE, Steps(REG_RATES), "Training",
                     "How strongly the penalty pulls the weights towards zero."),
        number_field("clip", "Gradient clipping", "train.grad_clip", 0, MAX_GRAD_CLIP, Steps(CLIPS), "Training",
                     "The largest gradient norm an update may use; 0 means no clipping."),
    )


def speed_field(path: str = "view.speed") -> Field:
    return number_field("speed", "Speed (steps a second)", path, 1, MAX_SPEED, Steps(SPEEDS), "View",
                        "Training steps a second while playing. How fast the network learns does not depend on "
                        "how often the picture is redrawn.", whole=True)
