"""The live labs' charts in a real Chromium (issue 9): the Builder's, Gradient Flow's and the Loss Landscape path's
live view plays without a blank frame, redraws many times while playing, shows the paused state at once and
stops, and fits a 1400×1000 screen and a 1024×768 projector with nothing cut off. How fast it redraws is printed
and kept in tests/e2e/artifacts/live-labs-figures.json, never asserted as a time: speed is measured in
benchmarks/, and this machine is shared."""

import json
import time

import pytest
from conftest import ARTIFACTS, lose_one_frame, watch_canvases
from PIL import Image

LABS = {
    "builder": "/Builder",
    "gradient-flow": "/Gradient_Flow?layers=6:relu,6:relu,6:relu&lr=0.3",  # ReLU: the dead-unit bars too
    "landscape-path": "/Loss_Landscape?dataset=spiral&features=x1,x2,sinx1,sinx2&layers=8:tanh,8:tanh"
                      "&optimizer=adam&lr=0.03&seed=2",
}
PANELS = {"builder": {"lines", "heatmap", "images"}, "gradient-flow": {"lines", "distributions", "bars"},
          "landscape-path": {"loss_path"}}
WATCH_SECONDS = 5.0
MIN_REPAINTS = 10  # while playing for 5 s; the loaded test machine managed 60–90 (see the figures file)

# What does not fit at this width: an element wider than its panel, text cut off, a label under 12 px.
LAYOUT = """(root) => {
  const problems = [];
  const right = root.getBoundingClientRect().right;
  if (right > window.innerWidth + 1) problems.push(`the view ends at ${right}px, past the window`);
  if (root.scrollWidth > root.clientWidth + 1) problems.push('the view scrolls sideways');
  for (const panel of root.querySelectorAll('.panel')) {
    const box = panel.getBoundingClientRect();
    if (panel.scrollWidth > panel.clientWidth + 1) problems.push(`${panel.className} is wider than its column`);
    for (const canvas of panel.querySelectorAll('canvas')) {
      const end = canvas.getBoundingClientRect().right;
      if (end > box.right + 1) problems.push(`a canvas of ${panel.className} overflows`);
    }
  }
  for (const text of root.querySelectorAll('.title, .note, .status, .legend .item, button, .divergence')) {
    if (text.hidden || !text.textContent) continue;
    if (text.scrollWidth > text.clientWidth + 1) problems.push(`text cut off: ${text.textContent.slice(0, 40)}`);
    const size = parseFloat(getComputedStyle(text).fontSize);
    if (size < 12) problems.push(`${size}px text: ${text.textContent.slice(0, 40)}`);
  }
  return problems;
}"""


def view(page):
    return page.locator(".live-charts")


def counter(page, name: str) -> int:
    return int(view(page).get_attribute(f"data-{name}") or 0)


def screenshot(page, name: str) -> None:
    """The live view in the window, as a learner sees it."""
    page.mouse.move(0, 0)
    view(page).evaluate("(root) => root.scrollIntoView({ block: 'start' })")  # the buttons and the status at the top
    page.wait_for_timeout(400)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def inked_screenshot(page) -> list[float]:
    """A screenshot of the view, and for each panel's canvas the share of its pixels that are not white."""
    path = ARTIFACTS / "live-labs-probe.png"
    box = view(page).bounding_box()
    view(page).screenshot(path=str(path))
    image = Image.open(path).convert("L")
    scale = image.width / box["width"]
    shares = []
    for canvas in view(page).locator(".panel canvas").all():
        b = canvas.bounding_box()
        if b is None:  # replaced since the screenshot: a panel's layout changed (the misclassified examples)
            continue
        left, top = (b["x"] - box["x"]) * scale, (b["y"] - box["y"]) * scale
        crop = image.crop((int(left), int(top), int(left + b["width"] * scale), int(top + b["height"] * scale)))
        histogram = crop.histogram()  # 256 grey levels
        shares.append(sum(histogram[:245]) / max(1, sum(histogram)))
    return shares


