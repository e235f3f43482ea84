"""A learner's own data: a CSV file read into the one data container, or refused with a message that
names the row, the column or the limit. The file is parsed as text (never executed, never
unpickled), capped in bytes, rows and columns before anything is built, and kept in the session only.

For the Playground: two numeric columns (the point) and a label. For the Builder's table task: any
number of numeric columns and a label, which is a class (text, or a few whole numbers) or a number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import unicodedata

import numpy as np

from . import Data, DataError, make_data
from .tasks import UPLOAD_PREFIX

MAX_CSV_BYTES = 1_000_000
MAX_ROWS = 5_000
MIN_ROWS = 10
MAX_COLUMNS = 50
MAX_CLASSES = 20
MISSING = {"", "na", "nan", "n/a", "null", "none", "?"}
LABEL_NAMES = ("label", "class", "target", "y")
POINTS_EXTENT = 5.0  # uploaded points are scaled into [-5, 5]², inside the Playground's plane
TRAIN_SHARE = 0.7


def upload_name(raw: bytes) -> str:
    """The name a session knows an upload by: its content's digest, so the same file is the same data."""
    return UPLOAD_PREFIX + hashlib.sha256(raw).hexdigest()[:12]


_MARKUP = re.compile(r"[<>&\"'`\\]")  # plotly reads <b>, <a href=…> and entities in labels: names never carry them


def _name(cell: str, limit: int = 30) -> str:
    """A column or class name as the charts and the diagram may show it: no markup characters, no control or
    direction-changing characters, spaces collapsed, at most ``limit`` characters."""
    kept = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in cell)
    return " ".join(_MARKUP.sub("", kept).split())[:limit]


