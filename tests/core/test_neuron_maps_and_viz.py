import base64
import io

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from PIL import Image

from dl_core import DataSpec, LayerSpec, ModelSpec, PlaygroundSpec, TrainSpec, ViewSpec, make_run
from dl_core.analyses.neuron_maps import MAX_RESOLUTION, grid_points, network_maps
from dl_core.analyses.playground_pictures import confusion_figure, learning_curves, snapshot
from dl_core.data.features import feature_matrix
from dl_core.viz import decision_boundary, heatmap_image, network_layout
from dl_core.viz.colors import NEGATIVE, POSITIVE, diverging, png_data_uri
from dl_core.viz.network import MAX_EDGE_WIDTH
from dl_core.viz.passes import every_number_diagram, matrix_heatmap


def decode(uri: str) -> np.ndarray:
    return np.array(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def test_grid_rows_rise_in_y_and_columns_in_x():
    points = grid_points(3, extent=1.0).reshape(3, 3, 2)
    assert points[0, 0].tolist() == [-1.0, -1.0] and points[0, 2].tolist() == [1.0, -1.0]
    assert points[2, 0].tolist() == [-1.0, 1.0]
    with pytest.raises(ValueError, match=str(MAX_RESOLUTION)):
        grid_points(MAX_RESOLUTION + 1)


def test_network_maps_equal_a_direct_forward_pass():
    spec = PlaygroundSpec(DataSpec("spiral"), ModelSpec(("x1", "x2", "x1x2"), (LayerSpec(5, "tanh"),
                                                                              LayerSpec(3, "relu"))))
    run = make_run(spec)
    trainer = run.trainer
    trainer.step(20)
    maps = network_maps(run, 12)
    with torch.no_grad():
        layers = trainer.model.forward_all(feature_matrix(grid_points(12), spec.model.features))
    np.testing.assert_allclose(maps.hidden[1][2], layers[1][:, 2].reshape(12, 12).numpy(), rtol=1e-6)
    score = 2 * torch.sigmoid(layers[-1][:, 0]) - 1
    np.testing.assert_allclose(maps.output, score.reshape(12, 12).numpy(), rtol=1e-6)
    assert maps.inputs.shape == (3, 12, 12)


def test_multiclass_maps_are_probabilities():
    maps = network_maps(make_run(PlaygroundSpec(DataSpec("blobs3"), train=TrainSpec(loss="cross_entropy"))), 10)
    assert maps.output.shape == (3, 10, 10)
    np.testing.assert_allclose(maps.output.sum(axis=0), 1.0, rtol=1e-5)


def test_colours_and_png_orientation():
    colours = diverging(np.array([-1.0, 1.0, 5.0]))
    assert tuple(colours[0]) == NEGATIVE and tuple(colours[1]) == POSITIVE and tuple(colours[2]) == POSITIVE
    image = np.zeros((4, 4, 3), np.uint8)
    image[0] = 255  # row 0 is the bottom of the plane ...
    decoded = decode(png_data_uri(image))
    assert decoded[-1].min() == 255 and decoded[0].max() == 0  # ... so it is the last row of the image


def test_decision_boundary_draws_the_map_and_each_class():
    output = np.linspace(-1, 1, 100).reshape(10, 10)
    points, labels = np.array([[0.0, 1.0], [2.0, -3.0]]), np.array([0, 1])
    fig = decision_boundary(output, 6.0, (points, labels), (points, labels), n_classes=2)
    assert isinstance(fig, go.Figure)
    assert len(fig.layout.images) == 1 and fig.layout.images[0].source.startswith("data:image/png")
    assert [t.name for t in fig.data] == ["train: class 0", "train: class 1", "test: class 0", "test: class 1"]
    discrete = decode(heatmap_image(output, discretize=True))
    assert len({tuple(c) for c in discrete.reshape(-1, 3)}) == 2


def test_network_layout_edges_follow_the_weights():
    weights = [np.array([[0.5, -2.0], [0.0, 1.0]]), np.array([[1.5, -0.5]])]
    biases = [np.zeros(2), np.zeros(1)]
    names = [["x1", "x2"], ["a", "b"], ["out"]]
    images = [[png_data_uri(np.zeros((2, 2, 3), np.uint8))] * n for n in (2, 2, 1)]
    layout = network_layout([2, 2, 1], ["in", "h", "out"], names, weights, biases, images, selected=(1, 0))
    assert len(layout["nodes"]) == 5 and len(layout["edges"]) == 6
    by_text = {e["text"].split(": ", 1)[1]: e for e in layout["edges"]}
    assert by_text["x2 → a"]["width"] == MAX_EDGE_WIDTH  # the largest |w| in the network
    assert by_text["x2 → a"]["color"] == f"rgb{NEGATIVE}" and by_text["x1 → a"]["color"] == f"rgb{POSITIVE}"
    assert by_text["x1 → b"]["width"] < by_text["x1 → a"]["width"] < by_text["x2 → a"]["width"]
    assert [n["selected"] for n in layout["nodes"]] == [False, False, True, False, False]


def test_snapshot_and_charts_of_a_running_trainer():
    run = make_run(PlaygroundSpec(DataSpec("blobs3"), train=TrainSpec(loss="cross_entropy"),
                                  view=ViewSpec(show_test=True)))
    trainer = run.trainer
    trainer.step(10)
    picture = snapshot(run, selected=(1, 2))
    assert picture.selected_name == "layer 1, neuron 3 (tanh)"
    assert len(picture.network["nodes"]) == 2 + 4 + 2 + 3
    assert learning_curves(trainer).data[0].y == tuple(trainer.history.train_loss)
    assert confusion_figure(trainer).data[0].z.shape == (3, 3)


def test_curves_before_any_training_show_steps_from_zero_not_minus_one():
    """At step 0 a curve is one point, and plotly would centre its x axis on it (−1 to 1 steps)."""
    from dl_core.viz.curves import EMPTY_STEPS, comparison_curves, loss_curves

    run = make_run(PlaygroundSpec())
    empty = loss_curves([0], {"train": [0.7]})
    both = comparison_curves({"A": run.trainer.history, "B": run.trainer.history})
    for fig in (empty, both):
        axes = [fig.layout[name] for name in fig.layout if name.startswith("xaxis")]
        assert axes and all(axis.range == (0, EMPTY_STEPS) for axis in axes)
    run.trainer.step(30)
    trained = loss_curves(run.trainer.history.step, {"train": run.trainer.history.train_loss})
    assert trained.layout.xaxis.range is None and trained.layout.xaxis.rangemode == "tozero"


def test_a_weight_matrix_prints_each_cell_to_three_figures():
    """Float32 cells sent as numbers print every digit in the browser (0.2662999927997589)."""
    matrix = np.array([[0.2663, -0.00001234], [12.5, 0.0]], dtype=np.float32)
    trace = matrix_heatmap(matrix, "∂L/∂W", "unit", "input").data[0]
    assert [list(row) for row in trace.text] == [["0.266", "-1.23e-05"], ["12.5", "0"]]
    assert trace.texttemplate == "%{text}"


def test_the_every_number_diagram_labels_the_edges_into_one_unit_and_every_edge_on_hover():
    sizes = [2, 3, 1]
    weights = [np.arange(6.0).reshape(3, 2) - 2, np.array([[1.0, -1.0, 0.5]])]
    edges = [[[f"{layer}:{j}←{i}" for i in range(w.shape[1])] for j in range(w.shape[0])]
             for layer, w in enumerate(weights)]
    nodes = [[f"node {layer}.{i}" for i in range(size)] for layer, size in enumerate(sizes)]
    fig = every_number_diagram(sizes, nodes, edges, weights, into=(1, 2))
    labels = [a.text for a in fig.layout.annotations]
    assert sorted(labels) == sorted([t for column in nodes for t in column] + ["0:2←0", "0:2←1"])
    hover = [t for trace in fig.data if trace.hovertext is not None for t in trace.hovertext]
    assert sorted(hover) == sorted(t for layer in edges for row in layer for t in row), "every edge on hover"
    into_output = [a.text for a in every_number_diagram(sizes, nodes, edges, weights, into=(2, 0)).layout.annotations]
    assert {"1:0←0", "1:0←1", "1:0←2"} <= set(into_output) and "0:2←0" not in into_output
