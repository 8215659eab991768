"""The consolidated report (.xlsx) in the layout a 市局 sends to the 省局.

One sheet per form (title, compiling unit, date, the template's merged group headers drawn by
``forms.template``, one row per unit, 合计, units of measure in the headers, frozen header, A4
landscape), a list sheet for case-list forms, the submission status sheet and charts.

Every figure is written as a value, never a formula, and text from a submission that Excel
would run as a formula (``= + - @``) is stored as a text cell with a quote prefix (OWASP CSV
injection). A unit whose figures are missing or rejected gets its row, marked, and is named
in the notes under the table: it is never counted as zero.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from campaign_ops.consolidate.cells import (
    BOLD,
    FILLS,
    NOT_COUNTED_FILL,
    number,
    number_format,
    print_setup,
    put,
    sheet_name,
)
from campaign_ops.consolidate.figures import FormFigures, ReportColumn, ReportData, UnitLine
from campaign_ops.consolidate.sheets import chart_sheet, list_sheet, phase_sheet, status_sheet
from campaign_ops.forms.layout import HEADER_ROW, ROUND_ROW, TITLE_ROW, UNIT_ROW, TemplateLayout
from campaign_ops.forms.spec import Column, ColumnType, FormSpec, Group, Layout
from campaign_ops.forms.template import BORDER, CENTER, LEFT, draw_headers, merge_cells
from campaign_ops.mail.render import cn_date

STATUS_SHEET = "报送情况"
CHART_SHEET = "图表"
PHASE_SHEET = "分阶段汇总"
REVISED_MARK = "【更正版】"


def report_title(data: ReportData) -> str:
    if data.round is None:
        return f"{data.campaign.display_title}汇总报告（行动总结）"
    return f"{data.campaign.display_title}汇总报告（{data.round.title}）"


def report_filename(data: ReportData, revised: bool = False) -> str:
    """``安康…汇总报告_r1.xlsx``; a revised one says so in its name."""
    suffix = data.round.id if data.round else "总结"
    mark = "_更正版" if revised else ""
    name = f"{data.campaign.display_title}_汇总报告_{suffix}{mark}.xlsx"
    return "".join(ch for ch in name if ch not in '\\/:*?"<>| ')


def write_report(
    data: ReportData,
    path: Path,
    *,
    made_on: dt.date | None = None,
    revised: bool = False,
    revision_note: str | None = None,
) -> Path:
    """Write the report to ``path`` and return it."""
    made_on = made_on or dt.date.today()
    wb = Workbook()
    wb.remove(wb.active)
    names: set[str] = set()
    placed: dict[str, tuple[Worksheet, TemplateLayout]] = {}
    for figures in data.forms:
        ws = wb.create_sheet(sheet_name(figures.form.title, names))
        placed[figures.form.id] = (
            ws,
            _form_sheet(ws, data, figures, made_on, revised, revision_note),
        )
        if figures.form.layout == Layout.list and data.round is not None:
            list_sheet(
                wb.create_sheet(sheet_name(f"{figures.form.title}清单", names)), data, figures
            )
    if data.round is None and data.phases:
        phase_sheet(wb.create_sheet(PHASE_SHEET), data)
    status_sheet(wb.create_sheet(STATUS_SHEET), data, made_on)
    chart_sheet(wb.create_sheet(CHART_SHEET), placed, data)
    wb.properties.title = (REVISED_MARK if revised else "") + report_title(data)
    wb.properties.creator = "campaign-ops"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# ---- a form's sheet ---------------------------------------------------------------------------


def _table_spec(form: FormSpec, columns: list[ReportColumn]) -> FormSpec:
    """The report table described as a form spec, so the template's header drawing (merged
    group headers, units of measure) draws it too."""
    cols = [
        Column.model_construct(
            key=f"c{i}",
            label=c.label,
            unit=c.unit,
            type=ColumnType.decimal if c.decimal else ColumnType.integer,
        )
        for i, c in enumerate(columns)
    ]
    cols.append(Column.model_construct(key="status", label="报送情况", type=ColumnType.text))
    groups: list[Group] = []
    for i, c in enumerate(columns):
        if c.group and groups and groups[-1].label == c.group and f"c{i - 1}" in groups[-1].columns:
            groups[-1] = Group.model_construct(
                label=c.group, columns=(*groups[-1].columns, f"c{i}")
            )
        elif c.group:
            groups.append(Group.model_construct(label=c.group, columns=(f"c{i}",)))
    return FormSpec.model_construct(
        id=form.id,
        title=form.title,
        version=form.version,
        layout=Layout.list,
        row_header="填报单位",
        rows=(),
        total_row=None,
        template_rows=1,
        groups=tuple(groups),
        columns=tuple(cols),
    )


def _title_rows(
    ws: Worksheet, data: ReportData, title: str, width: int, made_on: dt.date, revised: bool
) -> None:
    c = data.campaign
    cell = put(ws, TITLE_ROW, 1, (REVISED_MARK if revised else "") + title)
    cell.font, cell.alignment = Font(size=16, bold=True), CENTER
    merge_cells(ws, TITLE_ROW, 1, TITLE_ROW, width)
    ws.row_dimensions[TITLE_ROW].height = 30
    split = max(2, width - 2)
    put(ws, UNIT_ROW, 1, f"编制单位：{c.authority}（盖章）").alignment = LEFT
    merge_cells(ws, UNIT_ROW, 1, UNIT_ROW, split - 1)
    put(ws, UNIT_ROW, split, f"制表日期：{made_on.year}年{made_on.month}月{made_on.day}日")
    merge_cells(ws, UNIT_ROW, split, UNIT_ROW, max(split, width))
    parts = [f"专项行动：{c.title}"]
    if data.round is not None:
        r = data.round
        parts.append(f"报送轮次：{r.title}（截止日期 {cn_date(r.deadline)}）")
    else:
        parts.append("范围：行动开始至今各轮次")
    put(ws, ROUND_ROW, 1, "　　".join(parts)).alignment = LEFT
    merge_cells(ws, ROUND_ROW, 1, ROUND_ROW, width)


def _form_sheet(
    ws: Worksheet,
    data: ReportData,
    figures: FormFigures,
    made_on: dt.date,
    revised: bool,
    revision_note: str | None,
) -> TemplateLayout:
    """Draw one form's table; returns where its cells are (the charts point at them)."""
    form = figures.form
    spec = _table_spec(form, figures.columns)
    lay = TemplateLayout(spec)
    suffix = "汇总表" if data.round is not None else "行动累计汇总表"
    _title_rows(
        ws,
        data,
        f"{form.title.removesuffix('统计表').removesuffix('表')}{suffix}",
        lay.width,
        made_on,
        revised,
    )
    draw_headers(ws, lay)
    first = lay.first_data_row
    status_col = lay.col("status")
    for i, unit in enumerate(figures.units):
        _unit_row(ws, first + i, lay, figures, unit, status_col)
    total_row = first + len(figures.units)
    label = put(ws, total_row, 1, form.total_row.label if form.total_row else "合计")
    label.font, label.alignment, label.border = BOLD, CENTER, BORDER
    for j, col in enumerate(figures.columns):
        cell = put(
            ws,
            total_row,
            lay.col(f"c{j}"),
            number(figures.totals.get(col.cell), col.decimal),
            number_format(col),
        )
        cell.font, cell.border, cell.alignment = BOLD, BORDER, CENTER
    done = put(
        ws, total_row, status_col, f"{len(figures.reported)}/{len(figures.units)} 个单位已报送"
    )
    done.border, done.alignment = BORDER, CENTER
    last = total_row
    if figures.previous:
        last += 1
        _change_row(ws, last, lay, figures)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions[get_column_letter(status_col)].width = 16
    ws.freeze_panes = ws.cell(row=first, column=2)
    _notes(ws, last + 2, lay.width, data, figures, revised, revision_note)
    print_setup(ws, f"{HEADER_ROW}:{first - 1}")
    return lay


