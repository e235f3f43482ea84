import json

import pytest
from conftest import PLAYGROUND, open_page

from dl_core import LayerSpec, Spec

K = 25  # steps per tick by default


def spec_of(at) -> Spec:
    return at.session_state["lab.spec"]


def run_of(at):
    return at.session_state["lab.run"]


def steps(at) -> int:
    return run_of(at).trainer.step_count


# (how to find the widget, the new value, what the spec must then say)
CONTROLS = [
    (lambda at: at.selectbox(key="pg.dataset"), "xor", lambda s: s.data.dataset == "xor"),
    (lambda at: at.slider(key="pg.noise"), 20, lambda s: s.data.noise == 20),
    (lambda at: at.slider(key="pg.train_share"), 70, lambda s: s.data.train_share == 70),
    (lambda at: at.select_slider(key="pg.points"), 1000, lambda s: s.data.n_points == 1000),
    (lambda at: at.get("button_group")[0], ["x1", "x2", "x1sq"], lambda s: s.model.features == ("x1", "x2", "x1sq")),
    (lambda at: at.number_input(key="pg.n_layers"), 3, lambda s: len(s.model.hidden) == 3),
    (lambda at: at.number_input(key="pg.width0"), 6, lambda s: s.model.hidden[0].width == 6),
    (lambda at: at.selectbox(key="pg.act1"), "relu", lambda s: s.model.hidden[1] == LayerSpec(2, "relu")),
    (lambda at: at.slider(key="pg.dropout"), 0.2, lambda s: s.model.dropout == 0.2),
    (lambda at: at.selectbox(key="pg.init"), "he", lambda s: s.model.init == "he"),
    (lambda at: at.checkbox(key="pg.norm"), True, lambda s: s.model.norm),
    (lambda at: at.checkbox(key="pg.skip"), True, lambda s: s.model.skip),
    (lambda at: at.selectbox(key="pg.loss"), "mse", lambda s: s.train.loss == "mse"),
    (lambda at: at.selectbox(key="pg.optimizer"), "adam", lambda s: s.train.optimizer == "adam"),
    (lambda at: at.select_slider(key="pg.lr"), 0.1, lambda s: s.train.learning_rate == 0.1),
    (lambda at: at.select_slider(key="pg.batch"), 30, lambda s: s.train.batch_size == 30),
    (lambda at: at.selectbox(key="pg.reg"), "l2", lambda s: s.train.regularization == "l2"),
    (lambda at: at.select_slider(key="pg.rate"), 0.01, lambda s: s.train.reg_rate == 0.01),
    (lambda at: at.checkbox(key="pg.show_test"), True, lambda s: s.view.show_test),
    (lambda at: at.checkbox(key="pg.discretize"), True, lambda s: s.view.discretize),
]


@pytest.mark.parametrize("find, value, check", CONTROLS, ids=[str(c[1]) + str(i) for i, c in enumerate(CONTROLS)])
def test_each_control_changes_the_spec_and_the_url(playground, find, value, check):
    at = playground
    assert not check(spec_of(at))
    find(at).set_value(value).run()
    assert not at.exception and not at.error
    assert check(spec_of(at))
    assert at.query_params == spec_of(at).to_query()


def test_problem_type_switches_to_a_regression_dataset_and_loss(playground):
    at = playground
    at.radio(key="pg.problem").set_value("regression").run()
    spec = spec_of(at)
    assert spec.data.dataset == "plane" and spec.train.loss == "mse"
    assert run_of(at).trainer.history.last("test_accuracy") != run_of(at).trainer.history.last("test_accuracy")  # NaN


def test_regenerate_draws_new_data_with_a_new_seed(playground):
    at = playground
    before = run_of(at).trainer.dataset.x_train.copy()
    next(b for b in at.sidebar.button if b.label == "Regenerate").click().run()
    assert spec_of(at).data.seed == 1
    assert (run_of(at).trainer.dataset.x_train != before).any()


