"""The Lessons page: the list with the learner's progress, a lesson opened at a step by its link, each step's
experiment with only the controls it leaves, and every lesson walked from its first step to its last with
every check answered on the page.

The measure and challenge checks are answered on runs scripted as in tests/core/test_lessons.py (its
SCRIPTS: settings changed from the preset, then so many steps), made here through the page's own slot."""

from __future__ import annotations

import importlib.util
import json
import math
import sys

import pytest
from conftest import ROOT, assert_fine, click, open_page, results, run_of, slot, wkey

from dl_core import from_query, make_run
from dl_core.analyses.metrics import METRICS, NAME, measure
from dl_core.lessons import ChoiceCheck, Lesson, MeasureCheck, NumberCheck, discover
from ui import lessons, state
from ui.controls import plain
from ui.lesson_views import embedded, key
from ui.registry import lab, lab_view

CATALOGUE = discover()
PAGE = lessons.PAGE
STORE = wkey(PAGE, "progress_store")


def _core_scripts():
    """The scripted runs of the core test of lessons (one truth for what reaches each goal)."""
    spec = importlib.util.spec_from_file_location("lesson_scripts", ROOT / "tests" / "core" / "test_lessons.py")
    module = sys.modules.setdefault(spec.name, importlib.util.module_from_spec(spec))
    spec.loader.exec_module(module)  # registered first: its dataclasses look their module up
    return module.SCRIPTS, module.TICK


SCRIPTS, TICK = _core_scripts()


def open_step(slug: str, number: int = 1):
    return open_page(PAGE, {lessons.LESSON: slug, lessons.STEP: str(number)})


def kept_in_browser(at) -> dict | None:
    """What the page last asked the browser to keep (None: nothing yet)."""
    store = next(e for e in at.main.children.values() if getattr(e, "type", "") == "bidi_component")
    return json.loads(store.proto.json)["keep"]


def verdicts(at) -> list[tuple[bool, str]]:
    return [(True, s.value) for s in at.success] + [(False, w.value) for w in at.warning]


def scripted(at, lesson: Lesson, number: int) -> None:
    """The step's slot gets the script's settings (as a link writes them) and a fresh run, which trains as the
    core test's does; the page then draws it (its lab attaches what it observes)."""
    assert (lesson.slug, number) in SCRIPTS, f"add a scripted run for {lesson.slug}, step {number} (tests/core)"
    script = SCRIPTS[(lesson.slug, number)].good
    name = lessons.experiment_slot(lesson, number)
    spec, warnings = from_query({**dict(lesson.step(number).experiment.settings), **script.changes})
    assert warnings == []
    slot(at, name).draft = slot(at, name).valid = spec
    at.session_state[state.LIVE][name].run = make_run(spec)  # what Reset does, whichever lab draws the buttons
    at.run()
    assert_fine(at)
    run = run_of(at, name)
    for done in range(0, script.steps, TICK):
        run.trainer.step(min(TICK, script.steps - done))


def answer(at, lesson: Lesson, number: int) -> None:
    """Answers the step's check rightly, as a learner would on the page."""
    check = lesson.step(number).check
    field = key(lesson, number, "answer")
    if isinstance(check, ChoiceCheck):
        at.radio(key=field).set_value(next(o.text for o in check.options if o.right))
    elif isinstance(check, NumberCheck):
        at.text_input(key=field).set_value(repr(check.answer))
    else:
        scripted(at, lesson, number)
        if isinstance(check, MeasureCheck):
            value = measure(check.metric, run_of(at, lessons.experiment_slot(lesson, number)))
            if METRICS[check.metric].kind == NAME:
                at.radio(key=field).set_value(value)
            else:
                assert math.isfinite(value)
                at.text_input(key=field).set_value(repr(value))
    click(at, key(lesson, number, "submit"))