def record(lab: str, figures: dict) -> None:
    path = ARTIFACTS / "live-labs-figures.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    saved[lab] = figures
    path.write_text(json.dumps(saved, indent=1))
    print(lab, figures)


@pytest.mark.parametrize("lab", list(LABS))
def test_a_live_lab_plays_without_a_blank_frame_pauses_and_fits_a_projector(server, browser, lab):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        page.goto(server.url + LABS[lab])
        page.locator(".live-charts .play").wait_for()
        view(page).locator(".panel canvas").first.wait_for()
        kinds = set(view(page).locator(".panel").evaluate_all("(ps) => ps.map((p) => p.classList[1])"))
        assert PANELS[lab] <= kinds, kinds
        page.locator(".live-charts .play").click()
        view(page).locator(".status").filter(has_text="Step").wait_for()
        page.wait_for_timeout(1500)  # Play reruns the page once; then the ticks

        seen = watch_canvases(view(page), WATCH_SECONDS, ".panel canvas")
        shots = []
        for _ in range(5):  # and the screen itself, a few times
            shots.append(inked_screenshot(page))
            page.wait_for_timeout(300)
        assert seen["blank"] == 0, f"{seen['blank']} blank canvases in {seen['frames']} animation frames"
        assert all(shot and min(shot) > 0.002 for shot in shots), f"a panel looked blank on the screen: {shots}"
        repaints = seen["grew"]("frames")
        assert seen["grew"]("step") > 0, "the step count grows while playing"
        assert repaints >= MIN_REPAINTS, f"only {repaints} repaints in {WATCH_SECONDS} s of playing"

        play = page.locator(".live-charts .play")
        play.click()
        assert "Play" in play.inner_text(), "the paused state shows at once"
        deadline, last = time.monotonic() + 15, counter(page, "step")
        while time.monotonic() < deadline:
            page.wait_for_timeout(1000)
            now = counter(page, "step")
            if now == last:
                break
            last = now
        page.wait_for_timeout(1500)
        assert counter(page, "step") == last, "nothing moves once paused"
        record(lab, {"repaints_per_second": round(repaints / WATCH_SECONDS, 1),
                     "server_frames_per_second": round(seen["grew"]("dataFrames") / WATCH_SECONDS, 1),
                     "steps_per_second": round(seen["grew"]("step") / WATCH_SECONDS),
                     "animation_frames_checked": seen["frames"], "screenshots_checked": len(shots)})
        screenshot(page, f"live-{lab}-1400")

        page.set_viewport_size({"width": 1024, "height": 768})
        page.wait_for_timeout(1500)
        assert view(page).evaluate(LAYOUT) == []
        screenshot(page, f"live-{lab}-1024")
    finally:
        context.close()


def test_a_live_lab_that_lost_a_frame_asks_for_everything_again_and_carries_on(server, page):
    """Streamlit can drop a busy server's unsent frame: its records never arrive. The frames are numbered; the
    view notices the missing one, sends "resync", and the next frame carries the layout and every record."""
    lost = lose_one_frame(page)
    page.goto(server.url + LABS["builder"])
    page.locator(".live-charts .play").wait_for()
    page.locator(".live-charts .play").click()
    view(page).locator(".status").filter(has_text="Step").wait_for()
    playing = counter(page, "frames")
    deadline = time.time() + 60
    while time.time() < deadline and counter(page, "frames") < playing + 5:  # Play reruns the page; then ticks
        page.wait_for_timeout(200)
    lost.arm()
    lost.wait_for_the_ask(page)
    before = counter(page, "frames")
    deadline = time.time() + 30
    while time.time() < deadline and counter(page, "frames") <= before + 2:
        page.wait_for_timeout(200)
    assert counter(page, "frames") > before + 2, "the view stopped after it asked"
    page.locator(".live-charts .play").click()
