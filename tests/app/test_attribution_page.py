import dataclasses
import json

import numpy as np
import pytest
from conftest import assert_fine, click, open_page, results, run_of, step, wkey

from dl_core import PRESETS, BuilderSpec, from_preset, to_query
from dl_core.analyses.attribution import methods_for
from dl_core.data.csv import read_csv
from dl_core.specs.presets import TABLE_PRESET
from ui import state
from ui.controls import plain

A = "attribution"
HEAVY = ("shapley_sampling", "lime")  # on a button, whatever they cost


def uploaded_table():
    """A CSV a learner uploads: 3 measurements and a number to predict. read_csv strips markup from names; the
    first is put back as markup here, so that the view's own escaping is tested too."""
    lines = ["a,b,c,target"] + [f"{r % 7},{(r * 3) % 5},{r % 4},{r * 0.37}" for r in range(60)]
    data = read_csv("\n".join(lines).encode())
    return dataclasses.replace(data, feature_names=("<b>a</b>",) + data.feature_names[1:])


def opened(query: dict | None = None, steps: int = 60, uploads: dict | None = None):
    """The Attribution page on the network ``query`` names, trained ``steps`` steps (a small trained network)."""
    at = open_page(A)
    if uploads:
        at.session_state[state.UPLOADS] = uploads
    at.query_params.update(query or {})
    at.run()
    assert_fine(at)
    run_of(at, shown_slot(at)).trainer.step(steps)
    at.run()
    assert_fine(at)
    return at, shown_slot(at)


def shown_slot(at) -> str:
    """The slot the page shows: the 2D network's or the Builder's."""
    return at.radio(key=wkey(A, "network")).value


def akey(at, *parts) -> str:
    """A widget of the lab's view: its keys are made from the slot it shows."""
    return wkey(shown_slot(at), A, *parts)


def kept(at) -> dict:
    """The lab's results for the slot it shows."""
    return results(at, f"{A}.{shown_slot(at)}")


def choose(at, method: str):
    kind = run_of(at, shown_slot(at)).data.input_kind
    at.selectbox(key=akey(at, f"method.{kind}")).set_value(method).run()
    assert_fine(at)
    return at


def open_tab(at, label: str):
    at.session_state[akey(at, "tab")] = label
    at.run()
    assert_fine(at)
    return at


def metric_labels(at) -> list[str]:
    return [m.label for m in at.metric]


def errors(at) -> str:
    return " ".join(e.value for e in at.error)


TABLE = uploaded_table()
NETWORKS = {
    "2D points (Playground)": dict(query={}),
    "2D regression (Playground)": dict(query={"dataset": "multi_gauss", "loss": "mse"}),
    "digits (LeNet)": dict(query={"kind": "builder"}),
    "2D points (Builder MLP)": dict(query=to_query(PRESETS["mlp"].spec)),
    "wine table": dict(query=to_query(PRESETS["tabular"].spec)),
    "uploaded table (regression)": dict(query=to_query(BuilderSpec(task=TABLE.name, layers=TABLE_PRESET).for_task(
        TABLE.name, TABLE_PRESET, {TABLE.name: TABLE})), uploads={TABLE.name: TABLE}),
    "symbol sequences (transformer)": dict(query=to_query(PRESETS["transformer"].spec)),
    "sine wave (GRU, regression)": dict(query=to_query(PRESETS["gru_sine"].spec)),
}


@pytest.mark.parametrize("name", list(NETWORKS))
def test_every_method_on_every_input_kind_draws_its_map(name):
    at, network = opened(**NETWORKS[name])
    run = run_of(at, network)
    assert "Σ attributions" in metric_labels(at), "the page opens with a map (Saliency), never empty"
    if "uploads" in NETWORKS[name]:  # the learner's column names reach the figures as text, never as markup
        figures = json.dumps([json.loads(c.proto.spec) for c in at.get("plotly_chart")], ensure_ascii=False)
        assert "&lt;b&gt;a&lt;/b&gt;" in figures and "<b>a</b>" not in figures
    for method in methods_for(run.data.input_kind):
        choose(at, method.name)
        if method.name in HEAVY:
            assert "Σ attributions" not in metric_labels(at), f"{method.name} waits for its button"
            click(at, akey(at, "explain", "go"))
        assert "Σ attributions" in metric_labels(at), (name, method.name, errors(at))
        assert not at.error, (name, method.name, errors(at))
        if method.name == "integrated_gradients":
            assert "Convergence delta" in metric_labels(at)
            if run.plane is not None:  # the arrows over the boundary, and the path from the baseline point
                captions = " ".join(c.value for c in at.caption)
                assert "Integrated Gradients' path from the point (0, 0)" in captions
    assert run_of(at, network) is run and run.trainer.step_count == 60, "explaining never trains or rebuilds"


def test_an_invalid_option_gives_a_message_and_the_page_stays_usable():
    at, network = opened({"kind": "builder"}, steps=20)
    choose(at, "occlusion")
    at.number_input(key=akey(at, "option.image.occlusion.window")).set_value(9).run()
    assert_fine(at)
    assert plain("the occlusion window (9) is larger than the input (8)") in errors(at)
    at.number_input(key=akey(at, "option.image.occlusion.window")).set_value(3).run()
    at.number_input(key=akey(at, "option.image.occlusion.stride")).set_value(4).run()
    assert plain("the stride (4) may not exceed the window (3)") in errors(at)
    at.number_input(key=akey(at, "option.image.occlusion.stride")).set_value(2).run()
    assert not at.error and "Σ attributions" in metric_labels(at)

    open_tab(at, "Fool it")
    box = next(n for n in at.number_input if n.key.startswith(akey(at, "epsilon")) and n.key.endswith("box"))
    box.set_value(-0.1).run()
    assert_fine(at)
    assert plain("or type ε: -0.1 is outside its limits, 0 to 0.5; it stays 0.05.") in errors(at), \
        "refused on the page, naming the field and its limits (the core refuses it too: test_adversarial.py)"
    box = next(n for n in at.number_input if n.key.endswith("box"))
    box.set_value(0.1).run()
    assert not at.error and any(m.label.startswith("Loss on this example") for m in at.metric)