@pytest.mark.parametrize("slug", [lesson.slug for lesson in CATALOGUE.lessons])
def test_every_lesson_walked_from_its_first_step_to_its_last_with_every_check_passed(slug):
    lesson = CATALOGUE.named(slug)
    at = open_step(slug)
    for step in lesson.steps:
        assert at.query_params[lessons.LESSON] == slug and at.query_params[lessons.STEP] == str(step.number)
        assert any(m.value == f"### {step.number}. {step.title}" for m in at.markdown)
        if step.check is not None:
            answer(at, lesson, step.number)
            assert verdicts(at) and verdicts(at)[0][0], (step.number, verdicts(at))
        if step.number < len(lesson.steps):
            click(at, key(lesson, step.number, "next"))
    progress = results(at, PAGE)[lessons.PROGRESS][slug]
    assert progress.visited == {s.number for s in lesson.steps}
    assert set(progress.passed) == {number for number, _ in lesson.checks}


# ---------------------------------------------------------------- the list


def test_the_list_shows_every_lesson_in_order_with_a_link_to_its_first_step():
    at = open_page(PAGE)
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headings == [f"#### {lesson.order}. {plain(lesson.title)}" for lesson in CATALOGUE.lessons]
    links = [link.proto for link in at.get("page_link") if link.proto.query_string]
    assert [link.query_string for link in links] == [f"lesson={lesson.slug}&step=1" for lesson in CATALOGUE.lessons]
    assert {link.label for link in links} == {"Start"} and all(link.help for link in links)
    captions = " ".join(c.value for c in at.caption)
    assert "**10 minutes** · 4 steps · concepts: neuron, weights" in captions and "after: 1. What a neuron" in captions
    assert not at.warning and dict(at.query_params) == {}


def test_an_unknown_lesson_in_a_link_is_named_as_text_and_the_list_shown():
    at = open_page(PAGE, {lessons.LESSON: "<b>no-such</b>", lessons.STEP: "2"})
    (warning,) = at.warning
    assert "\\<b\\>no-such\\</b\\>" in warning.value and dict(at.query_params) == {}
    assert len([m for m in at.markdown if m.value.startswith("#### ")]) == len(CATALOGUE.lessons)


# ---------------------------------------------------------------- a lesson's step


FIRST = CATALOGUE.named("what-a-neuron-computes")


def test_a_cold_link_opens_its_step_and_the_url_follows_the_learner():
    at = open_step(FIRST.slug, 2)
    assert any(m.value == "### 2. The activation" for m in at.markdown)
    click(at, key(FIRST, 2, "next"))
    assert at.query_params[lessons.STEP] == "3" and any(m.value == "### 3. Train one neuron" for m in at.markdown)
    click(at, key(FIRST, 3, "previous"))
    assert at.query_params[lessons.STEP] == "2"
    click(at, key(FIRST, 4, "jump"))  # the sidebar's list of steps
    assert at.query_params[lessons.STEP] == "4"
    assert not any(b.key == key(FIRST, 4, "next") for b in at.button), "no next step after the last"
    assert any(b.key == key(FIRST, 4, "next_lesson") for b in at.button)
    click(at, key(FIRST, 4, "list"))
    assert dict(at.query_params) == {} and any(m.value.startswith("#### 1. ") for m in at.markdown)


@pytest.mark.parametrize("asked, shown", [("99", "4"), ("0", "1"), ("two", "1")])
def test_a_stale_or_nonsense_step_number_opens_a_real_step(asked, shown):
    at = open_step(FIRST.slug, asked)
    assert at.query_params[lessons.STEP] == shown and not at.warning


def test_a_wrong_answer_gets_its_own_feedback_and_a_right_one_passes():
    at = open_step(FIRST.slug, 1)
    check = FIRST.step(1).check
    at.text_input(key=key(FIRST, 1, "answer")).set_value("3")
    click(at, key(FIRST, 1, "submit"))
    assert at.warning[0].value == plain(f"Too high. {check.too_high}") and not at.success
    at.text_input(key=key(FIRST, 1, "answer")).set_value("−0.5")
    click(at, key(FIRST, 1, "submit"))
    assert at.success[0].value.startswith("Right.") and not at.warning
    choice = FIRST.step(4).check
    wrong = next(o for o in choice.options if not o.right)
    click(at, key(FIRST, 1, "jump"))
    click(at, key(FIRST, 4, "jump"))
    at.radio(key=key(FIRST, 4, "answer")).set_value(wrong.text)
    click(at, key(FIRST, 4, "submit"))
    assert at.warning[0].value == plain(f"Not quite. {wrong.feedback}")
    assert results(at, PAGE)[lessons.PROGRESS][FIRST.slug].passed == {1: "-0.5"}


