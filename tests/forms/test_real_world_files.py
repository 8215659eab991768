"""Files as counties really send them: edited templates, hand-made tables, CSV, .xlsm."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook

from campaign_ops.forms.layout import TemplateLayout
from campaign_ops.forms.parser import parse_file
from campaign_ops.forms.samples import campaign_using, sample_values
from campaign_ops.forms.spec import load_form
from campaign_ops.forms.validate import validate_batch
from campaign_ops.intake.identify import matcher_for


def rewrite_member(path: Path, member: str, change) -> None:
    """Edit one part of an xlsx in place (what another tool might have written)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, change(data) if info.filename == member else data)
    tmp.replace(path)


def test_edited_template_inserted_rows_notes_renamed_and_hidden_sheets(fill):
    form = load_form("livestream-cases")
    path, values = fill(form.id, "text", seed=5)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    lay = TemplateLayout(form)
    ws.title = "Sheet1"  # renamed
    ws.insert_rows(lay.row("ip"), 2)  # two blank rows inserted in the middle of the table
    ws.insert_rows(lay.first_data_row, 1)  # and one between header and data
    total = lay.total_row + 3
    for col in form.numeric_columns:  # the unit types its own totals instead of the formula
        c = lay.col(col.key)
        ws.cell(row=total, column=c, value=sum(values[r.key][col.key] for r in form.rows))
    ws.cell(row=total + 8, column=1, value="注：本表数据截至6月30日，罚没款含没收违法所得。")
    junk = wb.create_sheet("旧版数据", 0)
    junk.append(["立案", "结案"])
    junk.append([999, 1])
    junk.sheet_state = "hidden"
    wb.save(path)
    sub = parse_file(path)
    assert sub.sheet == "Sheet1"
    assert {r.key: r.values for r in sub.data_rows} == values
    (result,) = validate_batch([sub])
    assert result.accepted, [e.message for e in result.errors]


def test_hand_made_table_without_metadata(tmp_path: Path):
    """A county builds its own sheet: other title rows, merged headers with units on a second
    line, numbered row labels, unit alias in 填报单位, numbers as text with separators."""
    form = load_form("saic-internet-ads")
    campaign, _, _ = campaign_using(form.id)
    unit = campaign.units[-1]
    values = sample_values(form, seed=11)
    values["medical"]["monitored"] = 12345
    wb = Workbook()
    ws = wb.active
    ws.title = "统计"
    ws["A2"] = f"  {form.title}  "
    ws["A3"] = f"填报单位（盖章）： {unit.short_name} "
    ws["H3"] = "填报日期：2016年10月8日"
    cols = list(reversed(form.columns))  # a different column order
    ws.cell(row=5, column=1, value="序号")
    ws.cell(row=5, column=2, value="广告类别")
    ws.merge_cells(start_row=5, start_column=3, end_row=5, end_column=2 + len(cols))
    ws.cell(row=5, column=3, value="监管执法情况")
    for j, col in enumerate(cols, start=3):
        ws.cell(row=6, column=j, value=f"{col.label}\n（{col.unit}）")
    for i, row in enumerate(form.rows, start=1):
        r = 6 + i
        ws.cell(row=r, column=1, value=i)
        ws.cell(row=r, column=2, value=f"{i}、{row.label}")
        for j, col in enumerate(cols, start=3):
            v = values[row.key][col.key]
            ws.cell(row=r, column=j, value=f"{v:,}" if isinstance(v, int) else str(v))
    r = 7 + len(form.rows)
    ws.cell(row=r, column=2, value="合 计")
    for j, col in enumerate(cols, start=3):
        ws.cell(row=r, column=j, value=sum(values[x.key][col.key] for x in form.rows))
    ws.cell(row=r + 2, column=1, value="填报人：张三    联系电话：0915-1234567")
    path = tmp_path / "白河县局互联网广告统计.xlsx"
    wb.save(path)
    sub = parse_file(path, candidates=campaign.forms)
    assert sub.form.id == form.id and sub.identity is None
    assert {r.key: r.values for r in sub.data_rows} == values
    assert matcher_for(campaign).find(sub.reporting_unit) == unit
    (result,) = validate_batch([sub])
    assert result.accepted, [e.message for e in result.errors]


