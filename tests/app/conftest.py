"""AppTest drives the real pages, starting from the home page as a visitor would."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PLAYGROUND = "pages/1_Playground.py"


def open_page(page: str | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    if page:
        at.switch_page(page)
    at.query_params.update(query or {})  # as a deep link: the page opens with this query
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def playground() -> AppTest:
    return open_page(PLAYGROUND)
