"""The Class page: a teacher creates a class, learners join in their own sessions, results posted from a lesson
(``post_result``) reach the teacher's board; a wrong secret, a bad code or nickname are refused naming the field;
a learner sees only their own results and the class's anonymous summary. Each test has its own database."""

from __future__ import annotations

import re

import pytest
from conftest import assert_fine, open_page
from streamlit.testing.v1 import AppTest

from dl_core import PRESETS, PlaygroundSpec
from dl_core.board import database_url, open_board
from ui import state
from ui.class_membership import UNREACHABLE, run_link
from ui.controls import plain
from ui.labs.class_board import CLASS, LEARNER, TEACHER, app_link

LINK = "/Playground?kind=playground&dataset=xor&lr=0.03"
CHECK = "first-boundary/3"


@pytest.fixture(autouse=True)
def board_dir(tmp_path, monkeypatch):
    """The board's SQLite file in a folder of this test's own (the page opens it from the environment)."""
    monkeypatch.setenv("DL_LAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DL_LAB_DATABASE_URL", raising=False)
    return tmp_path


def submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert_fine(at)
    return at


def create_class(name: str = "Physics 10B") -> AppTest:
    at = open_page("class")
    at.text_input(key=state.widget_key("class", "name")).input(name)
    return submit(at, "Create the class")


def join(code: str | None, nickname: str, at: AppTest | None = None) -> AppTest:
    """Joins through the form; ``code`` None keeps the code the page filled in."""
    at = at or open_page("class")
    if code is not None:
        at.text_input(key=state.widget_key("class", "code")).input(code)
    at.text_input(key=state.widget_key("class", "nickname")).input(nickname)
    return submit(at, "Join")


def lesson_passes(check, figure, lower_is_better, link):
    """Stands in for the Lessons page: a check passed in a session that has joined a class."""
    import streamlit as st

    from ui.class_membership import post_result

    st.text(repr(post_result(check, figure, lower_is_better, link)))


def post(token: str | None, check: str, figure: float, lower_is_better: bool = False, link: str | None = LINK) -> str:
    """What ``post_result`` answers in a session holding ``token`` (None: a session that joined no class)."""
    at = AppTest.from_function(lesson_passes, args=(check, figure, lower_is_better, link), default_timeout=60)
    at.session_state[state.CLASS_LEARNER] = token
    at.run()
    assert not at.exception, at.exception
    return at.text[0].value


def held(at: AppTest, key: str):
    """What the session keeps under ``key`` (None when nothing)."""
    return at.session_state[key] if key in at.session_state else None


def errors(at: AppTest) -> str:
    """The page's error messages as a reader sees them (the markdown escapes of ``plain`` undone)."""
    return re.sub(r"\\(.)", r"\1", " ".join(e.value for e in at.error))


def shown_text(at: AppTest) -> str:
    """Everything a page writes as text, tables included."""
    parts = [e.value for kind in ("markdown", "caption", "subheader", "text", "code", "info") for e in at.get(kind)]
    parts += [df.value.to_csv() for df in [*at.dataframe, *at.table]]
    return "\n".join(str(p) for p in parts)


