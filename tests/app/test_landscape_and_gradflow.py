import base64
import json

import numpy as np
from conftest import assert_fine, click, open_page, results, run_of, spec_of, step, wkey

from dl_core import PRESETS, to_query
from dl_core.analyses.landscape import MAX_GRID_RESOLUTION

LANDSCAPE, GRADFLOW = "loss_landscape", "gradient_flow"


def values(x) -> np.ndarray:
    """Plotly writes numpy arrays as base64 typed arrays in its JSON."""
    if isinstance(x, dict):
        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
    return np.asarray(x)


def trained(page: str, query: dict | None = None, steps: int = 3, slot: str = "playground"):
    at = open_page(page, query)
    for _ in range(steps):
        step(at, slot)
    return at


def contour_size(at) -> tuple[int, float]:
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


def test_sharpness_is_computed_when_asked():
    at = trained(LANDSCAPE, steps=1)
    assert not any("Sharpness" in m.label for m in at.main.get("metric"))
    at.toggle(key=wkey("playground", "sharp_on")).set_value(True).run()
    assert_fine(at)
    assert any("Sharpness" in m.label for m in at.main.get("metric"))


def test_grid_size_and_span_change_the_landscape():
    at = trained(LANDSCAPE, steps=1)
    at.number_input(key=wkey("playground", "resolution", "fast")).set_value(15).run()
    at.select_slider(key=wkey("playground", "span")).set_value(0.25).run()
    assert_fine(at)
    assert contour_size(at) == (15, 0.25)


def test_an_over_limit_grid_is_refused_with_the_limit_named():
    at = trained(LANDSCAPE, steps=1)
    at.number_input(key=wkey("playground", "resolution", "fast")).set_value(101).run()
    assert_fine(at)
    assert f"the limit is {MAX_GRID_RESOLUTION}×{MAX_GRID_RESOLUTION}" in at.error[0].value
    at.number_input(key=wkey("playground", "resolution", "fast")).set_value(21).run()
    assert not at.error and contour_size(at)[0] == 21, "the session stays usable"


def test_an_over_budget_landscape_is_refused_with_the_budget_named():
    at = open_page(LANDSCAPE, {"kind": "builder", "task": "digits", "batch": "16",
                               "layers": "conv2d:64:5,activation:relu,conv2d:64:5,maxpool,flatten"})
    assert_fine(at)
    assert any("the landscape budget is" in e.value for e in at.error)


def test_remembered_weights_give_a_third_line():
    at = trained(LANDSCAPE, steps=1)
    click(at, wkey("playground", "remember"))
    step(at)
    slices = next(json.loads(c.proto.spec) for c in at.main.get("plotly_chart")
                  if "lines through" in json.loads(c.proto.spec)["layout"]["title"]["text"])
    names = [trace["name"] for trace in slices["data"]]
    assert any("remembered at step 150" in n for n in names) and len(names) == 3


def test_the_batch_size_experiment_runs():
    at = trained(LANDSCAPE, steps=1)
    at.select_slider(key=wkey("playground", "exp_steps")).set_value(200).run()
    click(at, wkey("playground", "compare"))
    assert set(results(at, "loss_landscape.playground")["minima"]) == {"batch 10", "batch 2000"}


def test_the_landscape_follows_the_spec_of_a_shared_link():
    at = trained(LANDSCAPE, {"dataset": "xor", "layers": "5:relu", "seed": "9"}, steps=2)
    assert spec_of(at).data.dataset == "xor"
    assert run_of(at).probes["path"].steps[-1] == 300


def test_the_landscape_of_the_builders_networks():
    at = trained(LANDSCAPE, to_query(PRESETS["mlp"].spec), steps=2, slot="builder")
    assert_fine(at)
    assert contour_size(at) == (31, 1.0)
    cnn = trained(LANDSCAPE, to_query(PRESETS["lenet"].spec), steps=1, slot="builder")
    assert contour_size(cnn)[0] == 15
    assert "one grid point at a time" in cnn.info[0].value
    lstm = trained(LANDSCAPE, to_query(PRESETS["lstm"].spec), steps=1, slot="builder")
    assert not lstm.error, [e.value for e in lstm.error]


