import numpy as np
import pytest
import torch

from dl_core import DataError, make_run
from dl_core.data.csv import MAX_CLASSES, MAX_COLUMNS, MAX_CSV_BYTES, MAX_ROWS, read_csv, upload_name
from dl_core.specs import BuilderSpec, PlaygroundSpec, validate
from dl_core.specs.playground import DataSpec


def table(rows: int = 40, columns: int = 3, label=lambda r: "yes" if r % 3 else "no", header=True) -> bytes:
    lines = [",".join([f"x{c}" for c in range(columns)] + ["label"])] if header else []
    for r in range(rows):
        lines.append(",".join([f"{(r * (c + 1)) % 7 + 0.5}" for c in range(columns)] + [str(label(r))]))
    return "\n".join(lines).encode()


def test_a_table_with_a_text_label_becomes_classes_with_their_names():
    data = read_csv(table())
    assert data.n_classes == 2 and data.class_names == ("no", "yes") and data.input_shape == (3,)
    assert data.feature_names == ("x0", "x1", "x2") and data.input_kind == "table"
    x = torch.cat([data.x_train, data.x_test])
    torch.testing.assert_close(x.mean(dim=0), torch.zeros(3), atol=1e-5, rtol=0)  # standardised
    assert data.name == upload_name(table()) and len(data.y_train) == 28


def test_a_numeric_label_with_many_values_is_a_regression_target():
    data = read_csv(table(label=lambda r: r * 0.37))
    assert data.n_classes == 0 and data.y_train.dtype == torch.float32


def test_points_are_scaled_into_the_plane():
    data = read_csv(table(columns=2, label=lambda r: r % 2), purpose="points")
    points = torch.cat([data.x_train, data.x_test])
    assert data.input_kind == "points" and points.abs().max() <= 5.0 + 1e-5 and data.n_classes == 2


def test_semicolons_and_no_header_are_read_too():
    text = "\n".join(f"{r};{r % 5};{'a' if r % 2 else 'b'}" for r in range(30)).encode()
    data = read_csv(text)
    assert data.feature_names == ("column 1", "column 2") and data.n_classes == 2


@pytest.mark.parametrize("raw, purpose, message", [
    (b"x" * (MAX_CSV_BYTES + 1), "table", f"the limit is {MAX_CSV_BYTES:,}"),
    (table(rows=MAX_ROWS + 5), "table", f"the limit is {MAX_ROWS:,}"),
    (table(columns=MAX_COLUMNS + 2), "table", f"the limit is {MAX_COLUMNS}"),
    (table(rows=5), "table", "at least 10 are needed"),
    (table(columns=3), "points", "points need exactly two numeric columns"),
    (b"a,b,label\n" + b"1,2,x\n" * 5 + b"1,,y\n" + b"3,4,x\n" * 10, "table", "row 7, column 'b' is empty"),
    (b"a,b,label\n" + b"1,2,x\n" * 5 + b"1,zz,y\n" + b"3,4,x\n" * 10, "table", "row 7, column 'b' holds 'zz'"),
    (b"a,b,label\n" + b"1,2,x\n" * 5 + b"1,2\n" + b"3,4,x\n" * 10, "table", "row 7 has 2 columns"),
    (table(label=lambda r: "same"), "table", "one class only"),
    (table(rows=60, label=lambda r: f"c{r}"), "table", f"the limit is {MAX_CLASSES}"),
    (b"\xff\xfe" + "a,b\n".encode("utf-16"), "table", "not text in UTF-8"),
    (b"a,b,label\n" + b"1,inf,x\n" * 12, "table", "not a number"),
    (b"", "table", "empty"),
])
def test_bad_files_are_refused_naming_the_row_column_or_limit(raw, purpose, message):
    with pytest.raises(DataError) as error:
        read_csv(raw, purpose)
    assert message in str(error.value)


def test_an_uploaded_table_trains_in_the_builder_and_uploaded_points_in_the_playground():
    tab = read_csv(table(rows=120))
    spec = BuilderSpec().for_task(tab.name, uploads={tab.name: tab})
    assert validate(spec, {tab.name: tab}) == [] and "uploaded in another session" in validate(spec)[0]
    run = make_run(spec, {tab.name: tab})
    run.trainer.step(50)
    assert run.trainer.history.last("test_accuracy") > 0.5
    pts = read_csv(table(rows=200, columns=2, label=lambda r: int(r % 7 > 3)), purpose="points")
    playground = PlaygroundSpec(DataSpec(dataset=pts.name, train_share=60))
    run = make_run(playground, {pts.name: pts})
    assert run.plane is not None and len(run.trainer.y_train) == 120
    problems = validate(playground)
    assert "upload the CSV file again" in problems[0], "a link to uploaded data opened elsewhere says so"
    np.testing.assert_array_equal(run.plane.train[0], run.data.x_train.numpy())


def test_column_and_class_names_lose_markup_and_control_characters_and_stay_distinct():
    """Plotly renders <b>, <a href=…> and entities in axis and legend labels, and the diagram draws names on a
    canvas: a name from a file is cut down to plain text, and two that differed only in markup stay apart."""
    lines = ['<b>x</b>,"<a href=\'http://e.vil\'>y</a>",\u202eclass\x07']
    lines += [f"{r % 5},{r % 3},{'<i>a</i>' if r % 2 else '&lt;i&gt;a'}" for r in range(30)]
    data = read_csv("\n".join(lines).encode(), name="<script>alert(1)</script>.csv")
    assert data.feature_names == ("bx/b", "a href=http://e.vily/a")
    assert data.class_names == ("lt;igt;a", "ia/i")
    for text in data.feature_names + data.class_names + (data.label,):
        assert not set(text) & set("<>&\"'`\\") and text.isprintable()
    assert data.n_classes == 2


def test_a_header_of_names_that_clean_to_the_same_text_gets_numbered():
    raw = "\n".join(["<a>,a,label"] + [f"{r},{r % 4},{r % 2}" for r in range(20)]).encode()
    assert read_csv(raw).feature_names == ("a", "a (2)")
