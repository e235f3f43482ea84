from conftest import open_page

from dl_core.builder import LayerDef

PAGE = "pages/5_Builder.py"


def spec(at):
    return at.session_state["bd.valid"]


def kinds(at) -> list[str]:
    return [layer.kind for layer in spec(at).layers]


def test_the_builder_opens_with_the_lenet_and_its_shapes():
    at = open_page(PAGE)
    assert not at.exception and not at.error
    table = at.main.get("arrow_data_frame")[0] if at.main.get("arrow_data_frame") else at.dataframe[0]
    frame = table.value
    assert list(frame["out"])[-1] == "10" and sum(frame["parameters"]) == 5750


def test_add_move_and_remove_layers():
    at = open_page(PAGE)
    n = len(kinds(at))
    at.selectbox(key="bd.add_kind").set_value("dropout").run()
    at.button(key="bd.add").click().run()
    assert kinds(at)[-1] == "dropout" and len(kinds(at)) == n + 1
    at.button(key=f"bd.L{n}.up").click().run()
    assert kinds(at)[-2:] == ["dropout", "activation"]
    at.button(key=f"bd.L{n - 1}.remove").click().run()
    assert len(kinds(at)) == n and "dropout" not in kinds(at)
    at.number_input(key="bd.L0.size").set_value(8).run()
    assert spec(at).layers[0] == LayerDef("conv2d", 8, 3, "relu", 0.2)


def test_an_impossible_stack_is_refused_and_the_last_network_stays():
    at = open_page(PAGE)
    before = spec(at)
    at.selectbox(key="bd.L6.kind").set_value("conv2d").run()  # a convolution where Flatten was
    assert "Layer 7 (Conv2d) has a 3×3 kernel, larger than its 2×2 input." in at.error[0].value
    at.button(key="bd.L6.remove").click().run()  # no Flatten before the Linear layer
    assert not at.exception
    assert "Layer 7 (Linear) needs a vector or a sequence, not a 16×2×2 image: add Flatten first." in at.error[0].value
    assert spec(at) == before and len(at.session_state["bd.spec"].layers) == len(before.layers) - 1
    at.button(key="bd.run.step").click().run()
    assert at.session_state["bd.run"].trainer.step_count == 5, "the session stays usable"


def test_presets_and_tasks_rebuild_the_network():
    at = open_page(PAGE)
    at.selectbox(key="bd.preset").set_value("lstm").run()
    at.button(key="bd.load").click().run()
    assert spec(at).task == "first_symbol" and kinds(at) == ["lstm", "last_step"]
    at.selectbox(key="bd.task").set_value("wine").run()
    assert not at.exception and spec(at).task == "wine" and not at.error


def test_training_the_digits_cnn_raises_test_accuracy():
    at = open_page(PAGE)
    at.select_slider(key="bd.speed").set_value(20).run()
    for _ in range(4):
        at.button(key="bd.run.step").click().run()
    trainer = at.session_state["bd.run"].trainer
    assert trainer.step_count == 80
    assert trainer.history.last("test_accuracy") > 0.8
    assert any("Misclassified test digits" in m.value for m in at.markdown)


def test_a_drawn_digit_gets_a_prediction():
    import numpy as np

    at = open_page(PAGE)
    for _ in range(3):
        at.button(key="bd.run.step").click().run()
    seven = np.zeros((32, 32), int)
    seven[4:8, 6:26] = 1  # the bar
    for row in range(8, 30):
        seven[row, 24 - (row - 8) // 2: 27 - (row - 8) // 2] = 1  # the stroke down
    at.session_state["bd.pad"] = {"pixels": seven.reshape(-1).tolist()}
    at.run()
    assert not at.exception
    assert any(m.value.startswith("### It reads **") for m in at.markdown)


def test_the_points_task_offers_the_playground_sets():
    at = open_page(PAGE)
    at.selectbox(key="bd.preset").set_value("mlp").run()
    at.button(key="bd.load").click().run()
    at.selectbox(key="bd.points").set_value("xor").run()
    assert not at.exception and spec(at).points == "xor"
    trainer = at.session_state["bd.run"].trainer
    assert trainer.spec.points == "xor" and tuple(trainer.x_train.shape) == (350, 2)
