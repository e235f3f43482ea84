import base64
import json

import numpy as np
import pytest
from conftest import assert_fine, chart_frame, click, open_page, results, run_of, spec_of, step, view_send, wkey

from dl_core import PRESETS, to_query
from dl_core.analyses.landscape import MAX_GRID_RESOLUTION, evaluation_data

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
    header, arrays = chart_frame(at)
    assert "snapshots since step 0" in header["panels"]["path"]["note"], "the optimiser's path is drawn"
    assert contour_size(at) == (31, 1.0)
    subset = evaluation_data(run_of(at)).description
    assert any(subset in c.value for c in at.caption), "the page says which data its landscapes use"


def test_sharpness_is_computed_when_asked():
    at = trained(LANDSCAPE, steps=1)
    assert not any("Sharpness" in m.label for m in at.main.get("metric"))
    at.toggle(key=wkey("playground", "sharp_on")).set_value(True).run()
    assert_fine(at)
    assert any("Sharpness" in m.label for m in at.main.get("metric"))
    assert any("Evaluated on the loss on all" in c.value for c in at.caption)


def test_grid_size_and_span_change_the_landscape():
    at = trained(LANDSCAPE, steps=1)
    at.number_input(key=wkey("playground", "resolution", "fast")).set_value(15).run()
    at.select_slider(key=wkey("playground", "span")).set_value(0.25).run()
    assert_fine(at)
    assert contour_size(at) == (15, 0.25)


def test_the_grid_sharpens_coarse_to_fine_to_the_chosen_resolution(monkeypatch):
    """Each level is drawn in place (11, 21, then 41 points a side), every point computed once, and the info box
    states the time from the cost measured on this server before the grid runs."""
    from ui import cached
    from ui.labs import loss_landscape

    at = trained(LANDSCAPE, steps=1)
    drawn, computed = [], []
    draw, points = loss_landscape.draw_plane, cached.plane_points
    monkeypatch.setattr(loss_landscape, "draw_plane", lambda *a, **k: (drawn.append(len(a[2].alphas)), draw(*a, **k)))
    monkeypatch.setattr(cached, "plane_points", lambda *a, **k: (computed.extend(a[5]), points(*a, **k))[1])
    at.number_input(key=wkey("playground", "resolution", "fast")).set_value(41).run()
    assert_fine(at)
    assert drawn == [11, 21, 41] and contour_size(at) == (41, 1.0)
    assert sorted(computed) == list(range(41 * 41)), "every point once"
    note = at.info[-1].value
    assert note.startswith("A 41×41 grid is 1,681 evaluations of the loss. One costs ") and "so this grid takes" in note
    assert "its first 11×11 picture" in note
    assert any(c.value.startswith("41×41 points, computed in ") and "(estimated " in c.value for c in at.caption)
    drawn.clear()
    at.toggle(key=wkey("playground", "log")).set_value(True).run()
    assert drawn == [41], "a finished grid is drawn from the session, not computed again"


