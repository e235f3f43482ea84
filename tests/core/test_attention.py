import math

import numpy as np
import pytest
import torch

from dl_core import PRESETS, from_preset, make_run
from dl_core.analyses.attention import attention_maps, has_attention
from dl_core.analyses.examples import from_split
from dl_core.nets.layers import SelfAttention
from helpers.specs import trained


@pytest.fixture(scope="module")
def transformer():
    return trained(PRESETS["transformer"].spec, 30)


def test_each_query_steps_weights_sum_to_one_over_the_keys(transformer):
    maps = attention_maps(transformer, from_split(transformer, "test", 0))
    assert [m.layer for m in maps] == ["layer 2 (SelfAttention)", "layer 4 (SelfAttention)"]
    for m in maps:
        assert m.weights.shape == (2, 12, 12) and m.heads == 2 and (m.weights >= 0).all()
        np.testing.assert_allclose(m.weights.sum(axis=-1), 1.0, rtol=1e-5)


def test_the_weights_are_softmax_of_queries_and_keys_computed_by_hand(transformer):
    example = from_split(transformer, "test", 3)
    layer = transformer.model[1]
    seen = []
    handle = layer.register_forward_hook(lambda module, args, output: seen.append(args[0].detach()))
    try:
        maps = attention_maps(transformer, example)
    finally:
        handle.remove()
    x = seen[0][0]  # (T, F): what the first attention layer read
    attention = layer.attention
    heads, features = attention.num_heads, attention.embed_dim
    d = features // heads
    w, b = attention.in_proj_weight.detach(), attention.in_proj_bias.detach()
    q, k = x @ w[:features].T + b[:features], x @ w[features:2 * features].T + b[features:2 * features]
    for h in range(heads):
        qh, kh = q[:, h * d:(h + 1) * d], k[:, h * d:(h + 1) * d]  # (T, d)
        scores = qh @ kh.T / math.sqrt(d)
        expected = torch.exp(scores - scores.max(dim=1, keepdim=True).values)
        expected = expected / expected.sum(dim=1, keepdim=True)
        np.testing.assert_allclose(maps[0].weights[h], expected.numpy(), rtol=1e-4, atol=1e-6)


def test_the_layers_flag_and_last_weights_are_put_back(transformer):
    layers = [m for m in transformer.model.modules() if isinstance(m, SelfAttention)]
    assert all(not m.keep_weights and m.last_weights is None for m in layers)
    attention_maps(transformer, from_split(transformer, "test", 1))
    assert all(not m.keep_weights and m.last_weights is None for m in layers)
    transformer.model.train()
    attention_maps(transformer, from_split(transformer, "test", 1))
    assert transformer.model.training


def test_networks_without_attention_have_no_maps():
    run = make_run(from_preset("lenet"))
    assert not has_attention(run) and attention_maps(run, from_split(run, "test", 0)) == []
    assert has_attention(make_run(PRESETS["transformer"].spec))