def test_a_drawn_digit_is_explained_for_any_class():
    at, network = opened({"kind": "builder"}, steps=30)
    drawing = np.zeros((32, 32), dtype=np.float32)
    drawing[4:28, 15:18] = 1  # a one
    at.session_state[state.DRAWING] = drawing
    at.radio(key=akey(at, "example") + ".source").set_value("A digit I draw").run()
    assert_fine(at)
    at.selectbox(key=akey(at, "example") + ".meant").set_value(1).run()
    assert_fine(at)
    assert any(m.value.startswith("Your drawing: the network says") and "the example is **1**" in m.value
               for m in at.markdown)
    assert "Σ attributions" in metric_labels(at)
    at.selectbox(key=akey(at, "target")).set_value(3).run()
    assert_fine(at)
    assert any("The score (logit) of 3" in c.value for c in at.caption)


def test_faithfulness_and_the_sanity_check_run_on_their_buttons_and_are_kept():
    at, network = opened({"kind": "builder"}, steps=60)
    open_tab(at, "Can you trust it?")
    assert not kept(at).get("faithfulness") and not kept(at).get("sanity"), "nothing before a button"
    click(at, akey(at, "faithfulness", "go"))
    assert {"Infidelity", "Sensitivity"} <= set(metric_labels(at))
    click(at, akey(at, "sanity", "go"))
    (check,) = kept(at)["sanity"].values()
    assert set(check) == {"saliency", "guided_backprop", "gradcam"}
    layers = sum(1 for _ in run_of(at, network).model.parameters() if _.dim() >= 2)
    assert all(len(c.stages) == layers + 1 and c.stages[0].rank_correlation == pytest.approx(1.0)
               for c in check.values()), "the trained map first, then one stage per layer with weights"
    at.run()
    assert_fine(at)
    assert len(kept(at)["sanity"]) == 1 and "Infidelity" in metric_labels(at), "kept, not recomputed"
    at.radio(key=akey(at, "sanity.mode")).set_value("independent").run()
    assert_fine(at)
    assert any(b.key == akey(at, "sanity", "go") for b in at.button), "another question waits for the button again"


def test_fgsm_pgd_and_the_accuracy_under_attack():
    at, network = opened({"kind": "builder"}, steps=60)
    open_tab(at, "Fool it")
    (first,) = kept(at)["attack"].values()
    assert first.kind == "fgsm" and first.epsilon == 0.05 and first.loss_after >= first.loss_before
    at.radio(key=akey(at, "attack")).set_value("pgd").run()
    assert_fine(at)
    at.number_input(key=akey(at, "pgd_steps")).set_value(5).run()
    assert_fine(at)
    assert [a.kind for a in kept(at)["attack"].values()][-1] == "pgd"
    click(at, akey(at, "robustness", "go"))
    (curve,) = kept(at)["robustness"].values()
    assert [r.epsilon for r in curve][0] == 0 and curve[-1].epsilon == pytest.approx(0.05)
    assert curve[-1].accuracy <= curve[0].accuracy
    assert any(m.label.startswith("Test accuracy at ε = 0.05") for m in at.metric)


def test_maps_over_training_follow_the_checkpoints():
    at = open_page(A, {"kind": "builder"})
    open_tab(at, "Over training")
    assert any("Press Play or Step" in i.value for i in at.info)
    for _ in range(3):
        step(at, "builder")
    assert len(kept(at)["training"]) == 3, "a new map for every new checkpoint"
    maps = list(kept(at)["training"].values())[-1]
    steps = [step for step, _ in maps]
    assert steps[0] == 0 and steps[-1] == run_of(at, "builder").trainer.step_count == 30 and steps == sorted(steps)
    assert len({a.target for _, a in maps}) == 1, "every checkpoint explains the class predicted now"


def test_attention_only_for_networks_with_self_attention():
    at, _ = opened(to_query(PRESETS["transformer"].spec), steps=20)
    assert "Attention" in [t.label for t in at.tabs]
    open_tab(at, "Attention")
    assert len(at.get("plotly_chart")) == 2 + 2  # the input, the probabilities, and both attention layers
    at2, _ = opened(to_query(from_preset("lenet")), steps=0)
    assert "Attention" not in [t.label for t in at2.tabs]


def test_compare_methods_side_by_side():
    at, _ = opened({"kind": "builder"}, steps=30)
    open_tab(at, "Compare methods")
    (maps,) = kept(at)["compare"].values()
    assert list(maps) == ["saliency", "integrated_gradients", "guided_backprop", "gradcam", "occlusion"]
    assert len({a.target for a in maps.values()}) == 1, "every method explains the same class"
    at.multiselect(key=akey(at, "compare.image")).set_value(["saliency", "lime"]).run()
    assert_fine(at)
    click(at, akey(at, "compare", "go"))
    assert list(list(kept(at)["compare"].values())[-1]) == ["saliency", "lime"]
