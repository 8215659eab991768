"""A form's report table turned on its side: indicators as rows, units as columns.

For a form with many figures and few units (ankang's 工作情况统计表: 17 indicators × 本期数 /
累计数 = 34 figures, 11 county bureaus) a row per unit is 36 columns, which prints either at
3 pt or across three pages a reader has to lay side by side. Turned, it is the county form
itself (项目 · 本期数/累计数 · 计量单位 down the side) with one column per unit, the 合计 and
the change, on one page width at full size; long tables break between indicators, never
inside one, and repeat the unit header on every page.
"""

from __future__ import annotations

import datetime as dt

from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from campaign_ops.consolidate.cells import (
    BOLD,
    FILLS,
    NOT_COUNTED_FILL,
    ChartSource,
    number,
    number_format,
    put,
)
from campaign_ops.consolidate.figures import FormFigures, ReportData
from campaign_ops.consolidate.form_text import (
    CHANGE_LABEL,
    compared_text,
    form_title,
    notes,
    reported_text,
    title_rows,
)
from campaign_ops.consolidate.printing import (
    chars_for,
    column_pt,
    fit_rows,
    fit_scale,
    fits,
    print_setup,
    row_breaks,
    row_pt,
    text_width,
    width_of,
)
from campaign_ops.forms.layout import HEADER_ROW, ROUND_ROW, TITLE_ROW, UNIT_OF_MEASURE
from campaign_ops.forms.template import BORDER, CENTER, LEFT, merge_cells

LABEL_WIDTHS = (13.0, 5.0, 5.0)  # least widths of 项目, 本期数/累计数, 计量单位
UNIT_MIN_WIDTH = 7.0
TOTAL_MIN_WIDTH = 10.0  # "9/11 个单位已报送" on two lines
FIRST_UNIT_COL = len(LABEL_WIDTHS) + 1
STATUS_ROW = HEADER_ROW + 1
FIRST_ROW = STATUS_ROW + 1


def _figure_width(values: list[float | None], decimal: bool) -> float:
    """Width (characters) of a column of figures: its longest number, at least
    ``UNIT_MIN_WIDTH`` (a unit's name wraps over two lines above it)."""
    longest = max(
        (len(f"{v:.2f}" if decimal else f"{round(v)}") for v in values if v is not None),
        default=1,
    )
    return max(UNIT_MIN_WIDTH, chars_for(text_width("0" * (longest + 1))))


def _widths(figures: FormFigures) -> list[float]:
    """Column widths: labels, one per unit, 合计 and (with a previous round) the change."""
    decimal = any(c.decimal for c in figures.columns)
    widths = [
        LABEL_WIDTHS[0],
        max(LABEL_WIDTHS[1], *(chars_for(text_width(c.label)) for c in figures.columns)),
        max(LABEL_WIDTHS[2], *(chars_for(text_width(c.unit or "")) for c in figures.columns)),
    ]
    for u in figures.units:
        widths.append(_figure_width([u.values.get(c.cell) for c in figures.columns], decimal))
    totals = [figures.totals.get(c.cell) for c in figures.columns]
    widths.append(max(TOTAL_MIN_WIDTH, _figure_width(totals, decimal)))
    if figures.previous_round:
        widths.append(max(8.0, chars_for(text_width(CHANGE_LABEL) / 2)))
    return widths


def transposed_fits(figures: FormFigures) -> bool:
    """Whether the units fit across one page (at 9 pt or more)."""
    return fits(sum(column_pt(w) for w in _widths(figures)))


