import math
import time

import pytest

from conftest import assert_fine, click, open_page, run_of, spec_of, steps, view_frames, view_parts, view_send, wkey

from dl_core.analyses.live_frames import decode

from dl_core import LayerSpec, PlaygroundSpec, to_query
from dl_core.specs.fields import Choice, Custom, Range, Several, Steps, Toggle
from ui import live as live_loop
from ui.labs.playground import FRAME_SECONDS, PACED_FRAMES_A_SECOND, PARTS

S = "playground"
K = 150  # Step trains a tenth of a second's worth at the default 1,500 steps a second


def step(at):
    return view_send(at, S, "command", "step")
NEW_VALUES = {  # for every field drawn by a plain widget: a value other than the default
    "noise": 20, "train": 70, "points": 1000, "features": ["x1", "x2", "x1sq"], "dropout": 0.2, "init": "he",
    "norm": True, "skip": True, "loss": "mse", "optimizer": "adam", "lr": 0.1, "batch": 32, "reg": "l2",
    "rate": 0.01, "clip": 1.0, "speed": 500, "test": True, "discretize": True,
}


def widget(at, f):
    key = wkey(S, f.key)
    finders = {Choice: at.selectbox, Steps: at.select_slider, Range: at.slider, Toggle: at.checkbox,
               Several: at.pills}
    return finders[type(f.control)](key=key)


PLAIN = [f for f in PlaygroundSpec.FIELDS if not isinstance(f.control, Custom)]


def test_every_field_of_the_table_has_a_test_value():
    assert {f.key for f in PLAIN} == set(NEW_VALUES)


def test_a_beginner_sees_the_few_settings_that_matter_and_every_one_when_asked(playground):
    at = playground
    shown = {w.key for w in at.sidebar.get("selectbox") + at.sidebar.get("select_slider") + at.sidebar.get("checkbox")}
    assert wkey(S, "lr") in shown and wkey(S, "optimizer") not in shown and wkey(S, "norm") not in shown
    every(at)
    shown = {w.key for w in at.sidebar.get("selectbox") + at.sidebar.get("select_slider") + at.sidebar.get("checkbox")}
    assert {wkey(S, "optimizer"), wkey(S, "norm"), wkey(S, "loss")} <= shown


def every(at):
    at.toggle(key=wkey(S, "every_setting")).set_value(True).run()
    return at


@pytest.mark.parametrize("f", PLAIN, ids=[f.key for f in PLAIN])
def test_each_control_changes_the_spec_and_the_url(playground, f):
    at = every(playground)
    value = NEW_VALUES[f.key]
    expected = tuple(value) if isinstance(value, list) else value
    assert f.get(spec_of(at)) != expected
    widget(at, f).set_value(value).run()
    assert_fine(at)
    assert not at.error
    assert f.get(spec_of(at)) == expected
    assert at.query_params[f.key] == f.fmt(expected)
    assert at.query_params == to_query(spec_of(at))


def test_hidden_layers_and_their_widths_and_activations(playground):
    at = playground
    at.number_input(key=wkey(S, "layers", "count")).set_value(3).run()
    assert len(spec_of(at).model.hidden) == 3 and run_of(at).model.layer_sizes == [2, 4, 2, 2, 1]
    at.number_input(key=wkey(S, "layers", 0, "width")).set_value(6).run()
    at.selectbox(key=wkey(S, "layers", 1, "activation")).set_value("relu").run()
    assert spec_of(at).model.hidden == (LayerSpec(6, "tanh"), LayerSpec(2, "relu"), LayerSpec(2, "tanh"))
    assert at.query_params["layers"] == "6:tanh,2:relu,2:tanh"


def test_problem_type_switches_to_a_regression_dataset_and_loss(playground):
    at = playground
    at.radio(key=wkey(S, "problem")).set_value("regression").run()
    spec = spec_of(at)
    assert spec.data.dataset == "plane" and spec.train.loss == "mse" and not at.error
    assert run_of(at).trainer.history.last("test_accuracy") != run_of(at).trainer.history.last("test_accuracy")  # NaN


def test_a_new_seed_draws_new_data(playground):
    at = every(playground)
    before = run_of(at).trainer.x_train.clone()
    click(at, wkey(S, "regenerate"))
    assert spec_of(at).data.seed == 1 and at.query_params["seed"] == "1"
    assert (run_of(at).trainer.x_train != before).any()


