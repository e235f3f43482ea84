"""The class board's data access: create, join, post, summary, board; who may read what; the rate limit;
migration; concurrent joins. On SQLite in a temporary folder, and on PostgreSQL too when
DL_LAB_TEST_DATABASE_URL names a scratch database (the tests drop the board's tables in it)."""

from __future__ import annotations

import math
import os
import threading

import numpy as np
import pytest
import sqlalchemy as sa

from dl_core.board import (
    POST_WINDOW_S, POSTS_PER_WINDOW, BadInput, BadToken, NicknameTaken, Refused,
    TooManyPosts, WrongSecret, database_url, make_engine, open_board,
)
from dl_core.board import rules, schema, store

POSTGRES_URL = os.environ.get("DL_LAB_TEST_DATABASE_URL", "").strip()
LINK = "/Playground?kind=playground&dataset=circle&lr=0.03"


class Clock:
    """A clock the test moves by hand, so the rate limit is tested without sleeping."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not POSTGRES_URL, reason="DL_LAB_TEST_DATABASE_URL names no PostgreSQL database"))])
def database(request, tmp_path):
    """A URL to an empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'board.sqlite3'}"
        return
    engine = make_engine(POSTGRES_URL)
    schema.metadata.drop_all(engine)
    engine.dispose()
    yield POSTGRES_URL
    engine = make_engine(POSTGRES_URL)
    schema.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def board(database, clock):
    with open_board(database, clock=clock) as board:
        yield board


def test_a_class_gets_a_short_code_and_a_secret_that_opens_its_board(board):
    keys = board.create_class("  Physics   10B ")
    code, secret = keys
    assert len(code) == rules.CODE_LENGTH and set(code) <= set(rules.CODE_ALPHABET)
    assert len(secret) >= 32 and secret not in repr(keys)
    shown = board.board(code, secret)
    assert (shown.name, shown.code, shown.nicknames, shown.checks, shown.best) == ("Physics 10B", code, (), (), ())
    assert board.create_class("Physics 10B").code != code


def test_learners_join_with_the_code_as_typed_and_post_their_results(board, clock):
    code, _ = board.create_class("Maths")
    ada = board.join(f" {code[:3].lower()}-{code[3:]} ", "Ada")  # spaces, a dash, lower case: still the code
    assert board.learner(ada) == store.Learner("Ada", "Maths", code)
    board.post_result(ada, "first-boundary/accuracy", 0.81, False, LINK)
    clock.now += 5
    posted = board.post_result(ada, "first-boundary/accuracy", np.float32(0.93), np.bool_(True), LINK + "&seed=2")
    assert posted.figure == pytest.approx(0.93) and posted.passed is True
    mine = board.my_results(ada)
    assert [(r.figure, r.passed) for r in mine] == [(pytest.approx(0.93), True), (pytest.approx(0.81), False)]
    assert mine[0].run_link == LINK + "&seed=2" and mine[0].posted_at.timestamp() == pytest.approx(clock.now)
    with pytest.raises(Refused, match="No class has the code"):
        board.join("ABCDEF" if code != "ABCDEF" else "ABCDEG", "Bob")


def test_a_nickname_is_taken_whatever_its_case_but_only_within_one_class(board):
    physics, maths = board.create_class("Physics").code, board.create_class("Maths").code
    board.join(physics, "Ada")
    with pytest.raises(NicknameTaken, match="already has that nickname"):
        board.join(physics, "ADA")
    assert board.learner(board.join(maths, "ada")).nickname == "ada"


