"""Ready-to-fill Excel templates, one per unit, derived from the form spec.

A template looks like the table in a circular (title, 填报单位, merged group headers), lets the
unit type only into input cells (sheet protection without a password: it guards against
accidents, not people), validates input in the cell, and carries a very hidden, locked
metadata sheet so an untouched or filled template identifies itself on intake.
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
from campaign_ops.forms.text import column_requirement, rule_texts

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
    _title_block(ws, lay, campaign, round_, unit)
    draw_headers(ws, lay)
    _body(ws, lay)
    _footer(ws, lay)
    _validations(ws, lay)
    ws.freeze_panes = ws.cell(row=lay.first_data_row, column=lay.first_data_col)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True
    if form.layout == Layout.list:  # a case list may need more rows than the template has
        ws.protection.insertRows = False
        ws.protection.deleteRows = False
    _instructions(wb.create_sheet(INSTRUCTIONS_SHEET), form, campaign, round_, unit)
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


def _title_block(ws, lay: TemplateLayout, campaign, round_, unit) -> None:
    width = lay.width
    cell = ws.cell(row=TITLE_ROW, column=1, value=lay.form.title)
    cell.font = Font(size=16, bold=True)
    cell.alignment = CENTER
    merge_cells(ws, TITLE_ROW, 1, TITLE_ROW, width)
    ws.row_dimensions[TITLE_ROW].height = 30

    ws.cell(row=UNIT_ROW, column=1, value="填报单位：").alignment = Alignment(horizontal="right")
    name = ws.cell(row=UNIT_ROW, column=2, value=unit.name if unit else None)
    name.alignment = LEFT
    if not unit:
        name.protection = UNLOCKED
        name.border = Border(bottom=THIN)
    merge_cells(ws, UNIT_ROW, 2, UNIT_ROW, max(2, width - 1))
    stamp = ws.cell(row=UNIT_ROW, column=width, value="（盖章）" if width > 2 else None)
    stamp.alignment = LEFT

    parts = []
    if campaign:
        parts.append(f"专项行动：{campaign.display_title}")
    if round_:
        parts.append(f"报送轮次：{round_.title}，截止日期 {round_.deadline:%Y年%m月%d日}")
    ws.cell(row=ROUND_ROW, column=1, value="　　".join(parts) or None).alignment = LEFT
    merge_cells(ws, ROUND_ROW, 1, ROUND_ROW, width)


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


def _body(ws, lay: TemplateLayout) -> None:
    form = lay.form
    labels: list[tuple[str, str | None]]
    if form.layout == Layout.fixed:
        labels = [(r.label, r.unit) for r in form.rows]
    else:
        labels = [(str(i), None) for i in range(1, len(lay.row_keys) + 1)]
    for key, (label, unit) in zip(lay.row_keys, labels, strict=True):
        r = lay.row(key)
        cell = ws.cell(row=r, column=1, value=int(label) if label.isdigit() else label)
        cell.alignment = LEFT if form.layout == Layout.fixed else CENTER
        cell.border = BORDER
        if form.row_units:
            u = ws.cell(row=r, column=2, value=unit)
            u.alignment, u.border = CENTER, BORDER
        for col in form.columns:
            _input_cell(ws, r, lay.col(col.key), col)
    if lay.total_row:
        _total_row(ws, lay)


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


def _footer(ws, lay: TemplateLayout) -> None:
    r = lay.last_table_row + 2
    ws.cell(row=r, column=1, value="填报人：").alignment = Alignment(horizontal="right")
    ws.cell(row=r, column=2).protection = UNLOCKED
    ws.cell(row=r, column=2).border = Border(bottom=THIN)
    if lay.width >= 4:
        ws.cell(row=r, column=3, value="联系电话：").alignment = Alignment(horizontal="right")
        ws.cell(row=r, column=4).protection = UNLOCKED
        ws.cell(row=r, column=4).border = Border(bottom=THIN)
    notes = ["填表说明：", *(f"{i}. {n}" for i, n in enumerate(lay.form.notes, 1))]
    for i, note in enumerate(notes, start=r + 2):
        cell = ws.cell(row=i, column=1, value=note)
        cell.alignment = LEFT
        cell.font = Font(size=9, color="555555")
        merge_cells(ws, i, 1, i, lay.width)


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


def _instructions(ws, form: FormSpec, campaign, round_, unit) -> None:
    lines: list[tuple[str, str]] = [(f"{form.title} 填表说明", "")]
    if campaign:
        lines.append(("专项行动", f"{campaign.title}（{campaign.authority}）"))
    if round_:
        lines.append(("报送轮次", f"{round_.title}，截止日期 {round_.deadline:%Y年%m月%d日}"))
    if unit:
        lines.append(("填报单位", unit.name))
    lines.append(("表单版本", f"{form.id} 第{form.version}版"))
    lines.append(("", ""))
    lines.append(("栏目", "填写要求"))
    for col in form.columns:
        lines.append((col.header, column_requirement(col)))
    lines.append(("", ""))
    lines.append(("核对规则", ""))
    lines += [("", t) for t in rule_texts(form)]
    lines.append(("", ""))
    lines.append(("注意事项", ""))
    general = [
        *form.notes,
        "只在白色单元格中填写；灰色单元格和表头已锁定（不设密码），请不要改动表头、行名称和合计公式。",
        "空白不等于 0：没有发生的请填 0；空白会被视为未填写而退回。",
        "请保存为 .xlsx 格式直接报送，不要加密码，不要另存为 .xls。",
        "报送前可用 campaign-ops check 命令或联系市局预先检查。",
    ]
    lines += [("", f"{i}. {t}") for i, t in enumerate(general, 1)]
    for r, (a, b) in enumerate(lines, start=1):
        ws.cell(row=r, column=1, value=a or None).alignment = LEFT
        ws.cell(row=r, column=2, value=b or None).alignment = LEFT
    ws["A1"].font = Font(size=14, bold=True)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 90
    ws.protection.sheet = True


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
