import re
import time

from conftest import screenshot

STATUS = re.compile(r"Step ([\d,]+) · epoch [\d.,]+ · train loss ([\d.]+)")
DEEP_LINK = ("/Playground?dataset=xor&noise=10&layers=5:relu,3:relu&optimizer=adam&lr=0.01"
             "&test=1&seed=7&features=x1,x2,x1x2")


def status(page) -> tuple[int, float]:
    text = page.get_by_text(STATUS).first.inner_text()
    match = STATUS.search(text)
    return int(match.group(1).replace(",", "")), float(match.group(2))


def wait_for_status(page, condition, timeout=30.0) -> tuple[int, float]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        now = status(page)
        if condition(*now):
            return now
        time.sleep(0.25)
    raise AssertionError(f"status stayed at {now}")


def test_cold_deep_link_shows_its_state_then_trains_live(fresh_server, page):
    page.goto(fresh_server.url + DEEP_LINK)
    page.get_by_role("button", name="Play").wait_for()
    # The controls show the link's state, not the defaults.
    assert "Exclusive or" in page.get_by_role("combobox", name="Dataset").input_value()
    assert page.get_by_role("combobox", name="Optimiser").input_value() == "Adam"
    assert page.get_by_role("spinbutton", name="Hidden layers").input_value() == "2"
    assert page.get_by_role("spinbutton", name="Layer 1 neurons").input_value() == "5"
    assert page.get_by_role("checkbox", name="Show test data").is_checked()
    # The navigation knows where we are, and the URL still carries the state.
    assert page.get_by_test_id("stSidebar").get_by_role("link", name=re.compile("Playground")).is_visible()
    assert "dataset=xor" in page.url and "seed=7" in page.url
    start_step, start_loss = status(page)
    assert start_step == 0

    page.get_by_role("button", name="Play").click()
    step, loss = wait_for_status(page, lambda s, l: s >= 500, timeout=60)
    assert loss < start_loss, "the loss falls while training"
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    paused = status(page)
    time.sleep(1.0)
    assert status(page) == paused, "nothing moves once paused"
    screenshot(page, "playground")


def test_hovering_a_neuron_shows_it_large_and_clicking_pins_it(server, page):
    page.goto(server.url + "/Playground?dataset=circle&layers=4:tanh&seed=3")
    nodes = page.locator("g.node")
    nodes.first.wait_for()
    assert nodes.count() == 2 + 4 + 1
    nodes.nth(3).hover()
    zoom = page.locator(".zoom")
    zoom.wait_for(state="visible")
    assert "layer 1, neuron 2" in zoom.inner_text()
    nodes.nth(3).click()
    page.get_by_text(re.compile(r"^layer 1, neuron 2 \(tanh\) · step 0")).wait_for()
    screenshot(page, "playground-neuron")


def test_step_button_and_url_follow_the_controls(server, page):
    page.goto(server.url + "/Playground")
    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_status(page, lambda s, l: s == 25)
    page.get_by_text("Show test data").click()
    page.wait_for_url(re.compile(r"test=1"))
    assert status(page)[0] == 25, "a view setting does not reset training"


def test_a_broken_link_warns_and_the_page_still_works(server, page):
    page.goto(server.url + "/Playground?lr=fast&layers=99:relu")
    warning = page.get_by_text(re.compile("This link had settings that could not be used"))
    warning.wait_for()
    assert "lr='fast'" in page.get_by_test_id("stAlert").first.inner_text()
    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_status(page, lambda s, l: s == 25)


def test_home_page_links_to_the_playground(server, page):
    page.goto(server.url)
    page.get_by_role("heading", name="dl-lab").wait_for()
    page.get_by_test_id("stMain").get_by_role("link", name=re.compile("Playground")).click()
    page.get_by_role("button", name="Play").wait_for()
    assert page.url.split("?")[0].endswith("/Playground")
    screenshot(page, "home-to-playground", for_readme=False)
