import re

from conftest import screenshot

LINK = "/Loss_Landscape?dataset=spiral&features=x1,x2,sinx1,sinx2&layers=8:tanh,8:tanh&optimizer=adam&lr=0.03&seed=2"


def test_a_shared_landscape_link_computes_a_landscape_and_shows_the_path(server, page):
    page.goto(server.url + LINK)
    page.get_by_role("button", name="Play").wait_for()
    assert "Spiral" in page.get_by_role("combobox", name="Dataset").input_value()
    page.get_by_text("L(θ + αδ + βη), L(θ) =").first.wait_for()  # the 2D slice at the initial weights
    page.get_by_role("button", name="Play").click()
    page.get_by_text(re.compile(r"snapshots since step 0, projected on their two main directions")).wait_for()
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    step = int(re.search(r"Step ([\d,]+)", page.get_by_text(re.compile(r"^Step [\d,]+")).first.inner_text())
               .group(1).replace(",", ""))
    assert step > 0
    page.get_by_text(f"The views below use the weights at step {step:,}").wait_for()
    page.get_by_test_id("stPlotlyChart").nth(2).wait_for()  # path, contour and surface
    screenshot(page, "loss-landscape")


def test_gradient_flow_names_vanishing_gradients_and_applies_a_remedy(server, page):
    layers = ",".join(["8:sigmoid"] * 8)
    page.goto(f"{server.url}/Gradient_Flow?layers={layers}&lr=0.1")
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(re.compile("^Vanishing gradients")).wait_for()
    screenshot(page, "gradient-flow")
    page.get_by_role("button", name="Use ReLU").click()
    page.wait_for_url(re.compile(r"layers=8%3Arelu"))
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(re.compile(r"^Step 25 ")).wait_for()
    page.get_by_test_id("stAlert").first.wait_for()
    verdicts = " ".join(alert.inner_text() for alert in page.get_by_test_id("stAlert").all())
    assert "Vanishing" not in verdicts, verdicts


def test_forward_backward_shows_the_numbers(server, page):
    page.goto(f"{server.url}/Forward_Backward?layers=2:tanh&dataset=xor&seed=4")
    page.get_by_role("tab", name="Every number").wait_for()
    page.get_by_text(re.compile(r"loss on this example")).wait_for()
    page.get_by_role("tab", name="Every number").click()
    page.get_by_text(re.compile(r"On each edge: its weight w")).wait_for()
    page.get_by_role("tab", name="Forward pass").click()
    page.locator(".katex").first.wait_for()
    screenshot(page, "forward-backward")


def test_builder_trains_the_digits_cnn_past_90_percent(server, page):
    page.goto(f"{server.url}/Builder")
    page.get_by_role("button", name="Play").wait_for()
    page.get_by_text("5,750 parameters").wait_for()
    add = page.get_by_role("combobox", name="Add a layer")  # build: a dropout layer at the end
    for _ in range(3):  # a rerun can close the list while it is open; type the choice, then check it took
        add.click()
        add.fill("Dropout")
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)
        if add.input_value() == "Dropout":
            break
    assert add.input_value() == "Dropout"
    page.get_by_role("button", name="Add at the end").click()
    page.get_by_role("combobox", name="Layer", exact=True).nth(9).wait_for()  # a tenth layer row
    assert page.get_by_role("combobox", name="Layer", exact=True).nth(9).input_value() == "Dropout"
    page.get_by_role("button", name="Play").click()
    page.get_by_text(re.compile(r"test accuracy (9\d|100)\.\d%")).first.wait_for(timeout=120_000)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    screenshot(page, "builder")
    page.get_by_text("Export or open a network").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="PyTorch script (.py)").click()
    text = open(download.value.path()).read()
    assert download.value.suggested_filename == "digits_network.py"
    assert "def build_model() -> nn.Sequential:" in text and "nn.Conv2d(1, 6, 3, padding=1)" in text

    pad = page.locator("canvas[aria-label='drawing pad']")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for k in range(1, 11):  # a vertical stroke: a one
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * (0.15 + 0.07 * k))
    page.mouse.up()
    page.get_by_text(re.compile(r"It reads \d")).wait_for()
    screenshot(page, "builder-draw")