def test_playing_trains_by_the_clock_and_pause_stops(playground):
    at = playground
    view_send(at, S, "command", "play")
    assert at.session_state["live"][S].playing and steps(at) >= 1
    before = steps(at)
    entry = at.session_state["live"][S]
    for _ in range(3):
        live_loop._seconds_per_step[entry.run.trainer] = 1e-6  # a server fast enough for the speed: the clock decides
        entry.last_tick -= 0.1  # a tenth of a second more passes before the tick (not only the rerun's own time)
        at.run()
    assert steps(at) >= before + 3 * 1500 // 10, "every tick trains what the clock paid for at the spec's speed"
    header, _ = view_frames(at)[0]
    assert header["playing"] and header["step"] == steps(at)
    view_send(at, S, "command", "pause")
    paused_at = steps(at)
    at.run()
    assert not at.session_state["live"][S].playing and steps(at) == paused_at
    assert not view_frames(at)[0][0]["playing"]


def test_a_playing_tick_sends_its_steps_as_several_frames_of_the_run(playground):
    """Ten reruns a second, each with PARTS pictures of the run along the tick's steps: the browser shows them
    one after another, so the view moves more often than the server reruns."""
    at = playground
    view_send(at, S, "command", "play")
    trainer = at.session_state["live"][S].run.trainer
    live_loop._seconds_per_step[trainer] = 1e-6
    time.sleep(FRAME_SECONDS)
    before = steps(at)
    at.run()
    [message] = view_parts(at)
    frames = [decode(part) for part in message]
    assert len(frames) == PARTS, "a full tick: one frame a part"
    shown = [header["step"] for header, _ in frames]
    assert before < shown[0] and shown == sorted(set(shown)) and shown[-1] == steps(at), "along the tick's steps"
    gaps = [b - a for a, b in zip(shown, shown[1:])]
    assert max(gaps) - min(gaps) <= 1, "evenly"
    assert all(header["playing"] for header, _ in frames)
    records = [step for _, arrays in frames for step in arrays["history"][0].tolist()]
    assert records == sorted(set(records)) and records[-1] == steps(at), "each curve point once, in order"
    view_send(at, S, "command", "pause")
    assert len(view_parts(at)[0]) == 1, "paused: one frame, the state reached"


def test_a_busy_server_ticks_less_often_with_more_frames_a_tick(playground):
    """30 learners playing on one process: each view ticks 30/8 times less often (ui.live.paced), and a tick
    carries PACED_FRAMES_A_SECOND frames for each second it stands for, so the view still moves."""
    at = playground
    view_send(at, S, "command", "play")
    entry = at.session_state["live"][S]
    live_loop._seconds_per_step[entry.run.trainer] = 1e-6
    others = {-k: time.monotonic() for k in range(1, 30)}  # 29 other views that ticked just now
    live_loop._ticked.update(others)
    every = live_loop.paced(FRAME_SECONDS)
    assert every == pytest.approx(FRAME_SECONDS * 30 / live_loop.LEARNERS_AT_FULL_PACE)
    entry.last_tick -= every
    at.run()
    [message] = view_parts(at)
    assert len(message) == math.ceil(PACED_FRAMES_A_SECOND * every) > PARTS


def test_a_server_too_slow_for_the_speed_trains_fewer_steps_not_fewer_frames(playground):
    at = playground
    view_send(at, S, "command", "play")
    trainer = at.session_state["live"][S].run.trainer
    live_loop._seconds_per_step[trainer] = 0.01  # as if a step cost 10 ms on this server: 1,500 a second cannot be
    before = steps(at)
    at.run()
    most = live_loop.TRAIN_SHARE * FRAME_SECONDS / 0.01  # a tick's share, even a late one's
    assert 1 <= steps(at) - before <= most + 1
    assert view_frames(at)[0][0]["step"] == steps(at), "the frame still goes out, with the step reached"


def test_step_and_reset(playground):
    at = playground
    step(at)
    assert steps(at) == K and view_frames(at)[0][0]["step"] == K
    view_send(at, S, "command", "reset")
    assert steps(at) == 0


def test_the_frame_carries_what_the_view_draws(playground):
    at = playground
    step(at)
    header, arrays = view_frames(at)[0]
    run = run_of(at)
    assert header["static"]["sizes"] == [2, 4, 2, 1] and len(header["static"]["points"]["train"]["x"]) == 250
    assert arrays["output"].shape == (60, 60) and arrays["nodes_0"].shape == (4, 20, 20)
    import numpy as np

    np.testing.assert_allclose(arrays["w1"], run.model.linears[1].weight.detach().numpy())
    assert header["test_loss"] == run.trainer.history.last("test_loss")
    assert arrays["confusion"].sum() == 250


