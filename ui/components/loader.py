"""Live views whose code reaches a browser tab once, not with every frame.

Components v2 puts an element's JavaScript in every element message: a live view repainted ten times a second
would resend its ~30 KB of code with each ~2 KB frame. So the element registered with Streamlit carries only a
small stub (``STUB``, always the same), and the real code travels once per tab, in front of the first frame:

    b"DLC1" | code length (uint32, little-endian) | code (UTF-8) | the frame

The stub imports the code from a Blob URL, keeps the module on ``globalThis`` (one per tab, under the code's
hash, so a redeployed server's new code is loaded afresh) and hands every frame to it in order. The session
remembers that it sent the code; should a tab miss that frame (a reload, a dropped message), the stub sends the
trigger ``need_code`` and the next frame carries the code again.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import streamlit as st

from ui import state

MAGIC = b"DLC1"
SHARED_JS = Path(__file__).parent / "live_shared.js"  # in front of every live view's module
SHARED_CSS = Path(__file__).parent / "live_shared.css"

STUB = """
const NAME = %s;
const MAGIC = [68, 76, 67, 49]; // "DLC1"
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const modules = (globalThis.__dlLabViews ??= {});
  let frame = data;
  if (data && data.byteLength >= 8 && MAGIC.every((b, i) => data[i] === b)) {
    const length = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(4, true);
    if (!modules[NAME]) {
      const code = new TextDecoder().decode(data.subarray(8, 8 + length));
      const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
      modules[NAME] = import(url).then((module) => module.default);
    }
    frame = data.subarray(8 + length);
  }
  if (!modules[NAME]) {
    setTriggerValue("need_code", Math.random().toString(36).slice(2));
    return;
  }
  const own = frame ? frame.slice() : frame; // its own buffer, whatever the next message does to this one
  parentElement.__dlLabQueue = (parentElement.__dlLabQueue ?? Promise.resolve())
    .then(() => modules[NAME])
    .then((render) => render({ ...component, data: own }))
    .catch((error) => console.error(NAME, error));
}
"""


def envelope(code: bytes, frame: bytes) -> bytes:
    return MAGIC + struct.pack("<I", len(code)) + code + frame


def payload(sent: bytes) -> bytes:
    """The frame inside what was sent, with or without the code in front (for tests and benchmarks)."""
    if sent[:4] != MAGIC:
        return sent
    (length,) = struct.unpack_from("<I", sent, 4)
    return sent[8 + length:]


class LiveComponent:
    """A components-v2 element fed binary frames, its code sent once per tab.

    ``js``: the real module (``export default function (component) {...}``), as any components-v2 JavaScript,
    after ``SHARED_JS`` (the frame reader, the Play button); ``css`` its styles, after ``SHARED_CSS``."""

    def __init__(self, name: str, js: Path, css: Path):
        self.code = SHARED_JS.read_bytes() + b"\n" + js.read_bytes()
        digest = hashlib.sha256(self.code).hexdigest()[:12]
        self.name = f"{name}-{digest}"
        self._element = st.components.v2.component(name, js=STUB % json.dumps(self.name),
                                                    css=SHARED_CSS.read_text() + css.read_text())

    def __call__(self, frame: bytes, key: str, **kwargs: Any) -> None:
        sent = st.session_state.get(key)
        asked = isinstance(sent, Mapping) and sent.get("need_code")
        if asked or not state.code_sent(self.name):
            frame = envelope(self.code, frame)
            state.mark_code_sent(self.name)
        self._element(data=frame, key=key, on_need_code_change=lambda: None, **kwargs)