def _class_with_results(board, clock):
    """Three learners, an accuracy check (higher is better) and a loss challenge (lower is better)."""
    code, secret = board.create_class("Year 9")
    ada, bob, cy = (board.join(code, name) for name in ("Ada", "bob", "Cy"))
    for token, figure, passed in [(ada, 0.70, False), (ada, 0.95, True), (ada, 0.91, True), (bob, 0.97, True),
                                  (cy, 0.60, False)]:
        clock.now += 1
        board.post_result(token, "boundary/accuracy", figure, passed, f"{LINK}&run={figure}")
    for token, figure in [(ada, 0.30), (bob, 0.12), (bob, 0.20)]:
        clock.now += 1
        board.post_result(token, "spiral/loss", figure, figure < 0.25, f"{LINK}&loss={figure}", lower_is_better=True)
    return code, secret, (ada, bob, cy)


def test_the_class_summary_counts_each_learner_once_with_their_best_figure_and_names_nobody(board, clock):
    code, _, _ = _class_with_results(board, clock)
    summary = board.class_summary(code)
    assert (summary.name, summary.learners) == ("Year 9", 3)
    accuracy, loss = summary.checks
    assert (accuracy.check, accuracy.tried, accuracy.passed, accuracy.lower_is_better) == (
        "boundary/accuracy", 3, 2, False)
    assert accuracy.figures == pytest.approx((0.60, 0.95, 0.97))
    assert (loss.check, loss.tried, loss.passed, loss.lower_is_better) == ("spiral/loss", 2, 1, True)
    assert loss.figures == pytest.approx((0.12, 0.30))  # bob's best loss is his lowest
    assert not any(word in repr(summary) for word in ("Ada", "bob", "Cy", "Playground"))


def test_the_teachers_board_shows_who_passed_what_and_the_best_runs_with_their_links(board, clock):
    code, secret, _ = _class_with_results(board, clock)
    shown = board.board(code, secret)
    assert shown.nicknames == ("Ada", "bob", "Cy")  # A to Z, ignoring case
    assert shown.passed_checks("Ada") == {"boundary/accuracy"}
    assert shown.passed_checks("bob") == {"boundary/accuracy", "spiral/loss"}
    assert shown.passed_checks("Cy") == frozenset()
    ada = shown.best_of("Ada", "boundary/accuracy")
    assert (ada.figure, ada.attempts, ada.run_link) == (0.95, 3, f"{LINK}&run=0.95")
    assert shown.best_of("Cy", "spiral/loss") is None
    assert [b.nickname for b in shown.best_runs("boundary/accuracy")] == ["bob", "Ada", "Cy"]
    assert [(b.nickname, b.figure) for b in shown.best_runs("spiral/loss")] == [("bob", 0.12), ("Ada", 0.30)]
    assert shown.best_runs("spiral/loss", top=1)[0].run_link == f"{LINK}&loss=0.12"
    assert shown.checks == board.class_summary(code).checks


def test_a_pass_is_a_learners_best_even_when_a_failed_try_had_a_better_figure(board, clock):
    """A check can ask for more than a figure (within 200 steps, say): 0.99 too slowly is not a pass."""
    code, secret = board.create_class("Year 9")
    ada = board.join(code, "Ada")
    for figure, passed in [(0.99, False), (0.90, True), (0.80, True)]:
        clock.now += 1
        board.post_result(ada, "boundary/fast", figure, passed, f"{LINK}&run={figure}")
    best = board.board(code, secret).best_of("Ada", "boundary/fast")
    assert (best.figure, best.passed, best.run_link) == (0.90, True, f"{LINK}&run=0.9")
    assert board.class_summary(code).checks[0].figures == (0.90,)