def test_a_teacher_creates_a_class_two_learners_join_and_the_board_shows_both():
    teacher = create_class("Physics <b>10B</b> _now_")
    code, secret = state_keys = teacher.session_state[state.CLASS_TEACHER]
    assert teacher.query_params[CLASS] == code and teacher.query_params[TEACHER] == secret, "a reload keeps the board"
    assert [h for h in teacher.get("html") if code[:3] in h.proto.body], "the code, large"
    assert "Physics \\<b\\>10B\\</b\\> \\_now\\_" in [s.value for s in teacher.subheader], "the name shown as text"
    assert "Nobody has joined yet" in teacher.info[0].value

    ada = join(None, "Ada", open_page("class", {CLASS: code}))  # the learners' link fills in the code
    bea = join(f"{code[:3].lower()} {code[3:].lower()}", "Bea")  # typed as a child types it
    ada_token, bea_token = ada.session_state[state.CLASS_LEARNER], bea.session_state[state.CLASS_LEARNER]
    assert ada.query_params[LEARNER] == ada_token and bea.query_params[LEARNER] == bea_token
    assert "Ada · Physics" in ada.subheader[0].value

    assert post(ada_token, CHECK, 0.93).startswith("'Posted to your class board: first-boundary/3, 0.93")
    assert post(bea_token, CHECK, 0.81, link=LINK + "&seed=2").startswith("'Posted")
    assert post(bea_token, "first-boundary/5", 0.052, lower_is_better=True).startswith("'Posted")

    teacher.run()  # what the board's timer does every few seconds
    assert_fine(teacher)
    assert teacher.session_state[state.CLASS_TEACHER] == state_keys
    grid = teacher.table[0].value  # Markdown cells: check names and nicknames escaped, marks coloured
    assert list(grid["Learner"]) == ["Ada", "Bea"] and list(grid["Passed"]) == ["1 of 2", "2 of 2"]
    assert list(grid[plain(CHECK)]) == [":green[✓ 0.93]", ":green[✓ 0.81]"]
    assert list(grid[plain("first-boundary/5")]) == ["", ":green[✓ 0.052]"]
    assert [m.value for m in teacher.metric] == ["2", "2", "3 of 3"]
    spread = teacher.get("plotly_chart")[0].proto.spec
    assert "Ada" in spread and "Bea" in spread and "lower is better" in spread
    best = teacher.table[1].value
    assert list(best["learner"]) == ["Ada", "Bea", "Bea"]
    assert best["run"][0] == f"[open run](http://localhost:8501{LINK})", "each run a link into this app"
    everyone = teacher.dataframe[0].value
    assert list(everyone["learner"]) == ["Ada", "Bea", "Bea"] and everyone["run"][1].endswith("&seed=2")

    ada.run()
    assert_fine(ada)
    mine = ada.dataframe[0].value
    assert list(mine["check"]) == [CHECK] and list(mine["figure"]) == ["0.93"]
    assert list(ada.table[0].value["tried"]) == ["2", "1"], "the class's summary: counts per check"
    picture = ada.get("plotly_chart")[0].proto.spec
    assert "you: " in picture and "Bea" not in picture, "her own best marked, nobody named"


def test_a_reload_keeps_teacher_and_learner_where_they_were():
    teacher = create_class()
    code, secret = teacher.session_state[state.CLASS_TEACHER]
    token = join(code, "Ada").session_state[state.CLASS_LEARNER]
    again = open_page("class", {CLASS: code, TEACHER: secret})
    assert again.session_state[state.CLASS_TEACHER] == (code, secret)
    assert list(again.table[0].value["Learner"]) == ["Ada"]
    learner = open_page("class", {LEARNER: token})
    assert learner.session_state[state.CLASS_LEARNER] == token and "Ada · Physics 10B" in learner.subheader[0].value


def test_a_wrong_teacher_secret_is_refused_and_the_page_stays_usable():
    teacher = create_class()
    code, secret = teacher.session_state[state.CLASS_TEACHER]
    wrong = open_page("class", {CLASS: code, TEACHER: secret[:-2] + "xx"})
    assert f"This teacher link does not open the board of class {code}" in errors(wrong)
    assert held(wrong, state.CLASS_TEACHER) is None
    assert not wrong.table and not wrong.dataframe and TEACHER not in wrong.query_params
    assert wrong.text_input(key=state.widget_key("class", "code")).value == code, "the join form, code filled in"
    join(None, "Ada", wrong)
    assert wrong.session_state[state.CLASS_LEARNER], "the page still works: a learner joins"
    huge = open_page("class", {CLASS: code, TEACHER: "x" * 5000})
    assert "Teacher secret must be the text from your link, at most 100 characters" in errors(huge)
    nonsense = open_page("class", {CLASS: "0OIL", TEACHER: secret})
    assert "Class code must be 6 letters and digits (it has 4)" in errors(nonsense)


def test_a_bad_code_or_nickname_is_refused_naming_the_field_and_its_limit():
    code, _ = create_class().session_state[state.CLASS_TEACHER]
    at = join(code, "<script>")
    assert "Nickname may use letters, digits, spaces and - _ . '" in errors(at)
    assert held(at, state.CLASS_LEARNER) is None
    join(code, "A", at)
    assert "Nickname must be 2 to 20 characters (it has 1)" in errors(at)
    join("ABC", "Ada", at)
    assert "Class code must be 6 letters and digits (it has 3)" in errors(at)
    join("ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY", "Ada", at)
    assert "No class has the code" in errors(at)
    join(code, "Ada", at)
    assert at.session_state[state.CLASS_LEARNER] and not at.error, "the same form, fixed, joins"
    taken = join(code, "ADA")
    assert "already has that nickname" in errors(taken)
    empty = create_class("   ")
    assert "Class name must be 1 to 60 characters (it has 0)" in errors(empty)