def test_a_stale_saved_formula_total_is_recomputed_and_a_typed_one_is_checked(fill):
    """The 合计 is the template's formula: a saved result that does not match its rows (a
    workbook saved without recalculating) is worked out again, with a warning; a 合计 typed
    over the formula is the unit's own figure and must add up."""
    form = load_form("livestream-subjects")
    path, values = fill(form.id, seed=2)
    lay = TemplateLayout(form)
    right = sum(values[r.key]["registered"] for r in form.rows)
    ref = lay.cell("total", "registered")

    def cache(xml: bytes) -> bytes:  # what Excel writes: the formula and its last result
        return re.sub(
            rb'(<c r="' + ref.encode() + rb'"[^>]*>)<f>([^<]*)</f><v>[^<]*</v>',
            rb"\1<f>\2</f><v>" + str(right + 5).encode() + rb"</v>",
            xml,
        )

    rewrite_member(path, "xl/worksheets/sheet1.xml", cache)
    sub = parse_file(path)
    assert sub.total.values["registered"] == right
    (result,) = validate_batch([sub])
    assert result.accepted, [e.message for e in result.errors]
    (warning,) = result.warnings
    assert warning.code == "recomputed" and warning.row_label == "合计" and warning.cell == ref
    assert f"保存的结果是 {right + 5}" in warning.message and f"应为 {right}" in warning.message
    assert "F9" in warning.message

    def typed(xml: bytes) -> bytes:  # the formula replaced by a number typed by hand
        return re.sub(
            rb'(<c r="' + ref.encode() + rb'")[^>]*>.*?</c>',
            rb'\1 t="n"><v>' + str(right + 5).encode() + rb"</v></c>",
            xml,
        )

    path, _ = fill(form.id, seed=2)
    rewrite_member(path, "xl/worksheets/sheet1.xml", typed)
    (result,) = validate_batch([parse_file(path)])
    (err,) = [e for e in result.errors if e.code == "total"]
    assert err.row_label == "合计" and err.column_label == "在册主体数" and err.cell == ref
    assert str(right) in err.message and str(right + 5) in err.value
    assert not result.warnings


def test_xlsm_is_read_and_no_macro_runs(fill, tmp_path: Path):
    path, values = fill("huangshan-network-market", seed=4)
    xlsm = tmp_path / "黄山区局统计表.xlsm"
    shutil.copy(path, xlsm)
    with zipfile.ZipFile(xlsm, "a") as zf:
        zf.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not a real macro project")
    sub = parse_file(xlsm)
    assert {r.key: r.values for r in sub.data_rows} == values
    assert [n.code for n in sub.notes] == ["macros"]
    (result,) = validate_batch([sub])
    assert result.accepted and "不运行宏" in result.warnings[0].message


def _csv_text(form_id: str, values) -> str:
    form = load_form(form_id)
    lines = [
        form.title,
        "填报单位：汉滨区市场监督管理局",
        ",".join([form.row_header, *(c.header for c in form.columns)]),
    ]
    for row in form.rows:
        lines.append(",".join([row.label, *(str(values[row.key][c.key]) for c in form.columns)]))
    lines.append(
        "合计,"
        + ",".join(str(sum(values[r.key][c.key] for r in form.detail_rows)) for c in form.columns)
    )
    return "\r\n".join(lines) + "\r\n"


def test_csv_in_gbk_gb18030_and_utf8(tmp_path: Path):
    form = load_form("livestream-cases")
    values = sample_values(form, seed=9)
    text = _csv_text(form.id, values)
    subs = []
    for encoding in ("gbk", "gb18030", "utf-8-sig", "utf-8"):
        path = tmp_path / f"汉滨区-{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        sub = parse_file(path, form.id)
        assert {r.key: r.values for r in sub.data_rows} == values, encoding
        assert sub.reporting_unit == "汉滨区市场监督管理局"
        subs.append(sub)
    assert all(r.accepted for r in validate_batch(subs))