def test_a_steps_experiment_draws_only_its_own_controls_and_keeps_its_run_on_the_next_step():
    at = open_step(FIRST.slug, 3)
    name = lessons.experiment_slot(FIRST, 3)
    assert not at.select_slider(key=wkey(name, "lr")).disabled, "shown: the learner may change it"
    assert at.selectbox(key=wkey(name, "dataset")).disabled and at.pills(key=wkey(name, "features")).disabled
    drawn = {w.key for w in at.main.get("slider") + at.main.get("selectbox") + at.main.get("select_slider")}
    assert wkey(name, "noise") not in drawn and wkey(name, "optimizer") not in drawn, "hidden: not drawn"
    assert not at.sidebar.get("select_slider"), "a lesson's controls are in the step, not the sidebar"
    at.select_slider(key=wkey(name, "lr")).set_value(0.1).run()
    run = run_of(at, name)
    run.trainer.step(30)
    click(at, key(FIRST, 3, "next"))
    assert lessons.experiment_slot(FIRST, 4) == name and run_of(at, name) is run and run.trainer.step_count == 30
    assert at.select_slider(key=wkey(name, "lr")).value == 0.1
    click(at, key(FIRST, 4, "restore"))
    assert slot(at, name).valid == FIRST.step(3).experiment.spec


def test_a_challenge_is_judged_on_the_steps_own_run_and_the_hook_hears_of_a_pass(monkeypatch):
    heard = []
    monkeypatch.setattr(lessons, "on_check_passed", lambda *args: heard.append(args))
    at = open_step(FIRST.slug, 3)
    click(at, key(FIRST, 3, "submit"))
    assert plain("Train for at least 50 steps first (so far: 0)") in at.warning[0].value and not heard
    run = run_of(at, lessons.experiment_slot(FIRST, 3))
    run.trainer.step(100)
    click(at, key(FIRST, 3, "submit"))
    assert at.success[0].value.startswith(plain("Done: the test loss is"))
    ((lesson, step, verdict, judged),) = heard
    assert (lesson.slug, step.number, verdict.passed, judged) == (FIRST.slug, 3, True, run)


def test_a_question_about_the_learners_run_is_measured_and_can_be_shown_after_a_wrong_answer():
    lesson = CATALOGUE.named("forward-propagation")
    at = open_step(lesson.slug, 3)
    parameters = measure("parameters", run_of(at, lessons.experiment_slot(lesson, 3)))
    at.text_input(key=key(lesson, 3, "answer")).set_value(str(parameters + 50))
    click(at, key(lesson, 3, "submit"))
    assert at.warning[0].value.startswith("Too high.")
    click(at, key(lesson, 3, "reveal"))
    assert f"is {parameters:,.0f}" in at.info[-1].value
    at.text_input(key=key(lesson, 3, "answer")).set_value(f"{parameters:,.0f}")
    click(at, key(lesson, 3, "submit"))
    assert at.success[0].value.startswith(plain("Right: on your run it is"))


# ---------------------------------------------------------------- progress kept in the browser


def test_progress_from_the_browser_is_read_checked_and_written_back_only_once_it_has_arrived():
    at = open_page(PAGE)
    assert kept_in_browser(at) is None, "nothing is written before the browser's own copy has arrived"
    at.session_state[STORE] = {"stored": {"version": 1, "lessons": {
        FIRST.slug: {"visited": [1, 2, "<b>", 99], "passed": {"1": "-0.5", "x": "1"}},
        "Not A Slug!": {"visited": [1]}, "activation-functions": "nonsense"}}}
    at.run()
    assert_fine(at)
    assert "1 of 4 steps done · 1 of 4 checks passed" in [c.value for c in at.caption]
    assert kept_in_browser(at) == {"version": 1, "lessons": {FIRST.slug: {"visited": [1, 2], "passed": {"1": "-0.5"}}}}
    at.query_params.update({lessons.LESSON: FIRST.slug, lessons.STEP: "4"})
    at.run()
    assert kept_in_browser(at)["lessons"][FIRST.slug]["visited"] == [1, 2, 4]
    assert "You passed this check earlier" not in " ".join(s.value for s in at.success)
    click(at, key(FIRST, 1, "jump"))
    assert "You passed this check earlier (-0.5)." in [s.value for s in at.success]


