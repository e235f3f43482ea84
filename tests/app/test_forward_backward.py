import json

import numpy as np
from conftest import assert_fine, click, open_page, results, run_of, spec_of, wkey

from dl_core import PRESETS, to_query
from ui import state

PAGE = "forward_backward"


def latex(at) -> str:
    return " ".join(element.body for element in at.main.get("latex"))


def test_forward_and_backward_of_a_test_example():
    at = open_page(PAGE, {"layers": "3:tanh,2:relu", "dataset": "xor"})
    assert "\\tanh" in latex(at) and "\\frac{\\partial L}" in latex(at)
    at.select_slider(key=wkey("playground", "forward_layer")).set_value("layer 2 (relu)").run()
    assert "relu" in latex(at)
    at.select_slider(key=wkey("playground", "backward_layer")).set_value("layer 1 (tanh)").run()
    at.number_input(key=wkey("playground", "backward_unit", 0)).set_value(3).run()
    assert_fine(at)
    assert "z^{(1)}_{3}" in latex(at)


def test_examples_filtered_by_class_and_by_whether_the_network_is_right():
    at = open_page(PAGE, {"dataset": "spiral"})
    at.selectbox(key=wkey("playground", "example") + ".filter_class").set_value(1).run()
    at.selectbox(key=wkey("playground", "example") + ".filter_right").set_value("wrong").run()
    assert_fine(at)
    run = run_of(at)
    predicted, truth = (t.numpy() for t in run.trainer.predictions("test"))
    shown = next(m.value for m in at.markdown if "target **" in m.value)
    assert "target **1**" in shown
    assert ((truth == 1) & (predicted != 1)).any()


def test_a_point_of_my_own_and_a_tiny_net_with_every_number():
    at = open_page(PAGE, {"layers": "2:tanh"})
    at.radio(key=wkey("playground", "example") + ".source").set_value("A point of my own").run()
    at.number_input(key=wkey("playground", "example") + ".x1").set_value(2.5).run()
    assert "x₁ = **2.500**" in " ".join(m.value for m in at.markdown)
    charts = [json.loads(c.proto.spec) for c in at.main.get("plotly_chart")]
    labels = [a.get("text", "") for c in charts for a in c["layout"].get("annotations", [])]
    assert sum("∂=" in text for text in labels) == 2, "the weights into the first unit are labelled"
    assert all(len(text) < 40 for text in labels), "numbers on the diagram are rounded to be read"
    into = at.selectbox(key=wkey("playground", "numbers_into"))
    assert into.options == ["unit 1 of layer 1 (tanh)", "unit 2 of layer 1 (tanh)", "unit 1 of output"]
    into.set_value("unit 1 of output").run()
    chart = [json.loads(c.proto.spec) for c in at.main.get("plotly_chart") if "annotations" in c.proto.spec][0]
    labels = [a["text"] for a in chart["layout"]["annotations"]]
    assert sum("∂=" in text for text in labels) == 2 and len(labels) == 2 + 2 + 1 + 2


def test_one_optimiser_step_moves_weights_and_the_counter_at_once():
    at = open_page(PAGE, {"layers": "3:tanh", "lr": "0.3"})
    click(at, wkey("playground", "apply"))
    result = results(at, "forward_backward.playground")["step"]
    assert result.loss_after < result.loss_before
    assert run_of(at).trainer.step_count == 1
    assert any("**Step 1**" in m.value for m in at.markdown), "the status line shows the new step"
    assert len(at.main.get("dataframe")) == 1


def test_a_network_with_skip_connections_is_shown_layer_by_layer():
    at = open_page(PAGE, {"layers": "3:tanh,3:tanh", "skip": "1"})
    assert spec_of(at).model.skip and "a^{(1)}" not in latex(at), "no a = f(z) formula: it would not hold"
    assert any("shown as they are" in c.value for c in at.caption)
    names = at.select_slider(key=wkey("playground", "any_forward")).options
    assert any("Linear" in n for n in names) and any("Tanh" in n for n in names)


def test_the_builders_network_forward_and_backward():
    at = open_page(PAGE)
    at.radio(key=wkey(PAGE, "network")).set_value("builder").run()
    assert_fine(at)
    assert "z_{1}[5,5]" in latex(at)  # the first convolution, mid-map
    at.number_input(key=wkey("builder", "any_row")).set_value(4).run()
    assert "z_{1}[4,5]" in latex(at)
    names = at.select_slider(key=wkey("builder", "any_forward")).options
    at.select_slider(key=wkey("builder", "any_forward")).set_value(next(n for n in names if "Linear" in n)).run()
    assert "\\sum_i w_{1i}" in latex(at)
    click(at, wkey("builder", "apply"))
    stepped = results(at, "forward_backward.builder")["step"]
    assert stepped.loss_after < stepped.loss_before
    assert run_of(at, "builder").trainer.step_count == 1


def test_the_digit_drawn_on_the_builder_page_is_an_example_here():
    at = open_page(PAGE, to_query(PRESETS["lenet"].spec))
    at.session_state[state.DRAWING] = np.eye(32, dtype=np.float32)  # a diagonal stroke
    at.radio(key=wkey("builder", "example") + ".source").set_value("A digit I draw").run()
    at.selectbox(key=wkey("builder", "example") + ".meant").set_value(7).run()
    assert_fine(at)
    assert "target **7**" in " ".join(m.value for m in at.markdown)


def test_every_kind_of_builder_network_is_followed_through():
    for name in ("lstm", "transformer", "gru_sine", "tabular"):
        at = open_page(PAGE, to_query(PRESETS[name].spec))
        assert not at.error, (name, [e.value for e in at.error])
        assert at.select_slider(key=wkey("builder", "any_forward")).options, name


def test_a_chosen_unit_follows_a_layer_made_narrower_and_a_typed_one_beyond_it_is_refused_in_words():
    """Streamlit raises when a kept value falls outside bounds that moved; here the unit is brought inside."""
    at = open_page(PAGE, {"layers": "4:tanh,2:tanh"})
    at.number_input(key=wkey("playground", "forward_unit", 0)).set_value(4).run()
    assert "z^{(1)}_{4}" in latex(at)
    at.selectbox(key=wkey("playground", "numbers_into")).set_value("unit 4 of layer 1 (tanh)").run()
    at.number_input(key=wkey("playground", "forward_unit", 0)).set_value(9).run()
    assert any("Unit: 9 is outside its limits, 1 to 4; it stays 4" in e.value.replace("\\", "") for e in at.error)
    at.number_input(key=wkey("playground", "layers", 0, "width")).set_value(2).run()
    assert_fine(at)
    assert spec_of(at).model.hidden[0].width == 2
    assert "z^{(1)}_{2}" in latex(at) and "z^{(1)}_{4}" not in latex(at)
    assert at.selectbox(key=wkey("playground", "numbers_into")).value == "unit 1 of layer 1 (tanh)"
