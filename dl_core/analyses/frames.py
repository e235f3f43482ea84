"""Compact binary frames for the live views, whatever they draw: ``[uint32 header length][header JSON][blobs]``.

The header is JSON text (numbers, names, and every string a learner may have typed: it is read as data in the
browser, never as markup); each blob is a small array (int8, uint8, int32 or float32) named in the header with
its offset, length, type and shape, 4-byte aligned so that the browser can view it as a typed array without a
copy. The Playground's frames (``live_frames``) and the live charts' (``chart_frames``) share this format; each
view's JavaScript reads it the same way ``decode`` does.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field

import numpy as np

from ..runs import Run


@dataclass
class FrameLog:
    """What one browser's live view already has, so that a frame carries only what changed: the version of the
    rarely changing part (``static_key``), how much history went out (``history_sent``: the Playground's curves;
    ``sent``: the last step sent per chart), a digest of each chart's last content (``digests``), and ``extra``:
    the ids of the view's commands already acted on; ``sequence``: the number of the last frame built."""

    static_key: object = None
    history_sent: int = 0
    extra: dict = field(default_factory=dict)
    sent: dict = field(default_factory=dict)
    digests: dict = field(default_factory=dict)
    sequence: int = 0  # the live charts' frames are numbered: the browser notices one that never came


_DTYPE_NAMES: dict[np.dtype, str] = {}


def _dtype_name(dtype: np.dtype) -> str:
    """"int8", "float32" …: numpy works the name out afresh each time it is asked, and a frame asks a dozen times."""
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(dtype)
    return name


class Blobs:
    """The arrays of one frame, laid end to end; ``index`` is what the header says about each."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.index: dict[str, list] = {}
        self.offset = 0

    def add(self, name: str, array: np.ndarray) -> None:
        array = np.ascontiguousarray(array)
        raw = array.tobytes()
        self.index[name] = [self.offset, len(raw), _dtype_name(array.dtype), list(array.shape)]
        self.parts.append(raw)
        self.offset += len(raw)
        pad = (-self.offset) % 4  # float32 views need 4-byte alignment
        if pad:
            self.parts.append(b"\0" * pad)
            self.offset += pad


def pack(header: dict, blobs: Blobs) -> bytes:
    """The frame's bytes. NaN and infinity are not JSON: callers send them as null (``finite``)."""
    header["blobs"] = blobs.index
    text = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    text += b" " * ((-(4 + len(text))) % 4)  # the blobs start 4-byte aligned
    return struct.pack("<I", len(text)) + text + b"".join(blobs.parts)


def decode(frame: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """A frame read back (as the browser reads it): the header and each blob as an array. For tests."""
    (length,) = struct.unpack_from("<I", frame)
    header = json.loads(frame[4:4 + length])
    base = 4 + length
    arrays = {name: np.frombuffer(frame, dtype=dtype, count=size // np.dtype(dtype).itemsize,
                                  offset=base + offset).reshape(shape)
              for name, (offset, size, dtype, shape) in header["blobs"].items()}
    return header, arrays


def bundle(frames: list[bytes], every: float) -> bytes:
    """Several frames as one message, in the same format: the header says ``parts`` and ``every`` (seconds
    until the next message is due), each part is a blob of bytes. The browser shows the parts one after
    another, spread over the time until the next message, so a server that reruns five times a second still
    shows forty states of the run a second. One frame is sent as it is."""
    if len(frames) == 1:
        return frames[0]
    blobs = Blobs()
    for k, frame in enumerate(frames):
        blobs.add(f"part{k}", np.frombuffer(frame, dtype=np.uint8))
    return pack({"parts": len(frames), "every": every}, blobs)


def parts(message: bytes) -> list[bytes]:
    """The frames a message holds (``bundle`` undone): one, or each part in order."""
    header, arrays = decode(message)
    if "parts" not in header:
        return [message]
    return [arrays[f"part{k}"].tobytes() for k in range(header["parts"])]


def finite(value: float) -> float | None:
    """A number for the header: None where JSON has no word for it (NaN before the first record, infinity)."""
    value = float(value)
    return value if math.isfinite(value) else None


def run_status(run: Run, playing: bool = False, speed: int = 0) -> dict:
    """What every live view's status line says: step, epoch, the last losses and accuracies, playing or not,
    and why training stopped if it diverged."""
    trainer = run.trainer
    status = {"step": trainer.step_count, "epoch": round(trainer.epoch, 2), "playing": playing, "speed": speed,
              "diverged": trainer.diverged or ""}
    for name in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        status[name] = finite(trainer.history.last(name))
    return status
