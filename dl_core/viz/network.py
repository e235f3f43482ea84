"""The network diagram as plain data: each neuron a heatmap, each edge as wide as its weight.

The Playground drew this with an SVG view before its live canvas view (``ui/components/live_view``) took
over; the layout stays as ``playground_pictures.snapshot``'s, the baseline ``benchmarks/playground.py``
measures a live frame against.
"""

from __future__ import annotations

import numpy as np

from .colors import NEGATIVE, POSITIVE, rgb

NODE = 44  # px, a neuron's heatmap
LAYER_GAP = 150  # px between layer columns
ROW_GAP = 56  # px between neurons of a layer
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 80, 34, 16
MAX_EDGE_WIDTH = 7.0


def node_positions(layer_sizes: list[int]) -> list[list[tuple[float, float]]]:
    """Centre (x, y) of every node in px, each layer centred vertically."""
    tallest = max(layer_sizes)
    return [
        [(MARGIN_X + layer * LAYER_GAP, MARGIN_TOP + NODE / 2 + ((tallest - size) / 2 + i) * ROW_GAP)
         for i in range(size)]
        for layer, size in enumerate(layer_sizes)
    ]


def edge_width(weight: float, largest: float) -> float:
    """0.5 px for a zero weight, ``MAX_EDGE_WIDTH`` for the largest |w| in the network."""
    return 0.5 + (MAX_EDGE_WIDTH - 0.5) * min(abs(weight) / largest, 1.0) if largest > 0 else 0.5


def network_layout(
    layer_sizes: list[int],
    layer_titles: list[str],
    node_names: list[list[str]],
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    images: list[list[str]],
    selected: tuple[int, int] | None = None,
) -> dict:
    """``weights[l]`` is (size[l+1], size[l]), ``biases[l]`` (size[l+1],), ``images[l][i]`` a data URI."""
    positions = node_positions(layer_sizes)
    largest = max((float(np.abs(w).max()) for w in weights if w.size), default=0.0)
    nodes = [
        {
            "x": x, "y": y, "layer": layer, "index": i, "name": node_names[layer][i], "image": images[layer][i],
            "bias": None if layer == 0 else round(float(biases[layer - 1][i]), 4),
            "selected": selected == (layer, i),
        }
        for layer, column in enumerate(positions) for i, (x, y) in enumerate(column)
    ]
    edges = [
        {
            "x1": x0 + NODE / 2, "y1": y0, "x2": x1 - NODE / 2, "y2": y1,
            "width": round(edge_width(float(w[j, i]), largest), 2),
            "color": rgb(POSITIVE if w[j, i] >= 0 else NEGATIVE),
            "text": f"w = {float(w[j, i]):+.3f}: {node_names[layer][i]} → {node_names[layer + 1][j]}",
        }
        for layer, w in enumerate(weights)
        for j, (x1, y1) in enumerate(positions[layer + 1])
        for i, (x0, y0) in enumerate(positions[layer])
    ]
    titles = [{"x": MARGIN_X + layer * LAYER_GAP, "y": 14, "text": t} for layer, t in enumerate(layer_titles)]
    width = 2 * MARGIN_X + (len(layer_sizes) - 1) * LAYER_GAP
    height = MARGIN_TOP + NODE + (max(layer_sizes) - 1) * ROW_GAP + MARGIN_BOTTOM
    return {"width": width, "height": height, "node": NODE, "nodes": nodes, "edges": edges, "titles": titles}
