"""A template's own formulas (the 合计 row's SUMs) are worked out, never blamed on the unit.

Units paste numbers from WPS or Word and they land as text. Excel, WPS and LibreOffice Calc
leave such numbers out of a SUM and save that smaller 合计; we read the text as numbers, so the
file's own total disagreed with its rows and the file was sent back for a cell the unit cannot
even type into. Here the files are filled the way a person does and saved by Calc itself.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from campaign_ops.cli import main
from campaign_ops.forms.layout import TemplateLayout
from campaign_ops.forms.parser import parse_file
from campaign_ops.forms.samples import campaign_using, sample_values
from campaign_ops.forms.spec import load_form
from campaign_ops.forms.validate import validate_batch

FORM = "huangshan-network-market"
CAMPAIGN, ROUND, UNIT = campaign_using(FORM)
SPEC = load_form(FORM)
LAY = TemplateLayout(SPEC)
# numbers pasted as text: two rows of 出动执法人员 and one 罚没款 (a decimal column)
AS_TEXT = {("access", "staff"), ("order", "staff"), ("safety", "fines")}


def cell(row_key: str, col_key: str) -> str:
    return LAY.cell(row_key, col_key)


def rows_sum(values, col_key: str, skip: set[tuple[str, str]] = frozenset()) -> float:
    return sum(values[r.key][col_key] for r in SPEC.rows if (r.key, col_key) not in skip)


@pytest.fixture
def template(tmp_path: Path, capsys) -> Path:
    """The unit's template, made by ``campaign-ops template`` as the bureau sends it."""
    out = tmp_path / "模板"
    args = ["template", CAMPAIGN.id, "--round", ROUND.id, "--unit", UNIT.code, "-o", str(out)]
    assert main(args) == 0
    capsys.readouterr()
    (path,) = out.glob("*.xlsx")
    return path


def fill(template: Path, out: Path, values, *, typed: dict[str, float] | None = None) -> Path:
    """Type ``values`` into the template, the ``AS_TEXT`` cells as text; ``typed`` overwrites
    cells (such as a 合计 formula) with numbers typed by hand."""
    wb = load_workbook(template)
    ws = wb.worksheets[0]
    for row_key, line in values.items():
        for col_key, v in line.items():
            ws[cell(row_key, col_key)] = str(v) if (row_key, col_key) in AS_TEXT else v
    for ref, v in (typed or {}).items():
        ws[ref] = v
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def saved_by_calc(calc, template: Path, tmp_path: Path, values, **kw) -> Path:
    filled = fill(template, tmp_path / "填写" / template.name, values, **kw)
    return calc(filled, tmp_path / "Calc保存")


def text_cells() -> str:
    """``B6、B7、J8``: the cells typed as text, column by column as a total adds them."""
    refs = sorted(AS_TEXT, key=lambda rc: (LAY.col(rc[1]), LAY.row(rc[0])))
    return "、".join(cell(*rc) for rc in refs)


def test_calc_saves_a_smaller_total_over_numbers_typed_as_text(calc, template, tmp_path):
    """The premise, as a person's Calc shows it: the template's SUM leaves the text out."""
    values = sample_values(SPEC, seed=5)
    path = saved_by_calc(calc, template, tmp_path, values)
    ws = load_workbook(path, data_only=True).worksheets[0]
    assert ws[cell("access", "staff")].data_type == "s"  # still text after Calc
    assert ws[cell("total", "staff")].value == rows_sum(values, "staff", AS_TEXT)
    assert ws[cell("total", "staff")].value < rows_sum(values, "staff")
    formulas = load_workbook(path).worksheets[0]
    assert str(formulas[cell("total", "staff")].value).upper().startswith("=SUM(")


