"""Every kind of spec, and the one way each is read, written and checked.

A spec is a frozen dataclass with a ``kind`` ("playground", "builder", …) and a field table. URLs
and JSON carry the kind, so one ``from_query``, one ``from_json`` and one ``validate`` serve every
kind; a new kind is one module plus one line in ``KINDS``.

- ``from_query`` (a link) is forgiving: unknown keys are ignored, a bad value falls back to its
  default with a warning that names the field, repeats the value (truncated) and says the limit.
- ``from_json`` (an uploaded file) is strict: a size cap, a nesting cap, every field type- and
  range-checked; any problem refuses the file, so a bad file never replaces a working network.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Union

from ..data import Data
from .builder import BuilderSpec
from .fields import Field, shown
from .generative import AutoencoderSpec, GanSpec
from .playground import PlaygroundSpec

Spec = Union[PlaygroundSpec, BuilderSpec]
KINDS: dict[str, type] = {cls.kind: cls for cls in (PlaygroundSpec, BuilderSpec, AutoencoderSpec, GanSpec)}
DEFAULT_KIND = "playground"
CLASSROOM_KEYS = ("hide", "lock", "seal")  # URL keys of classroom mode, read by ``ui``; never fields
MAX_JSON_BYTES = 64 * 1024
MAX_JSON_DEPTH = 6
Uploads = Mapping[str, Data]
_TRAIN_NAMES = {"loss": "loss", "optimizer": "optimizer", "learning_rate": "lr", "batch_size": "batch",
                "regularization": "reg", "reg_rate": "rate", "grad_clip": "clip"}


def fields_of(spec_or_kind: Any) -> tuple[Field, ...]:
    return (KINDS[spec_or_kind] if isinstance(spec_or_kind, str) else spec_or_kind).FIELDS


def field_named(spec_or_kind: Any, key: str) -> Field:
    for f in fields_of(spec_or_kind):
        if f.key == key:
            return f
    raise KeyError(key)


def validate(spec: Spec, uploads: Uploads | None = None) -> list[str]:
    """Every problem with a spec, each a sentence a learner can act on; [] means it can be built and trained."""
    problems = [p for f in fields_of(spec) if (p := f.problem(f.get(spec)))]
    return problems or spec.problems(uploads)


def to_query(spec: Spec) -> dict[str, str]:
    return {"kind": spec.kind, **{f.key: f.fmt(f.get(spec)) for f in fields_of(spec)}}


def to_json(spec: Spec) -> str:
    return json.dumps({"kind": spec.kind, **{f.key: f.to_json(f.get(spec)) for f in fields_of(spec)}}, indent=2)


def kind_in(query: Mapping[str, Any], default: str = DEFAULT_KIND) -> tuple[str, str | None]:
    """(the kind a query or JSON object names, a warning if it names none we know)."""
    kind = query.get("kind")
    if isinstance(kind, list):
        kind = kind[-1] if kind else None
    if kind is None:
        return ("builder" if "task" in query else default), None
    if isinstance(kind, str) and kind in KINDS:
        return kind, None
    return default, f"Ignored kind='{shown(kind)}': no such kind of network (choose from {', '.join(KINDS)})."


def from_query(query: Mapping[str, Any], uploads: Uploads | None = None,
               default_kind: str = DEFAULT_KIND) -> tuple[Spec, list[str]]:
    """A spec from URL parameters; bad values fall back to their defaults, each with a warning."""
    kind, warning = kind_in(query, default_kind)
    spec, warnings = KINDS[kind](), [warning] if warning else []
    for f in fields_of(kind):
        if f.key not in query:
            continue
        raw = query[f.key]
        if isinstance(raw, list) and not isinstance(f.to_json(f.get(spec)), list):  # a key repeated: the last wins
            raw = raw[-1] if raw else ""
        value, problem = f.read(raw)
        if problem:
            warnings.append(f"Ignored {problem}. Using the default, {shown(f.fmt(f.get(spec)))}.")
        else:
            spec = f.set(spec, value)
    problems = spec.problems(uploads)
    if problems:
        warnings += [p.rstrip(".") + "." for p in problems]
        spec = spec.repaired(uploads)
    return spec, warnings


def _depth(text: str) -> int:
    """How deeply brackets nest in JSON text, counted without parsing (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def from_json(text: str | bytes, uploads: Uploads | None = None) -> tuple[Spec | None, list[str]]:
    """A spec from a JSON file, checked strictly: (spec, []) or (None, every problem found)."""
    if len(text) > MAX_JSON_BYTES:
        return None, [f"The file has {len(text):,} bytes; a network's JSON is at most {MAX_JSON_BYTES:,}."]
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if _depth(text) > MAX_JSON_DEPTH:
        return None, [f"The JSON nests more than {MAX_JSON_DEPTH} levels deep; a network's JSON is flat."]
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:  # ValueError: a JSONDecodeError, or an integer of 4,300+ digits
        return None, [f"This is not JSON ({shown(error)})."]
    if not isinstance(data, dict):
        return None, ["The JSON is not an object of settings."]
    if isinstance(data.get("train"), dict):  # files saved before the field table: training settings nested
        data = {**{_TRAIN_NAMES[k]: v for k, v in data["train"].items() if k in _TRAIN_NAMES}, **data}
    kind, warning = kind_in(data) if not isinstance(data.get("kind"), list) else \
        (None, f"Ignored kind: not a name (choose from {', '.join(KINDS)}).")
    if warning:
        return None, [warning.replace("Ignored kind", "Kind", 1)]
    spec, problems = KINDS[kind](), []
    for f in fields_of(kind):
        if f.key in data:
            value, problem = f.read(data[f.key])
            if problem:
                problems.append(problem + ".")
            else:
                spec = f.set(spec, value)
    if problems:
        return None, problems
    combined = [p.rstrip(".") + "." for p in spec.problems(uploads)]
    return (None, combined) if combined else (spec, [])


def with_value(spec: Spec, key: str, raw: Any) -> tuple[Spec, str | None]:
    """``spec`` with one field set from a raw value (a comparison's change, a lesson's step); or the problem."""
    try:
        f = field_named(spec, key)
    except KeyError:
        return spec, f"{spec.label} has no setting '{shown(key)}'"
    value, problem = f.read(raw)
    return (spec, problem) if problem else (f.set(spec, value), None)


__all__ = [
    "CLASSROOM_KEYS", "DEFAULT_KIND", "KINDS", "BuilderSpec", "Field", "PlaygroundSpec", "Spec", "field_named",
    "fields_of", "from_json", "from_query", "kind_in", "to_json", "to_query", "validate", "with_value",
]
