"""A learner's own CSV file: good files train, bad ones are refused naming the row, the column or the limit."""

import pytest
from conftest import assert_fine, click, open_page, run_of, spec_of, step, wkey

from dl_core.data.csv import MAX_CSV_BYTES, MAX_ROWS


def points_file(rows: int = 120) -> bytes:
    lines = ["x,y,label"] + [f"{r % 11 - 5},{(r * 7) % 13 - 6},{'inside' if (r % 11 - 5) ** 2 < 9 else 'outside'}"
                             for r in range(rows)]
    return "\n".join(lines).encode()


def table_file(rows: int = 150) -> bytes:
    lines = ["length,width,height,kind"] + [f"{r % 9},{(r * 3) % 7},{r % 5},{'a' if r % 9 > 4 else 'b'}"
                                           for r in range(rows)]
    return "\n".join(lines).encode()


def upload(at, key: str, name: str, raw: bytes):
    at.file_uploader(key=key).set_value((name, raw, "text/csv"))
    at.run()
    assert_fine(at)
    return at


def test_points_uploaded_in_the_playground_train_there():
    at = open_page("playground")
    upload(at, wkey("playground", "upload", "points"), "mine.csv", points_file())
    assert any("Read 120 rows" in s.value for s in at.success)
    click(at, wkey("playground", "use_upload"))
    spec = spec_of(at)
    assert spec.data.dataset.startswith("upload:") and spec.train.loss == "bce"
    run = run_of(at)
    assert run.plane is not None and len(run.trainer.y_train) + len(run.trainer.y_test) == 120
    step(at)
    assert run_of(at).trainer.step_count == 150


def test_a_table_uploaded_in_the_builder_trains_there_and_exports_with_its_data():
    at = open_page("builder")
    upload(at, wkey("builder", "upload", "table"), "boxes.csv", table_file())
    click(at, wkey("builder", "use_upload"))
    spec = spec_of(at, "builder")
    assert spec.task.startswith("upload:") and run_of(at, "builder").data.feature_names == ("length", "width", "height")
    step(at, "builder")
    assert run_of(at, "builder").trainer.step_count == 10
    assert any(b.label == "PyTorch script (.py)" for b in at.get("download_button"))


@pytest.mark.parametrize("raw, message", [
    (b"x" * (MAX_CSV_BYTES + 10), f"the limit is {MAX_CSV_BYTES:,}"),
    (b"a,b,c\n" + b"1,2,x\n" * (MAX_ROWS + 5), f"the limit is {MAX_ROWS:,}"),
    (b"a,b,label\n" + b"1,2,x\n" * 5 + b"1,,y\n" + b"3,4,x\n" * 10, "row 7, column 'b' is empty"),
    (b"a,b,c,label\n" + b"1,2,3,x\n" * 20, "points need exactly two numeric columns"),
    (b"\x00\x01\x02" * 100, "not text"),
])
def test_bad_point_files_are_refused_with_the_reason_and_the_session_goes_on(raw, message):
    at = open_page("playground")
    before = spec_of(at)
    at.file_uploader(key=wkey("playground", "upload", "points")).set_value(("bad.csv", raw, "text/csv"))
    at.run()
    assert_fine(at)
    from ui.controls import plain

    assert plain(message) in " ".join(e.value for e in at.error)
    assert spec_of(at) == before
    step(at)
    assert run_of(at).trainer.step_count == 150
