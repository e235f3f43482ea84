"""Attention weights: for networks with self-attention, how much each step of the sequence looks at every
other step, for one example, head by head.

Each ``SelfAttention`` layer keeps the weights of its last forward pass when its ``keep_weights`` flag is set
(``nets/layers.py``); this module sets the flag for one forward pass of the example and puts it back.
Row i of a head's matrix is query step i: softmax(q_i·Kᵀ/√d) over the key steps, so every row sums to 1
(Vaswani et al. 2017, arXiv:1706.03762).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..nets.layers import SelfAttention
from ..nets.mlp import weight_label
from ..runs import Run
from ..trainer import evaluating
from .examples import Example


@dataclass(frozen=True)
class AttentionMap:
    layer: str  # as a learner reads it: "layer 2 (SelfAttention)"
    weights: np.ndarray  # (heads, T, T): row = the step that looks (query), column = the step looked at (key)

    @property
    def heads(self) -> int:
        return self.weights.shape[0]


def attention_layers(run: Run) -> list[tuple[str, SelfAttention]]:
    """The run's self-attention layers with their module paths, in order; empty for networks without one."""
    return [(name, m) for name, m in run.model.named_modules() if isinstance(m, SelfAttention)]


def has_attention(run: Run) -> bool:
    return bool(attention_layers(run))


@torch.no_grad()
def attention_maps(run: Run, example: Example) -> list[AttentionMap]:
    """Every self-attention layer's weights for ``example`` (one forward pass, eval mode); [] without any."""
    layers = attention_layers(run)
    if not layers:
        return []
    kept = [(m, m.keep_weights, m.last_weights) for _, m in layers]
    for m, _, _ in kept:
        m.keep_weights = True
    try:
        with evaluating(run.model):
            run.model(example.x.to(run.trainer.device))
        maps = [AttentionMap(weight_label(run.model, f"{name}.weight"), m.last_weights[0].cpu().numpy())
                for name, m in layers]
    finally:
        for m, flag, weights in kept:  # as they were: a lab that set the flag keeps its own
            m.keep_weights, m.last_weights = flag, weights
    return maps
