import json

import numpy as np
from conftest import assert_fine, chart_frame, click, open_page, run_of, slot, spec_of, step, steps, view_send, wkey

from dl_core import PRESETS, LayerDef, to_json, to_query
from ui import state
from ui.controls import plain

S = "builder"


def kinds(at) -> list[str]:
    return [layer.kind for layer in spec_of(at, S).layers]


def shape_cells(at) -> list[tuple[str, int]]:
    """Each editor row's output shape and parameter count, as the page writes them ("→ **6 × 8 × 8**", "60")."""
    cells = [m.value for m in at.main.get("markdown") if m.value.startswith("→ **")]
    return [(c.split("**")[1], int(c.split("[")[1].split(" ")[0].replace(",", ""))) for c in cells]


def test_the_builder_opens_with_the_lenet_and_its_shapes():
    at = open_page(S)
    assert not at.error
    cells = shape_cells(at)
    assert cells[0] == ("6 × 8 × 8", 60) and cells[-1] == ("10", 650) and len(cells) == 10, "every row and the head"
    assert sum(p for _, p in cells) == 5750 == spec_of(at, S).work().parameters
    assert any(m.value == "5,750" for m in at.main.get("metric"))
    assert at.selectbox(key=wkey(S, "preset")).value == "lenet", "the preset box names the network loaded"


def test_rows_before_an_impossible_layer_keep_their_shapes():
    at = open_page(S)
    at.selectbox(key=wkey(S, "layers", 6, "kind")).set_value("conv2d").run()  # a convolution where Flatten was
    cells = shape_cells(at)
    assert len(cells) == 6 and cells[-1] == ("16 × 2 × 2", 0), "rows 1 to 6 still show their shapes"
    assert any("does not fit" in m.value for m in at.main.get("markdown"))


def test_add_move_and_remove_layers():
    at = open_page(S)
    n = len(kinds(at))
    at.selectbox(key=wkey(S, "layers", "add")).set_value("dropout").run()
    click(at, wkey(S, "layers", "add_button"))
    assert kinds(at)[-1] == "dropout" and len(kinds(at)) == n + 1
    click(at, wkey(S, "layers", n, "up"))
    assert kinds(at)[-2:] == ["dropout", "activation"]
    click(at, wkey(S, "layers", n - 1, "remove"))
    assert len(kinds(at)) == n and "dropout" not in kinds(at)
    at.number_input(key=wkey(S, "layers", 0, "size")).set_value(8).run()
    assert spec_of(at, S).layers[0] == LayerDef("conv2d", 8, 3, "relu", 0.2)
    assert at.selectbox(key=wkey(S, "preset")).value == "custom"


def test_removing_the_first_row_leaves_every_row_showing_its_own_layer():
    at = open_page(S)
    click(at, wkey(S, "layers", 0, "remove"))
    layers = slot(at, S).draft.layers
    for i, layer in enumerate(layers):
        assert at.selectbox(key=wkey(S, "layers", i, "kind")).value == layer.kind
        if layer.kind == "activation":
            assert at.selectbox(key=wkey(S, "layers", i, "activation")).value == layer.activation
    step(at, S)
    assert steps(at, S) == 10 and slot(at, S).draft.layers == layers, "the next click keeps the network"


def test_an_impossible_stack_is_refused_and_the_last_network_stays():
    at = open_page(S)
    before = spec_of(at, S)
    at.selectbox(key=wkey(S, "layers", 6, "kind")).set_value("conv2d").run()  # a convolution where Flatten was
    assert plain("Layer 7 (Conv2d) has a 3×3 kernel, larger than its 2×2 input.") in at.error[0].value
    click(at, wkey(S, "layers", 6, "remove"))  # no Flatten before the Linear layer
    assert plain("Layer 7 (Linear) needs a vector or a sequence, not a 16×2×2 image: add Flatten first.") \
        in at.error[0].value
    assert spec_of(at, S) == before and len(slot(at, S).draft.layers) == len(before.layers) - 1
    step(at, S)
    assert steps(at, S) == 10, "the session stays usable"


def test_presets_and_tasks_rebuild_the_network_and_its_controls():
    at = open_page(S)
    at.selectbox(key=wkey(S, "preset")).set_value("lstm").run()
    click(at, wkey(S, "load"))
    assert spec_of(at, S).task == "first_symbol" and kinds(at) == ["lstm", "last_step"]
    assert at.selectbox(key=wkey(S, "task")).value == "first_symbol"
    assert at.selectbox(key=wkey(S, "layers", 0, "kind")).value == "lstm"
    at.selectbox(key=wkey(S, "task")).set_value("wine").run()
    assert_fine(at)
    assert spec_of(at, S).task == "wine" and not at.error
    assert kinds(at) == [layer.kind for layer in PRESETS["tabular"].layers]
    at.selectbox(key=wkey(S, "task")).set_value("sine").run()
    assert spec_of(at, S).train.loss == "mse", "a regression task brings its loss"