def test_dates_typed_as_serials_or_text_in_a_case_list(fill):
    form = load_form("ankang-ad-cases")
    values = sample_values(form, seed=1, cases=3)
    path, _ = fill(form.id, values=values)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    lay = TemplateLayout(form)
    put = values["r1"]["filed_on"]
    ws[lay.cell("r1", "filed_on")] = (
        put - __import__("datetime").date(1899, 12, 30)
    ).days  # a serial
    ws[lay.cell("r2", "filed_on")] = values["r2"]["filed_on"].strftime("%Y年%m月%d日")
    wb.save(path)
    sub = parse_file(path)
    assert sub.value("r1", "filed_on") == put
    assert sub.value("r2", "filed_on") == values["r2"]["filed_on"]


def test_data_in_a_hidden_sheet_is_read_with_a_warning(fill):
    path, values = fill("livestream-subjects", seed=12)
    wb = load_workbook(path)
    wb.worksheets[0].sheet_state = "hidden"
    wb.active = 1
    wb.save(path)
    sub = parse_file(path)
    assert {r.key: r.values for r in sub.data_rows} == values
    (result,) = validate_batch([sub])
    assert result.accepted and [w.code for w in result.warnings] == ["hidden_sheet"]
    assert "隐藏的工作表" in result.warnings[0].message


def test_formulas_saved_without_a_result_are_computed(fill):
    """Tools other than Excel/WPS save formulas without their result; we compute them."""
    form = load_form("livestream-subjects")
    path, values = fill(form.id, seed=3)
    lay = TemplateLayout(form)
    first, second = form.rows[0].key, form.rows[1].key
    ref = lay.cell("total", "registered")
    plus = f"{lay.cell(first, 'registered')}+{lay.cell(second, 'registered')}*2"

    def general(xml: bytes) -> bytes:  # a formula other than the template's SUM
        return re.sub(
            rb'(<c r="' + ref.encode() + rb'"[^>]*>)<f>[^<]*</f>',
            rb"\1<f>" + plus.encode() + rb"</f>",
            xml,
        )

    rewrite_member(path, "xl/worksheets/sheet1.xml", general)
    sub = parse_file(path)
    registered = [values[r.key]["registered"] for r in form.rows]
    assert sub.total.values["registered"] == registered[0] + registered[1] * 2
    others = [c.key for c in form.numeric_columns if c.key != "registered"]
    for key in others:  # the untouched SUMs of the template, computed too
        assert sub.total.values[key] == sum(values[r.key][key] for r in form.rows)


def test_uncached_formulas_are_found_in_namespace_prefixed_sheets(fill):
    from campaign_ops.forms.safety import inspect_file

    path, _ = fill("livestream-subjects", seed=3)

    def prefixed(xml: bytes) -> bytes:  # <x:c r=".."><x:f>..</x:f><x:v></x:v></x:c>
        xml = re.sub(rb"<(/?)(c|f|v|row|sheetData)\b", rb"<\1x:\2", xml)
        return xml.replace(b"<worksheet ", b'<worksheet xmlns:x="urn:x" ', 1)

    sheet = "xl/worksheets/sheet1.xml"
    rewrite_member(path, sheet, prefixed)
    plain = inspect_file(fill("livestream-subjects", seed=3)[0]).uncached[sheet]
    found = inspect_file(path).uncached[sheet]
    assert found == plain and all(f.startswith("SUM(") for _, f in found)


def test_formula_cells_are_listed_apart_by_whether_their_value_was_saved():
    """A cell with its value saved is listed apart (its value is compared with its cells
    later); a data validation's list formula is no cell; an array formula with an empty
    ``<v/>`` and one with no ``<v>`` at all still need computing; a formula of blanks has
    nothing to compute."""
    from campaign_ops.forms.safety import _formula_cells

    sheet = (
        b'<sheetData><row r="1"><c r="A1"><f>SUM(A2:A3)</f><v></v></c>'
        b'<c r="B1" t="n"><f>1+1</f><v>2</v></c><c r="C1"><f>B1*2</f></c>'
        b'<c r="D1"> <f t="array" ref="D1">A2&amp;B2</f> <v/> </c><c r="E1"><f> </f></c>'
        b'</row></sheetData><dataValidations><dataValidation sqref="F1">'
        b'<formula1>"a,b"</formula1></dataValidation></dataValidations>'
    )
    assert _formula_cells(sheet) == (
        [("A1", "SUM(A2:A3)"), ("C1", "B1*2"), ("D1", "A2&B2")],
        [("B1", "1+1")],
    )
