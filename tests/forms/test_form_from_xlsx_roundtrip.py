"""Bureau table → drafted form spec → template → filled → accepted with the same numbers, and
the template looks like the bureau's table (same header texts in the same order, same units,
same row labels, same 合计), in the workbook and as Calc prints it.

Shapes: grids with merged group headers (huangshan, saic, livestream-cases), fixed rows with
row units and 其中 rows (ankang-work-stats), a 其中 column group adding up (livestream-subjects),
an open case list with a 合计 row and drop-downs (ankang-ad-cases), and a county summary whose
rows are the counties. A unit that keeps filling in the bureau's own table is read too.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from bureau_tables import bureau_fixture, drafted  # noqa: F401  (a fixture)
from calc_client import Calc
from openpyxl import load_workbook
from services.pdf_words import pdf_pages

from campaign_ops.forms.cleaning import norm_label
from campaign_ops.forms.expectations import write_suite
from campaign_ops.forms.parser import parse_file
from campaign_ops.forms.samples import Values, fill_template, sample_values
from campaign_ops.forms.spec import ColumnType, FormSpec, Layout, all_forms
from campaign_ops.forms.template import write_template
from campaign_ops.forms.validate import validate_batch
from campaign_ops.forms.xlsx_headers import find_parts, is_total
from campaign_ops.forms.xlsx_sheet import read_sheet

pytestmark = pytest.mark.libreoffice  # the bureau tables are saved by Calc

NAMES = [f.id for f in all_forms()] + ["county_summary"]


@pytest.fixture
def suites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "expectations"
    monkeypatch.setenv("CAMPAIGN_OPS_EXPECTATIONS_DIR", str(directory))
    return directory


def values_for(form: FormSpec, seed: int) -> Values:
    """Plausible values with every cell filled (a drafted case list asks for all of them)."""
    values = sample_values(form, seed=seed)
    for line in values.values():
        dates = [v for v in line.values() if isinstance(v, dt.date)]
        for key, v in line.items():
            col = form.columns_by_key[key]
            if v is None:  # an open case closed a month after it was filed, with a fine
                later = max(dates) + dt.timedelta(days=30)
                line[key] = later if col.type == ColumnType.date else 1.5
    return values


def assert_same(sub, values: Values) -> None:
    got = {r.key: r.values for r in sub.data_rows}
    assert set(got) == set(values)
    for row_key, line in values.items():
        for col_key, put in line.items():
            assert got[row_key][col_key] == put, (row_key, col_key, got[row_key][col_key], put)
    form = sub.form
    if form.total_row and form.layout == Layout.fixed:
        for col in form.numeric_columns:
            expected = sum(values[r.key][col.key] for r in form.detail_rows)
            assert math.isclose(sub.total.values[col.key], expected), col.key


@pytest.mark.parametrize("name", NAMES)
def test_drafted_form_template_filled_is_accepted_with_the_same_numbers(
    name, bureau, suites, tmp_path
):
    form = drafted(bureau[name], tmp_path, "drafted-" + name.replace("_", "-"))
    write_suite(form, suites)
    template = write_template(form, tmp_path / "template.xlsx")
    values = values_for(form, seed=3)
    filled = fill_template(template, tmp_path / "filled.xlsx", form, values)
    sub = parse_file(filled, form=form)
    assert_same(sub, values)
    [result] = validate_batch([sub])
    assert result.accepted, [e.message for e in result.errors]


@pytest.mark.parametrize("name", ["huangshan-network-market", "ankang-ad-cases"])
def test_a_drafted_forms_template_saved_by_calc_is_accepted(name, bureau, suites, tmp_path, calc):
    """The unit's spreadsheet program saves the filled template (formulas recalculated)."""
    form = drafted(bureau[name], tmp_path, "drafted-" + name)
    write_suite(form, suites)
    values = values_for(form, seed=5)
    filled = fill_template(
        write_template(form, tmp_path / "t.xlsx"), tmp_path / "filled.xlsx", form, values
    )
    sub = parse_file(calc(filled, tmp_path / "calc"), form=form)
    assert_same(sub, values)
    [result] = validate_batch([sub])
    assert result.accepted, [e.message for e in result.errors]