def test_training_the_digits_cnn_raises_test_accuracy():
    at = open_page(S)
    at.select_slider(key=wkey(S, "speed")).set_value(250).run()
    for _ in range(4):
        step(at, S)
    trainer = run_of(at, S).trainer
    assert trainer.step_count == 100
    assert trainer.history.last("test_accuracy") > 0.8
    header, arrays = chart_frame(at, S)
    panels = {p["key"]: p for p in header["layout"]}
    assert [p["kind"] for p in header["layout"]] == ["lines", "lines", "heatmap", "images"]
    assert panels["misclassified"]["title"] == "Misclassified test examples"
    wrong = int((trainer.predictions("test")[0] != trainer.predictions("test")[1]).sum())
    assert header["panels"]["misclassified"]["note"].startswith(f"{wrong} of {len(trainer.y_test)} test examples")
    captions = header["panels"]["misclassified"]["captions"]
    assert len(captions) == min(16, wrong) == len(arrays["misclassified.pixels"])
    assert all(" → " in c for c in captions), "true class → the network's answer"
    assert (arrays["confusion.values"] == trainer.confusion_matrix("test")).all()
    assert list(arrays["loss.x"]) == trainer.history.step and header["status"]["step"] == 100


def test_the_live_view_plays_pauses_and_steps_with_its_own_buttons():
    at = open_page(S)
    view_send(at, S, "command", "play")
    assert at.session_state[state.LIVE][S].playing
    before = steps(at, S)
    at.run()  # a tick of the live fragment
    assert steps(at, S) > before, "a tick trains the steps the clock says are due"
    view_send(at, S, "command", "pause")
    paused = steps(at, S)
    at.run()
    assert steps(at, S) == paused and not at.session_state[state.LIVE][S].playing
    assert chart_frame(at, S)[0]["status"]["playing"] is False, "the view shows the paused state"
    view_send(at, S, "command", "reset")
    assert steps(at, S) == 0


def test_a_drawn_digit_gets_a_prediction():
    at = open_page(S)
    for _ in range(3):
        step(at, S)
    seven = np.zeros((32, 32), int)
    seven[4:8, 6:26] = 1  # the bar
    for row in range(8, 30):
        seven[row, 24 - (row - 8) // 2: 27 - (row - 8) // 2] = 1  # the stroke down
    at.session_state[wkey(S, "pad")] = {"pixels": seven.reshape(-1).tolist()}
    at.run()
    assert_fine(at)
    assert any(m.value.startswith("### It reads **") for m in at.markdown)


def test_a_hostile_drawing_is_ignored():
    at = open_page(S)
    at.session_state[wkey(S, "pad")] = {"pixels": ["<b>x</b>"] * 1024}
    at.run()
    assert_fine(at)
    assert not any(m.value.startswith("### It reads") for m in at.markdown)


def test_the_points_task_offers_the_playground_sets():
    at = open_page(S)
    at.selectbox(key=wkey(S, "preset")).set_value("mlp").run()
    click(at, wkey(S, "load"))
    at.selectbox(key=wkey(S, "points")).set_value("xor").run()
    assert spec_of(at, S).points == "xor"
    trainer = run_of(at, S).trainer
    assert run_of(at, S).spec.points == "xor" and tuple(trainer.x_train.shape) == (350, 2)


def test_a_cold_builder_link_opens_that_network():
    spec = PRESETS["transformer"].spec
    at = open_page(S, to_query(spec))
    assert spec_of(at, S) == spec and kinds(at) == [layer.kind for layer in spec.layers]
    assert at.query_params["layers"] == to_query(spec)["layers"]


def test_opening_a_network_file_replaces_the_network_and_a_bad_one_is_refused():
    at = open_page(S)
    uploader = at.get("file_uploader")
    opener = next(u for u in uploader if ".json" in u.proto.type)
    good = to_json(PRESETS["lstm"].spec)
    opener.set_value(("lstm.json", good.encode(), "application/json"))
    at.run()
    assert_fine(at)
    assert spec_of(at, S).task == "first_symbol" and kinds(at) == ["lstm", "last_step"]
    hostile = json.dumps({"kind": "builder", "task": "digits", "seed": -5,
                          "layers": [{"kind": "conv2d", "size": 16000, "kernel": 1}, {"kind": "flatten"}]})
    opener = next(u for u in at.get("file_uploader") if ".json" in u.proto.type)
    opener.set_value(("hostile.json", hostile.encode(), "application/json"))
    at.run()
    assert_fine(at)
    text = " ".join(e.value for e in at.error)
    assert "was not opened" in text and "Seed must be between 0 and" in text
    assert kinds(at) == ["lstm", "last_step"], "a bad file never replaces the working network"
    step(at, S)
    assert steps(at, S) > 0


def test_an_over_budget_network_is_refused_with_the_budget_named():
    at = open_page(S, {"kind": "builder", "task": "digits", "batch": "2000",
                       "layers": "conv2d:512:1," + "batchnorm," * 19 + "maxpool,maxpool,maxpool,flatten"})
    text = " ".join(w.value for w in at.warning)
    assert "training-step memory budget" in text and "smaller batch" in text
    assert spec_of(at, S).task == "digits" and "batchnorm" not in kinds(at), "the task's own network opens instead"
    step(at, S)
    assert steps(at, S) > 0, "the session trains the network it fell back to"


def test_a_value_typed_beyond_a_fields_limit_is_refused_in_words_and_the_network_stays():
    at = open_page(S)
    before = spec_of(at, S)
    box = at.number_input(key=wkey(S, "layers", 7, "size"))
    box.set_value(99_999).run()
    assert_fine(at)
    assert any("units: 99,999 is outside its limits, 1 to 4,096; it stays 64" in e.value.replace("\\", "")
               for e in at.error), [e.value for e in at.error]
    assert spec_of(at, S) == before and at.number_input(key=wkey(S, "layers", 7, "size")).value == 64
    at.number_input(key=wkey(S, "layers", 7, "size")).set_value(32).run()
    assert spec_of(at, S).layers[7].size == 32 and not at.error, "a value in range is taken, the message goes"
