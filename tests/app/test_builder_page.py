import json

import numpy as np
from conftest import assert_fine, click, open_page, run_of, slot, spec_of, step, steps, wkey

from dl_core import PRESETS, LayerDef, to_json, to_query
from ui.controls import plain

S = "builder"


def kinds(at) -> list[str]:
    return [layer.kind for layer in spec_of(at, S).layers]


def test_the_builder_opens_with_the_lenet_and_its_shapes():
    at = open_page(S)
    assert not at.error
    frame = at.dataframe[0].value
    assert list(frame["out"])[-1] == "10" and sum(frame["parameters"]) == 5750
    assert sum(frame["multiply-adds"]) == spec_of(at, S).work().macs
    assert at.selectbox(key=wkey(S, "preset")).value == "lenet", "the preset box names the network loaded"


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
    assert any("Misclassified test examples" in m.value for m in at.markdown)


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