def transposed_sheet(
    ws: Worksheet,
    data: ReportData,
    figures: FormFigures,
    made_on: dt.date,
    revised: bool,
    revision_note: str | None,
) -> ChartSource:
    """Draw the turned table; returns where the chart's figures are (a row)."""
    widths = _widths(figures)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    width = len(widths)
    units = figures.units
    total_col = FIRST_UNIT_COL + len(units)
    change_col = total_col + 1 if figures.previous_round else None
    title_rows(ws, data, form_title(figures.form, data.round is None), width, made_on, revised)
    _header(ws, figures, total_col, change_col)
    keep: set[int] = set()
    previous_group: str | None = None
    group_start = FIRST_ROW
    for j, col in enumerate(figures.columns):
        r = FIRST_ROW + j
        if col.group and col.group == previous_group:
            keep.add(r)
        else:
            _merge_group(ws, group_start, r - 1, previous_group)
            group_start = r
        previous_group = col.group
        _label(ws, r, col.group, col.label, col.unit)
        for i, unit in enumerate(units):
            value = unit.values.get(col.cell) if unit.reported else None
            cell = put(ws, r, FIRST_UNIT_COL + i, number(value, col.decimal), number_format(col))
            cell.border, cell.alignment = BORDER, CENTER
            if not unit.reported:
                cell.fill = NOT_COUNTED_FILL
        total = put(
            ws, r, total_col, number(figures.totals.get(col.cell), col.decimal), number_format(col)
        )
        total.font, total.border, total.alignment = BOLD, BORDER, CENTER
        if change_col:
            ch = figures.changes.get(col.cell)
            fmt = "+0.00##;-0.00##;0" if col.decimal else "+0;-0;0"
            cell = put(ws, r, change_col, number(ch.change if ch else None, col.decimal), fmt)
            cell.border, cell.alignment = BORDER, CENTER
    last = FIRST_ROW + len(figures.columns) - 1
    _merge_group(ws, group_start, last, previous_group)
    fit_rows(ws, range(HEADER_ROW, last + 1), minimum=18.0)
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=FIRST_UNIT_COL)
    end = notes(ws, last + 2, width, data, figures, revised, revision_note)
    repeated = sum(row_pt(ws, r) for r in (HEADER_ROW, STATUS_ROW))
    row_breaks(
        ws,
        FIRST_ROW,
        end,
        repeated,
        keep | set(range(last + 1, end + 1)),  # the notes go with the last indicator
        first_page=sum(row_pt(ws, r) for r in range(TITLE_ROW, ROUND_ROW + 1)),
        scale=fit_scale(width_of(ws, 1, width)),
    )
    print_setup(ws, title_rows=(HEADER_ROW, STATUS_ROW), fit_width=True)
    last_unit = FIRST_UNIT_COL + len(units) - 1
    return ChartSource(
        ws,
        categories=(FIRST_UNIT_COL, HEADER_ROW, last_unit, HEADER_ROW),
        values=(FIRST_UNIT_COL, FIRST_ROW, last_unit, FIRST_ROW),
    )


def _header(ws: Worksheet, figures: FormFigures, total_col: int, change_col: int | None) -> None:
    """Unit names across, and under each its 报送情况 (colour-coded as on the status sheet)."""
    head = [(1, "项目"), (3, UNIT_OF_MEASURE), (total_col, "合计")]
    head += [(FIRST_UNIT_COL + i, u.name) for i, u in enumerate(figures.units)]
    if change_col:
        head.append((change_col, CHANGE_LABEL))
    for col, text in head:
        cell = put(ws, HEADER_ROW, col, text)
        cell.font, cell.alignment = BOLD, CENTER
    merge_cells(ws, HEADER_ROW, 1, HEADER_ROW, 2)
    put(ws, STATUS_ROW, 1, "报送情况").alignment = CENTER
    merge_cells(ws, STATUS_ROW, 1, STATUS_ROW, 3)
    for i, unit in enumerate(figures.units):
        cell = put(ws, STATUS_ROW, FIRST_UNIT_COL + i, unit.status_label)
        cell.alignment = CENTER
        colour = FILLS.get(unit.status_key)
        if colour:
            cell.fill = PatternFill("solid", fgColor=colour)
    put(ws, STATUS_ROW, total_col, reported_text(figures)).alignment = CENTER
    if change_col:
        put(ws, STATUS_ROW, change_col, compared_text(figures)).alignment = CENTER
    last = change_col or total_col
    for r in (HEADER_ROW, STATUS_ROW):
        for c in range(1, last + 1):
            ws.cell(row=r, column=c).border = BORDER


def _label(ws: Worksheet, row: int, group: str | None, label: str, unit: str | None) -> None:
    if group:
        put(ws, row, 1, group).alignment = LEFT
        put(ws, row, 2, label).alignment = CENTER
    else:
        put(ws, row, 1, label).alignment = LEFT
        merge_cells(ws, row, 1, row, 2)
    put(ws, row, 3, unit).alignment = CENTER
    for c in (1, 2, 3):
        ws.cell(row=row, column=c).border = BORDER


def _merge_group(ws: Worksheet, first: int, last: int, group: str | None) -> None:
    """One 项目 cell over the rows of an indicator (本期数 and 累计数)."""
    if group and last > first:
        merge_cells(ws, first, 1, last, 1)
