"""The flows AppTest cannot see: the Builder's editor in a real browser (rows must follow the network after
every structural change), a teacher's link opened cold, a CSV uploaded through the browser, a Builder
network opened cold from its link."""

import re
from urllib.parse import urlencode

from conftest import ARTIFACTS, play_button, screenshot, step_button, wait_for_status

from dl_core import PRESETS, PlaygroundSpec, to_query

STEP = re.compile(r"Step ([\d,]+) · epoch")


def rows(page) -> list[str]:
    return [box.input_value() for box in page.get_by_role("combobox", name="Layer", exact=True).all()]


def choose(page, name: str, value: str) -> None:
    """Types a choice into a select box (sturdier than clicking in its popup while the page reruns)."""
    box = page.get_by_role("combobox", name=name, exact=True)
    for _ in range(3):
        box.click()
        box.fill(value)
        page.keyboard.press("Enter")
        page.wait_for_timeout(600)
        if value in box.input_value():
            return
    assert value in box.input_value(), box.input_value()


def parameters(page) -> str:
    """The network's total, as the metric beside the editor shows it."""
    return page.get_by_test_id("stMetricValue").first.inner_text()


def total_is(page, figure: str) -> None:
    page.get_by_test_id("stMetricValue").get_by_text(figure, exact=True).wait_for()


def settle(page, expected_rows: int) -> None:
    page.get_by_role("combobox", name="Layer", exact=True).nth(expected_rows - 1).wait_for()
    page.wait_for_timeout(1500)


def test_the_builder_keeps_the_network_the_learner_sees(server, page):
    page.goto(server.url + "/Builder")
    total_is(page, "5,750")
    settle(page, 9)
    lenet = ["Conv2d", "Activation", "MaxPool", "Conv2d", "Activation", "MaxPool", "Flatten", "Linear", "Activation"]
    assert rows(page) == lenet
    page.get_by_role("button", name="close").first.click()  # ✕ on row 1 (it names itself "Remove layer 1")
    total_is(page, "4,970")
    assert rows(page) == lenet[1:], "every row shows its own layer after the first is removed"
    page.get_by_role("button", name="swap_vert").nth(1).click()  # row 2's move menu, then "Move down"
    page.get_by_role("button", name="Move down").click()
    page.wait_for_timeout(2000)
    assert rows(page) == ["Activation", "Conv2d", "MaxPool", "Activation", "MaxPool", "Flatten", "Linear", "Activation"]
    before = parameters(page)
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(re.compile(r"^Step 10 · ")).wait_for()
    assert parameters(page) == before, "the next click keeps the network"
    assert page.get_by_role("combobox", name="Start from a preset").input_value() == "Your own network"

    choose(page, "Data", "Remember the first symbol")
    total_is(page, "4,996")
    assert rows(page) == ["LSTM", "Last step"]
    assert not page.get_by_test_id("stAlert").filter(has_text="Conv2d").count(), "no error about a layer not added"
    assert "LSTM" in page.get_by_role("combobox", name="Start from a preset").input_value()

    choose(page, "Start from a preset", "Tiny transformer")
    page.get_by_role("button", name="Load this preset").click()
    page.get_by_role("combobox", name="Layer", exact=True).nth(4).wait_for()
    page.wait_for_timeout(1500)
    assert rows(page) == ["Linear", "Self-attention", "Residual block", "Self-attention", "Flatten"]
    assert page.get_by_role("combobox", name="Data", exact=True).input_value() == "Remember the first symbol"
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(re.compile(r"^Step 10 · ")).wait_for()
    assert rows(page) == ["Linear", "Self-attention", "Residual block", "Self-attention", "Flatten"]
    screenshot(page, "builder-transformer", for_readme=False)


def test_a_builder_link_opens_its_network_cold(fresh_server, page):
    spec = PRESETS["lstm"].spec
    page.goto(f"{fresh_server.url}/Builder?{urlencode(to_query(spec))}")
    total_is(page, "4,996")
    settle(page, 2)
    assert rows(page) == ["LSTM", "Last step"]
    assert page.get_by_role("combobox", name="Data", exact=True).input_value() == "Remember the first symbol"
    assert page.get_by_test_id("stSidebar").get_by_role("link", name=re.compile("Builder")).is_visible()


def test_a_teachers_link_opened_cold_hides_and_locks(fresh_server, page):
    from ui.url import classroom_query

    spec = PlaygroundSpec()
    query = to_query(spec) | classroom_query(spec, frozenset({"noise", "features"}), frozenset({"lr", "dataset"}))
    page.goto(f"{fresh_server.url}/Playground?{urlencode(query)}")
    play_button(page).wait_for()
    sidebar = page.get_by_test_id("stSidebar")
    assert not sidebar.get_by_text("Noise (%)").count() and not sidebar.get_by_text("Input features").count()
    assert page.get_by_role("combobox", name="Dataset").is_disabled()
    assert sidebar.get_by_role("slider", name="Learning rate").is_disabled()
    assert not sidebar.get_by_role("button", name="For teachers").count()
    step_button(page).click()
    wait_for_status(page, lambda step, _: step > 0)
    assert "lock=" in page.url and "seal=" in page.url
    screenshot(page, "teacher-link")


def test_a_csv_uploaded_in_the_browser_trains(server, page):
    lines = ["x,y,label"] + [f"{(r % 11) - 5},{(r * 7) % 13 - 6},{'in' if ((r % 11) - 5) ** 2 < 9 else 'out'}"
                             for r in range(150)]
    path = ARTIFACTS / "points.csv"
    path.write_text("\n".join(lines))
    page.goto(server.url + "/Playground")
    play_button(page).wait_for()
    page.get_by_text("Your own points (CSV)").click()
    page.get_by_test_id("stSidebar").locator("input[type=file]").set_input_files(str(path))
    page.get_by_text(re.compile("Read 150 rows")).wait_for()
    page.get_by_role("button", name="Train on these points").click()
    page.wait_for_url(re.compile(r"dataset=upload%3A"))
    step_button(page).click()
    wait_for_status(page, lambda step, _: step > 0)
    assert "Your points" in page.get_by_role("combobox", name="Dataset").input_value()
