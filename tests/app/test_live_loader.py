"""A live view's code reaches a tab once: in front of the first frame, again only when the tab asks for it."""

from __future__ import annotations

import uuid

from conftest import assert_fine, live_elements, open_page, wkey

from ui.components.loader import MAGIC, envelope, payload


def test_the_envelope_carries_the_code_and_the_frame_intact():
    frame = bytes(range(256)) * 3
    sent = envelope(b"export default function () {}", frame)
    assert sent.startswith(MAGIC) and payload(sent) == frame and payload(frame) == frame


def sent_code(at) -> list[bool]:
    return [proto.bytes.startswith(MAGIC) for proto in live_elements(at)]


def test_the_first_frame_carries_the_code_the_next_ones_do_not_and_a_tab_that_asks_gets_it_again():
    at = open_page("playground")
    assert sent_code(at) == [True]
    first = live_elements(at)[0].bytes
    assert len(first) - len(payload(first)) > 10_000  # the view's code: tens of kilobytes, once
    at.run()
    assert sent_code(at) == [False]
    key = wkey("playground", "live_view")
    at.session_state[key] = {"selected": None, "need_code": uuid.uuid4().hex}  # a reloaded tab's stub asks
    at.run()
    assert_fine(at)
    assert sent_code(at) == [True]
    at.session_state[key] = {"selected": None}
    at.run()
    assert sent_code(at) == [False]


def test_each_kind_of_live_view_sends_its_own_code_once():
    at = open_page("builder")
    protos = live_elements(at)
    assert protos and all(p.bytes.startswith(MAGIC) for p in protos)
    at.run()
    assert not any(p.bytes.startswith(MAGIC) for p in live_elements(at))
