"""The one home of session state. Every key this app keeps in ``st.session_state`` is named here, once;
pages and tests ask these functions, never spell a key.

The key names are public so that tests can read a session (``at.session_state[state.SLOTS]``) without
spelling them. A *slot* holds one network a learner is working on ("playground": the 2D network the analysis labs
share; "builder": the Builder's network; "compare.a"/"compare.b"; a lesson step's own): the draft
spec the controls show, the last valid spec (what trains), and the live run. Runs live here, one per
browser session, never in ``st.cache_resource``, which every user of the server would share.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import streamlit as st

from dl_core import Data, Run, Spec, fields_of, follow, validate
from dl_core.analyses.live_frames import FrameLog

SLOTS = "slots"
LIVE = "live"
UPLOADS = "uploads"
UPLOAD_SOURCES = "upload_sources"
DRAWING = "drawing"
CLASSROOM = "classroom"
LAST_QUERY = "last_query"
RESULTS = "results"
CHOICES = "choices"
PAGE = "page"
ROUTED = "routed"
CODE_SENT = "code_sent"  # the live views whose code this session's tab has (ui.components.loader)
WIDGET = "w."  # prefix of every widget key drawn from a field table


@dataclass
class Slot:
    draft: Spec  # what the controls show; may be impossible
    valid: Spec  # the last spec that could be built: what trains
    problems: list[str] = field(default_factory=list)  # why the draft cannot be trained
    warnings: list[str] = field(default_factory=list)  # what a link asked for and could not have
    room: Classroom | None = None  # this slot's own hidden and locked fields (a lesson's step)


@dataclass
class Live:
    run: Run
    playing: bool = False
    last_tick: float = field(default_factory=time.monotonic)
    frames: FrameLog = field(default_factory=FrameLog)  # what this browser's live view already has


@dataclass(frozen=True)
class Classroom:
    """A teacher's link: fields hidden, fields locked at the values the link gave them."""

    kind: str = ""
    hide: frozenset[str] = frozenset()
    lock: frozenset[str] = frozenset()
    locked: tuple[tuple[str, str], ...] = ()  # (key, value as the URL writes it)
    notice: str = ""  # said once on the page: a link that was altered, a locked change refused

    def locked_value(self, key: str) -> str | None:
        return dict(self.locked).get(key)

    def applies_to(self, spec: Spec) -> bool:
        return self.kind == spec.kind


def _store(name: str, make: Callable[[], Any]) -> Any:
    if name not in st.session_state:
        st.session_state[name] = make()
    return st.session_state[name]


# ---------------------------------------------------------------- specs


def has_slot(name: str) -> bool:
    return name in _store(SLOTS, dict)


def slot(name: str, default: Callable[[], Spec]) -> Slot:
    """The slot ``name``, created from ``default()`` the first time."""
    slots = _store(SLOTS, dict)
    if name not in slots:
        spec = default()
        slots[name] = Slot(spec, spec)
    return slots[name]


def current(name: str) -> Slot:
    """A slot that exists (a page made it with ``slot`` earlier in this run or before)."""
    return _store(SLOTS, dict)[name]


def put(name: str, spec: Spec, warnings: list[str] | None = None, room: Classroom | None = None) -> None:
    """Replaces a slot's spec wholesale (a link, a preset, a remedy, an opened file), keeping its run if it can.
    ``room`` hides and locks fields of this slot alone (a lesson's step); the locked values are the spec's."""
    slots = _store(SLOTS, dict)
    room = room if room is not None else (slots[name].room if name in slots else None)
    spec = enforce_locks(spec, room or classroom())
    problems = validate(spec, uploads())
    valid = spec if not problems else (slots[name].valid if name in slots else spec)
    slots[name] = Slot(spec, valid, problems, list(warnings or []), room)


def restrictions(name: str) -> Classroom:
    """What is hidden and locked in a slot: its own room (a lesson's step), else a teacher's link's."""
    current = _store(SLOTS, dict)[name]
    if current.room is not None:
        return current.room
    room = classroom()
    return room if room.applies_to(current.draft) else Classroom()


def propose(name: str, spec: Spec) -> list[str]:
    """A change from the controls: the draft becomes ``spec``; it trains when valid, else the last valid spec
    stays. Locked fields keep their locked values. Returns the problems ([] when it trains)."""
    current = _store(SLOTS, dict)[name]
    spec = enforce_locks(spec, restrictions(name))
    problems = validate(spec, uploads())
    current.draft, current.problems = spec, problems
    if not problems:
        current.valid = spec
        current.warnings = []
    return problems


# ---------------------------------------------------------------- runs


def live(name: str) -> Live:
    """This session's live run for a slot, following its valid spec (kept while only the training settings
    change, rebuilt otherwise)."""
    lives = _store(LIVE, dict)
    spec = _store(SLOTS, dict)[name].valid
    entry = lives.get(name)
    if entry is None:
        entry = lives[name] = Live(follow(None, spec, uploads()))
    else:
        run = follow(entry.run, spec, uploads())
        if run is not entry.run:
            entry.run, entry.playing = run, entry.playing and not run.trainer.diverged
    return entry


def reset(name: str) -> None:
    entry = _store(LIVE, dict)[name]
    entry.run, entry.playing = entry.run.fresh(), False


