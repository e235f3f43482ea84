import math
import re
import time

import numpy as np
from conftest import screenshot

STEP = re.compile(r"Step ([\d,]+) ·")
MODES = re.compile(r"Modes covered: (\d+) of (\d+)")


def step_count(page) -> int:
    return int(STEP.search(page.get_by_text(STEP).first.inner_text()).group(1).replace(",", ""))


def modes_covered(page) -> int:
    return int(MODES.search(page.get_by_text(MODES).first.inner_text()).group(1))


def class_mixing(page) -> float:
    """Within-class scatter over total scatter of the dots on the code plane, as drawn (colour = class):
    near 1 when the classes are mixed, small when each class has its own region."""
    dots = page.locator("svg[aria-label='code plane'] circle.code").evaluate_all(
        "dots => dots.map(d => [d.cx.baseVal.value, d.cy.baseVal.value, d.getAttribute('fill')])")
    xy = np.array([[x, y] for x, y, _ in dots])
    colours = np.array([c for _, _, c in dots])
    within = sum(((xy[colours == c] - xy[colours == c].mean(0)) ** 2).sum() for c in set(colours))
    return within / ((xy - xy.mean(0)) ** 2).sum()


def wait_until(condition, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_vae_learns_a_code_plane_whose_points_decode_on_click(server, page):
    page.goto(server.url + "/Generative?kind=autoencoder&speed=500")
    page.get_by_role("button", name="Play").wait_for()
    page.locator("svg[aria-label='code plane'] circle.code").first.wait_for()
    assert step_count(page) == 0
    mixed = class_mixing(page)
    page.get_by_role("button", name="Play").click()
    wait_until(lambda: step_count(page) >= 400 and class_mixing(page) < 0.5 * mixed, 60,
               "the classes to separate on the code plane")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    plane = page.locator("svg[aria-label='code plane']").bounding_box()
    page.mouse.click(plane["x"] + 0.3 * plane["width"], plane["y"] + 0.35 * plane["height"])
    decoded = page.get_by_text(re.compile(r"^Decoded at \(-?[\d.]+, -?[\d.]+\)"))
    decoded.wait_for()
    page.get_by_test_id("stImage").first.wait_for()
    screenshot(page, "generative-vae")


def test_the_gan_on_the_ring_covers_more_modes_as_it_trains(server, page):
    page.goto(server.url + "/Generative?kind=gan&target=ring&speed=250")
    page.get_by_role("button", name="Play").wait_for()
    page.get_by_text(MODES).first.wait_for()
    start = modes_covered(page)
    assert start <= 2 and "of 8" in page.get_by_text(MODES).first.inner_text()
    page.get_by_role("button", name="Play").click()
    wait_until(lambda: modes_covered(page) >= max(6, start + 4), 90, "more modes to be covered")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    page.get_by_text(re.compile(r"modes are covered")).first.wait_for()
    screenshot(page, "generative-gan")


def test_a_target_drawn_with_the_mouse_goes_into_the_link_and_trains(server, page):
    page.goto(server.url + "/Generative?kind=gan")
    page.get_by_role("button", name="Play").wait_for()
    target = page.get_by_role("combobox", name="Target distribution")
    target.click()
    target.fill("Draw your own")
    page.keyboard.press("Enter")
    pad = page.locator("canvas[aria-label='drawing plane']")
    pad.wait_for()
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    centre_x, centre_y, radius = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["width"] / 4
    page.mouse.move(centre_x + radius, centre_y)
    page.mouse.down()
    for k in range(1, 41):  # a circle of radius 1 (a quarter of the pad's 4 units)
        angle = 2 * math.pi * k / 40
        page.mouse.move(centre_x + radius * math.cos(angle), centre_y + radius * math.sin(angle))
    page.mouse.up()
    page.wait_for_url(re.compile(r"target=drawn&drawn=-?\d"))
    assert page.get_by_text(re.compile(r"^\d+ points$")).first.inner_text() != "0 points"
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(re.compile(r"^Step 10 ·")).wait_for()