def test_a_learners_token_reads_only_their_own_results_and_never_the_board(board, clock):
    code, secret, (ada, bob, _) = _class_with_results(board, clock)
    assert {r.run_link for r in board.my_results(bob)} == {f"{LINK}&run=0.97", f"{LINK}&loss=0.12",
                                                          f"{LINK}&loss=0.2"}
    ada_id, ada_verifier = ada.split(".")
    bob_id, _ = bob.split(".")
    for forged in (f"{bob_id}.{ada_verifier}",  # someone else's id with my verifier
                   f"{ada_id}.{ada_verifier[:-1]}{'A' if ada_verifier[-1] != 'A' else 'B'}", ada_verifier, f"{ada_id}.",
                   "999999.abc", "-1.x", "١.x"):
        with pytest.raises(BadToken, match="opens nothing"):
            board.my_results(forged)
        with pytest.raises(BadToken):
            board.post_result(forged, "boundary/accuracy", 1.0, True)
    for not_the_secret in (ada, bob, ada_verifier, secret[:-1], secret + "x", code):
        with pytest.raises(WrongSecret, match="does not open the board"):
            board.board(code, not_the_secret)
    other_code, other_secret = board.create_class("Another class")
    with pytest.raises(WrongSecret):
        board.board(code, other_secret)  # a teacher's secret opens only their own class
    with pytest.raises(WrongSecret):
        board.board(other_code, secret)
    unknown = next(c for c in ("ABCDEF", "ABCDEG", "ABCDEH") if c not in (code, other_code))
    with pytest.raises(WrongSecret):
        board.board(unknown, secret)


def test_secrets_and_tokens_are_stored_only_as_hashes(board, database):
    code, secret = board.create_class("Chemistry")
    token = board.join(code, "Ada")
    board.post_result(token, "a/b", 1.0, True)
    with board.engine.connect() as conn:
        stored = [str(value) for table in (schema.classes, schema.learners)
                  for row in conn.execute(sa.select(table)) for value in row]
    assert secret not in stored and token.split(".")[1] not in stored
    assert store._digest(secret) in stored


@pytest.mark.parametrize("check, raw, message", [
    (rules.nickname, "A", "Nickname must be 2 to 20 characters (it has 1)"),
    (rules.nickname, "x" * 21, "Nickname must be 2 to 20 characters (it has 21)"),
    (rules.nickname, "<b>Ada</b>", "Nickname may use letters, digits, spaces and - _ . '"),
    (rules.nickname, "-Ada", "must start with a letter or digit"),
    (rules.nickname, "Ada\u202eevil", "Nickname may use"),  # right-to-left override: a formatting character
    (rules.nickname, 42, "Nickname must be text"),
    (rules.nickname, "x" * 1_000_000, "Nickname must be 2 to 20 characters (it has 1000000)"),
    (rules.class_code, "ABC12", "Class code must be 6 letters and digits (it has 5)"),
    (rules.class_code, "ABCDE0", "no 0, O, 1, I or L"),
    (rules.class_name, "", "Class name must be 1 to 60 characters (it has 0)"),
    (rules.class_name, "y" * 61, "Class name must be 1 to 60 characters (it has 61)"),
    (rules.check_name, "Lesson 1", "Check may use lower-case letters"),
    (rules.check_name, "a" * 81, "Check must be 1 to 80 characters (it has 81)"),
    (rules.figure, math.nan, "Figure must be a finite number"),
    (rules.figure, "0.9", "Figure must be a number"),
    (rules.figure, 10**400, "Figure must be a finite number"),
    (rules.figure, True, "Figure must be a number"),
    (rules.run_link, "https://example.org/", "Run link must be a link inside this app"),
    (rules.run_link, "//example.org/Playground", "Run link must be a link inside this app"),
    (rules.run_link, "javascript:alert(1)", "Run link must be a link inside this app"),
    (rules.run_link, "/\\example.org", "Run link must be a link inside this app"),
    (rules.run_link, "/Playground?x=<script>", "Run link must be a link inside this app"),
    (rules.run_link, "/Playground)[x](https://example.org", "Run link must be a link inside this app"),
    (rules.run_link, "/P?" + "a" * 2000, "Run link must be at most 2000 characters (it has 2003)"),
])
def test_untrusted_text_is_refused_with_the_field_and_its_limit(check, raw, message):
    with pytest.raises(BadInput) as refusal:
        check(raw)
    assert message in str(refusal.value)