# ---------------------------------------------------------------- lessons as a teacher writes them


def test_a_malformed_lesson_is_reported_by_name_and_line_and_a_lessons_text_is_never_html(tmp_path, monkeypatch):
    good = (ROOT / "lessons" / "01-what-a-neuron-computes" / "lesson.md").read_text()
    (tmp_path / "01-what-a-neuron-computes").mkdir()
    (tmp_path / "01-what-a-neuron-computes" / "lesson.md").write_text(
        good.replace("## 1. A weighted sum and a bias\n", "## 1. A weighted sum and a bias\n\n"
                     "<script>alert(1)</script> <b>bold</b>\n"))
    (tmp_path / "02-broken").mkdir()
    (tmp_path / "02-broken" / "lesson.md").write_text(good.replace("lab: playground", "lab: kitchen"))
    monkeypatch.setattr(lessons, "LESSONS_DIR", tmp_path)
    at = open_page(PAGE)
    assert [m.value for m in at.markdown if m.value.startswith("#### ")] == ["#### 1. What a neuron computes"]
    (warning,) = at.warning
    assert "02-broken, line " in warning.value and "unknown lab 'kitchen'" in warning.value.replace("\\", "")
    at = open_step("what-a-neuron-computes", 1)
    text = next(m for m in at.markdown if "alert(1)" in m.value)
    assert not text.proto.allow_html and not any(m.proto.allow_html for m in at.markdown)


def test_a_lab_that_cannot_be_embedded_trains_in_its_kinds_lab_with_a_link_to_its_own():
    shown, show, linked = embedded("compare", "playground")
    assert (shown, show, linked) == ("playground", lab_view("playground"), lab("compare"))
    assert embedded("gradient_flow", "playground")[:2] == ("gradient_flow", lab_view("gradient_flow"))


def test_a_passed_challenge_reaches_the_class_board_of_a_learner_who_joined_one(tmp_path, monkeypatch):
    """The lesson's hook posts who, which check, the figure reached and a link that reopens the run."""
    from dl_core.board import open_board

    monkeypatch.setenv("DL_LAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DL_LAB_DATABASE_URL", raising=False)
    with open_board() as board:
        keys = board.create_class("Lesson hook")
        token = board.join(keys.code, "Ada")
    at = open_step(FIRST.slug, 3)
    at.session_state[state.CLASS_LEARNER] = token
    run_of(at, lessons.experiment_slot(FIRST, 3)).trainer.step(100)
    click(at, key(FIRST, 3, "submit"))
    assert any(plain("Posted to your class board") in c.value for c in at.caption)
    with open_board() as board:
        (best,) = board.board(keys.code, keys.teacher_secret).best
    loss = measure("test_loss", run_of(at, lessons.experiment_slot(FIRST, 3)))
    assert (best.nickname, best.check, best.passed) == ("Ada", f"{FIRST.slug}/3", True)
    assert math.isclose(best.figure, loss, rel_tol=1e-2) and best.run_link.startswith("/Playground?")
    summary = next(c for c in board.board(keys.code, keys.teacher_secret).checks)
    assert summary.lower_is_better, "a loss goal (≤) ranks lower figures first"


def test_a_learner_in_no_class_posts_nothing():
    at = open_step(FIRST.slug, 3)
    run_of(at, lessons.experiment_slot(FIRST, 3)).trainer.step(100)
    click(at, key(FIRST, 3, "submit"))
    assert not any("class board" in c.value for c in at.caption)
    assert results(at, lessons.PAGE)["posted"] == {(FIRST.slug, 3): None}
