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
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from campaign_ops.consolidate.figures import FormFigures, ReportColumn, ReportData, UnitLine
from campaign_ops.forms.layout import HEADER_ROW, ROUND_ROW, TITLE_ROW, UNIT_ROW, TemplateLayout
from campaign_ops.forms.spec import Column, ColumnType, FormSpec, Group, Layout
from campaign_ops.forms.template import BORDER, CENTER, LEFT, _headers, _merge
from campaign_ops.mail.render import cn_date
from campaign_ops.status import STATUS_LABELS

STATUS_SHEET = "报送情况"
CHART_SHEET = "图表"
PHASE_SHEET = "分阶段汇总"
REVISED_MARK = "【更正版】"
FORMULA_START = ("=", "+", "-", "@")
FILLS = {
    "accepted_on_time": "C6EFCE",
    "accepted_late": "FFEB9C",
    "rejected": "F8CBAD",
    "not_ready": "DDEBF7",
    "received": "DDEBF7",
    "missing": "FFC7CE",
}
NOT_COUNTED_FILL = PatternFill("solid", fgColor="F2F2F2")
BOLD = Font(bold=True)


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
    sheets: dict[str, Worksheet] = {}
    for figures in data.forms:
        ws = sheets[figures.form.id] = wb.create_sheet(_sheet_name(figures.form.title, names))
        _form_sheet(ws, data, figures, made_on, revised, revision_note)
        if figures.form.layout == Layout.list and data.round is not None:
            _list_sheet(
                wb.create_sheet(_sheet_name(f"{figures.form.title}清单", names)), data, figures
            )
    if data.round is None and data.phases:
        _phase_sheet(wb.create_sheet(PHASE_SHEET), data)
    _status_sheet(wb.create_sheet(STATUS_SHEET), data, made_on)
    _chart_sheet(wb.create_sheet(CHART_SHEET), sheets, data)
    wb.properties.title = (REVISED_MARK if revised else "") + report_title(data)
    wb.properties.creator = "campaign-ops"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# ---- cells -------------------------------------------------------------------------------------