def test_check_accepts_it_recomputes_the_total_and_names_the_text_cells(
    calc, template, tmp_path, capsys
):
    values = sample_values(SPEC, seed=5)
    path = saved_by_calc(calc, template, tmp_path, values)

    assert main(["check", CAMPAIGN.id, str(path)]) == 0
    out = capsys.readouterr().out
    assert f"【可接收】{path.name}" in out and "合计填的是" not in out
    assert f"{text_cells()} 是文本格式的数字" in out
    totals = f"{cell('total', 'staff')}、{cell('total', 'fines')}"
    assert f"{totals} 是表格自动计算的公式" in out
    assert "提醒 1 处" in out  # one warning for the 合计 row, not one per column

    sub = parse_file(path)
    for col in SPEC.numeric_columns:  # the figures: every row counted, text or not
        assert sub.total.values[col.key] == pytest.approx(rows_sum(values, col.key))
    assert sub.value("access", "staff") == values["access"]["staff"]
    (result,) = validate_batch([sub])
    assert result.accepted and not result.errors
    (warning,) = result.warnings
    assert warning.severity == "warning" and warning.row_label == "合计"
    assert warning.cell == totals


def test_a_total_row_saved_as_one_shared_formula_is_recomputed_in_every_column(
    calc, template, tmp_path
):
    """Excel keeps a formula repeated along a row once: the first cell holds it, the others
    only point to it (``<f t="shared" si="0"/>``). Each of those is a formula all the same."""
    values = sample_values(SPEC, seed=10)
    path = saved_by_calc(calc, template, tmp_path, values)
    row = str(LAY.row("total")).encode()
    first, last = (cell("total", c.key) for c in (SPEC.columns[0], SPEC.columns[-1]))
    followers = 0

    def shared(m: re.Match[bytes]) -> bytes:
        nonlocal followers
        if m.group(2).decode() == first:
            head = f'<f t="shared" ref="{first}:{last}" si="0">'.encode()
            return m.group(1) + head + m.group(3) + b"</f>"
        followers += 1
        return m.group(1) + b'<f t="shared" si="0"/>'

    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "excel.xlsx", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == sheet:
                data = re.sub(
                    rb'(<c r="([A-Z]+' + row + rb')"[^>]*>)<f[^>]*>([^<]*)</f>',
                    shared,
                    data,
                )
            dst.writestr(info, data)
    assert followers == len(SPEC.columns) - 1

    sub = parse_file(tmp_path / "excel.xlsx")
    for col in SPEC.numeric_columns:
        assert sub.total.values[col.key] == pytest.approx(rows_sum(values, col.key)), col.key
    (result,) = validate_batch([sub])
    assert result.accepted, [e.message for e in result.errors]
    (warning,) = result.warnings
    assert warning.cell == f"{cell('total', 'staff')}、{cell('total', 'fines')}"
    assert f"{text_cells()} 是文本格式的数字" in warning.message


def test_a_total_typed_by_hand_that_does_not_add_up_is_still_the_units_error(
    calc, template, tmp_path, capsys
):
    """Typed over the formula, the 合计 is the unit's own figure: it must match its rows."""
    values = sample_values(SPEC, seed=6)
    typed = rows_sum(values, "staff", AS_TEXT)  # what their Calc showed before they typed
    ref = cell("total", "staff")
    path = saved_by_calc(calc, template, tmp_path, values, typed={ref: typed})
    assert load_workbook(path).worksheets[0][ref].value == typed  # a number, no formula

    assert main(["check", CAMPAIGN.id, str(path)]) == 1
    out = capsys.readouterr().out
    assert f"【退回待改】{path.name}" in out
    assert f"（单元格 {ref}）：合计填的是 {typed}，但各行之和是 {rows_sum(values, 'staff')}" in out
    # the 罚没款 合计 is still the template's formula: recomputed, only a warning
    assert f"{cell('total', 'fines')} 是表格自动计算的公式" in out
    assert f"{cell('safety', 'fines')} 是文本格式的数字" in out


def test_a_file_saved_by_calc_with_numbers_as_numbers_has_nothing_to_say(
    calc, template, tmp_path, capsys
):
    values = sample_values(SPEC, seed=7)
    filled = tmp_path / "填写" / template.name
    wb = load_workbook(template)
    for row_key, line in values.items():
        for col_key, v in line.items():
            wb.worksheets[0][cell(row_key, col_key)] = v
    filled.parent.mkdir()
    wb.save(filled)
    path = calc(filled, tmp_path / "Calc保存")
    assert main(["check", CAMPAIGN.id, str(path)]) == 0
    out = capsys.readouterr().out
    assert "检查通过" in out and "提醒" not in out