def test_cancel_keeps_the_coarser_picture_and_sharpen_goes_on(monkeypatch):
    """A click stops a running script at its next message to the browser; here the grid is stopped the way
    Streamlit stops it (a StopException) after its first level, then Cancel is the click that arrives."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    from ui import cached

    at = trained(LANDSCAPE, steps=1)
    blocks, points = [], cached.plane_points

    def stopped_after_the_first_level(*args, **kwargs):
        blocks.append(len(args[5]))
        if len(blocks) > 1:
            raise StopException()
        return points(*args, **kwargs)

    monkeypatch.setattr(cached, "plane_points", stopped_after_the_first_level)
    at.number_input(key=wkey("playground", "resolution", "fast")).set_value(41).run()
    assert contour_size(at)[0] == 11, "the coarse picture is on the page"
    monkeypatch.setattr(cached, "plane_points", points)
    click(at, wkey("playground", "cancel_grid"))
    assert "Cancelled: this picture is 11×11, coarser than the 41×41 you chose." in at.warning[0].value
    assert contour_size(at)[0] == 11
    step_count = run_of(at).trainer.step_count
    at.select_slider(key=wkey("playground", "convexity_side")).set_value(5).run()  # any other rerun: still 11
    assert contour_size(at)[0] == 11 and run_of(at).trainer.step_count == step_count
    click(at, wkey("playground", "sharpen_grid"))
    assert contour_size(at) == (41, 1.0) and not at.warning


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


def test_the_convexity_map_of_the_learners_network_and_its_refusal_beyond_the_budget():
    at = trained(LANDSCAPE, steps=1)
    at.select_slider(key=wkey("playground", "convexity_side")).set_value(5).run()
    click(at, wkey("playground", "convexity"))
    heat = next(json.loads(c.proto.spec) for c in at.main.get("plotly_chart")
                if json.loads(c.proto.spec)["data"][0]["type"] == "heatmap")
    assert len(values(heat["data"][0]["x"])) == 5
    assert any(m.label == "Mean |λmin/λmax|" for m in at.main.get("metric"))
    cnn = trained(LANDSCAPE, to_query(PRESETS["lenet"].spec), steps=1, slot="builder")
    click(cnn, wkey("builder", "convexity"))
    assert any("the sharpness budget is" in e.value for e in cnn.error), [e.value for e in cnn.error]
    assert contour_size(cnn)[0] == 21, "the rest of the page stays"


def test_remembered_weights_give_a_third_line():
    at = trained(LANDSCAPE, steps=1)
    click(at, wkey("playground", "remember"))
    step(at)
    slices = next(json.loads(c.proto.spec) for c in at.main.get("plotly_chart")
                  if "lines through" in json.loads(c.proto.spec)["layout"]["title"]["text"])
    names = [trace["name"] for trace in slices["data"]]
    assert any("remembered at step 150" in n for n in names) and len(names) == 3


# the smallest settings at which each experiment still trains every variant and measures every figure
SMALL = {
    "skips": dict(depth=3, width=6, steps=100, resolution=5, convexity_resolution=3, lanczos_steps=6),
    "batch": dict(epochs=2),
    "normalisation": dict(epochs=2),
    "width": dict(narrow=3, wide=8, depth=2, steps=100, resolution=5, convexity_resolution=3, lanczos_steps=6),
    "paths": dict(steps=100, resolution=5),
}
PICTURES = {"skips": 4, "batch": 2, "normalisation": 2, "width": 4, "paths": 3}  # charts each result draws


def small(monkeypatch, key: str, shares: list[float]):
    """The experiment from the registry, at its smallest settings, reporting its progress to ``shares`` too."""
    from dataclasses import replace

    from dl_core.analyses.landscape_experiments import EXPERIMENTS

    experiment = EXPERIMENTS[key]

    def run(base, progress=None, **kwargs):
        def report(share):
            shares.append(share)
            progress(share)

        return experiment.run(base, progress=report, **kwargs, **SMALL[key])

    monkeypatch.setitem(EXPERIMENTS, key, replace(experiment, run=run))
    return experiment


@pytest.mark.parametrize("key", list(SMALL))
def test_each_experiment_runs_from_the_page_and_sets_the_numbers_beside_the_claim(monkeypatch, key):
    shares = []
    experiment = small(monkeypatch, key, shares)
    at = trained(LANDSCAPE, steps=1)
    charts = len(at.main.get("plotly_chart"))
    click(at, wkey("playground", "experiment", key))
    record = results(at, "loss_landscape.playground")["experiments"][key]
    assert record.result.key == key and record.result.variants
    # the batch-size experiments do not report their last measuring stage: their bar ends at 5/6 or 11/12
    assert len(shares) > 2 and shares == sorted(shares) and shares[-1] >= 0.8, "the progress bar moved forward"
    verdicts = [box.value for box in [*at.success, *at.warning] if "Your networks:" in box.value]
    assert len(verdicts) == 1 and ("as the paper found" in verdicts[0]) == record.result.agrees
    assert any(experiment.claim[:40] in md.value for md in at.markdown), "the paper's claim beside it"
    table = at.table[0].value
    assert list(table.columns)[1:] == list(record.result.variants)
    assert len(at.main.get("plotly_chart")) == charts + PICTURES[key]
    assert "running" not in results(at, "loss_landscape.playground")


def test_a_cancelled_experiment_keeps_nothing_and_says_so(monkeypatch):
    from dataclasses import replace

    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    from dl_core.analyses.landscape_experiments import EXPERIMENTS

    def stopped(base, progress=None, **kwargs):
        progress(0.3)
        raise StopException()  # what a click on Cancel does to the running script

    monkeypatch.setitem(EXPERIMENTS, "paths", replace(EXPERIMENTS["paths"], run=stopped))
    at = trained(LANDSCAPE, steps=1)
    click(at, wkey("playground", "experiment", "paths"))
    click(at, wkey("playground", "cancel_experiment", "paths"))
    assert any(w.value == "Cancelled: nothing of it was kept." for w in at.warning)
    assert "paths" not in results(at, "loss_landscape.playground")["experiments"]
    at.run()
    assert not any("Cancelled" in w.value for w in at.warning), "said once"


def test_the_path_paused_is_drawn_on_the_plane_of_the_whole_path():
    at = trained(LANDSCAPE, steps=2)
    header, arrays = chart_frame(at)
    recorder = run_of(at).probes["path"]
    plane = results(at, "landscape_path.playground")["plane"]
    assert plane.last_step == recorder.steps[-1], "paused: the plane of every snapshot, centred on the last"
    assert np.allclose(arrays["path.path"], plane.projection.coordinates, atol=1e-5)
    assert list(arrays["path.steps"]) == recorder.steps and np.allclose(arrays["path.path"][-1], 0, atol=1e-6)
    grid = header["panels"]["path"]["grid"]
    assert arrays["path.grid"].shape == (25, 25) and grid["extent"][0] < arrays["path.path"][:, 0].min()
    shown = np.log10(plane.surface.losses)
    assert np.isclose(grid["low"], shown.min()) and np.isclose(grid["high"], shown.max()), "the colour scale's ends"


def test_while_playing_the_path_grows_on_the_last_plane_and_a_busy_server_does_not_hold_it_up(monkeypatch):
    """While another learner's heavy job holds the turn (``Busy``), a tick keeps the last grid and places the new
    snapshots on its plane instead of waiting; the grid follows once training pauses. (That a frame sends only the
    new points is tested on the frames themselves: tests/core/test_chart_frames.py.)"""
    from dl_core.jobs import Busy
    from ui import cached
    from ui.labs import landscape_path

    at = trained(LANDSCAPE, steps=1)
    plane = results(at, "landscape_path.playground")["plane"]
    path = cached.path

    def busy(*args, **kwargs):
        raise Busy("another learner's grid")

    monkeypatch.setattr(cached, "path", busy)
    monkeypatch.setattr(landscape_path, "REFRESH_SECONDS", 0.0)  # a new grid is due at every tick
    view_send(at, "playground", "command", "play")
    at.run()
    assert results(at, "landscape_path.playground")["plane"] is plane, "the last plane stays"
    header, arrays = chart_frame(at)
    steps_drawn = list(arrays["path.steps"])
    assert steps_drawn == run_of(at).probes["path"].steps and steps_drawn[-1] > plane.last_step
    assert not np.allclose(arrays["path.path"][-1], 0), "newer snapshots placed on the old plane, off its centre"
    assert "the plane and the loss are those of step" in header["panels"]["path"]["note"]
    monkeypatch.setattr(cached, "path", path)
    view_send(at, "playground", "command", "pause")
    plane = results(at, "landscape_path.playground")["plane"]
    assert plane.last_step == run_of(at).probes["path"].steps[-1], "paused: the grid follows"
    assert np.allclose(chart_frame(at)[1]["path.path"][-1], 0, atol=1e-6)


def test_the_landscape_follows_the_spec_of_a_shared_link():
    at = trained(LANDSCAPE, {"dataset": "xor", "layers": "5:relu", "seed": "9"}, steps=2)
    assert spec_of(at).data.dataset == "xor"
    assert run_of(at).probes["path"].steps[-1] == 300


def test_the_landscape_of_the_builders_networks():
    at = trained(LANDSCAPE, to_query(PRESETS["mlp"].spec), steps=2, slot="builder")
    assert_fine(at)
    assert contour_size(at) == (31, 1.0)
    cnn = trained(LANDSCAPE, to_query(PRESETS["lenet"].spec), steps=1, slot="builder")
    assert contour_size(cnn)[0] == 21
    assert any("256 of the 1,258 training examples (Handwritten digits)" in c.value for c in cnn.caption)
    assert any(i.value.startswith("A 21×21 grid is 441 evaluations of the loss. One costs ") for i in cnn.info)
    lstm = trained(LANDSCAPE, to_query(PRESETS["lstm"].spec), steps=1, slot="builder")
    assert not lstm.error, [e.value for e in lstm.error]


def test_gradient_flow_renders_and_names_vanishing_gradients():
    layers = ",".join(["8:sigmoid"] * 8)
    at = open_page(GRADFLOW, {"layers": layers, "lr": "0.1"})
    assert "Nothing measured yet" in at.info[0].value, "no verdict before the first step"
    step(at)
    step(at)
    assert "Vanishing gradients" in at.error[0].value
    header, arrays = chart_frame(at)
    assert [p["key"] for p in header["layout"]] == ["grads", "weights", "updates", "grad_dist", "act_dist"]
    flow = run_of(at).probes["gradflow"]
    assert list(arrays["weights.x"]) == flow.steps and np.allclose(arrays["weights.y"], flow.series("weight_norm"))
    assert header["layout"][0]["names"] == flow.names and header["layout"][0]["log"], "one line per layer, log scale"
    assert at.button(key=wkey("playground", "remedy", 0, "skips"))
    assert at.button(key=wkey("playground", "remedy", 0, "layer_norm"))
    click(at, wkey("playground", "remedy", 0, "relu"))
    assert {layer.activation for layer in spec_of(at).model.hidden} == {"relu"}
    assert at.selectbox(key=wkey("playground", "layers", 0, "activation")).value == "relu", "the controls show it"
    step(at)
    assert "Vanishing" not in " ".join(e.value for e in at.error)


def test_the_verdicts_and_the_dead_unit_bars_show_the_same_reading():
    at = open_page(GRADFLOW, {"layers": "8:relu,8:relu", "lr": "3", "seed": "1"})
    step(at)
    measured = results(at, "gradient_flow.playground")["reading"]
    assert measured.step == run_of(at).trainer.step_count, "a step paused is measured at once"
    header, arrays = chart_frame(at)
    shares = [u.dead_share for u in measured.units]
    assert np.allclose(arrays["dead.values"], shares) and max(shares) >= 0.5
    dead = next(e.value for e in at.warning if e.value.startswith("Dead units"))
    worst = max(measured.units, key=lambda u: u.dead_share)
    assert f"{worst.dead_share:.0%} of {worst.name}'s units" in dead, "the words name the tallest bar"
    assert header["layout"][-1]["threshold"] == 0.5, "the bars mark where the verdict changes"
    assert header["panels"]["dead"]["note"] == f"at step {measured.step:,}"


def test_gradient_flow_plays_and_the_health_follows_when_paused():
    at = open_page(GRADFLOW, {"layers": "8:sigmoid,8:sigmoid"})
    assert "Nothing measured yet" in at.info[0].value
    view_send(at, "playground", "command", "play")
    at.run()
    assert run_of(at).trainer.step_count > 0
    view_send(at, "playground", "command", "pause")
    measured = results(at, "gradient_flow.playground")["reading"]
    assert measured.step == run_of(at).trainer.step_count and not at.info, "the verdict of the paused network"
    assert chart_frame(at)[0]["status"]["playing"] is False


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
    assert len(chart_frame(at, "builder")[0]["layout"]) >= 5
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