def test_n_ticks_while_playing_advance_n_times_k_steps(playground):
    at = playground
    at.button(key="lab.run.play").click().run()  # Play reruns the page: the first tick
    assert run_of(at).playing and steps(at) == K
    for _ in range(3):
        at.run()
    assert steps(at) == 4 * K
    at.select_slider(key="pg.speed").set_value(50).run()
    assert steps(at) == 4 * K + 50
    at.button(key="lab.run.pause").click().run()
    paused_at = steps(at)
    at.run()
    assert not run_of(at).playing and steps(at) == paused_at


def test_step_and_reset(playground):
    at = playground
    at.button(key="lab.run.step").click().run()
    assert steps(at) == K and not run_of(at).playing
    assert any(f"Step {K}" in m.value for m in at.markdown)
    at.button(key="lab.run.reset").click().run()
    assert steps(at) == 0


def test_learning_rate_change_keeps_training_but_a_new_layer_resets_it(playground):
    at = playground
    at.button(key="lab.run.step").click().run()
    at.select_slider(key="pg.lr").set_value(0.3).run()
    assert steps(at) == K and run_of(at).trainer.optimizer.param_groups[0]["lr"] == 0.3
    at.number_input(key="pg.n_layers").set_value(3).run()
    assert steps(at) == 0


def test_a_bad_url_gives_a_warning_not_an_exception():
    at = open_page(PLAYGROUND, {"lr": "abc", "layers": "4:relu,999:tanh", "dataset": "xor", "junk": "1"})
    assert not at.exception
    text = at.warning[0].value
    assert "lr='abc'" in text and "999 neurons" in text
    assert spec_of(at).data.dataset == "xor" and spec_of(at).train.learning_rate == 0.03


def test_a_shared_link_reopens_the_same_state():
    query = {"dataset": "spiral", "noise": "15", "layers": "6:relu,3:tanh", "optimizer": "adam", "lr": "0.01",
             "seed": "42", "features": "x1,x2,sinx1"}
    at = open_page(PLAYGROUND, query)
    spec = spec_of(at)
    assert spec.data.seed == 42 and spec.model.hidden == (LayerSpec(6, "relu"), LayerSpec(3, "tanh"))
    assert at.selectbox(key="pg.optimizer").value == "adam" and at.slider(key="pg.noise").value == 15
    link = at.sidebar.get("popover")[0].code[0].value
    assert "/Playground?" in link and "seed=42" in link and "layers=6%3Arelu%2C3%3Atanh" in link


def test_untrainable_settings_are_refused_and_the_last_network_stays(playground):
    at = playground
    at.get("button_group")[0].set_value([]).run()
    assert not at.exception
    assert "Choose at least one input feature" in at.error[0].value
    assert spec_of(at).model.features == ("x1", "x2")
    at.button(key="lab.run.step").click().run()
    assert steps(at) == K, "the session stays usable"


def test_an_oversized_network_is_refused_with_the_limit_named(playground):
    at = playground
    at.number_input(key="pg.n_layers").set_value(6).run()
    for i in range(6):
        at.number_input(key=f"pg.width{i}").set_value(32).run()
    assert "the limit is 4,000" in at.error[0].value
    assert len(spec_of(at).model.hidden) == 6 and spec_of(at).parameter_count <= 4000


def test_divergence_is_shown_and_reset_recovers():
    at = open_page(PLAYGROUND, {"dataset": "plane", "loss": "mse", "lr": "10", "init": "large",
                                "layers": "8:relu,8:relu"})
    at.button(key="lab.run.play").click().run()
    assert not at.exception
    assert "diverged" in at.error[0].value
    assert not run_of(at).playing and at.button(key="lab.run.play").disabled
    at.button(key="lab.run.reset").click().run()
    assert not at.error and steps(at) == 0


def test_a_clicked_neuron_is_shown_large(playground):
    at = playground
    at.session_state["pg.network"] = {"selected": [1, 2]}  # what the view reports after a click
    at.run()
    assert not at.exception
    boundary = json.loads(at.main.get("plotly_chart")[0].proto.spec)
    assert boundary["layout"]["title"]["text"].startswith("layer 1, neuron 3 (tanh)")
