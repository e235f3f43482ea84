import json

from conftest import open_page

PAGE = "pages/4_Forward_Backward.py"


def latex(at) -> str:
    return " ".join(element.body for element in at.main.get("latex"))


def test_forward_and_backward_of_a_training_point():
    at = open_page(PAGE, {"layers": "3:tanh,2:relu", "dataset": "xor"})
    assert not at.exception
    assert "\\tanh" in latex(at) and "\\frac{\\partial L}" in latex(at)
    at.select_slider(key="fb.forward_layer").set_value("layer 2 (relu)").run()
    assert "relu" in latex(at)
    at.select_slider(key="fb.backward_layer").set_value("layer 1 (tanh)").run()
    at.number_input(key="fb.backward_unit.0").set_value(3).run()
    assert not at.exception and "z^{(1)}_{3}" in latex(at)


def test_a_point_of_my_own_and_a_tiny_net_with_every_number():
    at = open_page(PAGE, {"layers": "2:tanh"})
    at.radio(key="fb.source").set_value("A point of my own").run()
    at.number_input(key="fb.x1").set_value(2.5).run()
    assert "Point (2.50, -1.00)" in " ".join(m.value for m in at.markdown)
    charts = [json.loads(c.proto.spec) for c in at.main.get("plotly_chart")]
    assert any(any("∂=" in a.get("text", "") for a in c["layout"].get("annotations", [])) for c in charts)


def test_a_big_net_offers_the_tiny_one():
    at = open_page(PAGE, {"layers": "8:tanh,8:tanh"})
    at.button(key="fb.tiny").click().run()
    assert not at.exception
    assert at.session_state["lab.spec"].model.hidden[0].width == 2


def test_one_optimiser_step_moves_weights_and_the_counter():
    at = open_page(PAGE, {"layers": "3:tanh", "lr": "0.3"})
    at.button(key="fb.apply").click().run()
    assert not at.exception
    result = at.session_state["fb.step"]
    assert result.loss_after < result.loss_before
    assert at.session_state["lab.run"].trainer.step_count == 1
    assert len(at.main.get("dataframe")) == 1


def test_skip_connections_are_turned_off_before_the_formulas_are_shown():
    at = open_page(PAGE, {"layers": "3:tanh,3:tanh", "skip": "1"})
    assert not at.exception and not at.main.get("latex")
    at.button(key="fb.plain").click().run()
    assert not at.session_state["lab.spec"].model.skip and at.main.get("latex")


def test_the_builders_network_forward_and_backward():
    at = open_page(PAGE)
    at.radio(key="fb.network").set_value("The Builder's network").run()
    assert not at.exception
    assert "z_{1}[5,5]" in " ".join(e.body for e in at.main.get("latex"))  # the first convolution, mid-map
    at.number_input(key="fb.bd_row").set_value(4).run()
    assert "z_{1}[4,5]" in " ".join(e.body for e in at.main.get("latex"))
    names = at.select_slider(key="fb.bd_forward").options
    at.select_slider(key="fb.bd_forward").set_value(next(n for n in names if "Linear" in n)).run()
    assert "\\sum_i w_{1i}" in " ".join(e.body for e in at.main.get("latex"))
    at.select_slider(key="fb.bd_back").set_value(names[0]).run()
    at.button(key="fb.bd.apply").click().run()
    assert not at.exception
    assert at.session_state["fb.bd.step"].loss_after < at.session_state["fb.bd.step"].loss_before


def test_the_digit_drawn_on_the_builder_page_is_an_example_here():
    import numpy as np

    at = open_page(PAGE)
    at.session_state["bd.drawing"] = np.eye(32, dtype=np.float32)  # a diagonal stroke
    at.radio(key="fb.network").set_value("The Builder's network").run()
    at.radio(key="fb.bd_source").set_value("The digit you drew on the Builder page").run()
    at.selectbox(key="fb.bd_meant").set_value(7).run()
    assert not at.exception
    assert "Target **7**" in " ".join(m.value for m in at.markdown)
    names = at.select_slider(key="fb.bd_back").options
    at.select_slider(key="fb.bd_back").set_value(next(n for n in names if "Linear" in n)).run()
    assert "\\frac{\\partial L}{\\partial b_{1}}" in " ".join(e.body for e in at.main.get("latex"))