def test_gradient_flow_renders_and_names_vanishing_gradients():
    layers = ",".join(["8:sigmoid"] * 8)
    at = open_page(GRADFLOW, {"layers": layers, "lr": "0.1"})
    assert "Nothing measured yet" in at.info[0].value, "no verdict before the first step"
    step(at)
    step(at)
    assert "Vanishing gradients" in at.error[0].value
    assert len(at.main.get("plotly_chart")) >= 5
    assert at.button(key=wkey("playground", "remedy", 0, "skips"))
    assert at.button(key=wkey("playground", "remedy", 0, "layer_norm"))
    click(at, wkey("playground", "remedy", 0, "relu"))
    assert {layer.activation for layer in spec_of(at).model.hidden} == {"relu"}
    assert at.selectbox(key=wkey("playground", "layers", 0, "activation")).value == "relu", "the controls show it"
    step(at)
    assert "Vanishing" not in " ".join(e.value for e in at.error)


def test_a_remedy_keeps_the_other_settings():
    at = open_page(GRADFLOW, {"layers": "8:relu,8:relu", "lr": "10", "init": "large", "dataset": "plane",
                              "loss": "mse", "speed": "1000", "clip": "0"})
    step(at)
    click(at, wkey("playground", "remedy", 0, "clip"))
    spec = spec_of(at)
    assert spec.train.grad_clip == 1.0 and spec.view.speed == 1000 and spec.train.learning_rate == 10
    assert at.query_params["clip"] == "1"


def test_gradient_flow_demonstration_runs():
    at = open_page(GRADFLOW)
    click(at, wkey("playground", "demo_run"))
    sigmoid, relu = results(at, "gradient_flow.playground")["demo"].values()
    assert sigmoid[0] / sigmoid[-1] < 1e-3 < relu[0] / relu[-1]


def test_gradient_flow_of_the_builders_networks_offers_their_remedies():
    at = open_page(GRADFLOW, to_query(PRESETS["lenet"].spec))
    step(at, "builder")
    flow = run_of(at, "builder").probes["gradflow"]
    assert flow.names[0] == "layer 1 (Conv2d)" and len(flow.steps) == 10
    assert len(at.main.get("plotly_chart")) >= 5
    layers = "linear:16," + "activation:sigmoid,linear:16," * 11 + "activation:sigmoid"
    deep = open_page(GRADFLOW, to_query(PRESETS["deep_plain"].spec) | {"layers": layers, "lr": "0.1"})
    step(deep, "builder")
    assert "Vanishing gradients" in deep.error[0].value
    assert deep.button(key=wkey("builder", "remedy", 0, "he_init"))
    advice = " ".join(c.value for c in deep.caption)
    assert "Skip connections" in advice and "Layer normalisation" in advice, "what this network cannot take is advice"
    click(deep, wkey("builder", "remedy", 0, "relu"))
    assert {la.activation for la in spec_of(deep, "builder").layers if la.kind == "activation"} == {"relu"}


def test_a_heavy_job_waits_its_turn_while_another_learners_job_runs_then_finishes():
    """One learner's grid must not run beside another's on a small server: the second waits (its page says so)
    and computes once the first is done."""
    import threading

    from dl_core.jobs import HEAVY

    at = open_page(GRADFLOW)
    started, release = threading.Event(), threading.Event()

    def other_learner():
        with HEAVY.turn():
            started.set()
            release.wait(10)

    holder = threading.Thread(target=other_learner, daemon=True)
    holder.start()
    started.wait(5)
    waited = HEAVY.waited
    threading.Timer(1.0, release.set).start()
    click(at, wkey("playground", "demo_run"))
    holder.join(5)
    assert HEAVY.waited == waited + 1, "the demonstration waited for the other job's turn"
    assert "demo" in results(at, "gradient_flow.playground")
    assert HEAVY.running == 0 and HEAVY.waiting == 0