def drop(name: str) -> None:
    """Forgets a slot and its run (a comparison started afresh)."""
    _store(SLOTS, dict).pop(name, None)
    _store(LIVE, dict).pop(name, None)


# ---------------------------------------------------------------- the learner's own data


def uploads() -> dict[str, Data]:
    return _store(UPLOADS, dict)


def add_upload(data: Data, raw: bytes, label_mode: str) -> None:
    """Keeps an uploaded file's data (and its bytes, for the exported script) in this session only."""
    uploads()[data.name] = data
    _store(UPLOAD_SOURCES, dict)[data.name] = (raw, label_mode)


def upload_source(name: str) -> tuple[bytes, str] | None:
    return _store(UPLOAD_SOURCES, dict).get(name)


def drawing() -> np.ndarray | None:
    """The last digit drawn on any page's pad, (32, 32) of 0/1."""
    return st.session_state.get(DRAWING)


def set_drawing(bitmap: np.ndarray | None) -> None:
    st.session_state[DRAWING] = bitmap


# ---------------------------------------------------------------- classroom mode and the URL


def classroom() -> Classroom:
    return st.session_state.get(CLASSROOM, Classroom())


def set_classroom(room: Classroom) -> None:
    st.session_state[CLASSROOM] = room


def locked_room(spec: Spec, hide: frozenset[str], lock: frozenset[str]) -> Classroom:
    """A room that hides ``hide`` and locks ``lock`` at the values they have in ``spec``."""
    locked = tuple(sorted((f.key, f.fmt(f.get(spec))) for f in fields_of(spec) if f.key in lock))
    return Classroom(spec.kind, frozenset(hide), frozenset(lock), locked)


def enforce_locks(spec: Spec, room: Classroom) -> Spec:
    """The spec with every locked field at its locked value: the server refuses a change, not only the widget."""
    if not room.lock or not room.applies_to(spec):
        return spec
    for f in fields_of(spec):
        raw = room.locked_value(f.key)
        if raw is not None and f.fmt(f.get(spec)) != raw:
            value, problem = f.read(raw)
            if not problem:
                spec = f.set(spec, value)
    return spec


def last_query() -> dict[str, str] | None:
    """The query this session last wrote into the URL: a different one was typed or followed."""
    return st.session_state.get(LAST_QUERY)


def set_last_query(query: dict[str, str]) -> None:
    st.session_state[LAST_QUERY] = query


# ---------------------------------------------------------------- what a page keeps between reruns


def results(page: str) -> dict[str, Any]:
    """A page's own results (a finished comparison, a demonstration), kept until the session ends."""
    return _store(RESULTS, dict).setdefault(page, {})


def choice(name: str, default: Any = None) -> Any:
    """A page's remembered choice that is not part of any spec (which network a lab shows)."""
    return _store(CHOICES, dict).get(name, default)


def set_choice(name: str, value: Any) -> None:
    _store(CHOICES, dict)[name] = value


def routed() -> bool:
    """Whether app.py's router has run in this session (see ui.page.leave_folder_mode). False, not None, once
    the page has rerun itself through the router (``first_unrouted_run``)."""
    return bool(st.session_state.get(ROUTED))


def set_routed() -> None:
    st.session_state[ROUTED] = True


def first_unrouted_run() -> bool:
    """True once per session, in a run the router did not make (a cold link in folder mode); False after."""
    if st.session_state.get(ROUTED) is None:
        st.session_state[ROUTED] = False
        return True
    return False


def code_sent(component: str) -> bool:
    return component in st.session_state.get(CODE_SENT, ())


def mark_code_sent(component: str) -> None:
    _store(CODE_SENT, set).add(component)


def page() -> str:
    """The key of the lab this run draws (set by ``ui.page.setup_page``)."""
    return st.session_state.get(PAGE, "")


def set_page(key: str) -> None:
    st.session_state[PAGE] = key


# ---------------------------------------------------------------- widget keys


def widget_key(slot_name: str, *parts: Any) -> str:
    """The key of a widget that edits a slot's field (or a part of one, e.g. a layer's size)."""
    return WIDGET + ".".join([slot_name, *map(str, parts)])


def set_widget(key: str, value: Any) -> None:
    """A widget shows ``value`` on this run (set before the widget is drawn; the spec is the source)."""
    st.session_state[key] = value


def widget_value(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)


# ---------------------------------------------------------------- the class board (issue 12)
# A learner's token and a teacher's keys are kept here for the session; the Class page also mirrors them in its
# URL so that a reload keeps them (see ui/labs/class_board.py for why that is acceptable).

CLASS_LEARNER = "class_learner"  # the token Board.join handed this learner: their own key, nothing else's
CLASS_TEACHER = "class_teacher"  # (class code, teacher secret) of the board this session opened


def class_token() -> str | None:
    """The learner token of the class this session joined, or None."""
    return st.session_state.get(CLASS_LEARNER)


def set_class_token(token: str | None) -> None:
    st.session_state[CLASS_LEARNER] = token


def teacher_keys() -> tuple[str, str] | None:
    """(code, teacher secret) of the class board this session opened, or None."""
    return st.session_state.get(CLASS_TEACHER)


def set_teacher_keys(keys: tuple[str, str] | None) -> None:
    st.session_state[CLASS_TEACHER] = keys
