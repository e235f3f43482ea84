"""Remedies for what the gradient-flow diagnosis finds, as changes of a spec.

A remedy has a name, a label and a reason; each kind of spec says which it supports
(``spec.remedy(name)`` returns the changed spec, or None). The training remedies act on the
``train`` part every trainable spec has.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Remedy:
    name: str
    label: str
    why: str


REMEDIES: dict[str, Remedy] = {
    remedy.name: remedy
    for remedy in (
        Remedy("relu", "Use ReLU", "its gradient is 1 for every active unit, so it does not shrink layer by layer"),
        Remedy("he_init", "He initialisation", "weights scaled for ReLU keep the signal's size from layer to layer"),
        Remedy("skips", "Skip connections", "each layer adds its input to its output, so the gradient has a path "
                                            "around every layer"),
        Remedy("layer_norm", "Layer normalisation", "keeps each layer's pre-activations centred and of unit size"),
        Remedy("leaky_relu", "Use leaky ReLU", "a small slope below zero lets dead units recover"),
        Remedy("tanh", "Use tanh", "zero-centred and with a steeper middle than sigmoid"),
        Remedy("smaller_lr", "Learning rate ÷ 10", "smaller steps stop weights from overshooting"),
        Remedy("clip", "Clip gradients at 1", "caps the size of any one update"),
    )
}


def apply_remedy(spec: Any, name: str) -> Any | None:
    """``spec`` with the remedy applied, or None when this kind of spec does not support it. A kind's own
    ``remedy`` is asked first; the training remedies fall back to the ``train`` part every trainable spec has."""
    changed = spec.remedy(name)
    if changed is not None or name not in ("smaller_lr", "clip"):
        return changed
    train = getattr(spec, "train", None)
    if name == "smaller_lr" and hasattr(train, "learning_rate"):
        return replace(spec, train=replace(train, learning_rate=max(1e-5, train.learning_rate / 10)))
    if name == "clip" and hasattr(train, "grad_clip"):
        return replace(spec, train=replace(train, grad_clip=1.0))
    return None