def test_accepted_text_comes_back_cleaned():
    assert rules.nickname("  Zoë   O'Neil ") == "Zoë O'Neil"
    assert rules.nickname("Zoe\u0308") == "Zoë"  # the same name typed with a combining accent
    assert rules.nickname_key("ADA") == rules.nickname_key("ada")
    assert rules.class_code("abc-def") == "ABCDEF"
    assert rules.run_link(LINK) == LINK and rules.run_link("") is None and rules.run_link(None) is None
    assert rules.flag(np.bool_(False), "Passed") is False


def test_the_board_refuses_bad_input_before_touching_the_database(board):
    code, _ = board.create_class("History")
    with pytest.raises(BadInput, match="Nickname must be 2 to 20"):
        board.join(code, "A")
    token = board.join(code, "Ada")
    with pytest.raises(BadInput, match="Run link"):
        board.post_result(token, "a/b", 1.0, True, "https://example.org/")
    with pytest.raises(BadInput, match="Passed must be true or false"):
        board.post_result(token, "a/b", 1.0, 1)
    with pytest.raises(BadInput, match="Learner token must be the text from your link"):
        board.my_results("x" * 101)
    assert board.my_results(token) == []


def test_posts_are_rate_limited_per_learner(board, clock):
    code, _ = board.create_class("Biology")
    ada, bob = board.join(code, "Ada"), board.join(code, "Bob")
    for i in range(POSTS_PER_WINDOW):
        clock.now += 0.5
        board.post_result(ada, "a/b", float(i), False)
    with pytest.raises(TooManyPosts, match=f"At most {POSTS_PER_WINDOW} results a learner in 60 seconds") as refusal:
        board.post_result(ada, "a/b", 99.0, True)
    first_post = clock.now - 0.5 * (POSTS_PER_WINDOW - 1)
    assert refusal.value.retry_after == math.ceil(first_post + POST_WINDOW_S - clock.now)
    assert len(board.my_results(ada)) == POSTS_PER_WINDOW  # the refused post was not recorded
    board.post_result(bob, "a/b", 1.0, True)  # another learner is not slowed by Ada
    clock.now = first_post + POST_WINDOW_S + 0.01  # the first post has left the window: room for one more
    board.post_result(ada, "a/b", 99.0, True)
    with pytest.raises(TooManyPosts):
        board.post_result(ada, "a/b", 100.0, True)


def test_a_learner_cannot_post_more_than_the_lifetime_cap(board, clock, monkeypatch):
    monkeypatch.setattr(store, "MAX_RESULTS_PER_LEARNER", 3)
    code, _ = board.create_class("Art")
    ada = board.join(code, "Ada")
    for _ in range(3):
        clock.now += POST_WINDOW_S
        board.post_result(ada, "a/b", 1.0, True)
    clock.now += POST_WINDOW_S
    with pytest.raises(Refused, match="at most 3 results"):
        board.post_result(ada, "a/b", 1.0, True)


def test_a_full_class_takes_no_one_else(board, monkeypatch):
    monkeypatch.setattr(store, "MAX_LEARNERS_PER_CLASS", 2)
    code, _ = board.create_class("Small")
    board.join(code, "Ada")
    board.join(code, "Bob")
    with pytest.raises(Refused, match=f"Class {code} is full \\(2 learners\\)"):
        board.join(code, "Cy")