def test_text_that_only_the_columns_unit_makes_a_number_counts_in_the_total(fill_unit):
    """A formula saved without a value (files written by scripts) over ``12人次``: the parser
    reads it with the column's unit, so the 合计 is worked out from that, with no warning
    (there was no saved result to disagree with)."""
    path, values = fill_unit
    sub = parse_file(path)
    assert sub.value("access", "staff") == 12
    assert sub.total.values["staff"] == 12 + rows_sum(values, "staff", {("access", "staff")})
    (result,) = validate_batch([sub])
    assert result.accepted and not result.warnings, result.errors


@pytest.fixture
def fill_unit(template: Path, tmp_path: Path):
    values = sample_values(SPEC, seed=8)
    values["access"]["staff"] = 12
    wb = load_workbook(template)
    ws = wb.worksheets[0]
    for row_key, line in values.items():
        for col_key, v in line.items():
            ws[cell(row_key, col_key)] = v
    ws[cell("access", "staff")] = "12人次"
    path = tmp_path / "单位.xlsx"
    wb.save(path)
    return path, values


def test_ingest_stores_the_recomputed_total_and_the_receipt_names_the_text_cells(
    calc, template, tmp_path, monkeypatch, warehouse_url, capsys
):
    """Through ``campaign-ops ingest`` on SQLite and PostgreSQL: accepted, the 合计 stored as
    its rows add up, the warning kept with the submission and sent in the unit's receipt."""
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    values = sample_values(SPEC, seed=9)
    saved = saved_by_calc(calc, template, tmp_path, values)
    drop = tmp_path / "incoming" / UNIT.short_name
    drop.mkdir(parents=True)
    dropped = drop / saved.name
    dropped.write_bytes(saved.read_bytes())
    old = (dt.datetime.now() - dt.timedelta(hours=2)).timestamp()
    os.utime(dropped, (old, old))

    assert main(["ingest", CAMPAIGN.id, "--source", str(tmp_path / "incoming")]) == 0
    assert "已接收" in capsys.readouterr().out
    engine = sa.create_engine(warehouse_url)
    with engine.connect() as conn:
        (sub_id, status) = conn.execute(
            sa.text("select id, status from submissions where unit_code = :u"), {"u": UNIT.code}
        ).one()
        assert status == "accepted"
        stored = dict(
            conn.execute(
                sa.text(
                    "select column_key, value from submitted_values"
                    " where submission_id = :s and row_key = 'total'"
                ),
                {"s": sub_id},
            ).all()
        )
        findings = conn.execute(
            sa.text(
                "select severity, code, message from validation_findings where submission_id = :s"
            ),
            {"s": sub_id},
        ).all()
    engine.dispose()
    for col in SPEC.numeric_columns:
        assert float(stored[col.key]) == pytest.approx(rows_sum(values, col.key)), col.key
    ((severity, code, message),) = findings
    assert severity == "warning" and code == "recomputed"
    assert f"{text_cells()} 是文本格式的数字" in message

    (receipt,) = (tmp_path / "state" / "outbox").rglob("receipt-*.eml")
    mail = email.message_from_bytes(receipt.read_bytes(), policy=email.policy.default)
    body = mail.get_body(("plain",)).get_content()
    assert "已接收" in body and f"{text_cells()} 是文本格式的数字" in body


def test_a_shared_formula_moves_its_relative_references_only():
    from campaign_ops.forms.formulas import shift

    assert shift("SUM(B6:B10)", 0, 8) == "SUM(J6:J10)"
    assert shift("$B$6+B$7+$C8-D9", 2, 1) == "$B$6+C$7+$C10-E11"
    assert shift('LOG10(A1)&"B6"', 1, 1) == 'LOG10(B2)&"B6"'  # no name or text is a cell
