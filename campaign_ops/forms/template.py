"""Ready-to-fill Excel templates, one per unit, derived from the form spec.

A template looks like the table in a circular (title, 填报单位, merged group headers), lets the
unit type only into input cells (sheet protection without a password: it guards against
accidents, not people), validates input in the cell, and carries a very hidden, locked
metadata sheet so an untouched or filled template identifies itself on intake. It prints on
A4 as it looks: columns sized to their headers, every wrapped row as tall as its text, and a
填表说明 sheet written from the spec (``instructions``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from campaign_ops.forms.fit import a4_page_setup, height_for, row_height, text_width, wrap
from campaign_ops.forms.instructions import table_notes
from campaign_ops.forms.instructions_sheet import write_instructions
from campaign_ops.forms.layout import (
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    META_MARKER,
    META_SHEET,
    ROUND_ROW,
    TITLE_ROW,
    UNIT_OF_MEASURE,
    UNIT_ROW,
    TemplateLayout,
)
from campaign_ops.forms.spec import Column, ColumnType, FormSpec, Layout
from campaign_ops.forms.text import column_requirement

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign, Round, Unit

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)
NOTE_FONT = Font(size=11, color="404040")
# Printable width of a portrait A4 page in column units (0.5 inch margins; Calc's unit is about
# 7 pt, Excel's less): a wider table prints landscape.
PORTRAIT_UNITS = 75
# Excel serial days of 2000-01-01 and 2099-12-31, the accepted range for date cells.
DATE_MIN, DATE_MAX = 36526, 73415


def template_filename(form: FormSpec, unit: Unit | None = None, round_: Round | None = None) -> str:
    """A Chinese file name such as ``汉滨区市场监督管理局_工作情况统计表_第二次阶段性报送.xlsx``."""
    parts = [unit.name if unit else "空白", form.title]
    if round_:
        parts.append(re.sub(r"[（(].*?[）)]", "", round_.title).strip() or round_.id)
    name = "_".join(parts)
    return re.sub(r'[\\/:*?"<>|\s]+', "", name) + ".xlsx"


def write_template(
    form: FormSpec,
    path: Path,
    *,
    campaign: Campaign | None = None,
    round_: Round | None = None,
    unit: Unit | None = None,
) -> Path:
    """Write one template to ``path`` (an .xlsx file) and return the path."""
    wb = Workbook()
    ws = wb.active
    ws.title = form.title[:31]
    lay = TemplateLayout(form)
    draw_headers(ws, lay)
    widths = _column_widths(ws, lay)
    _title_block(ws, lay, campaign, round_, unit, widths)
    _header_heights(ws, lay, widths)
    _body(ws, lay, widths)
    _footer(ws, lay, sum(widths))
    _validations(ws, lay)
    ws.freeze_panes = ws.cell(row=lay.first_data_row, column=lay.first_data_col)
    _print_setup(ws, sum(widths), one_page=form.layout == Layout.fixed)
    ws.print_title_rows = f"{HEADER_ROW}:{lay.first_data_row - 1}"
    ws.protection.sheet = True
    if form.layout == Layout.list:  # a case list may need more rows than the template has
        ws.protection.insertRows = False
        ws.protection.deleteRows = False
    write_instructions(wb.create_sheet(INSTRUCTIONS_SHEET), form, campaign, round_, unit)
    _metadata(wb.create_sheet(META_SHEET), form, campaign, round_, unit)
    wb.properties.title = form.title
    wb.properties.creator = "campaign-ops"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def generate_templates(
    campaign: Campaign,
    out_dir: Path,
    *,
    round_id: str,
    unit_code: str | None = None,
    forms: Iterable[str] | None = None,
) -> list[Path]:
    """One template per unit and statistics form of a round, written under ``out_dir``."""
    from campaign_ops.forms.spec import load_form

    round_ = campaign.round(round_id)
    units = [campaign.unit(unit_code)] if unit_code else campaign.units_for(round_)
    wanted = list(forms) if forms else round_.forms
    if not wanted:
        raise KeyError(f"轮次 {round_id}（{round_.title}）不需要报送统计表")
    paths = []
    for form_id in wanted:
        form = load_form(form_id)
        for unit in units:
            path = Path(out_dir) / template_filename(form, unit, round_)
            paths.append(write_template(form, path, campaign=campaign, round_=round_, unit=unit))
    return paths


# ---- main sheet ---------------------------------------------------------------------------


def merge_cells(ws: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
    """Merge a block of cells (nothing to do for a single cell); the reports use it too."""
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def _title_block(ws, lay: TemplateLayout, campaign, round_, unit, widths: list[float]) -> None:
    width = lay.width
    cell = ws.cell(row=TITLE_ROW, column=1, value=lay.form.title)
    cell.font = Font(size=16, bold=True)
    cell.alignment = CENTER
    merge_cells(ws, TITLE_ROW, 1, TITLE_ROW, width)
    ws.row_dimensions[TITLE_ROW].height = height_for(lay.form.title, sum(widths), 16)

    label = "填报单位："
    # the label takes as many columns as it needs (a case list's 序号 column is narrow)
    span = next((k for k in range(1, width) if sum(widths[:k]) >= text_width(label) + 1), 1)
    ws.cell(row=UNIT_ROW, column=1, value=label).alignment = Alignment(
        horizontal="right", vertical="center"
    )
    merge_cells(ws, UNIT_ROW, 1, UNIT_ROW, span)
    first, last = span + 1, max(span + 1, width - 1)
    name = ws.cell(row=UNIT_ROW, column=first, value=unit.name if unit else None)
    name.alignment = LEFT
    if not unit:
        name.protection = UNLOCKED
        name.border = Border(bottom=THIN)
    merge_cells(ws, UNIT_ROW, first, UNIT_ROW, last)
    stamp = ws.cell(row=UNIT_ROW, column=width, value="（盖章）" if width > last else None)
    stamp.alignment = LEFT
    room = sum(widths[first - 1 : last])
    ws.row_dimensions[UNIT_ROW].height = height_for(unit.name if unit else "", room)

    lines = []
    if campaign:
        lines.append(f"专项行动：{campaign.display_title}")
    if round_:
        d = round_.deadline
        lines.append(f"报送轮次：{round_.title}　　截止日期：{d.year}年{d.month}月{d.day}日")
    text = "\n".join(lines)
    ws.cell(row=ROUND_ROW, column=1, value=text or None).alignment = LEFT
    merge_cells(ws, ROUND_ROW, 1, ROUND_ROW, width)
    ws.row_dimensions[ROUND_ROW].height = height_for(text, sum(widths))


def _column_widths(ws, lay: TemplateLayout) -> list[float]:
    """Width of every column in units, wide enough for its header in two lines, its longest
    choice and its longest row label; set on the sheet and returned (index 0 = column A)."""
    form = lay.form
    if form.layout == Layout.fixed:
        longest = max(text_width(r.label) for r in form.rows)
        widths = [min(max(longest + 2, text_width(form.row_header) + 2, 14), 28)]
    else:
        widths = [max(6, text_width(form.row_header) + 2)]
    if form.row_units:
        widths.append(max(text_width(UNIT_OF_MEASURE) + 2, 8))
    for col in form.columns:
        head = text_width(col.header) / 2 + 2
        if col.type == ColumnType.text:
            w = max(16, head)
        elif col.type == ColumnType.choice:
            w = min(max(max(text_width(c) for c in col.choices) + 2, head, 8), 20)
        elif col.type == ColumnType.date:
            w = max(12, head)
        else:  # the label on one line and its unit below when that stays narrow, or 3 lines
            label = text_width(col.label) + 2
            w = label if label <= 13 else min(max(text_width(col.header) / 3 + 2, 10), 13)
            w = max(w, 10)
        widths.append(round(w, 1))
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    return widths


def _header_heights(ws, lay: TemplateLayout, widths: list[float]) -> None:
    """Header texts broken into lines that fit their columns, and rows tall enough for them."""
    form = lay.form
    top, bottom = HEADER_ROW, HEADER_ROW + lay.header_rows - 1
    need = {top: 1.0, bottom: 1.0}

    def place(row: int, col: int, span: int) -> float:
        cell = ws.cell(row=row, column=col)
        width = sum(widths[col - 1 : col - 1 + span])
        cell.value = wrap(str(cell.value), width)
        return height_for(cell.value, width)

    done: set[str] = set()
    for col in form.columns:
        c = lay.col(col.key)
        group = form.group_of(col.key)
        if group:
            need[bottom] = max(need[bottom], place(bottom, c, 1))
            if group.label not in done:
                done.add(group.label)
                need[top] = max(need[top], place(top, c, len(group.columns)))
        elif top == bottom:
            need[top] = max(need[top], place(top, c, 1))
        else:  # a column header merged over both rows shares their height
            half = place(top, c, 1) / 2
            need[top], need[bottom] = max(need[top], half), max(need[bottom], half)
    for r, h in need.items():
        ws.row_dimensions[r].height = max(h, row_height(1) + 6)


def _print_setup(ws, units: float, *, one_page: bool) -> None:
    """A4, portrait when the table fits the width, centred, scaled to the page width."""
    a4_page_setup(ws, landscape=units > PORTRAIT_UNITS, one_page=one_page)


def _header_cell(ws, row: int, col: int, value: str) -> None:
    cell = ws.cell(row=row, column=col, value=value)
    cell.font = Font(bold=True)
    cell.alignment = CENTER
    cell.fill = HEADER_FILL


def draw_headers(ws, lay: TemplateLayout) -> None:
    """The government-table header with merged group headers and units of measure; the
    consolidated report draws its form sheets with the same code."""
    form = lay.form
    top, bottom = HEADER_ROW, HEADER_ROW + lay.header_rows - 1
    _header_cell(ws, top, 1, form.row_header)
    merge_cells(ws, top, 1, bottom, 1)
    if form.row_units:
        _header_cell(ws, top, 2, UNIT_OF_MEASURE)
        merge_cells(ws, top, 2, bottom, 2)
    done: set[str] = set()
    for col in form.columns:
        c = lay.col(col.key)
        group = form.group_of(col.key)
        if group and group.label not in done:
            done.add(group.label)
            _header_cell(ws, top, c, group.label)
            merge_cells(ws, top, c, top, c + len(group.columns) - 1)
        if group:
            _header_cell(ws, bottom, c, col.header)
        else:
            _header_cell(ws, top, c, col.header)
            merge_cells(ws, top, c, bottom, c)
    for r in range(top, bottom + 1):
        for c in range(1, lay.width + 1):
            ws.cell(row=r, column=c).border = BORDER
        ws.row_dimensions[r].height = 36
    ws.column_dimensions["A"].width = 36 if form.layout == Layout.fixed else 8
    if form.row_units:
        ws.column_dimensions["B"].width = 10
    for col in form.columns:
        width = 14 if col.numeric or col.type == ColumnType.date else 22
        ws.column_dimensions[get_column_letter(lay.col(col.key))].width = width


def _body(ws, lay: TemplateLayout, widths: list[float]) -> None:
    form = lay.form
    labels: list[tuple[str, str | None]]
    if form.layout == Layout.fixed:
        labels = [(r.label, r.unit) for r in form.rows]
    else:
        labels = [(str(i), None) for i in range(1, len(lay.row_keys) + 1)]
    for key, (label, unit) in zip(lay.row_keys, labels, strict=True):
        r = lay.row(key)
        label = wrap(label, widths[0])
        cell = ws.cell(row=r, column=1, value=int(label) if label.isdigit() else label)
        cell.alignment = LEFT if form.layout == Layout.fixed else CENTER
        cell.border = BORDER
        if form.row_units:
            u = ws.cell(row=r, column=2, value=unit)
            u.alignment, u.border = CENTER, BORDER
        for col in form.columns:
            _input_cell(ws, r, lay.col(col.key), col)
        ws.row_dimensions[r].height = height_for(label, widths[0])
    if lay.total_row:
        _total_row(ws, lay)
        ws.row_dimensions[lay.total_row].height = row_height(1)


def _input_cell(ws, row: int, col: int, spec: Column) -> None:
    cell = ws.cell(row=row, column=col)
    cell.protection = UNLOCKED
    cell.border = BORDER
    cell.fill = INPUT_FILL
    cell.alignment = CENTER if spec.numeric or spec.type == ColumnType.date else LEFT
    if spec.type == ColumnType.date:
        cell.number_format = "yyyy-mm-dd"
    elif spec.type == ColumnType.integer:
        cell.number_format = "0"
    elif spec.type == ColumnType.text:
        cell.number_format = "@"


def _total_row(ws, lay: TemplateLayout) -> None:
    """合计 row: SUM formulas over the detail rows (其中 rows are already in their parent)."""
    form = lay.form
    r = lay.total_row
    assert r is not None and form.total_row is not None
    label = ws.cell(row=r, column=1, value=form.total_row.label)
    label.font, label.alignment, label.border = Font(bold=True), CENTER, BORDER
    if form.row_units:
        ws.cell(row=r, column=2).border = BORDER
    if form.layout == Layout.fixed:
        rows = [lay.row(x.key) for x in form.detail_rows]
    else:
        rows = [lay.row(k) for k in lay.row_keys]
    for col in form.columns:
        c = lay.col(col.key)
        cell = ws.cell(row=r, column=c)
        cell.border, cell.fill, cell.alignment = BORDER, LOCKED_FILL, CENTER
        if col.numeric:
            letter = get_column_letter(c)
            if rows == list(range(rows[0], rows[-1] + 1)):
                cell.value = f"=SUM({letter}{rows[0]}:{letter}{rows[-1]})"
            else:
                cell.value = "=SUM(" + ",".join(f"{letter}{x}" for x in rows) + ")"
            cell.font = Font(bold=True)


def _footer(ws, lay: TemplateLayout, units: float) -> None:
    r = lay.last_table_row + 2
    ws.cell(row=r, column=1, value="填报人：").alignment = Alignment(horizontal="right")
    ws.cell(row=r, column=2).protection = UNLOCKED
    ws.cell(row=r, column=2).border = Border(bottom=THIN)
    if lay.width >= 4:
        ws.cell(row=r, column=3, value="联系电话：").alignment = Alignment(horizontal="right")
        ws.cell(row=r, column=4).protection = UNLOCKED
        ws.cell(row=r, column=4).border = Border(bottom=THIN)
    ws.row_dimensions[r].height = row_height(1) + 6
    notes = ["填表说明：", *(f"{i}. {n}" for i, n in enumerate(table_notes(lay.form), 1))]
    for i, note in enumerate(notes, start=r + 2):
        cell = ws.cell(row=i, column=1, value=note)
        cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        cell.font = NOTE_FONT
        merge_cells(ws, i, 1, i, lay.width)
        ws.row_dimensions[i].height = height_for(note, units, NOTE_FONT.sz)


def _validations(ws, lay: TemplateLayout) -> None:
    first, last = lay.first_data_row, lay.first_data_row + len(lay.row_keys) - 1
    for col in lay.form.columns:
        dv = _validation(col)
        letter = get_column_letter(lay.col(col.key))
        dv.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(dv)


def _validation(col: Column) -> DataValidation:
    hint = column_requirement(col)
    common = dict(
        showErrorMessage=True,
        showInputMessage=True,
        allow_blank=True,
        errorTitle="填写有误",
        error=hint[:225],
        promptTitle=col.label[:32],
        prompt=hint[:250],
    )
    if col.type == ColumnType.integer:
        high = int(col.max) if col.max is not None else 2_000_000_000
        return DataValidation(
            type="whole",
            operator="between",
            formula1=str(int(col.low or 0)),
            formula2=str(high),
            **common,
        )
    if col.type == ColumnType.decimal:
        high = col.max if col.max is not None else 1e12
        return DataValidation(
            type="decimal",
            operator="between",
            formula1=f"{col.low or 0:g}",
            formula2=f"{high:g}",
            **common,
        )
    if col.type == ColumnType.choice:
        listed = ",".join(col.choices)
        if len(listed) > 250 or any("," in c for c in col.choices):
            raise ValueError(f"列 {col.key} 的选项太长或含逗号，无法做成下拉列表")
        return DataValidation(type="list", formula1=f'"{listed}"', **common)
    if col.type == ColumnType.date:
        return DataValidation(
            type="date",
            operator="between",
            formula1=str(DATE_MIN),
            formula2=str(DATE_MAX),
            **common,
        )
    return DataValidation(
        type="textLength", operator="lessThanOrEqual", formula1=str(col.max_length), **common
    )


# ---- other sheets -------------------------------------------------------------------------


def _metadata(ws, form: FormSpec, campaign, round_, unit) -> None:
    rows = [
        ("marker", META_MARKER),
        ("campaign", campaign.id if campaign else None),
        ("round", round_.id if round_ else None),
        ("unit", unit.code if unit else None),
        ("unit_name", unit.name if unit else None),
        ("form", form.id),
        ("form_version", form.version),
        ("generated_at", dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
    ]
    for r, (k, v) in enumerate(rows, start=1):
        ws.cell(row=r, column=1, value=k)
        ws.cell(row=r, column=2, value=v)
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True