def _change_row(ws: Worksheet, row: int, lay: TemplateLayout, figures: FormFigures) -> None:
    """合计 against the previous round that asked for this form (merged_changes)."""
    label = put(ws, row, 1, "较上一轮增减")
    label.alignment, label.border = CENTER, BORDER
    for j, col in enumerate(figures.columns):
        now, before = figures.totals.get(col.cell), figures.previous.get(col.cell)
        change = None if now is None or before is None else now - before
        cell = put(
            ws,
            row,
            lay.col(f"c{j}"),
            number(change, col.decimal),
            "+0.00##;-0.00##;0" if col.decimal else "+0;-0;0",
        )
        cell.border, cell.alignment = BORDER, CENTER
    ws.cell(row=row, column=lay.col("status")).border = BORDER


def _unit_row(
    ws: Worksheet,
    row: int,
    lay: TemplateLayout,
    figures: FormFigures,
    unit: UnitLine,
    status_col: int,
) -> None:
    name = put(ws, row, 1, unit.name)
    name.border, name.alignment = BORDER, LEFT
    for j, col in enumerate(figures.columns):
        value = unit.values.get(col.cell) if unit.reported else None
        cell = put(ws, row, lay.col(f"c{j}"), number(value, col.decimal), number_format(col))
        cell.border, cell.alignment = BORDER, CENTER
        if not unit.reported:
            cell.fill = NOT_COUNTED_FILL
    status = put(ws, row, status_col, unit.status_label)
    status.border, status.alignment = BORDER, CENTER
    key = (
        "accepted_on_time"
        if unit.status_label == "按时报送"
        else ("accepted_late" if unit.status_label == "逾期报送" else unit.status)
    )
    if key in FILLS and unit.status_label != "已报送":
        status.fill = PatternFill("solid", fgColor=FILLS[key])