def test_edits_on_the_diagram_change_the_network_and_the_controls(playground):
    at = playground
    view_send(at, S, "edit", {"op": "add_layer"})
    assert [layer.width for layer in spec_of(at).model.hidden] == [4, 2, 2]
    assert at.number_input(key=wkey(S, "layers", "count")).value == 3
    view_send(at, S, "edit", {"op": "add_neuron", "layer": 1})
    view_send(at, S, "edit", {"op": "toggle_feature", "feature": "x1sq"})
    spec = spec_of(at)
    assert spec.model.hidden[0].width == 5 and spec.model.features == ("x1", "x2", "x1sq")
    assert view_frames(at)[0][0]["static"]["sizes"] == [3, 5, 2, 2, 1]
    before = spec_of(at)
    for hostile in ({"op": "add_neuron", "layer": 99}, {"op": "rm -rf"}, "add_layer", {"op": "toggle_feature",
                                                                                         "feature": "<b>"}):
        view_send(at, S, "edit", hostile)
    assert spec_of(at) == before, "edits a browser could forge change nothing"


def test_learning_rate_change_keeps_training_but_a_new_layer_resets_it(playground):
    at = every(playground)
    step(at)
    at.select_slider(key=wkey(S, "lr")).set_value(0.3).run()
    assert steps(at) == K and run_of(at).trainer.optimizer.param_groups[0]["lr"] == 0.3
    at.select_slider(key=wkey(S, "clip")).set_value(1.0).run()
    assert steps(at) == K and run_of(at).trainer.hyper.grad_clip == 1.0, "clipping reaches the running trainer"
    at.number_input(key=wkey(S, "layers", "count")).set_value(3).run()
    assert steps(at) == 0


def test_a_bad_url_gives_a_warning_shown_as_text():
    at = open_page(S, {"lr": "abc", "layers": "4:relu,999:tanh", "dataset": "xor", "junk": "1",
                       "optimizer": "[Session expired](https://evil.example/login)" + "x" * 5000})
    text = at.warning[0].value
    assert "lr='abc'" in text and "999 neurons" in text
    assert "https://" not in text and "\\[Session expired\\]" in text, "Markdown in a link is escaped, not rendered"
    assert len(text) < 2000, "untrusted values are truncated"
    assert spec_of(at).data.dataset == "xor" and spec_of(at).train.learning_rate == 0.03


def test_a_shared_link_reopens_the_same_state_and_the_share_box_gives_it():
    query = {"dataset": "spiral", "noise": "15", "layers": "6:relu,3:tanh", "optimizer": "adam", "lr": "0.01",
             "seed": "42", "features": "x1,x2,sinx1", "clip": "2"}
    at = every(open_page(S, query))
    spec = spec_of(at)
    assert spec.data.seed == 42 and spec.model.hidden == (LayerSpec(6, "relu"), LayerSpec(3, "tanh"))
    assert spec.train.grad_clip == 2.0, "every field travels, clipping too"
    assert at.selectbox(key=wkey(S, "optimizer")).value == "adam" and at.slider(key=wkey(S, "noise")).value == 15
    link = at.sidebar.get("popover")[0].code[0].value
    assert "/Playground?" in link and "seed=42" in link and "layers=6%3Arelu%2C3%3Atanh" in link and "clip=2" in link


def test_untrainable_settings_are_refused_and_the_last_network_stays(playground):
    at = playground
    at.pills(key=wkey(S, "features")).set_value([]).run()
    assert "needs at least one input feature" in at.error[0].value
    assert spec_of(at).model.features == ("x1", "x2")
    step(at)
    assert steps(at) == K, "the session stays usable"


def test_an_oversized_network_is_refused_with_the_limit_named(playground):
    at = playground
    at.number_input(key=wkey(S, "layers", "count")).set_value(6).run()
    for i in range(6):
        at.number_input(key=wkey(S, "layers", i, "width")).set_value(32).run()
    assert "the limit is 4,000" in at.error[0].value
    assert len(spec_of(at).model.hidden) == 6 and spec_of(at).parameter_count() <= 4000


def test_divergence_is_shown_and_reset_recovers():
    at = open_page(S, {"dataset": "plane", "loss": "mse", "lr": "10", "init": "large", "layers": "8:relu,8:relu"})
    view_send(at, S, "command", "play")
    at.run()
    header, _ = view_frames(at)[0]
    assert "diverged" in header["diverged"] and not at.session_state["live"][S].playing
    view_send(at, S, "command", "reset")
    assert steps(at) == 0 and not view_frames(at)[0][0]["diverged"]


def test_a_click_on_a_neuron_shows_it_large(playground):
    at = playground
    at.session_state[wkey(S, "live_view")] = {"selected": [1, 2]}
    at.run()
    assert_fine(at)
    header, arrays = view_frames(at)[0]
    assert header["selected"] == [1, 2] and arrays["selected"].shape == (60, 60)
    at.session_state[wkey(S, "live_view")] = {"selected": ["<script>", 2]}
    at.run()
    assert "selected" not in view_frames(at)[0][0], "a forged selection is ignored"
