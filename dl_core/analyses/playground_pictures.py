"""The Playground's pictures of one run: boundary, network diagram, curves, confusion matrix.

The boundary and confusion figures serve the Compare and Attribution pages. ``snapshot`` (every picture as
plotly, every frame) is how the Playground drew before its live view; ``benchmarks/playground.py`` keeps it as
the baseline a compact live frame is measured against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ..runs import Run
from ..trainer import Trainer
from ..viz import confusion_matrix, decision_boundary, heatmap_image, loss_curves, network_layout
from .neuron_maps import NetworkMaps, decision_map, network_maps

BOUNDARY_RESOLUTION = 60
NEURON_MAP_RESOLUTION = 20  # every third grid point of the boundary's grid: one forward pass for both


@dataclass(frozen=True)
class Snapshot:
    """What a live tick redraws; curves and the confusion matrix are drawn less often."""

    boundary: go.Figure
    network: dict  # dl_core.viz.network_layout
    selected_name: str


def node_names(run: Run) -> list[list[str]]:
    model = run.model
    names = [list(run.data.feature_names)]
    for number, layer in enumerate(model.hidden, 1):
        names.append([f"layer {number}, neuron {i + 1} ({layer.activation_name})"
                      for i in range(layer.linear.out_features)])
    outputs = model.output.out_features
    names.append(["output"] if outputs == 1 else [f"output: class {c} logit" for c in range(outputs)])
    return names


def layer_titles(run: Run) -> list[str]:
    hidden = [f"{layer.linear.out_features} {layer.activation_name}" for layer in run.model.hidden]
    return ["inputs"] + hidden + ["output"]


def _node_images(maps: NetworkMaps) -> list[list[str]]:
    images = [[heatmap_image(m / maps.extent) for m in maps.inputs]]  # features scaled into about [-1, 1]
    images += [[heatmap_image(m) for m in layer] for layer in maps.hidden]
    output = maps.output
    images.append([heatmap_image(output)] if output.ndim == 2 else [heatmap_image(2 * p - 1) for p in output])
    return images


def _thinned(maps: NetworkMaps, stride: int) -> NetworkMaps:
    return NetworkMaps(
        inputs=maps.inputs[:, ::stride, ::stride],
        hidden=[layer[:, ::stride, ::stride] for layer in maps.hidden],
        output=maps.output[..., ::stride, ::stride],
        extent=maps.extent,
    )


def selected_map(maps: NetworkMaps, selected: tuple[int, int] | None) -> tuple[np.ndarray, bool]:
    """The map to show large, and whether it is the network's output."""
    if selected is None:
        return maps.output, True
    layer, i = selected
    if layer == 0 and i < len(maps.inputs):
        return maps.inputs[i] / maps.extent, False
    if 1 <= layer <= len(maps.hidden) and i < len(maps.hidden[layer - 1]):
        return maps.hidden[layer - 1][i], False
    if layer == len(maps.hidden) + 1 and maps.output.ndim == 3 and i < len(maps.output):
        return 2 * maps.output[i] - 1, False
    return maps.output, True


def snapshot(run: Run, selected: tuple[int, int] | None = None) -> Snapshot:
    """Everything one tick draws, from the run as it is now."""
    view, plane = run.spec.view, run.plane
    maps = network_maps(run, BOUNDARY_RESOLUTION)
    big, is_output = selected_map(maps, selected)
    names = node_names(run)
    selected_name = "output" if is_output or selected is None else names[selected[0]][selected[1]]
    boundary = decision_boundary(
        big, maps.extent, plane.train, plane.test if view.show_test else None,
        n_classes=run.data.n_classes,
        discretize=view.discretize, title=_title(run.trainer, selected_name),
    )
    small = _thinned(maps, BOUNDARY_RESOLUTION // NEURON_MAP_RESOLUTION)
    linears = run.model.linears
    network = network_layout(
        run.model.layer_sizes, layer_titles(run), names,
        [lin.weight.detach().cpu().numpy() for lin in linears],
        [lin.bias.detach().cpu().numpy() for lin in linears],
        _node_images(small), selected=selected,
    )
    return Snapshot(boundary, network, selected_name)


def boundary_figure(run: Run, title: str = "", height: int = 380) -> go.Figure:
    """The decision boundary (or regression surface) of any network on 2D points, with its points."""
    plane, view = run.plane, run.spec.view
    show_test = getattr(view, "show_test", False)
    return decision_boundary(decision_map(run, BOUNDARY_RESOLUTION), plane.extent, plane.train,
                             plane.test if show_test else None, n_classes=run.data.n_classes,
                             discretize=getattr(view, "discretize", False), title=title, height=height)


def learning_curves(trainer: Trainer, log_y: bool = False) -> go.Figure:
    h = trainer.history
    accuracy = {"train": h.train_accuracy, "test": h.test_accuracy} if trainer.objective.is_classification else None
    return loss_curves(h.step, {"train": h.train_loss, "test": h.test_loss}, accuracy, log_y=log_y)


def confusion_figure(trainer: Trainer) -> go.Figure:
    n_classes = trainer.objective.n_classes
    return confusion_matrix(trainer.confusion_matrix("test"), [f"class {c}" for c in range(n_classes)])


def _title(trainer: Trainer, selected_name: str) -> str:
    h = trainer.history
    loss = f"test loss {h.last('test_loss'):.3f}" if math.isfinite(h.last("test_loss")) else ""
    return f"{selected_name} · step {trainer.step_count} · {loss}"

