"""Generated → filled like a person would → parsed gives exactly the values put in, and the
batch is accepted. Covers every seed form and the messy-but-valid ways people type numbers."""

from __future__ import annotations

import math

import pytest

from campaign_ops.forms.parser import parse_file
from campaign_ops.forms.samples import sample_values
from campaign_ops.forms.spec import Layout, all_forms, load_form
from campaign_ops.forms.validate import validate_batch

FORM_IDS = [f.id for f in all_forms()]
STYLES = ["plain", "text", "fullwidth", "separators", "dashes"]


def assert_same_values(sub, values):
    form = sub.form
    got = {r.key: r.values for r in sub.data_rows}
    assert set(got) == set(values), "every row put in comes back, and no other"
    for row_key, line in values.items():
        for col_key, put in line.items():
            assert got[row_key][col_key] == put, (row_key, col_key, got[row_key][col_key], put)
    if form.total_row and form.layout == Layout.fixed:
        detail = [r.key for r in form.detail_rows]
        for col in form.numeric_columns:
            expected = sum(values[k][col.key] for k in detail)
            assert math.isclose(sub.total.values[col.key], expected), col.key


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_template_round_trips_exactly(form_id, fill):
    path, values = fill(form_id, "plain", seed=7)
    sub = parse_file(path)
    assert sub.form.id == form_id and sub.identity.form == form_id
    assert_same_values(sub, values)
    long = sub.long()
    assert {"row_key", "column_key", "value"} <= set(long.columns)
    assert len(long[~long["is_total"]]) == sum(
        v is not None for line in values.values() for v in line.values()
    )


def test_every_form_filled_in_every_style_is_accepted_with_the_right_numbers(fill):
    subs = []
    for form_id in FORM_IDS:
        for i, style in enumerate(STYLES):
            path, values = fill(form_id, style, seed=100 + i)
            sub = parse_file(path)
            assert_same_values(sub, values)
            subs.append(sub)
    results = validate_batch(subs)
    rejected = {r.file: [e.message for e in r.errors] for r in results if not r.accepted}
    assert not rejected


def test_dashes_and_none_words_mean_zero_but_blank_is_not_zero(fill):
    form = load_form("huangshan-network-market")
    values = sample_values(form, seed=3)
    values["access"]["staff"] = 0
    values["order"]["staff"] = 0
    path, _ = fill(form.id, "dashes", values=values)
    sub = parse_file(path)
    assert sub.value("access", "staff") == 0 and sub.value("order", "staff") == 0

    values["risk"]["fines"] = None  # a person leaves one cell blank
    blank_path, _ = fill(form.id, "plain", values=values)
    (result,) = validate_batch([parse_file(blank_path)])
    assert not result.accepted
    (err,) = result.errors
    assert err.code == "required" and err.row_label == form.row_label("risk")
    assert err.column_label == "罚没款" and "空白不等于 0" in err.message


def test_parsing_on_several_cores_gives_the_same_result(fill, tmp_path):
    from campaign_ops.forms.parser import try_parse
    from campaign_ops.forms.pool import ParserPool

    paths = [fill(form_id, seed=i)[0] for i, form_id in enumerate(FORM_IDS)]
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    paths.append(empty)
    serial = [try_parse(p) for p in paths]
    with ParserPool(2) as pool:
        pooled = pool.parse(paths)
    assert [type(x).__name__ for x in pooled] == [type(x).__name__ for x in serial]
    for a, b in zip(serial[:-1], pooled[:-1], strict=True):
        assert a.form.id == b.form.id and [r.values for r in a.rows] == [r.values for r in b.rows]
    assert pooled[-1].code == "not_ready"
