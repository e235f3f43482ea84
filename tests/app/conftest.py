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


@pytest.fixture(autouse=True)
def alone_on_the_server(monkeypatch):
    """Each test is one learner: the live views earlier tests played do not count as learners on this server
    (they would slow every live view's pace: ``ui.live.paced``)."""
    from ui import live

    monkeypatch.setattr(live, "_ticked", {})


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


def live_elements(at: AppTest) -> list:
    """Every live view on the page (the Playground's, a lab's live charts) that holds a frame: their protos."""
    found = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            if type(child).__name__ == "UnknownElement" and child.type == "bidi_component" and \
                    child.proto.WhichOneof("data") == "bytes":
                found.append(child.proto)
            walk(child)

    walk(at._tree)
    return found


def view_frames(at: AppTest) -> list[tuple[dict, dict]]:
    """Every live view's latest frame on the page (the last of its message's parts), decoded as the browser
    decodes it: (header, arrays)."""
    from dl_core.analyses.live_frames import decode

    return [decode(parts[-1]) for parts in view_parts(at)]


def view_parts(at: AppTest) -> list[list[bytes]]:
    """Every live view's latest message on the page as its frames (one, or a tick's frames while playing)."""
    from dl_core.analyses.frames import parts
    from ui.components.loader import payload

    return [parts(payload(proto.bytes)) for proto in live_elements(at)]


def chart_frame(at: AppTest, slot_name: str = "playground") -> tuple[dict, dict]:
    """The latest frame of a slot's live charts (the Builder's, Gradient Flow's, the path's): (header, arrays).
    After a page run it carries the whole layout and every panel."""
    from dl_core.analyses.frames import decode
    from ui.components.loader import payload

    key = wkey(slot_name, "live_charts")
    frames = [decode(payload(proto.bytes)) for proto in live_elements(at) if proto.id.endswith(f"-{key}")]
    assert frames, f"no live charts for {slot_name} on the page"
    return frames[-1]


def view_send(at: AppTest, slot_name: str, name: str, value) -> AppTest:
    """What a live view's own buttons (and the Playground's diagram) send: one trigger value for one run. The
    slot's live charts get it when the page shows them, else the Playground's live view."""
    import uuid

    charts = wkey(slot_name, "live_charts")
    key, rest = (charts, {}) if charts in at.session_state else (wkey(slot_name, "live_view"), {"selected": None})
    at.session_state[key] = {**rest, name: {"id": uuid.uuid4().hex, "value": value}}
    at.run()
    at.session_state[key] = rest  # a trigger lasts one run
    assert_fine(at)
    return at


@pytest.fixture
def playground() -> AppTest:
    return open_page("playground")