@pytest.mark.parametrize(
    "name", ["huangshan-network-market", "ankang-work-stats", "ankang-ad-cases", "county_summary"]
)
def test_the_bureaus_own_table_filled_in_is_read_with_the_drafted_form(
    name, bureau, suites, tmp_path
):
    """Units that keep using the table from the circular are not sent back for it."""
    form = drafted(bureau[name], tmp_path, "drafted-" + name.replace("_", "-"))
    write_suite(form, suites)
    values = values_for(form, seed=11)
    filled = _fill_bureau_table(bureau[name], tmp_path / "bureau-filled.xlsx", form, values)
    sub = parse_file(filled, form=form)
    assert_same(sub, values)
    [result] = validate_batch([sub])
    assert result.accepted, [e.message for e in result.errors]


def _fill_bureau_table(path: Path, out: Path, form: FormSpec, values: Values) -> Path:
    """Type ``values`` into the bureau's table where a person would: the row with the label
    (the first row under the header for a one-row form), the column with the header."""
    parts = find_parts(read_sheet(path))
    cols = {norm_label(c.label): c.index + 1 for c in parts.columns}
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    rows = {}
    for r in parts.body:
        texts = [norm_label(ws.cell(row=r + 1, column=c).value) for c in (1, 2, 3)]
        for row in form.rows:
            if norm_label(row.label) in texts:
                rows[row.key] = r + 1
    if form.layout == Layout.list:  # one case a row, from the first row under the header
        rows = {key: parts.body[i] + 1 for i, key in enumerate(values)}
    elif len(form.rows) == 1:
        rows = {form.rows[0].key: parts.body[0] + 1}
        ws.delete_rows(parts.body[1] + 1, len(parts.body) - 1)  # the unit keeps its own row
    for row_key, line in values.items():
        for col_key, v in line.items():
            ws.cell(
                row=rows[row_key], column=cols[norm_label(form.columns_by_key[col_key].label)]
            ).value = v
    wb.save(out)
    return out


# ---- looks like the bureau's table ----------------------------------------------------------


def _looks(path: Path) -> dict:
    """What a person compares: header texts in order, group headers, row labels, 合计."""
    sheet = read_sheet(path)
    parts = find_parts(sheet)
    data = [c for c in parts.columns if norm_label(c.text) not in ("序号", "计量单位")]
    labels = []
    for r in parts.body:
        texts = [sheet.text(r, c.index).replace("\n", "") for c in data[:1]]
        labels += [t for t in texts if t and not t.isdigit()]
    return {
        "title": parts.title,
        "headers": [c.text for c in data],
        "groups": [c.groups for c in data],
        "rows": [t for t in labels if not is_total(t)],
        "total": [t.replace(" ", "") for t in labels if is_total(t)],
    }


@pytest.mark.parametrize("name", [f.id for f in all_forms()])
def test_the_template_of_a_drafted_form_looks_like_the_bureaus_table(
    name, bureau, tmp_path, tmp_path_factory
):
    form = drafted(bureau[name], tmp_path, "drafted-" + name)
    template = write_template(form, tmp_path / f"{name}.xlsx")
    theirs, ours = _looks(bureau[name]), _looks(template)
    assert ours == theirs
    # as Calc prints it: one page (a fixed table), the row labels in the bureau's order
    calc = Calc(tmp_path_factory.mktemp("lo-look"))
    [pdf] = calc.to_pdf([template], tmp_path)
    pages = pdf_pages(pdf)
    text = pages[0].joined
    if form.layout == Layout.fixed:
        assert len(pages) <= 2  # the table, then the 填表说明 sheet
        at = [text.index(label) for label in theirs["rows"]]
        assert at == sorted(at)
    for group in {g for gs in theirs["groups"] for g in gs}:
        assert group in text