def _notes(
    ws: Worksheet,
    row: int,
    width: int,
    data: ReportData,
    figures: FormFigures,
    revised: bool,
    revision_note: str | None,
) -> None:
    lines = note_lines(data, figures)
    if revised:
        lines.insert(
            0, f"本表为更正版：{revision_note or '上次报告发出后，有单位补报或更正了数据。'}"
        )
    for i, text in enumerate(["说明：", *(f"{n}. {t}" for n, t in enumerate(lines, 1))]):
        cell = put(ws, row + i, 1, text)
        cell.alignment = LEFT
        cell.font = Font(size=10, color="333333", bold=i == 0)
        merge_cells(ws, row + i, 1, row + i, width)


def note_lines(data: ReportData, figures: FormFigures) -> list[str]:
    """What the notes under a form's table say (also used by the mail summary)."""
    n, total = len(figures.reported), len(figures.units)
    if data.round is None:
        lines = [
            f"合计为 {n} 个报送过数据的单位之和；累计数列取各单位最近一轮的数，其他列为各轮之和。",
        ]
    else:
        lines = [
            f"合计为已报送并通过校验的 {n} 个单位（共 {total} 个应报单位）之和；"
            "空白表示未填报，不按 0 计。"
        ]
    for status, what in (
        ("missing", "未报送"),
        ("rejected", "报送材料被退回待改"),
        ("not_ready", "文件未就绪"),
        ("received", "待校验"),
    ):
        names = [u.name for u in figures.with_status(status)]
        if names:
            lines.append(f"{what}（数据未计入合计）：{'、'.join(names)}。")
    if figures.previous and figures.columns:
        col = figures.columns[0]
        now, before = figures.totals.get(col.cell), figures.previous.get(col.cell)
        if now is not None and before is not None:
            title = (
                data.campaign.round(figures.previous_round).title
                if figures.previous_round
                else "上一轮"
            )
            lines.append(
                f"与上一轮（{title}）相比，{col.label}合计由 {_fmt(before)} 变为 {_fmt(now)}"
                f"（{'+' if now >= before else ''}{_fmt(now - before)}{col.unit or ''}）。"
            )
    return lines


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"
