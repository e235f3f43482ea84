"""The field table: one row per setting a learner can change, shared by every kind of spec.

A row says where the value lives in the spec, how to read it from a URL or a JSON file, how
to check it (naming the field and its limit), how to write it back, and how a control for it
is drawn. The URL, the JSON form, validation, the sidebar controls and classroom mode's
hide/lock all read this one table (TensorFlow Playground's ``PROPS`` in ``state.ts`` is the
model), so a new setting is one row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

MAX_SHOWN = 40  # characters of an untrusted value repeated back in a message


def shown(raw: Any) -> str:
    """An untrusted value as a message may repeat it: one line, at most ``MAX_SHOWN`` characters."""
    text = " ".join(str(raw).split())
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"


# ---------------------------------------------------------------- controls: how a field is drawn


@dataclass(frozen=True)
class Choice:
    """One of a few named options (a select box)."""

    options: Mapping[str, str]  # value → label


@dataclass(frozen=True)
class Steps:
    """One of a ladder of numbers (a select slider); a link's own value joins the ladder."""

    values: tuple[float, ...]


@dataclass(frozen=True)
class Range:
    """A number between two bounds in fixed steps (a slider)."""

    low: float
    high: float
    step: float


@dataclass(frozen=True)
class Count:
    """A whole number typed or stepped (a number input)."""

    low: int
    high: int


@dataclass(frozen=True)
class Toggle:
    """On or off (a checkbox)."""


@dataclass(frozen=True)
class Several:
    """Any subset of named options (pills)."""

    options: Mapping[str, str]


@dataclass(frozen=True)
class Custom:
    """Drawn by a control of its own in ``ui`` (the hidden layers, the Builder's layer list, the seed).
    ``edited_on`` names the one lab that draws it in its main area (elsewhere: a link to that lab)."""

    name: str
    edited_on: str = ""


Control = Choice | Steps | Range | Count | Toggle | Several | Custom


# ---------------------------------------------------------------- parsing: raw URL or JSON values


class BadValue(ValueError):
    """A raw value that is not of the field's type; the message says what was expected."""


def parse_int(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise BadValue("expected a whole number")
    try:
        value = float(raw)
    except ValueError:
        raise BadValue("expected a whole number") from None
    if not math.isfinite(value) or value != int(value):
        raise BadValue("expected a whole number")
    return int(value)


def parse_float(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise BadValue("expected a number")
    try:
        value = float(raw)
    except (ValueError, OverflowError):
        raise BadValue("expected a number") from None
    if not math.isfinite(value):
        raise BadValue("expected a finite number")
    return value


def parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, str)) and str(raw).strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(raw, (int, str)) and str(raw).strip().lower() in ("0", "false", "no", "off"):
        return False
    raise BadValue("expected on or off (1 or 0)")


def parse_name(raw: Any) -> str:
    if not isinstance(raw, str):
        raise BadValue("expected a name")
    return raw.strip()


# ---------------------------------------------------------------- checks: None when fine


def one_of(options: Mapping[str, str], what: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value in options:
            return None
        return f"unknown {what} '{shown(value)}' (choose from {', '.join(options)})"
    return check


def between(low: float, high: float) -> Callable[[Any], str | None]:
    return lambda v: None if low <= v <= high else f"must be between {low:g} and {high:g}, not {v:g}"


def always_fine(value: Any) -> None:
    return None


# ---------------------------------------------------------------- the field


@dataclass(frozen=True)
class Field:
    key: str  # its name in the URL, the JSON form, and hide=/lock=
    label: str  # what the control and every message call it
    path: str  # where it lives in the spec: "train.learning_rate"
    parse: Callable[[Any], Any]  # a raw URL or JSON value → the value; raises BadValue (or ValueError)
    check: Callable[[Any], str | None]  # None, or what is wrong with a parsed value (naming the limit)
    control: Control
    group: str  # the heading the control is drawn under: "Data", "Network", "Training", "View"
    help: str = ""
    fmt: Callable[[Any], str] = str  # the value as the URL writes it
    to_json: Callable[[Any], Any] = lambda v: v
    applies: Callable[[Any], bool] = lambda spec: True  # whether it means anything for this spec (else not drawn)
    advanced: bool = False  # drawn once a learner asks for every setting (a beginner sees the few that matter first)

    def get(self, spec: Any) -> Any:
        value = spec
        for name in self.path.split("."):
            value = getattr(value, name)
        return value

    def set(self, spec: Any, value: Any) -> Any:
        """A copy of ``spec`` with this field set to ``value`` (specs are frozen)."""
        return _set_path(spec, self.path.split("."), value)

    def problem(self, value: Any) -> str | None:
        """What is wrong with a parsed value, as a sentence naming the field; None when it is fine."""
        try:
            message = self.check(value)
        except (TypeError, ValueError, OverflowError):
            message = "has a value of the wrong kind"
        return f"{self.label} {message}" if message else None

    def read(self, raw: Any) -> tuple[Any, str | None]:
        """(value, None) from a raw URL or JSON value, or (None, the problem naming the field)."""
        try:
            value = self.parse(raw)
        except BadValue as error:
            return None, f"{self.label} ({self.key}='{shown(raw)}'): {error}"
        except (TypeError, ValueError, OverflowError, KeyError, AttributeError, IndexError):
            return None, f"{self.label} ({self.key}='{shown(raw)}'): not a value this setting understands"
        problem = self.problem(value)
        return (None, f"{problem} ({self.key}='{shown(raw)}')") if problem else (value, None)


def _set_path(obj: Any, names: list[str], value: Any) -> Any:
    head, *rest = names
    return replace(obj, **{head: _set_path(getattr(obj, head), rest, value) if rest else value})


def number_field(key: str, label: str, path: str, low: float, high: float, control: Control, group: str,
                 help: str = "", whole: bool = False) -> Field:
    """A number with bounds: the common case."""
    return Field(key, label, path, parse_int if whole else parse_float, between(low, high), control, group, help,
                 str if whole else "{:g}".format)


def choice_field(key: str, label: str, path: str, options: Mapping[str, str], what: str, group: str,
                 help: str = "") -> Field:
    return Field(key, label, path, parse_name, one_of(options, what), Choice(options), group, help)


def toggle_field(key: str, label: str, path: str, group: str, help: str = "") -> Field:
    return Field(key, label, path, parse_bool, always_fine, Toggle(), group, help, lambda v: str(int(v)))