def _unique(names: list[str], fallback: str) -> list[str]:
    """Names made distinct (two cells that differed only in markup would otherwise read the same); an empty
    one becomes ``fallback`` and its place."""
    seen: dict[str, int] = {}
    out = []
    for k, n in enumerate(names):
        n = n or f"{fallback} {k + 1}"
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def _rows(text: str) -> list[list[str]]:
    """The CSV's rows, stopping as soon as a limit is passed (the file is not read further)."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for number, row in enumerate(csv.reader(io.StringIO(text), dialect), 1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > MAX_COLUMNS:
            raise DataError(f"row {number} has {len(row)} columns; the limit is {MAX_COLUMNS}")
        rows.append(row)
        if len(rows) > MAX_ROWS + 1:
            raise DataError(f"the file has more than {MAX_ROWS:,} rows; the limit is {MAX_ROWS:,}")
    return rows


def _number(cell: str) -> float | None:
    """A cell as a finite number, or None."""
    try:
        value = float(cell.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_csv(raw: bytes, purpose: str = "table", label: str = "auto", name: str = "your data") -> Data:
    """``purpose``: "points" (exactly two numeric columns and a label) or "table"; ``label``: "auto", "class"
    or "number". The label is the column named label, class, target or y, else the last column."""
    if len(raw) > MAX_CSV_BYTES:
        raise DataError(f"the file has {len(raw):,} bytes; the limit is {MAX_CSV_BYTES:,}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("the file is not text in UTF-8: save it as CSV (comma-separated values)") from None
    if "\x00" in text:
        raise DataError("the file is not text: save it as CSV (comma-separated values)")
    rows = _rows(text)
    if not rows:
        raise DataError("the file is empty")
    width = len(rows[0])
    if width < 2:
        raise DataError("the file needs at least two columns: inputs, then a label")
    for number, row in enumerate(rows, 1):
        if len(row) != width:
            raise DataError(f"row {number} has {len(row)} columns, but the first row has {width}")
    # a header names columns: some cell of the first row is text where the row below holds a number
    has_header = len(rows) > 1 and any(_number(top) is None and _number(below) is not None
                                       for top, below in zip(rows[0], rows[1]))
    header = _unique([_name(cell) for cell in rows[0]], "column") if has_header \
        else [f"column {k + 1}" for k in range(width)]
    body = rows[1:] if has_header else rows
    first_line = 2 if has_header else 1
    if len(body) < MIN_ROWS:
        raise DataError(f"the file has {len(body)} rows of data; at least {MIN_ROWS} are needed")
    if len(body) > MAX_ROWS:
        raise DataError(f"the file has {len(body):,} rows of data; the limit is {MAX_ROWS:,}")
    lowered = [h.lower() for h in header]
    target = next((lowered.index(n) for n in LABEL_NAMES if n in lowered), width - 1)
    inputs = [k for k in range(width) if k != target]
    if purpose == "points" and len(inputs) != 2:
        raise DataError(f"points need exactly two numeric columns and a label; this file has {len(inputs)} input "
                        f"columns ({', '.join(header[k] for k in inputs)})")
    x = np.zeros((len(body), len(inputs)), dtype=np.float64)
    for r, row in enumerate(body):
        for c, k in enumerate(inputs):
            cell = row[k].strip()
            if cell.lower() in MISSING:
                raise DataError(f"row {r + first_line}, column '{header[k]}' is empty: fill in or remove the row")
            value = _number(cell)
            if value is None:
                raise DataError(f"row {r + first_line}, column '{header[k]}' holds '{_name(cell, 20)}', not a number")
            x[r, c] = value
    labels = [row[target].strip() for row in body]
    for r, value in enumerate(labels):
        if value.lower() in MISSING:
            raise DataError(f"row {r + first_line}: the label ('{header[target]}') is empty")
    numbers = [_number(value) for value in labels]
    all_numbers = all(v is not None for v in numbers)
    few_whole = all_numbers and all(v == int(v) for v in numbers) and len(set(numbers)) <= MAX_CLASSES
    as_class = label == "class" or (label == "auto" and (not all_numbers or few_whole))
    if label == "number" and not all_numbers:
        bad = next(r for r, v in enumerate(numbers) if v is None)
        raise DataError(f"row {bad + first_line}: the label '{_name(labels[bad], 20)}' is not a number")
    if as_class:
        names = sorted(set(labels), key=lambda v: (float(v) if all_numbers else 0, v))
        if len(names) < 2:
            raise DataError("the label has one class only; a classifier needs at least two")
        if len(names) > MAX_CLASSES:
            raise DataError(f"the label has {len(names)} classes; the limit is {MAX_CLASSES} (or read it as a "
                            "number)")
        index = {n: k for k, n in enumerate(names)}
        y = np.array([index[v] for v in labels], dtype=np.int64)
        n_classes, class_names = len(names), tuple(_unique([_name(n) for n in names], "class"))
    else:
        y = np.array(numbers, dtype=np.float64)
        n_classes, class_names = 0, ()
    x = _scaled(x, purpose)
    if not n_classes:
        y = _scaled(y[:, None], purpose)[:, 0] if purpose == "points" else (y - y.mean()) / (y.std() or 1.0)
    kind = "points" if purpose == "points" else "table"
    return make_data(upload_name(raw), _name(name, 40) or "your data", x.astype(np.float32),
                     y.astype(np.float32) if not n_classes else y,
                     n_classes, kind, TRAIN_SHARE, np.random.default_rng(0),
                     tuple(header[k] for k in inputs), class_names)


def _scaled(values: np.ndarray, purpose: str) -> np.ndarray:
    """Points: each column mapped onto [-5, 5] (targets onto [-1, 1]); tables: each column standardised."""
    low, high = values.min(axis=0), values.max(axis=0)
    if purpose == "points":
        extent = POINTS_EXTENT if values.shape[1] > 1 else 1.0
        span = np.where(high > low, high - low, 1.0)
        return (values - low) / span * 2 * extent - extent
    std = values.std(axis=0)
    return (values - values.mean(axis=0)) / np.where(std > 0, std, 1.0)
