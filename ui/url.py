"""The URL mirrors the spec a page shows, so any state can be shared as a link, and classroom mode
travels in the same URL: ``hide=`` and ``lock=`` name fields of the spec's table, ``seal=`` proves the
teacher chose them (``dl_core.classroom``).

A page reads the URL when it brings something new to this session (a link followed or typed); on a
page switch the URL is empty and the session's own spec stays. After every run the URL is rewritten
from the slot's valid spec.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from dl_core import KINDS, Spec, fields_of, from_query, to_query
from dl_core.classroom import seal, sealed
from dl_core.specs import kind_in
from dl_core.specs.fields import shown
from ui import state

HIDE, LOCK, SEAL = "hide", "lock", "seal"


def _names(raw: str | None) -> frozenset[str]:
    return frozenset(name.strip() for name in (raw or "").split(",")[:100] if name.strip())


def _meaningful(query: dict[str, str], kinds: tuple[str, ...]) -> dict[str, str]:
    """The query's keys that say something about a spec or classroom mode (a page's own keys are ignored)."""
    keys = {"kind", HIDE, LOCK, SEAL} | {f.key for kind in kinds for f in fields_of(kind)}
    return {k: v for k, v in query.items() if k in keys}


def read_link(slot_for_kind: dict[str, str], default_kind: str) -> str | None:
    """Applies the URL to the slot of its kind when it is new to this session; returns that slot's name, or
    None when the URL brought nothing new (a page switch, or this session's own rewrite)."""
    query = _meaningful(st.query_params.to_dict(), tuple(slot_for_kind))
    if not query or query == state.last_query():
        return None
    kind, _ = kind_in(query, default_kind)
    if kind not in slot_for_kind:
        kind = default_kind
        query = {k: v for k, v in query.items() if k != "kind"}
    spec, warnings = from_query(query, state.uploads(), default_kind=kind)
    spec, notes = _classroom_from(query, spec)
    name = slot_for_kind[spec.kind]
    state.put(name, spec, warnings + notes)
    return name


def _classroom_from(query: dict[str, str], spec: Spec) -> tuple[Spec, list[str]]:
    """Sets classroom mode from a link's hide/lock/seal; returns the spec to open (locked values the seal
    cannot vouch for back at their defaults) and what was refused, in words."""
    hide, lock = _names(query.get(HIDE)), _names(query.get(LOCK))
    known = {f.key for f in fields_of(spec)}
    room = state.classroom()
    notes = []
    if room.lock and room.applies_to(spec):
        # this session already follows a teacher's link: its locks stay, whatever this URL says
        refused = [f for f in fields_of(spec) if room.locked_value(f.key) is not None
                   and query.get(f.key) not in (None, room.locked_value(f.key))]
        notes += [f"{f.label} is locked at {room.locked_value(f.key)} by your teacher's link; the link's "
                  f"'{shown(query[f.key])}' was not used." for f in refused]
        if (hide or lock) and (hide, lock) != (room.hide, room.lock) and \
                sealed(spec.kind, hide, lock, _locked(spec, lock), query.get(SEAL, "")):
            state.set_classroom(_room(spec, hide, lock))  # a new teacher's link replaces the old one
        return spec, notes
    if not (hide or lock):
        return spec, notes
    unknown = sorted((hide | lock) - known)
    if unknown:
        notes.append(f"Ignored hide/lock of unknown settings: {shown(', '.join(unknown))}.")
    hide, lock = hide & known, lock & known
    if not sealed(spec.kind, hide, lock, _locked(spec, lock), query.get(SEAL, "")):
        defaults = KINDS[spec.kind]()
        changed = [f for f in fields_of(spec) if f.key in lock and f.get(spec) != f.get(defaults)]
        for f in changed:
            spec = f.set(spec, f.get(defaults))
        notes.append("This teacher's link was changed after it was made (or made on another server), so its "
                     "locked settings open at their defaults." if changed else
                     "This teacher's link has no valid seal; its hidden and locked settings still apply.")
    state.set_classroom(_room(spec, hide, lock))
    return spec, notes


def _locked(spec: Spec, lock: frozenset[str]) -> dict[str, str]:
    return {f.key: f.fmt(f.get(spec)) for f in fields_of(spec) if f.key in lock}


def _room(spec: Spec, hide: frozenset[str], lock: frozenset[str]) -> state.Classroom:
    return state.locked_room(spec, hide, lock)


def classroom_query(spec: Spec, hide: frozenset[str], lock: frozenset[str]) -> dict[str, str]:
    """The hide/lock/seal part of a teacher's link for ``spec``."""
    if not (hide or lock):
        return {}
    query = {HIDE: ",".join(sorted(hide)), LOCK: ",".join(sorted(lock))}
    query[SEAL] = seal(spec.kind, hide, lock, _locked(spec, lock))
    return {k: v for k, v in query.items() if v}


def write(spec: Spec) -> None:
    """Mirrors ``spec`` (and this session's classroom mode, if it applies) in the URL."""
    room = state.classroom()
    query = to_query(spec)
    if room.applies_to(spec):
        query.update(classroom_query(spec, room.hide, room.lock))
    state.set_last_query(query)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def link_to(url_path: str, query: dict[str, str]) -> str:
    """An absolute link to a page of this server with a query."""
    base = (st.context.url or "http://localhost:8501").split("?")[0]
    origin = "/".join(base.split("/", 3)[:3])
    return f"{origin}/{url_path}?{urlencode(query)}"
