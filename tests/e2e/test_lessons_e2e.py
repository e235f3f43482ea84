"""A learner follows a lesson in a real browser: a cold link to a step on a fresh server, a wrong answer then a
right one, a challenge met by training, and the progress still there after a reload (kept by the browser)."""

import re
import time

from conftest import screenshot, settle

LESSON = "what-a-neuron-computes"
COLD_LINK = f"/Lessons?lesson={LESSON}&step=1"



def train_until_done(page, attempts: int = 5) -> str:
    """Plays for a while, pauses, and presses "Check my run", until the verdict says the goal is met."""
    verdict = page.get_by_text(re.compile(r"^(Done|Not yet|Train for)"))
    for _ in range(attempts):
        page.get_by_role("button", name=re.compile(r"Play$")).first.click()
        time.sleep(2.0)
        page.get_by_role("button", name=re.compile(r"Pause$")).first.click()
        settle(page)
        page.get_by_role("button", name="Check my run").click()
        settle(page)
        text = verdict.first.inner_text()
        if text.startswith("Done"):
            return text
    raise AssertionError(f"the challenge was not met: {text}")


def test_a_lesson_from_a_cold_link_is_answered_trained_and_kept_after_a_reload(fresh_server, page):
    page.goto(fresh_server.url + COLD_LINK)
    page.get_by_role("heading", name="1. A weighted sum and a bias").wait_for()
    settle(page)
    assert page.get_by_test_id("stSidebar").get_by_role("link", name=re.compile("Lessons")).is_visible()

    answer = page.get_by_role("textbox", name="Your answer")
    answer.fill("3")
    page.get_by_role("button", name="Check my answer").click()
    page.get_by_text(re.compile(r"^Too high\. Multiply each input by its weight")).wait_for()
    screenshot(page, "lesson-feedback")
    answer.fill("-0.5")
    page.get_by_role("button", name="Check my answer").click()
    page.get_by_text(re.compile(r"^Right\. 2·1 \+ \(−1\)·3 \+ 0\.5 = −0\.5")).wait_for()
    assert not page.get_by_text(re.compile(r"^Too high")).count(), "the new verdict replaces the old one"

    page.get_by_role("button", name="Next: The activation").click()
    page.get_by_role("heading", name="2. The activation").wait_for()
    page.wait_for_url(re.compile(r"step=2"))
    page.get_by_role("button", name="Next: Train one neuron").click()
    page.get_by_role("heading", name="3. Train one neuron").wait_for()
    page.wait_for_url(re.compile(r"step=3"))

    settle(page)
    done = train_until_done(page)
    assert re.match(r"Done: the test loss is 0\.0[0-6]\d* \(≤ 0\.06\)", done), done
    page.get_by_role("button", name="Check my run").scroll_into_view_if_needed()
    screenshot(page, "lesson-step")

    page.reload()  # a new session: the progress comes back from the browser's storage
    page.get_by_role("heading", name="3. Train one neuron").wait_for()
    page.get_by_role("button", name="All lessons").first.click()
    page.wait_for_url(re.compile(r"/Lessons$"))
    page.get_by_text("2 of 4 steps done · 2 of 4 checks passed").wait_for()
    page.get_by_text("2 of 66 checks passed across 22 lessons").wait_for()
    screenshot(page, "lessons")

    page.get_by_role("link", name="Continue").first.click()  # to the first step not done: the unanswered step 2
    page.get_by_role("heading", name="2. The activation").wait_for()
    page.wait_for_url(re.compile(rf"lesson={LESSON}&step=2"))
    page.get_by_role("button", name="1. A weighted sum and a bias").click()
    page.get_by_text("You passed this check earlier (-0.5).").wait_for()
