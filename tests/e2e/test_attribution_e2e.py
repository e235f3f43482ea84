import re

from conftest import screenshot


def choose(page, label: str, value: str) -> None:
    """Types a choice into a select box (sturdier than clicking a popup a rerun may close), then checks it took."""
    box = page.get_by_role("combobox", name=label, exact=True)
    for _ in range(3):
        box.click()
        box.fill(value)
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)
        if box.input_value().startswith(value):
            break
    assert box.input_value().startswith(value)


def to_top(page, locator) -> None:
    """Scrolls Streamlit's main area so that ``locator`` is at the top of the window (for the screenshots)."""
    locator.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)


def test_a_drawn_digit_explained_checked_and_attacked(server, page):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{server.url}/Attribution?kind=builder")
    page.get_by_role("button", name="Play").click()  # train the Builder's digits CNN for a moment
    page.get_by_text(re.compile(r"test accuracy (9\d|100)\.\d%")).first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()

    page.get_by_text("A digit I draw").click()
    pad = page.locator("canvas[aria-label='drawing pad']")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    stroke = [(0.25 + 0.05 * k, 0.2) for k in range(11)] + [(0.75 - 0.035 * k, 0.2 + 0.065 * k) for k in range(11)]
    page.mouse.move(box["x"] + box["width"] * stroke[0][0], box["y"] + box["height"] * stroke[0][1])
    page.mouse.down()
    for x, y in stroke[1:]:  # a seven: across the top, then down to the left
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
    page.mouse.up()
    page.get_by_text(re.compile(r"^Your drawing: the network says")).wait_for()
    choose(page, "The digit you meant", "7")
    page.get_by_text(re.compile(r"the example is 7: (right|wrong)")).wait_for()

    choose(page, "Method", "Integrated Gradients")
    page.get_by_text("Convergence delta").wait_for()
    page.get_by_text("over the input").first.wait_for()  # the map blended over the drawn digit
    to_top(page, page.get_by_text(re.compile(r"^Your drawing: the network says")))
    screenshot(page, "attribution")

    page.get_by_role("tab", name="Can you trust it?").click()
    page.get_by_role("button", name="Run the sanity check").click()
    page.get_by_text("Rank correlation of |map| with the trained map").wait_for()
    page.get_by_role("tab", name="Guided Backprop").wait_for()
    to_top(page, page.get_by_role("heading", name=re.compile("^Sanity checks")))
    screenshot(page, "attribution-sanity")

    page.get_by_role("tab", name="Fool it").click()
    page.get_by_text(re.compile(r"^(Fooled|Not fooled|Already wrong)")).wait_for()
    page.get_by_role("button", name="Test accuracy under attack").click()
    page.get_by_text(re.compile(r"^Test accuracy at ε = 0\.05")).wait_for()
    to_top(page, page.get_by_role("tab", name="Fool it"))
    screenshot(page, "attribution-fgsm")
