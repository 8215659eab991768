"""The report's other sheets: a case list, the submission status, phases and charts."""

from __future__ import annotations

import datetime as dt
import math

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from campaign_ops.consolidate.cells import (
    BOLD,
    FILLS,
    REVIEW_STATUSES,
    ChartSource,
    number,
    number_format,
    put,
)
from campaign_ops.consolidate.figures import FormFigures, ReportData
from campaign_ops.consolidate.printing import (
    BODY_PT,
    DEFAULT_ROW_PT,
    chars_for,
    fit_rows,
    fits,
    lines_needed,
    print_setup,
    printable,
    room_of,
    row_height,
    row_pt,
    table_setup,
    text_width,
    width_of,
)
from campaign_ops.forms.spec import ColumnType
from campaign_ops.forms.template import BORDER, CENTER, LEFT, merge_cells
from campaign_ops.vocabulary import (
    ACTUAL,
    EXPECTED,
    NOT_ASKED,
    ON_TIME,
    ON_TIME_RATE,
    REPORTING_RATE,
    ROUND_STATUS_LABELS,
)

TITLE_FONT = Font(size=14, bold=True)
ROUND_WIDTH = 11.0  # a round's column on the status sheet: its title wraps above
# Widths (characters) of a case list's columns by type: text wraps, the rest fits its value.
LIST_WIDTHS = {ColumnType.text: 14.0, ColumnType.date: 10.0, ColumnType.decimal: 9.0}


def _list_width(col) -> float:
    if col.type in LIST_WIDTHS:
        return LIST_WIDTHS[col.type]
    choices = [str(c) for c in (getattr(col, "choices", None) or ())]
    longest = max((text_width(t) for t in choices), default=0.0)
    return max(6.0, min(12.0, chars_for(max(longest, text_width(col.header) / 2))))


def list_sheet(ws: Worksheet, data: ReportData, figures: FormFigures) -> None:
    """Every row of a case-list form, with its unit: the text written as text, wrapped so
    every column prints on one page width."""
    form = figures.form
    headers = ["填报单位", "序号", *(c.header for c in form.columns)]
    widths = [8.0, 5.0, *(_list_width(c) for c in form.columns)]
    for j, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = w
    title = put(ws, 1, 1, f"{form.title.removesuffix('统计表').removesuffix('表')}清单")
    title.font, title.alignment = TITLE_FONT, CENTER
    merge_cells(ws, 1, 1, 1, len(headers))
    for j, h in enumerate(headers, 1):
        cell = put(ws, 2, j, h)
        cell.font, cell.alignment, cell.border = BOLD, CENTER, BORDER
    for i, (unit, values) in enumerate(figures.rows, start=3):
        first = put(ws, i, 1, unit)
        first.border, first.alignment = BORDER, LEFT
        n = put(ws, i, 2, i - 2)
        n.border, n.alignment = BORDER, CENTER
        for j, col in enumerate(form.columns, start=3):
            value = values.get(col.key)
            fmt = "0.00##" if col.type == ColumnType.decimal else None
            cell = put(ws, i, j, value, fmt)
            cell.border = BORDER
            cell.alignment = LEFT if col.type == ColumnType.text else CENTER
    fit_rows(ws, range(1, len(figures.rows) + 3))
    ws.freeze_panes = "C3"
    table_setup(ws, width_of(ws, 1, len(headers)), (2, 2))


