import base64
import json

import numpy as np
from conftest import open_page

from dl_core.landscape import MAX_GRID_RESOLUTION

LANDSCAPE, GRADFLOW = "pages/2_Loss_Landscape.py", "pages/3_Gradient_Flow.py"


def values(x) -> np.ndarray:
    """Plotly 6 writes numpy arrays as base64 typed arrays in its JSON."""
    if isinstance(x, dict):
        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
    return np.asarray(x)


def trained(page: str, query: dict | None = None, steps: int = 3):
    at = open_page(page, query)
    for _ in range(steps):
        at.button(key="lab.run.step").click().run()
        assert not at.exception, at.exception
    return at


def contour_size(at) -> tuple[int, int]:
    for element in at.main.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if spec["data"][0]["type"] == "contour" and spec["layout"]["title"]["text"].startswith("L(θ"):
            x = values(spec["data"][0]["x"])
            return len(x), float(np.abs(x).max())
    raise AssertionError("no 2D slice drawn")


def test_landscape_renders_a_trained_network_with_its_path():
    at = trained(LANDSCAPE)
    assert not at.error
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.main.get("plotly_chart")]
    assert any("snapshots since step 0" in t for t in titles), "the optimiser's path is drawn"
    assert contour_size(at) == (31, 1.0)
    assert any("Sharpness" in m.label for m in at.main.get("metric"))


def test_grid_size_and_span_change_the_landscape():
    at = trained(LANDSCAPE, steps=1)
    at.number_input(key="ls.resolution.dense").set_value(15).run()
    at.select_slider(key="ls.span").set_value(0.25).run()
    assert not at.exception
    assert contour_size(at) == (15, 0.25)


def test_an_over_limit_grid_is_refused_with_the_limit_named():
    at = trained(LANDSCAPE, steps=1)
    at.number_input(key="ls.resolution.dense").set_value(101).run()
    assert not at.exception
    assert f"the limit is {MAX_GRID_RESOLUTION}×{MAX_GRID_RESOLUTION}" in at.error[0].value
    at.number_input(key="ls.resolution.dense").set_value(21).run()
    assert not at.error and contour_size(at)[0] == 21, "the session stays usable"


def test_remembered_weights_give_a_third_line():
    at = trained(LANDSCAPE, steps=1)
    at.button(key="ls.remember").click().run()
    at.button(key="lab.run.step").click().run()
    slices = next(json.loads(c.proto.spec) for c in at.main.get("plotly_chart")
                  if "lines through" in json.loads(c.proto.spec)["layout"]["title"]["text"])
    names = [trace["name"] for trace in slices["data"]]
    assert any("remembered at step 25" in n for n in names) and len(names) == 3


def test_the_batch_size_experiment_runs():
    at = trained(LANDSCAPE, steps=1)
    at.select_slider(key="ls.exp_steps").set_value(200).run()
    at.button(key="ls.compare").click().run()
    assert not at.exception
    minima = at.session_state["ls.minima"]
    assert set(minima) == {"batch 10", "batch 2000"}


def test_the_skip_connection_experiment_shows_two_slices():
    at = trained(LANDSCAPE, steps=1)
    at.select_slider(key="ls.exp_steps").set_value(200).run()
    at.button(key="ls.skips").click().run()
    assert not at.exception
    minima = at.session_state["ls.skip_minima"]
    assert set(minima) == {"without skips", "with skips"}
    assert all(m.surface.losses.shape == (21, 21) for m in minima.values())


def test_the_landscape_follows_the_spec_of_a_shared_link():
    at = trained(LANDSCAPE, {"dataset": "xor", "layers": "5:relu", "seed": "9"}, steps=2)
    assert at.session_state["lab.spec"].data.dataset == "xor"
    assert at.session_state["lab.run"].probes["path"].steps[-1] == 50


def test_gradient_flow_renders_and_names_vanishing_gradients():
    layers = ",".join(["8:sigmoid"] * 8)
    at = trained(GRADFLOW, {"layers": layers, "lr": "0.1"}, steps=2)
    assert not at.exception
    assert "Vanishing gradients" in at.error[0].value
    assert len(at.main.get("plotly_chart")) >= 5
    assert at.button(key="gf.remedy.0.Skip connections") and at.button(key="gf.remedy.0.Layer normalisation")
    at.button(key="gf.remedy.0.Use ReLU").click().run()
    assert not at.exception
    spec = at.session_state["lab.spec"]
    assert {layer.activation for layer in spec.model.hidden} == {"relu"}
    assert at.selectbox(key="pg.act0").value == "relu", "the controls show the remedy"
    at.button(key="lab.run.step").click().run()
    assert "Vanishing" not in " ".join(e.value for e in at.error)


def test_gradient_flow_demonstration_runs():
    at = open_page(GRADFLOW)
    at.button(key="gf.demo_run").click().run()
    assert not at.exception
    profiles = at.session_state["gf.demo"]
    sigmoid, relu = profiles.values()
    assert sigmoid[0] / sigmoid[-1] < 1e-3 < relu[0] / relu[-1]


def test_the_landscape_of_the_builders_networks():
    from dl_core.build_run import from_preset

    at = open_page(LANDSCAPE)
    at.session_state["bd.valid"] = from_preset("mlp")
    at.radio(key="ls.network").set_value("The Builder's network").run()
    at.button(key="bd.run.step").click().run()
    at.button(key="bd.run.step").click().run()
    assert not at.exception and contour_size(at) == (31, 1.0)
    at.button(key="ls.compare").click().run()
    assert set(at.session_state["ls.minima"]) == {"batch 10", "batch 2000"}

    cnn = open_page(LANDSCAPE)
    cnn.radio(key="ls.network").set_value("The Builder's network").run()
    cnn.button(key="bd.run.step").click().run()
    assert not cnn.exception and contour_size(cnn)[0] == 15
    assert "one grid point at a time" in cnn.info[0].value


def test_gradient_flow_of_the_builders_cnn():
    at = open_page(GRADFLOW)
    at.radio(key="gf.network").set_value("The Builder's network").run()
    at.button(key="bd.run.step").click().run()
    assert not at.exception
    flow = at.session_state["bd.run"].probes["gradflow"]
    assert flow.names[0] == "layer 1 (Conv2d)" and len(flow.steps) == 5
    assert len(at.main.get("plotly_chart")) >= 5