def put(ws: Worksheet, row: int, col: int, value: Any, number_format: str | None = None):
    """Write a value; text Excel would evaluate (``=…``, ``+…``, ``-…``, ``@…``) stays text."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = value
        if value.startswith(FORMULA_START):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
        if number_format and value is not None:
            cell.number_format = number_format
    return cell


def _number(value: float | None, decimal: bool) -> float | int | None:
    if value is None:
        return None
    return value if decimal or not float(value).is_integer() else int(value)


def _format(col: ReportColumn) -> str:
    return "0.00##" if col.decimal else "0"


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "表"
    name, i = base, 2
    while name in used:
        name, i = f"{base[:26]}{i}", i + 1
    used.add(name)
    return name


def _print_setup(ws: Worksheet, header_rows: str | None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    if header_rows:
        ws.print_title_rows = header_rows


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
    _merge(ws, TITLE_ROW, 1, TITLE_ROW, width)
    ws.row_dimensions[TITLE_ROW].height = 30
    split = max(2, width - 2)
    put(ws, UNIT_ROW, 1, f"编制单位：{c.authority}（盖章）").alignment = LEFT
    _merge(ws, UNIT_ROW, 1, UNIT_ROW, split - 1)
    put(ws, UNIT_ROW, split, f"制表日期：{made_on.year}年{made_on.month}月{made_on.day}日")
    _merge(ws, UNIT_ROW, split, UNIT_ROW, max(split, width))
    parts = [f"专项行动：{c.title}"]
    if data.round is not None:
        r = data.round
        parts.append(f"报送轮次：{r.title}（截止日期 {cn_date(r.deadline)}）")
    else:
        parts.append("范围：行动开始至今各轮次")
    put(ws, ROUND_ROW, 1, "　　".join(parts)).alignment = LEFT
    _merge(ws, ROUND_ROW, 1, ROUND_ROW, width)


def _form_sheet(
    ws: Worksheet,
    data: ReportData,
    figures: FormFigures,
    made_on: dt.date,
    revised: bool,
    revision_note: str | None,
) -> None:
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
    _headers(ws, lay)
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
            _number(figures.totals.get(col.cell), col.decimal),
            _format(col),
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
    _print_setup(ws, f"{HEADER_ROW}:{first - 1}")


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
            _number(change, col.decimal),
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
        cell = put(ws, row, lay.col(f"c{j}"), _number(value, col.decimal), _format(col))
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
        _merge(ws, row + i, 1, row + i, width)


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


# ---- other sheets -----------------------------------------------------------------------------


def _list_sheet(ws: Worksheet, data: ReportData, figures: FormFigures) -> None:
    """Every row of a case-list form, with its unit: the text written as text."""
    form = figures.form
    headers = ["填报单位", "序号", *(c.header for c in form.columns)]
    put(ws, 1, 1, f"{form.title}（清单）").font = Font(size=14, bold=True)
    _merge(ws, 1, 1, 1, len(headers))
    for j, h in enumerate(headers, 1):
        cell = put(ws, 2, j, h)
        cell.font, cell.alignment, cell.border = BOLD, CENTER, BORDER
    for i, (unit, values) in enumerate(figures.rows, start=3):
        put(ws, i, 1, unit).border = BORDER
        put(ws, i, 2, i - 2).border = BORDER
        for j, col in enumerate(form.columns, start=3):
            value = values.get(col.key)
            fmt = "0.00##" if col.type == ColumnType.decimal else None
            put(ws, i, j, value, fmt).border = BORDER
    for j in range(1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 16
    ws.freeze_panes = "B3"
    _print_setup(ws, "2:2")


def _status_sheet(ws: Worksheet, data: ReportData, made_on: dt.date) -> None:
    """Unit × round, colour-coded, with each round's rates (campaign_ops.status)."""
    rounds = data.rounds
    width = len(rounds) + 1
    put(ws, 1, 1, f"{data.campaign.display_title}报送情况").font = Font(size=14, bold=True)
    _merge(ws, 1, 1, 1, max(width, 2))
    put(ws, 2, 1, f"截至 {made_on.year}年{made_on.month}月{made_on.day}日")
    header = 3
    put(ws, header, 1, "单位").font = BOLD
    for j, r in enumerate(rounds, start=2):
        cell = put(ws, header, j, f"{r.title}\n{r.deadline:%m-%d}截止")
        cell.font, cell.alignment = BOLD, CENTER
    for i, unit in enumerate(data.campaign.units, start=header + 1):
        put(ws, i, 1, unit.short_name).border = BORDER
        for j, r in enumerate(rounds, start=2):
            status = data.matrix.get((unit.code, r.id))
            cell = put(ws, i, j, STATUS_LABELS.get(status, "不需报送") if status else "不需报送")
            cell.alignment, cell.border = CENTER, BORDER
            if status in FILLS:
                cell.fill = PatternFill("solid", fgColor=FILLS[status])
    _unit_rates(ws, header, width + 1, data)
    row = header + 1 + len(data.campaign.units)
    for label, attr, fmt in (
        ("应报单位数", "expected", "0"),
        ("已报齐单位数", "actual", "0"),
        ("按时报齐单位数", "on_time", "0"),
        ("报送率", "reporting_rate", "0.0%"),
        ("按时报送率", "on_time_rate", "0.0%"),
    ):
        put(ws, row, 1, label).font = BOLD
        for j, rate in enumerate(data.rates, start=2):
            put(ws, row, j, getattr(rate, attr), fmt).border = BORDER
        row += 1
    put(ws, row + 1, 1, "图例：").font = BOLD
    for j, (status, colour) in enumerate(FILLS.items(), start=2):
        if status == "received":
            continue
        cell = put(ws, row + 1, j, STATUS_LABELS[status])
        cell.fill = PatternFill("solid", fgColor=colour)
    put(
        ws,
        row + 2,
        1,
        "口径：报齐指本轮要求的全部材料均已通过校验；报送率=已报齐/应报，按时报送率=按时报齐/应报。",
    )
    ws.column_dimensions["A"].width = 16
    for j in range(2, width + 2):
        ws.column_dimensions[get_column_letter(j)].width = 14
    ws.row_dimensions[header].height = 36
    ws.freeze_panes = ws.cell(row=header + 1, column=2)
    _print_setup(ws, f"{header}:{header}")


def _unit_rates(ws: Worksheet, header: int, col: int, data: ReportData) -> None:
    """Each unit's reporting and on-time rate over the rounds shown (campaign_ops.status
    statuses: reported = accepted on time or late)."""
    for j, title in enumerate(("报送率", "按时报送率"), start=col):
        cell = put(ws, header, j, title)
        cell.font, cell.alignment = BOLD, CENTER
    for i, unit in enumerate(data.campaign.units, start=header + 1):
        statuses = [
            data.matrix[(unit.code, r.round_id)]
            for r in data.rates
            if (unit.code, r.round_id) in data.matrix
        ]
        if not statuses:
            continue
        done = sum(s in ("accepted_on_time", "accepted_late") for s in statuses)
        on_time = sum(s == "accepted_on_time" for s in statuses)
        put(ws, i, col, done / len(statuses), "0.0%").border = BORDER
        put(ws, i, col + 1, on_time / len(statuses), "0.0%").border = BORDER


