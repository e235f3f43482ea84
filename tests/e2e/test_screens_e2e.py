"""Every lab on a 1400×1000 screen and on a 1024×768 classroom projector: nothing wider than the window, no
select box or text input showing less than its value, no text below 12 px. The pictures are the README's."""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import ARTIFACTS, DOCS, settle

from ui.registry import LABS

SCREENS = {1400: {"width": 1400, "height": 1000}, 1024: {"width": 1024, "height": 768}}

PROBLEMS = """() => {
  const problems = [];
  const main = document.querySelector('[data-testid="stMain"]');
  if (main && main.scrollWidth > main.clientWidth + 1) problems.push(`scrolls sideways: ${main.scrollWidth}px`);
  for (const input of document.querySelectorAll('[data-testid="stMain"] input')) {
    if (!input.offsetParent || input.type === 'checkbox' || input.type === 'radio' || !input.value) continue;
    if (input.scrollWidth > input.clientWidth + 1) problems.push(`"${input.value.slice(0, 40)}" does not fit its box`);
  }
  const texts = document.querySelectorAll('[data-testid="stMain"] p, [data-testid="stMain"] label, '
    + '[data-testid="stMain"] button, [data-testid="stMain"] td, [data-testid="stMain"] th');
  for (const text of texts) {
    if (!text.offsetParent || !text.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(text).fontSize);
    if (size < 12) problems.push(`${size}px text: ${text.textContent.trim().slice(0, 40)}`);
  }
  return problems;
}"""



@pytest.mark.parametrize("width", sorted(SCREENS, reverse=True))
def test_every_lab_fits_the_screen(server, browser, width):
    context = browser.new_context(viewport=SCREENS[width])
    page = context.new_page()
    page.set_default_timeout(60_000)
    found = {}
    try:
        for lab in LABS:
            page.goto(f"{server.url}/{lab.url_path}")
            page.get_by_role("heading", name=lab.title).first.wait_for()
            settle(page, quiet=2.0)
            found[lab.key] = page.evaluate(PROBLEMS)
            path = ARTIFACTS / f"screen-{lab.key}-{width}.png"
            page.mouse.move(0, 0)
            page.screenshot(path=str(path))  # the window, as a learner sees it first
            if os.environ.get("DL_LAB_UPDATE_SCREENSHOTS") == "1":
                DOCS.mkdir(exist_ok=True)
                shutil.copy(path, DOCS / f"{lab.key}-{width}.png")
    finally:
        context.close()
    assert {lab: problems for lab, problems in found.items() if problems} == {}
