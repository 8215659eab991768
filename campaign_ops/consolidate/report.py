"""The consolidated report (.xlsx) in the layout a 市局 sends to the 省局.

One sheet per form (title, compiling unit, date, the template's merged group headers drawn by
``forms.template``, one row per unit, 合计, units of measure in the headers, frozen header), a
list sheet for case-list forms, the submission status sheet and charts. Every sheet prints on
A4 with its body at 9 pt or more (``printing``): a form that fits a page width prints so
(portrait when narrow); one too wide with few units is turned, indicators as rows
(``transposed``: ankang's 34-figure 工作情况统计表); one too wide either way prints in slices
of whole column groups with the unit column repeated.

Every figure is written as a value, never a formula, and text from a submission that Excel
would run as a formula (``= + - @``) is stored as a text cell with a quote prefix (OWASP CSV
injection). A unit whose figures are missing or rejected gets its row, marked, and is named
in the notes under the table: it is never counted as zero.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
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
    sheet_name,
)
from campaign_ops.consolidate.figures import FormFigures, ReportColumn, ReportData, UnitLine
from campaign_ops.consolidate.form_text import (
    CHANGE_LABEL,
    REVISED_MARK,
    compared_text,
    form_title,
    note_lines,
    notes,
    reported_text,
    title_rows,
)
from campaign_ops.consolidate.printing import (
    chars_for,
    column_breaks,
    column_pt,
    fit_rows,
    fits,
    print_setup,
    table_setup,
    text_width,
    width_of,
)
from campaign_ops.consolidate.sheets import chart_sheet, list_sheet, phase_sheet, status_sheet
from campaign_ops.consolidate.transposed import transposed_fits, transposed_sheet
from campaign_ops.forms.layout import HEADER_ROW, TemplateLayout
from campaign_ops.forms.spec import Column, ColumnType, FormSpec, Group, Layout
from campaign_ops.forms.template import BORDER, CENTER, LEFT, draw_headers

__all__ = ["REVISED_MARK", "note_lines", "report_filename", "report_title", "write_report"]

STATUS_SHEET = "报送情况"
CHART_SHEET = "图表"
PHASE_SHEET = "分阶段汇总"
FIGURE_WIDTH = 9  # characters: a figure column, its header wrapped over a few lines
STATUS_WIDTH = 14
DATA_ROW_PT = 18.0  # a unit's row: 11 pt text with air above and below in every client


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
    placed: dict[str, ChartSource] = {}
    for figures in data.forms:
        ws = wb.create_sheet(sheet_name(figures.form.title, names))
        draw = _form_sheet
        if figures.columns and not fits(_standard_width(figures)) and transposed_fits(figures):
            draw = transposed_sheet
        placed[figures.form.id] = draw(ws, data, figures, made_on, revised, revision_note)
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


# ---- a form's sheet, one row per unit ---------------------------------------------------------


def _standard_width(figures: FormFigures) -> float:
    """Printed width (points) of the one-row-per-unit table."""
    return (
        column_pt(_name_width(figures))
        + len(figures.columns) * column_pt(FIGURE_WIDTH)
        + column_pt(STATUS_WIDTH)
    )


def _name_width(figures: FormFigures) -> float:
    names = [u.name for u in figures.units] + [CHANGE_LABEL, "填报单位"]
    return min(18.0, max(8.0, chars_for(max(text_width(n) for n in names))))


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


def _column_groups(lay: TemplateLayout) -> list[tuple[int, int]]:
    """Spans of columns that stay on one page: each merged group, else each column."""
    spans = []
    done: set[str] = set()
    for col in lay.form.columns:
        group = lay.form.group_of(col.key)
        if group is None:
            spans.append((lay.col(col.key), lay.col(col.key)))
        elif group.label not in done:
            done.add(group.label)
            first = lay.col(group.columns[0])
            spans.append((first, first + len(group.columns) - 1))
    return spans


def _form_sheet(
    ws: Worksheet,
    data: ReportData,
    figures: FormFigures,
    made_on: dt.date,
    revised: bool,
    revision_note: str | None,
) -> ChartSource:
    """One form's table, a row per unit. Too wide for a page at 9 pt, it prints in slices
    of whole column groups, each with the unit column repeated. Returns where the chart's
    figures are."""
    form = figures.form
    lay = TemplateLayout(_table_spec(form, figures.columns))
    draw_headers(ws, lay)
    status_col = lay.col("status")
    ws.column_dimensions["A"].width = _name_width(figures)
    for j in range(len(figures.columns)):
        ws.column_dimensions[get_column_letter(lay.col(f"c{j}"))].width = FIGURE_WIDTH
    ws.column_dimensions[get_column_letter(status_col)].width = STATUS_WIDTH
    wide = not fits(width_of(ws, 1, lay.width))
    page_width = lay.width
    if wide:
        column_breaks(ws, width_of(ws, 1, 1), _column_groups(lay))
        page_width = min(b.id for b in ws.col_breaks.brk) if ws.col_breaks.brk else lay.width
    first_col = 2 if wide else 1
    title_rows(
        ws, data, form_title(form, data.round is None), page_width, made_on, revised, first_col
    )
    first = lay.first_data_row
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
    done = put(ws, total_row, status_col, reported_text(figures))
    done.border, done.alignment = BORDER, CENTER
    last = total_row
    if figures.previous_round:
        last += 1
        _change_row(ws, last, lay, figures)
    ws.freeze_panes = ws.cell(row=first, column=2)
    fit_rows(ws, range(HEADER_ROW, first))
    for r in range(first, total_row):
        ws.row_dimensions[r].height = DATA_ROW_PT
    fit_rows(ws, range(total_row, last + 1), minimum=DATA_ROW_PT)
    notes(ws, last + 2, page_width, data, figures, revised, revision_note, first_col)
    if wide:
        print_setup(ws, title_rows=(HEADER_ROW, first - 1), title_cols="$A:$A", fit_width=False)
    else:
        table_setup(ws, width_of(ws, 1, lay.width), (HEADER_ROW, first - 1))
    last_unit = first + len(figures.units) - 1
    head = lay.col("c0") if figures.columns else status_col  # no figures: no chart drawn
    return ChartSource(
        ws, categories=(1, first, 1, last_unit), values=(head, first, head, last_unit)
    )


def _change_row(ws: Worksheet, row: int, lay: TemplateLayout, figures: FormFigures) -> None:
    """Each figure against the previous round that asked for this form, over the units that
    reported it in both (merged_changes), with how many they are."""
    label = put(ws, row, 1, CHANGE_LABEL)
    label.alignment, label.border = CENTER, BORDER
    for j, col in enumerate(figures.columns):
        ch = figures.changes.get(col.cell)
        cell = put(
            ws,
            row,
            lay.col(f"c{j}"),
            number(ch.change if ch else None, col.decimal),
            change_format(col),
        )
        cell.border, cell.alignment = BORDER, CENTER
    units = put(ws, row, lay.col("status"), compared_text(figures))
    units.border, units.alignment = BORDER, CENTER


def change_format(col: ReportColumn) -> str:
    return "+0.00##;-0.00##;0" if col.decimal else "+0;-0;0"


def status_fill(unit: UnitLine) -> PatternFill | None:
    """The status sheet's colour for a unit's state (none for plain 已报送)."""
    colour = FILLS.get(unit.status_key)
    return PatternFill("solid", fgColor=colour) if colour else None


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
    fill = status_fill(unit)
    if fill is not None:
        status.fill = fill