def test_a_database_at_an_older_schema_is_migrated_and_keeps_its_rows(database, clock):
    engine = make_engine(database)
    with engine.begin() as conn:  # the database as the first dl-lab with a board left it
        assert schema.migrate(conn, upto=1) == 1
        conn.execute(sa.text("INSERT INTO classes (code, name, teacher_secret_hash, created_at) "
                             "VALUES ('ABCDEF', 'Old class', :hash, 0)"), {"hash": store._digest("old secret")})
        conn.execute(sa.text("INSERT INTO learners (class_id, nickname, nickname_key, token_hash, joined_at) "
                             "SELECT id, 'Ada', 'ada', 'x', 0 FROM classes"))
        conn.execute(sa.text("INSERT INTO results (learner_id, check_name, figure, passed, run_link, posted_at) "
                             "SELECT id, 'a/b', 0.5, :yes, NULL, 10 FROM learners"), {"yes": True})
    engine.dispose()
    with open_board(database, clock=clock) as board:
        assert board.schema_version == schema.LATEST == 2
        shown = board.board("ABCDEF", "old secret")
        assert shown.nicknames == ("Ada",) and shown.checks[0].lower_is_better is False
        assert shown.best_of("Ada", "a/b").figure == 0.5
        assert "results_by_learner_and_time" in {i["name"] for i in sa.inspect(board.engine).get_indexes("results")}
    with open_board(database, clock=clock) as again:  # opening a current database changes nothing
        assert again.schema_version == 2 and again.board("ABCDEF", "old secret").nicknames == ("Ada",)


def test_the_migrations_build_exactly_the_tables_the_queries_use(board):
    found = sa.inspect(board.engine)
    for table in schema.metadata.tables.values():
        assert {c["name"] for c in found.get_columns(table.name)} == set(table.columns.keys()), table.name


def test_a_database_from_a_newer_dl_lab_is_refused(database, clock):
    with open_board(database, clock=clock) as board:
        with board.engine.begin() as conn:
            conn.execute(schema.schema_version.update().values(version=schema.LATEST + 1))
    with pytest.raises(schema.NewerSchema, match="Upgrade dl-lab"):
        open_board(database, clock=clock)


def _join_together(seats: list[tuple], code: str) -> list:
    """Each (board, nickname) joins in its own thread, all released at the same moment; their outcomes."""
    start, outcomes = threading.Barrier(len(seats)), []

    def join(board, nickname):
        start.wait()
        try:
            outcomes.append(board.join(code, nickname))
        except Exception as refusal:  # kept, so that a locked database shows as itself, not as a missing outcome
            outcomes.append(refusal)

    threads = [threading.Thread(target=join, args=seat) for seat in seats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_learners_joining_at_once_with_one_nickname_get_one_seat(database, clock):
    """Two replicas (two engines on one database) let two learners join with the same name at the same moment."""
    with open_board(database, clock=clock) as first, open_board(database, clock=clock) as second:
        code, secret = first.create_class("Race")
        for round_ in range(5):
            outcomes = _join_together([(first, f"Sam{round_}"), (second, f"SAM{round_}")], code)
            assert sorted(type(o).__name__ for o in outcomes) == ["NicknameTaken", "str"]
        assert len(first.board(code, secret).nicknames) == 5


def test_the_database_is_a_file_under_the_data_folder_unless_a_url_says_otherwise(tmp_path, monkeypatch):
    monkeypatch.delenv("DL_LAB_DATABASE_URL", raising=False)
    monkeypatch.setenv("DL_LAB_DATA_DIR", str(tmp_path / "data"))
    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'board.sqlite3'}"
    with open_board() as board:
        board.create_class("Created on first use")
    assert (tmp_path / "data" / "board.sqlite3").is_file()
    monkeypatch.delenv("DL_LAB_DATA_DIR")
    monkeypatch.chdir(tmp_path)
    assert database_url() == f"sqlite:///{tmp_path / '.dl-lab' / 'board.sqlite3'}"
    monkeypatch.setenv("DL_LAB_DATABASE_URL", "postgres://teacher:pw@db:5432/board")
    assert database_url() == "postgresql+psycopg://teacher:pw@db:5432/board"
    monkeypatch.setenv("DL_LAB_DATABASE_URL", "not a url :// at all")
    with pytest.raises(ValueError, match="DL_LAB_DATABASE_URL is not a database URL") as refusal:
        make_engine()
    assert "not a url" not in str(refusal.value)