def status_sheet(ws: Worksheet, data: ReportData, made_on: dt.date) -> None:
    """Unit × round, colour-coded, with each round's rates (campaign_ops.status)."""
    rounds = data.rounds
    width = len(rounds) + 3
    names = [u.short_name for u in data.campaign.units]
    ws.column_dimensions["A"].width = max(10.0, min(16.0, chars_for(max(map(text_width, names)))))
    for j in range(2, width + 1):
        ws.column_dimensions[get_column_letter(j)].width = ROUND_WIDTH if j < width - 1 else 9
    title = put(ws, 1, 1, f"{data.campaign.display_title}报送情况表")
    title.font, title.alignment = TITLE_FONT, CENTER
    merge_cells(ws, 1, 1, 1, width)
    put(ws, 2, 1, f"截至 {made_on.year}年{made_on.month}月{made_on.day}日").alignment = LEFT
    merge_cells(ws, 2, 1, 2, width)
    header = 3
    head = put(ws, header, 1, "单位")
    head.font, head.alignment, head.border = BOLD, CENTER, BORDER
    for j, r in enumerate(rounds, start=2):
        cell = put(ws, header, j, f"{r.title}\n{r.deadline:%m-%d}截止")
        cell.font, cell.alignment, cell.border = BOLD, CENTER, BORDER
    for i, unit in enumerate(data.campaign.units, start=header + 1):
        put(ws, i, 1, unit.short_name).border = BORDER
        for j, r in enumerate(rounds, start=2):
            status = data.matrix.get((unit.code, r.id))
            label = ROUND_STATUS_LABELS.get(status, status) if status else NOT_ASKED
            cell = put(ws, i, j, label)
            cell.alignment, cell.border = CENTER, BORDER
            if status in FILLS:
                cell.fill = PatternFill("solid", fgColor=FILLS[status])
    _unit_rates(ws, header, len(rounds) + 2, data)
    row = header + 1 + len(data.campaign.units)
    for label, attr, fmt in (
        (f"{EXPECTED}数", "expected", "0"),
        (f"{ACTUAL}单位数", "actual", "0"),
        (f"{ON_TIME}单位数", "on_time", "0"),
        (REPORTING_RATE, "reporting_rate", "0.0%"),
        (ON_TIME_RATE, "on_time_rate", "0.0%"),
    ):
        put(ws, row, 1, label).font = BOLD
        ws.cell(row=row, column=1).border = BORDER
        for j, rate in enumerate(data.rates, start=2):
            cell = put(ws, row, j, getattr(rate, attr), fmt)
            cell.border, cell.alignment = BORDER, CENTER
        row += 1
    put(ws, row + 1, 1, "图例：").font = BOLD
    reviewed = data.campaign.review.required
    legend = [s for s in FILLS if s != "received" and (reviewed or s not in REVIEW_STATUSES)]
    slots = width - 1
    for k, status in enumerate(legend):
        cell = put(ws, row + 1 + k // slots, 2 + k % slots, ROUND_STATUS_LABELS[status])
        cell.fill = PatternFill("solid", fgColor=FILLS[status])
        cell.alignment, cell.border = CENTER, BORDER
    legend_rows = range(row + 1, row + 1 + (len(legend) + slots - 1) // slots)
    row = legend_rows[-1]
    note = put(
        ws,
        row + 2,
        1,
        f"口径：{ACTUAL}指本轮要求的全部材料均已通过校验；{REPORTING_RATE}={ACTUAL}/{EXPECTED}，"
        f"{ON_TIME_RATE}={ON_TIME}/{EXPECTED}。",
    )
    note.alignment = LEFT
    merge_cells(ws, row + 2, 1, row + 2, width)
    fit_rows(ws, (1, 2, header, *legend_rows, row + 2))
    ws.freeze_panes = ws.cell(row=header + 1, column=2)
    if fits(width_of(ws, 1, width)):
        table_setup(ws, width_of(ws, 1, width), (header, header))
    else:  # many rounds: slices of rounds, each with the unit column
        print_setup(ws, title_rows=(header, header), title_cols="$A:$A", fit_width=False)


def _unit_rates(ws: Worksheet, header: int, col: int, data: ReportData) -> None:
    """Each unit's reporting and on-time rate over the rounds shown (campaign_ops.status
    statuses: reported = accepted on time or late)."""
    for j, title in enumerate((REPORTING_RATE, ON_TIME_RATE), start=col):
        cell = put(ws, header, j, title)
        cell.font, cell.alignment, cell.border = BOLD, CENTER, BORDER
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


def _figure_label(figures: FormFigures, j: int) -> str:
    """A figure's name on its own: ``举办《办法》学习培训·本期数`` where the group says what
    is counted (a fixed form without 合计 row), else the column label."""
    col = figures.columns[j]
    head = f"{col.group}·" if col.group and figures.form.rows and not figures.form.total_row else ""
    return head + col.label


def _height(ws: Worksheet, texts: list[object], size: float = BODY_PT) -> float:
    """The height ``fit_rows`` gives a row holding ``texts`` in columns 1, 2, …"""
    lines = [lines_needed(str(t), room_of(ws, j, j), size) for j, t in enumerate(texts, 1) if t]
    return math.ceil(max(DEFAULT_ROW_PT, *(row_height(n, size) for n in lines or [1])))


def phase_sheet(ws: Worksheet, data: ReportData) -> None:
    """Per phase or year stage, all units: each form's figures down the side, the phases
    across (a campaign has two to four phases and up to 34 figures, so the figures make the
    rows and the sheet prints portrait). A form starts on a new page unless it fits on the
    current one; a form longer than a page repeats its header row on the next."""
    phase_names = list(
        dict.fromkeys(name for f in data.forms for name, _ in data.phases.get(f.form.id) or [])
    )
    width = 2 + max(1, len(phase_names))
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 8
    for j in range(3, width + 1):
        ws.column_dimensions[get_column_letter(j)].width = 12
    title = put(ws, 1, 1, f"{data.campaign.display_title}分阶段汇总表")
    title.font, title.alignment = TITLE_FONT, CENTER
    merge_cells(ws, 1, 1, 1, width)
    fit_rows(ws, (1,))
    landscape = width_of(ws, 1, width) > printable(False)[0]  # many phases
    room = printable(landscape)[1]
    used = row_pt(ws, 1) + DEFAULT_ROW_PT
    row = 3

    def page_break() -> None:
        nonlocal used
        ws.row_breaks.append(Break(id=row - 1))
        used = 0.0

    def header(texts: list[str]) -> None:
        nonlocal row, used
        for j, text in enumerate(texts, 1):
            cell = put(ws, row, j, text)
            cell.font, cell.alignment, cell.border = BOLD, CENTER, BORDER
        fit_rows(ws, (row,))
        used += row_pt(ws, row)
        row += 1

    for figures in data.forms:
        phases = data.phases.get(figures.form.id) or []
        if not phases:
            continue
        head = ["项目", "计量单位", *(name for name, _ in phases)]
        lines = [
            [_figure_label(figures, j), col.unit, *(None for _ in phases)]
            for j, col in enumerate(figures.columns)
        ]
        block = _height(ws, [figures.form.title]) + _height(ws, head)
        block += sum(_height(ws, line) for line in lines)
        if row > 3 and used + block > room and block <= room:
            page_break()  # the whole form on the next page
        put(ws, row, 1, figures.form.title).font = BOLD
        merge_cells(ws, row, 1, row, width)
        fit_rows(ws, (row,))
        used += row_pt(ws, row)
        row += 1
        header(head)
        for j, col in enumerate(figures.columns):
            if used + _height(ws, lines[j]) > room:
                page_break()
                header(head)
            label = put(ws, row, 1, lines[j][0])
            label.border, label.alignment = BORDER, LEFT
            unit = put(ws, row, 2, col.unit)
            unit.border, unit.alignment = BORDER, CENTER
            for k, (_, values) in enumerate(phases, start=3):
                cell = put(
                    ws, row, k, number(values.get(col.cell), col.decimal), number_format(col)
                )
                cell.border, cell.alignment = BORDER, CENTER
            fit_rows(ws, (row,))
            used += row_pt(ws, row)
            row += 1
        row += 1
        used += DEFAULT_ROW_PT
    note = put(ws, row, 1, "累计数列为阶段末的累计数，其他列为阶段内各轮之和。")
    note.alignment = LEFT
    merge_cells(ws, row, 1, row, width)
    fit_rows(ws, (row,))
    print_setup(ws, title_rows=None, landscape=landscape, fit_width=True)


CHART_CM = (24.0, 13.0)  # the most a chart takes: lower when its figures share the page
ROW_PT = 15.0  # rows under a chart, set so that the chart's rows are known
ROW_CM = ROW_PT / 72 * 2.54


def _chart(title: str, size: tuple[float, float] = CHART_CM) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.title = _title(title)
    chart.width, chart.height = size
    chart.x_axis.txPr = _axis_text()
    chart.y_axis.txPr = _axis_text()
    return chart


def _title(text: str, size_pt: float = 12) -> Title:
    """A chart title at 12 pt bold: Calc wraps a longer default (14 pt) title and prints
    its two lines over each other."""
    props = CharacterProperties(sz=int(size_pt * 100), b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _axis_text(size_pt: float = 10) -> RichText:
    """Axis labels at 10 pt, so a chart never prints its unit names smaller than 9 pt."""
    props = CharacterProperties(sz=int(size_pt * 100))
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])


def _deadline(day: dt.date, one_year: bool) -> str:
    return f"{day.month}月{day.day}日" if one_year else f"{day.year}年{day.month}月{day.day}日"


def chart_sheet(ws: Worksheet, placed: dict[str, ChartSource], data: ReportData) -> None:
    """Bar charts that print: each form's headline figure by unit, and rates or progress
    across rounds, one chart per landscape page with the figures it plots under it (rounds
    named on the chart by their deadline: long round titles made Calc shrink the axis text
    below 9 pt)."""
    for col, width in zip("ABCD", (18, 44, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
    title = put(ws, 1, 1, f"{data.campaign.display_title}统计图")
    title.font = TITLE_FONT
    full_rows = math.ceil(CHART_CM[1] / ROW_CM) + 1
    row = 2
    one_year = len({r.deadline.year for r in data.campaign.rounds}) == 1
    deadlines = {r.id: _deadline(r.deadline, one_year) for r in data.campaign.rounds}
    by_title = {r.title: _deadline(r.deadline, one_year) for r in data.campaign.rounds}

    def chart_rows(table: list[list[tuple[object, str | None]]]) -> int:
        """Rows the next chart takes: its full height, or less when its table would
        otherwise push the block over the page."""
        above = row_pt(ws, 1) if row == 2 else 0.0
        lines = [
            max(lines_needed(str(v), room_of(ws, j, j)) for j, (v, _) in enumerate(line, 1))
            for line in table
        ]
        room = printable(True)[1] - above - ROW_PT - sum(row_height(n) for n in lines) - 6
        return max(8, min(full_rows, int(room // ROW_PT)))

    def place(chart: BarChart, table: list[list[tuple[object, str | None]]]) -> None:
        """The chart one row below the block's top (so no page shows its edge), the table
        under it, a page break after."""
        nonlocal row
        rows = chart_rows(table)
        chart.height = min(CHART_CM[1], (rows - 1) * ROW_CM)
        ws.add_chart(chart, f"A{row + 1}")
        for r in range(row, row + rows + 1):
            ws.row_dimensions[r].height = ROW_PT
        row += rows + 1
        for i, line in enumerate(table):
            for j, (value, fmt) in enumerate(line, 1):
                cell = put(ws, row, j, value, fmt)
                cell.border = BORDER
                cell.alignment = LEFT if j == 2 else CENTER
                if i == 0:
                    cell.font = BOLD
            row += 1
        ws.row_breaks.append(Break(id=row - 1))

    def table_start(table: list[list[tuple[object, str | None]]]) -> int:
        """The first row of the next block's table (its header)."""
        return row + chart_rows(table) + 1

    for figures in data.forms:
        if not figures.columns:
            continue
        src = placed[figures.form.id]
        col = figures.columns[0]
        chart = _chart(
            f"{figures.form.title}：各单位{_figure_label(figures, 0)}"
            + (f"（{col.unit}）" if col.unit else "")
        )
        chart.legend = None
        c1, r1, c2, r2 = src.values
        chart.add_data(
            Reference(src.sheet, min_col=c1, min_row=r1, max_col=c2, max_row=r2),
            from_rows=src.by_rows,
        )
        c1, r1, c2, r2 = src.categories
        chart.set_categories(Reference(src.sheet, min_col=c1, min_row=r1, max_col=c2, max_row=r2))
        place(chart, [])
    if data.rates:
        chart = _chart(f"各轮次{REPORTING_RATE}")
        table = [[("截止日期", None), ("轮次", None), (REPORTING_RATE, None), (ON_TIME_RATE, None)]]
        table += [
            [
                (deadlines[r.round_id], None),
                (r.title, None),
                (r.reporting_rate, "0.0%"),
                (r.on_time_rate, "0.0%"),
            ]
            for r in data.rates
        ]
        first = table_start(table)
        last = first + len(data.rates)
        chart.add_data(
            Reference(ws, min_col=3, max_col=4, min_row=first, max_row=last),
            titles_from_data=True,
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=first + 1, max_row=last))
        chart.y_axis.number_format = "0%"
        place(chart, table)
    for figures in data.forms:
        series = data.progress.get(figures.form.id) or []
        if len(series) < 2 or not figures.columns:
            continue
        label = _figure_label(figures, 0)
        chart = _chart(f"{figures.form.title}：各轮次{label}合计")
        chart.legend = None
        table = [[("截止日期", None), ("轮次", None), (f"{label}合计", None)]]
        table += [[(by_title[t], None), (t, None), (v, None)] for t, v in series]
        first = table_start(table) + 1
        last = first + len(series) - 1
        chart.add_data(Reference(ws, min_col=3, min_row=first, max_row=last))
        chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        place(chart, table)
    if ws.row_breaks.brk:
        ws.row_breaks.brk = ws.row_breaks.brk[:-1]  # none after the last chart
    fit_rows(ws, [r for r in range(1, row + 1) if ws.row_dimensions[r].height is None])
    print_setup(ws, title_rows=None, fit_width=False)
