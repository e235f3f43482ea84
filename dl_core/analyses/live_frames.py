"""The Playground's live view as compact binary frames: what changes every frame travels as small integer
and float arrays, what rarely changes (the network's shape, the points) only when it changes.

A frame is ``[uint32 header length][header JSON][blobs]`` (``frames``, shared with the live charts); the header
names each blob's offset, length, type and shape. Heatmaps are int8 (−127…127 for −1…1; class probabilities as
0…255), weights float32.
The browser (ui/components/live_view.js) keeps the drawing objects and repaints them from each frame,
so the server sends no plotly JSON while playing. Building a frame is pure, so it is tested and timed
without a browser (benchmarks/live_view.py).
"""

from __future__ import annotations

import numpy as np
import torch

from ..data.features import FEATURES
from ..runs import Run
from .frames import Blobs, FrameLog, decode, pack, run_status
from .neuron_maps import NetworkMaps, network_maps
from .playground_pictures import layer_titles, node_names

__all__ = ["FrameLog", "decode", "frame_size", "playground_frame"]

OUTPUT_RESOLUTION = 60
NEURON_RESOLUTION = 20  # every third grid point of the output's grid: one forward pass for both
MAX_HISTORY = 2_000  # points kept per curve in the browser; older ones are thinned there


def _quantized(values: np.ndarray, scale: float, low: float, dtype: type) -> np.ndarray:
    """``values × scale`` rounded into [low, scale] as ``dtype``; NaN as 0 (clipping alone takes care of ±inf)."""
    scaled = np.multiply(values, scale, dtype=np.float32)
    np.round(scaled, out=scaled)
    np.clip(scaled, low, scale, out=scaled)
    scaled[np.isnan(scaled)] = 0
    return scaled.astype(dtype)


def _scaled(values: np.ndarray) -> np.ndarray:
    """Values in about [-1, 1] as int8 (−127…127); NaN as 0."""
    return _quantized(values, 127, -127, np.int8)


def _probabilities(values: np.ndarray) -> np.ndarray:
    return _quantized(values, 255, 0, np.uint8)


def _static(run: Run) -> dict:
    """The part of the view that changes only with the network or the data."""
    spec = run.spec
    plane = run.plane
    points = {}
    for split, (xy, labels) in (("train", plane.train), ("test", plane.test)):
        points[split] = {"x": np.round(xy[:, 0], 2).tolist(), "y": np.round(xy[:, 1], 2).tolist(),
                         "label": np.round(labels.astype(float), 3).tolist()}
    active = list(spec.model.features)
    return {
        "sizes": run.model.layer_sizes,
        "titles": layer_titles(run),
        "names": node_names(run),
        "activations": [layer.activation_name for layer in run.model.hidden],
        "features": [{"key": key, "label": label, "active": key in active} for key, (label, _) in FEATURES.items()],
        "active": active,
        "extent": plane.extent,
        "classes": run.data.n_classes,
        "class_names": [run.data.class_name(c) for c in range(run.data.n_classes)],
        "points": points,
        "show_test": spec.view.show_test,
        "discretize": spec.view.discretize,
        "output_resolution": OUTPUT_RESOLUTION,
        "neuron_resolution": NEURON_RESOLUTION,
        "max_layers": 10,
        "max_width": 32,
    }


def playground_frame(run: Run, log: FrameLog, selected: tuple[int, int] | None = None,
                     playing: bool = False, speed: int = 0) -> bytes:
    """One frame of the live view for a Playground run; ``log`` remembers what this browser already has."""
    trainer = run.trainer
    maps = network_maps(run, OUTPUT_RESOLUTION)
    stride = OUTPUT_RESOLUTION // NEURON_RESOLUTION
    blobs = Blobs()
    header: dict = run_status(run, playing, speed)
    h = trainer.history
    static_key = (run.spec.data, run.spec.model, run.spec.train.loss, run.spec.view.show_test,
                  run.spec.view.discretize, id(trainer))
    if log.static_key != static_key:
        header["static"] = _static(run)
        log.static_key, log.history_sent = static_key, 0
    _maps(blobs, maps, stride)
    big = _selected_map(maps, selected)
    if big is not None:
        blobs.add("selected", _scaled(big))
        header["selected"] = list(selected)
    for k, linear in enumerate(run.model.linears):
        blobs.add(f"w{k}", linear.weight.detach().float().cpu().numpy())
        blobs.add(f"b{k}", linear.bias.detach().float().cpu().numpy())
    start = log.history_sent if log.history_sent <= len(h.step) else 0
    header["history_from"] = start
    blobs.add("history", np.array([h.step[start:], h.train_loss[start:], h.test_loss[start:],
                                    h.test_accuracy[start:]], dtype=np.float32).reshape(4, -1))
    log.history_sent = len(h.step)
    if run.objective.is_classification:
        blobs.add("confusion", trainer.confusion_matrix("test").astype(np.int32))
    return pack(header, blobs)


def _maps(blobs: Blobs, maps: NetworkMaps, stride: int) -> None:
    output = maps.output
    if output.ndim == 3:  # class probabilities (C, R, R)
        blobs.add("output", _probabilities(output))
        blobs.add("nodes_out", _probabilities(output[:, ::stride, ::stride]))
    else:
        blobs.add("output", _scaled(output))
        blobs.add("nodes_out", _scaled(output[None, ::stride, ::stride]))
    blobs.add("nodes_in", _scaled(maps.inputs[:, ::stride, ::stride] / maps.extent))
    for k, layer in enumerate(maps.hidden):
        blobs.add(f"nodes_{k}", _scaled(layer[:, ::stride, ::stride]))


def _selected_map(maps: NetworkMaps, selected: tuple[int, int] | None) -> np.ndarray | None:
    """A hidden neuron's or an input's map at full resolution, for the big panel."""
    if selected is None:
        return None
    layer, i = selected
    if layer == 0 and i < len(maps.inputs):
        return maps.inputs[i] / maps.extent
    if 1 <= layer <= len(maps.hidden) and i < len(maps.hidden[layer - 1]):
        return maps.hidden[layer - 1][i]
    return None


@torch.no_grad()
def frame_size(run: Run) -> int:
    """Bytes of a frame after the first: what a playing learner's browser receives each frame."""
    log = FrameLog()
    playground_frame(run, log)
    return len(playground_frame(run, log))
