"""Compare: the same network twice from the same seed with one change, trained together."""

from conftest import assert_fine, click, open_page, run_of, wkey

from dl_core import PRESETS, to_query

A, B = "compare.a", "compare.b"


def start(at, field: str, value: str):
    at.selectbox(key="cmp.field").set_value(field).run()
    at.text_input(key=f"cmp.value.{field}").input(value).run()
    click(at, "cmp.start")
    return at


def test_two_learning_rates_from_the_same_seed_side_by_side():
    at = start(open_page("compare", {"dataset": "xor", "layers": "6:tanh"}), "lr", "0.3")
    a, b = run_of(at, A), run_of(at, B)
    assert a.spec.train.learning_rate == 0.03 and b.spec.train.learning_rate == 0.3
    assert all((p == q).all() for p, q in zip(a.model.parameters(), b.model.parameters())), "the same start"
    click(at, wkey(A, "run", "step"))
    assert run_of(at, A).trainer.step_count == run_of(at, B).trainer.step_count == 150
    assert run_of(at, A).trainer.history.last("train_loss") != run_of(at, B).trainer.history.last("train_loss")
    charts = [str(c.proto.spec) for c in at.main.get("plotly_chart")]
    boundaries = [c for c in charts if "run A" in c or "run B" in c]
    assert len(boundaries) >= 2
    assert at.dataframe[-1].value.shape == (4, 3), "final figures of both runs in a table"


def test_play_trains_both_and_pause_stops_both():
    at = start(open_page("compare"), "optimizer", "adam")
    click(at, wkey(A, "run", "play"))
    at.run()
    assert run_of(at, A).trainer.step_count > 0 and run_of(at, B).trainer.step_count == run_of(at, A).trainer.step_count
    click(at, wkey(A, "run", "pause"))
    steps = run_of(at, B).trainer.step_count
    at.run()
    assert run_of(at, B).trainer.step_count == steps


def test_a_builder_layer_changed_and_confusion_matrices_side_by_side():
    base = PRESETS["lenet"].spec
    at = open_page("compare", to_query(base))
    layers = to_query(base)["layers"].replace("conv2d:6:3", "conv2d:12:5")
    start(at, "layers", layers)
    assert run_of(at, B).spec.layers[0].size == 12 and run_of(at, A).spec.layers[0].size == 6
    click(at, wkey(A, "run", "step"))
    confusion = [c for c in at.main.get("plotly_chart") if "Confusion matrix" in str(c.proto.spec)]
    assert len(confusion) == 2


def test_a_bad_value_for_run_b_is_refused_with_a_message():
    at = start(open_page("compare"), "lr", "fast")
    assert_fine(at)
    assert "Learning rate" in at.error[0].value and "expected a number" in at.error[0].value
    at2 = start(open_page("compare"), "layers", "99:relu")
    assert "limit is 1 to 32" in " ".join(e.value for e in at2.error), "an impossible run B says why"