def test_a_learner_sees_their_own_results_and_the_anonymous_summary_never_the_board():
    teacher = create_class()
    code, secret = teacher.session_state[state.CLASS_TEACHER]
    ada, bea = join(code, "Ada"), join(code, "Bea")
    ada_token, bea_token = ada.session_state[state.CLASS_LEARNER], bea.session_state[state.CLASS_LEARNER]
    post(ada_token, CHECK, 0.93)
    post(bea_token, CHECK, 0.61, link=LINK + "&seed=7")
    ada.run()
    text = shown_text(ada)
    assert "0.93" in text and "Bea" not in text and "seed=7" not in text, "nothing of Bea's but the summary"
    assert "Ada" not in str(ada.get("plotly_chart")[0].proto.spec), "the class's picture is anonymous"
    ada.query_params.update({CLASS: code, TEACHER: ada_token})  # her own key is no teacher secret
    ada.run()
    assert "does not open the board" in errors(ada) and "Bea" not in shown_text(ada)
    assert ada.session_state[state.CLASS_LEARNER] == ada_token, "she stays joined as herself"
    stranger = open_page("class", {LEARNER: ada_token[:-3] + "abc"})
    assert "This learner link opens nothing" in errors(stranger) and not stranger.dataframe


def place_of(node, subheader: str, path: tuple = ()) -> tuple | None:
    """Where a subheader sits in the page's tree (block and element indices)."""
    if getattr(node, "type", None) == "subheader" and getattr(node, "value", None) == subheader:
        return path
    for key, child in getattr(node, "children", {}).items():
        if (found := place_of(child, subheader, path + (key,))) is not None:
            return found
    return None


def test_a_learners_page_keeps_its_layout_as_results_arrive():
    """The summary refreshes itself; when a first result replaces "No results yet", what follows must keep its
    place, or the browser shows the old and the new class summary together for a moment."""
    teacher = create_class()
    code, _ = teacher.session_state[state.CLASS_TEACHER]
    ada = join(code, "Ada")
    before = place_of(ada._tree, "Your class")
    assert before is not None and "1 learner." in shown_text(ada)
    post(ada.session_state[state.CLASS_LEARNER], CHECK, 0.93)
    join(code, "Bea")
    ada.run()
    assert place_of(ada._tree, "Your class") == before
    assert "2 learners." in shown_text(ada) and "0.93" in shown_text(ada)


def test_post_result_answers_in_sentences_and_never_raises():
    code, secret = create_class().session_state[state.CLASS_TEACHER]
    token = join(code, "Ada").session_state[state.CLASS_LEARNER]
    assert post(None, CHECK, 0.9) == "None", "no class joined: nothing posted, nothing said"
    assert "Check may use lower-case letters" in post(token, "Lesson 1!", 0.9)
    assert "Figure must be a finite number" in post(token, CHECK, float("nan"))
    assert post(token, CHECK, 0.9, link="https://elsewhere.example/run").startswith("'Posted"), "a bad link dropped"
    assert "opens nothing" in post(token + "x", CHECK, 0.9)
    with open_board(database_url()) as board:
        best = board.board(code, secret).best
    assert [(b.nickname, b.figure, b.run_link) for b in best] == [("Ada", 0.9, None)]


def test_a_board_out_of_reach_does_not_stop_a_lesson(monkeypatch):
    code, _ = create_class().session_state[state.CLASS_TEACHER]
    token = join(code, "Ada").session_state[state.CLASS_LEARNER]
    monkeypatch.setenv("DL_LAB_DATABASE_URL", "not a database")
    assert post(token, CHECK, 0.9) == repr(UNREACHABLE)


def test_a_learner_following_another_class_link_is_told_which_class_they_are_in():
    code, _ = create_class("Maths").session_state[state.CLASS_TEACHER]
    other, _ = create_class("Physics").session_state[state.CLASS_TEACHER]
    at = join(code, "Ada")
    at.query_params.clear()
    at.query_params[CLASS] = other
    at.run()
    assert f"This link is for class {other}; you are in class {code}" in at.info[0].value
    assert "Ada · Maths" in at.subheader[0].value and at.query_params[LEARNER] == held(at, state.CLASS_LEARNER)


def test_run_links_lead_only_to_this_apps_pages():
    made = run_link("playground", PlaygroundSpec())
    assert made.startswith("/Playground?") and app_link(made) == "http://localhost:8501" + made
    assert run_link("builder", PRESETS["lenet"].spec).startswith("/Builder?")
    assert app_link("/Playground?dataset=xor&lr=0.03") == "http://localhost:8501/Playground?dataset=xor&lr=0.03"
    assert app_link("/Builder?kind=builder#top") == "http://localhost:8501/Builder?kind=builder"
    for outside in ("https://elsewhere.example/x", "//elsewhere.example/x", "javascript:alert(1)", "/Nowhere?x=1",
                    "/Playground/../x", "Playground?x=1", "/Play ground", None, ""):
        assert app_link(outside) is None, outside
