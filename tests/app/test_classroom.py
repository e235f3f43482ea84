"""Classroom mode: a teacher's link hides and locks controls on every lab; the server refuses a changed
locked value, in the widgets and in the URL."""

import pytest
from conftest import assert_fine, open_page, spec_of, wkey

from dl_core import BuilderSpec, PlaygroundSpec, to_query
from ui.url import classroom_query

LABS = {"playground": "playground", "forward_backward": "playground", "loss_landscape": "playground",
        "gradient_flow": "playground", "compare": "playground", "builder": "builder"}


def teacher_link(spec, hide=("noise",), lock=("lr",)) -> dict[str, str]:
    return to_query(spec) | classroom_query(spec, frozenset(hide), frozenset(lock))


def spec_for(kind: str):
    return PlaygroundSpec() if kind == "playground" else BuilderSpec()


@pytest.mark.parametrize("page", list(LABS))
def test_a_teachers_link_hides_and_locks_controls_on_every_lab(page):
    kind = LABS[page]
    hide = ("noise",) if kind == "playground" else ("init",)
    at = open_page(page, teacher_link(spec_for(kind), hide=hide, lock=("lr", "optimizer")))
    assert not at.error, [e.value for e in at.error]
    keys = {w.key for w in at.sidebar.get("selectbox") + at.sidebar.get("slider") + at.sidebar.get("select_slider")}
    assert wkey(kind, hide[0]) not in keys, "a hidden control is not drawn"
    assert at.select_slider(key=wkey(kind, "lr")).disabled and at.selectbox(key=wkey(kind, "optimizer")).disabled
    assert not at.select_slider(key=wkey(kind, "batch")).disabled
    assert at.query_params["lock"] == "lr,optimizer" and at.query_params["seal"], "the URL keeps the classroom"
    link = at.sidebar.get("popover")[0].code[0].value
    assert "lock=lr%2Coptimizer" in link and "seal=" in link, "sharing keeps the teacher's settings"
    popovers = [p.proto.popover.label for p in at.sidebar.get("popover")]
    assert "For teachers" not in popovers, "no teacher's box for the class"


def test_a_changed_locked_value_in_the_url_is_refused_with_a_message():
    at = open_page("playground", teacher_link(PlaygroundSpec(), lock=("lr", "dataset")))
    at.query_params["lr"] = "3"
    at.query_params["dataset"] = "spiral"
    at.query_params["noise"] = "10"  # not locked: taken
    at.run()
    assert_fine(at)
    spec = spec_of(at)
    assert spec.train.learning_rate == 0.03 and spec.data.dataset == "circle" and spec.data.noise == 10
    text = " ".join(w.value for w in at.warning)
    assert "Learning rate is locked at 0.03" in text and "Dataset is locked at circle" in text


def test_removing_the_lock_from_the_url_does_not_unlock_the_session():
    at = open_page("playground", teacher_link(PlaygroundSpec()))
    for key in ("lock", "hide", "seal"):
        del at.query_params[key]
    at.query_params["lr"] = "1"
    at.run()
    assert spec_of(at).train.learning_rate == 0.03 and at.select_slider(key=wkey("playground", "lr")).disabled


def test_an_altered_teachers_link_opens_its_locked_settings_at_their_defaults():
    query = teacher_link(PlaygroundSpec(), lock=("lr",))
    query["lr"] = "3"  # the learner edits the link itself before opening it
    at = open_page("playground", query)
    assert spec_of(at).train.learning_rate == 0.03
    assert any("changed after it was made" in w.value for w in at.warning)


def test_the_teachers_box_builds_a_sealed_link_from_the_ticked_controls():
    at = open_page("playground")
    at.multiselect(key=wkey("playground", "hide")).set_value(["noise", "features"]).run()
    at.multiselect(key=wkey("playground", "lock")).set_value(["dataset"]).run()
    teacher = next(p for p in at.sidebar.get("popover") if p.proto.popover.label == "For teachers")
    link = teacher.code[0].value
    assert "hide=features%2Cnoise" in link and "lock=dataset" in link and "seal=" in link
    query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))
    from urllib.parse import unquote

    opened = open_page("playground", {k: unquote(v) for k, v in query.items()})
    assert not opened.warning and opened.selectbox(key=wkey("playground", "dataset")).disabled
