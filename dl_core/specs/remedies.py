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
    """``spec`` with the remedy applied, or None when this kind of spec does not support it."""
    if name == "smaller_lr":
        return replace(spec, train=replace(spec.train, learning_rate=max(1e-5, spec.train.learning_rate / 10)))
    if name == "clip":
        return replace(spec, train=replace(spec.train, grad_clip=1.0))
    return spec.remedy(name)
