"""The report's other sheets: a case list, the submission status, phases and charts."""

from __future__ import annotations

import datetime as dt

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from campaign_ops.consolidate.cells import (
    BOLD,
    FILLS,
    number,
    number_format,
    print_setup,
    put,
)
from campaign_ops.consolidate.figures import FormFigures, ReportData
from campaign_ops.forms.layout import TemplateLayout
from campaign_ops.forms.spec import ColumnType
from campaign_ops.forms.template import BORDER, CENTER, merge_cells
from campaign_ops.vocabulary import ROUND_STATUS_LABELS


def list_sheet(ws: Worksheet, data: ReportData, figures: FormFigures) -> None:
    """Every row of a case-list form, with its unit: the text written as text."""
    form = figures.form
    headers = ["填报单位", "序号", *(c.header for c in form.columns)]
    put(ws, 1, 1, f"{form.title}（清单）").font = Font(size=14, bold=True)
    merge_cells(ws, 1, 1, 1, len(headers))
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
    print_setup(ws, "2:2")


def status_sheet(ws: Worksheet, data: ReportData, made_on: dt.date) -> None:
    """Unit × round, colour-coded, with each round's rates (campaign_ops.status)."""
    rounds = data.rounds
    width = len(rounds) + 1
    put(ws, 1, 1, f"{data.campaign.display_title}报送情况").font = Font(size=14, bold=True)
    merge_cells(ws, 1, 1, 1, max(width, 2))
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
            label = ROUND_STATUS_LABELS.get(status, "不需报送") if status else "不需报送"
            cell = put(ws, i, j, label)
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
        cell = put(ws, row + 1, j, ROUND_STATUS_LABELS[status])
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
    print_setup(ws, f"{header}:{header}")


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


def phase_sheet(ws: Worksheet, data: ReportData) -> None:
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
                    ws, row, j, number(values.get(col.cell), col.decimal), number_format(col)
                ).border = BORDER
        row += 2
    ws.column_dimensions["A"].width = 16
    put(ws, row, 1, "累计数列为阶段末的累计数，其他列为阶段内各轮之和。")
    print_setup(ws, None)


def chart_sheet(
    ws: Worksheet, placed: dict[str, tuple[Worksheet, TemplateLayout]], data: ReportData
) -> None:
    """Bar charts that print: each form's headline figure by unit, and rates or progress
    across rounds (the data they plot sits beside them)."""
    put(ws, 1, 1, "图表").font = Font(size=14, bold=True)
    anchor_row = 3
    for figures in data.forms:
        if not figures.columns:
            continue
        sheet, lay = placed[figures.form.id]
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
