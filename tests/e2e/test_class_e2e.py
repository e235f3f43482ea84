"""The class board in real browsers: a teacher creates a class in one browser context and two learners join in two
others; their results reach the teacher's board without a reload (the board refreshes itself), a best run opens
from the board, a learner sees only their own results and the class's anonymous summary, and a wrong teacher secret
is refused. The Lessons page does not post results yet, so the results are posted through the board, on the same
database the server uses (with each learner's own token, taken from their page's URL)."""

import os
import re
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import ARTIFACTS, Server, screenshot

from dl_core.board import database_url, open_board

LINK = "/Playground?dataset=xor&layers=4%3Atanh%2C2%3Atanh&lr=0.03"
FIRST, RATE = "first-boundary/3", "learning-rate/2"
VIEWPORT = {"width": 1400, "height": 1000}


@pytest.fixture(scope="module")
def class_server(tmp_path_factory):
    """A server of its own whose board lives in a temporary folder; ``database`` is that board's URL."""
    saved = {name: os.environ.pop(name, None) for name in ("DL_LAB_DATA_DIR", "DL_LAB_DATABASE_URL")}
    os.environ["DL_LAB_DATA_DIR"] = str(tmp_path_factory.mktemp("board"))
    try:
        server, database = Server(), database_url()  # the server copies the environment when it starts
    finally:
        os.environ.pop("DL_LAB_DATA_DIR")
        os.environ.update({name: value for name, value in saved.items() if value is not None})
    server.database = database
    yield server
    server.stop()


@pytest.fixture
def open_context(browser):
    """New browser contexts (each its own cookies and session, as another pupil's computer), closed at the end."""
    contexts = []

    def new_page():
        contexts.append(browser.new_context(viewport=VIEWPORT))
        page = contexts[-1].new_page()
        page.set_default_timeout(60_000)
        return page

    yield new_page
    for context in contexts:
        context.close()


def query(page) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(page.url).query).items()}


def ready(page, button: str) -> None:
    page.get_by_role("button", name=button).wait_for()
    page.wait_for_timeout(800)  # the page's first rerun (a cold link goes through the router once)


def join(page, url: str, code: str | None, nickname: str) -> str:
    """Joins through the form; returns the learner's token from the page's URL."""
    page.goto(url)
    ready(page, "Join")
    box = page.get_by_role("textbox", name="Class code")
    if code is not None:
        box.fill(code)
    else:
        assert re.fullmatch(r"[A-Z2-9]{6}", box.input_value()), "the link filled in the code"
    page.get_by_role("textbox", name="Nickname").fill(nickname)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(r"learner="))
    page.get_by_role("heading", name=re.compile(f"^{nickname} · ")).wait_for()
    return query(page)["learner"]


def test_a_class_joins_its_results_reach_the_board_and_a_wrong_secret_is_refused(class_server, open_context):
    teacher = open_context()
    teacher.goto(class_server.url + "/Class")
    ready(teacher, "Create the class")
    teacher.get_by_role("textbox", name="Class name").fill("Year 9 · Networks")
    teacher.get_by_role("button", name="Create the class").click()
    teacher.wait_for_url(re.compile(r"teacher="))
    code, secret = query(teacher)["class"], query(teacher)["teacher"]
    teacher.get_by_text("Nobody has joined yet").wait_for()
    banner = teacher.get_by_test_id("stHtml")  # the code, large, for the back of the classroom
    banner.get_by_text(code[:3], exact=True).wait_for()
    assert banner.get_by_text(code[3:], exact=True).is_visible()

    ada, bea = open_context(), open_context()
    ada_token = join(ada, f"{class_server.url}/Class?class={code}", None, "Ada")  # the code came with the link
    bea_token = join(bea, f"{class_server.url}/Class", f"{code[:3].lower()} {code[3:].lower()}", "Bea")
    teacher.get_by_role("heading", name="Who passed what").wait_for()  # no reload: the board refreshes itself

    with open_board(class_server.database) as board:
        board.post_result(ada_token, FIRST, 0.93, True, LINK)
        board.post_result(bea_token, FIRST, 0.78, False, LINK + "&seed=2")
        board.post_result(bea_token, FIRST, 0.86, True, LINK + "&seed=3")
        board.post_result(bea_token, RATE, 0.041, True, LINK + "&lr=0.3", lower_is_better=True)
        for k, name in enumerate(("Cleo", "Dev", "Eli", "Finn")):  # the rest of the class, for a fuller picture
            token = board.join(code, name)
            board.post_result(token, FIRST, 0.7 + 0.07 * k, k > 0, LINK + f"&seed={10 + k}")
            board.post_result(token, RATE, 0.09 - 0.015 * k, k > 1, LINK + f"&seed={20 + k}", lower_is_better=True)

    grid = teacher.get_by_test_id("stTable").first
    grid.get_by_text("✓ 0.86 (2 tries)").wait_for()
    for cell in ("Ada", "Bea", "✓ 0.93", "✓ 0.041", "1 of 2", "2 of 2"):
        assert grid.get_by_text(cell, exact=True).count(), cell
    teacher.get_by_role("heading", name="How the figures spread").wait_for()
    teacher.wait_for_timeout(1500)  # the chart draws
    screenshot(teacher, "class-board", for_readme=False)
    teacher.get_by_test_id("stPlotlyChart").first.scroll_into_view_if_needed()
    teacher.wait_for_timeout(300)
    teacher.screenshot(path=str(ARTIFACTS / "class-board-figures.png"))  # the viewport: full_page scrolls back up

    best = teacher.get_by_test_id("stTable").nth(1).get_by_role("link", name="open run").first
    assert best.get_attribute("href") == class_server.url + LINK, "Ada's run, a link into this app"
    with teacher.context.expect_page() as opened:
        best.click()
    run = opened.value
    run.set_default_timeout(60_000)
    run.get_by_role("button", name="Play").wait_for()
    assert "dataset=xor" in run.url

    ada.get_by_text("Anonymous: how many tried").wait_for()
    summary = ada.get_by_test_id("stTable").first
    summary.get_by_text(RATE, exact=True).wait_for(timeout=30_000)  # the learner's page refreshes every 10 s
    assert "Bea" not in ada.locator("section.main, [data-testid=stMain]").first.inner_text()
    screenshot(ada, "class-learner", for_readme=False)

    stranger = open_context()
    stranger.goto(f"{class_server.url}/Class?class={code}&teacher={secret[:-3]}abc")
    stranger.get_by_text(f"This teacher link does not open the board of class {code}").wait_for()
    assert stranger.get_by_role("button", name="Join").is_visible(), "the page stays usable"
    assert not stranger.get_by_role("heading", name="Who passed what").count()
    ada.goto(f"{class_server.url}/Class?class={code}&teacher={ada_token}")  # a learner's key is no teacher's
    ada.get_by_text("does not open the board").wait_for()
    assert not ada.get_by_role("heading", name="Who passed what").count()
