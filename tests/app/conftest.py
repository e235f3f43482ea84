"""AppTest drives the real pages through the router, starting from the home page as a visitor would.
Session state is read through ui.state's key names and widget keys through ``state.widget_key``: tests
never spell a key."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import state
from ui.registry import lab

ROOT = Path(__file__).resolve().parents[2]
SOMETHING_WENT_WRONG = "Something went wrong"
wkey = state.widget_key


def open_page(key: str | None = None, query: dict | None = None) -> AppTest:
    """A fresh session on page ``key`` of the registry (the home page when None), opened with ``query``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    if key:
        at.switch_page(lab(key).script)
    at.query_params.update(query or {})  # as a deep link: the page opens with this query
    at.run()
    assert_fine(at)
    return at


def assert_fine(at: AppTest) -> None:
    """No exception, and no failure caught by the page guard."""
    assert not at.exception, at.exception
    assert not [e for e in at.error if SOMETHING_WENT_WRONG in e.value], [e.value for e in at.error]


def slot(at: AppTest, name: str):
    return at.session_state[state.SLOTS][name]


def spec_of(at: AppTest, name: str = "playground"):
    return slot(at, name).valid


def run_of(at: AppTest, name: str = "playground"):
    return at.session_state[state.LIVE][name].run


def steps(at: AppTest, name: str = "playground") -> int:
    return run_of(at, name).trainer.step_count


def results(at: AppTest, page: str) -> dict:
    return at.session_state[state.RESULTS][page]


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert_fine(at)
    return at


def step(at: AppTest, name: str = "playground") -> AppTest:
    """Step: the Streamlit button where a lab draws one, else the live view's own."""
    try:
        button = at.button(key=wkey(name, "run", "step"))
    except KeyError:
        return view_send(at, name, "command", "step")
    button.click().run()
    assert_fine(at)
    return at


def view_frames(at: AppTest) -> list[tuple[dict, dict]]:
    """Every live view's latest frame on the page, decoded as the browser decodes it: (header, arrays)."""
    from dl_core.analyses.live_frames import decode

    frames = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            if type(child).__name__ == "UnknownElement" and child.type == "bidi_component" and \
                    child.proto.WhichOneof("data") == "bytes":
                frames.append(decode(child.proto.bytes))
            walk(child)

    walk(at._tree)
    return frames


def view_send(at: AppTest, slot_name: str, name: str, value) -> AppTest:
    """What the live view's own buttons and diagram send: one trigger value for one run."""
    import uuid

    key = wkey(slot_name, "live_view")
    at.session_state[key] = {"selected": None, name: {"id": uuid.uuid4().hex, "value": value}}
    at.run()
    at.session_state[key] = {"selected": None}  # a trigger lasts one run
    assert_fine(at)
    return at


@pytest.fixture
def playground() -> AppTest:
    return open_page("playground")
