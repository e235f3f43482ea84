"""A learner's own CSV file, read by dl_core (never executed, never unpickled) and kept in this session."""

from __future__ import annotations

import streamlit as st

from dl_core import DataError
from dl_core.data.csv import MAX_COLUMNS, MAX_CSV_BYTES, MAX_ROWS, read_csv
from ui import state
from ui.controls import plain

LABEL_MODES = {"auto": "decide from the values", "class": "a class", "number": "a number"}


def upload_csv(slot_name: str, purpose: str, where=None) -> str | None:
    """An uploader; a good file becomes data of this session (its name is returned), a bad one a message."""
    where = where or st
    what = ("two numeric columns (the point's x₁ and x₂) and a label column" if purpose == "points"
            else "numeric columns and a label column")
    where.caption(f"A CSV file with {what}: the label is the column named label, class, target or y, else the last "
                  f"one. At most {MAX_CSV_BYTES // 1000:,} kB, {MAX_ROWS:,} rows, {MAX_COLUMNS} columns. It stays "
                  "in this browser session; nobody else sees it.")
    mode_key = state.widget_key(slot_name, "upload", purpose, "label")
    mode = where.radio("The label is", list(LABEL_MODES), format_func=LABEL_MODES.get, key=mode_key, horizontal=True)
    file = where.file_uploader("Your data (.csv)", type=["csv", "txt"], max_upload_size=1,
                               key=state.widget_key(slot_name, "upload", purpose))
    if file is None:
        return None
    raw = file.getvalue()
    try:
        data = read_csv(raw, purpose, mode, file.name.rsplit(".", 1)[0][:40])
    except DataError as error:
        where.error(f"This file can't be used: {plain(str(error))}.", icon=":material/block:")
        return None
    state.add_upload(data, raw, mode)
    shape = " × ".join(map(str, data.input_shape))
    task = f"{data.n_classes} classes ({', '.join(data.class_names[:5])})" if data.n_classes else "a number to predict"
    where.success(f"Read {len(data.y_train) + len(data.y_test):,} rows: input {shape}, {plain(task)}.",
                  icon=":material/check:")
    return data.name