def _phase_sheet(ws: Worksheet, data: ReportData) -> None:
    """Per phase or year stage, all units: the figures of each form."""
    row = 1
    put(ws, row, 1, f"{data.campaign.display_title}分阶段汇总").font = Font(size=14, bold=True)
    row += 2
    for figures in data.forms:
        phases = data.phases.get(figures.form.id) or []
        if not phases:
            continue
        put(ws, row, 1, figures.form.title).font = BOLD
        row += 1
        put(ws, row, 1, "阶段").font = BOLD
        for j, col in enumerate(figures.columns, start=2):
            head = (
                f"{col.group}·"
                if col.group and figures.form.rows and not figures.form.total_row
                else ""
            )
            cell = put(
                ws, row, j, f"{head}{col.label}（{col.unit}）" if col.unit else head + col.label
            )
            cell.font, cell.alignment, cell.border = BOLD, CENTER, BORDER
        for name, values in phases:
            row += 1
            put(ws, row, 1, name).border = BORDER
            for j, col in enumerate(figures.columns, start=2):
                put(
                    ws, row, j, _number(values.get(col.cell), col.decimal), _format(col)
                ).border = BORDER
        row += 2
    ws.column_dimensions["A"].width = 16
    put(ws, row, 1, "累计数列为阶段末的累计数，其他列为阶段内各轮之和。")
    _print_setup(ws, None)


def _chart_sheet(ws: Worksheet, sheets: dict[str, Worksheet], data: ReportData) -> None:
    """Bar charts that print: each form's headline figure by unit, and rates or progress
    across rounds (the data they plot sits beside them)."""
    put(ws, 1, 1, "图表").font = Font(size=14, bold=True)
    anchor_row = 3
    for figures in data.forms:
        if not figures.columns:
            continue
        sheet = sheets[figures.form.id]
        lay = TemplateLayout(_table_spec(figures.form, figures.columns))
        first, last = lay.first_data_row, lay.first_data_row + len(figures.units) - 1
        col = figures.columns[0]
        chart = BarChart()
        chart.type = "col"
        chart.title = f"{figures.form.title}：各单位{col.label}" + (
            f"（{col.unit}）" if col.unit else ""
        )
        chart.legend = None
        chart.add_data(Reference(sheet, min_col=lay.col("c0"), min_row=first, max_row=last))
        chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
        chart.width, chart.height = 24, 8
        ws.add_chart(chart, f"A{anchor_row}")
        anchor_row += 18
    table_col = 16
    put(ws, 2, table_col, "轮次").font = BOLD
    put(ws, 2, table_col + 1, "报送率").font = BOLD
    put(ws, 2, table_col + 2, "按时报送率").font = BOLD
    for i, rate in enumerate(data.rates, start=3):
        put(ws, i, table_col, rate.title)
        put(ws, i, table_col + 1, rate.reporting_rate, "0.0%")
        put(ws, i, table_col + 2, rate.on_time_rate, "0.0%")
    if data.rates:
        chart = BarChart()
        chart.type = "col"
        chart.title = "各轮次报送率"
        last = 2 + len(data.rates)
        chart.add_data(
            Reference(ws, min_col=table_col + 1, max_col=table_col + 2, min_row=2, max_row=last),
            titles_from_data=True,
        )
        chart.set_categories(Reference(ws, min_col=table_col, min_row=3, max_row=last))
        chart.y_axis.number_format = "0%"
        chart.width, chart.height = 24, 8
        ws.add_chart(chart, f"A{anchor_row}")
        anchor_row += 18
    row = 4 + len(data.rates)
    for figures in data.forms:
        series = data.progress.get(figures.form.id) or []
        if len(series) < 2 or not figures.columns:
            continue
        col = figures.columns[0]
        put(ws, row, table_col, "轮次").font = BOLD
        put(ws, row, table_col + 1, f"{col.label}合计").font = BOLD
        for i, (title, value) in enumerate(series, start=row + 1):
            put(ws, i, table_col, title)
            put(ws, i, table_col + 1, value)
        chart = BarChart()
        chart.type = "col"
        chart.title = f"{figures.form.title}：各轮次{col.label}合计"
        chart.legend = None
        chart.add_data(
            Reference(ws, min_col=table_col + 1, min_row=row + 1, max_row=row + len(series))
        )
        chart.set_categories(
            Reference(ws, min_col=table_col, min_row=row + 1, max_row=row + len(series))
        )
        chart.width, chart.height = 24, 8
        ws.add_chart(chart, f"A{anchor_row}")
        anchor_row += 18
        row += len(series) + 2
    ws.column_dimensions[get_column_letter(table_col)].width = 28
