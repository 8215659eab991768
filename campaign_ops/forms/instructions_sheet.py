"""The 填表说明 sheet of a template: the spec-derived sections laid out to print on one A4 page.

Two columns (栏目 | 要求) within a portrait page; numbered lines span both. Every row is set
to the height its wrapped text needs (nothing sizes rows on its own), so no line is printed
over the next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from campaign_ops.forms.fit import a4_page_setup, height_for, row_height
from campaign_ops.forms.instructions import instructions_title, sections
from campaign_ops.forms.spec import FormSpec

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign, Round, Unit

COLUMN_UNITS = (20.0, 66.0)  # 栏目 | 要求: together within a portrait A4 page
SIZE = 10
BODY = Font(size=SIZE)
BOLD = Font(size=SIZE, bold=True)
HEADING = Font(size=11, bold=True)
TITLE = Font(size=14, bold=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_instructions(
    ws: Worksheet,
    form: FormSpec,
    campaign: Campaign | None = None,
    round_: Round | None = None,
    unit: Unit | None = None,
) -> None:
    """Fill ``ws`` with the form's instructions; protected like the data sheet."""
    label_w, text_w = COLUMN_UNITS
    ws.column_dimensions["A"].width = label_w
    ws.column_dimensions["B"].width = text_w
    title = instructions_title(form)
    _spanning(ws, 1, title, TITLE, CENTER)
    ws.row_dimensions[1].height = height_for(title, label_w + text_w, TITLE.sz) + 6
    r = 2
    for section in sections(form, campaign, round_, unit):
        if section.title:
            r += 1  # a blank line before each heading
            _spanning(ws, r, section.title, HEADING, TOP_LEFT)
            ws.row_dimensions[r].height = row_height(1, HEADING.sz) + 4
            r += 1
        for label, text in section.lines:
            if label:
                a, b = ws.cell(row=r, column=1, value=label), ws.cell(row=r, column=2, value=text)
                a.font, a.alignment, b.font, b.alignment = BOLD, TOP_LEFT, BODY, TOP_LEFT
                height = max(height_for(label, label_w, SIZE), height_for(text, text_w, SIZE))
            else:
                _spanning(ws, r, text, BODY, TOP_LEFT)
                height = height_for(text, label_w + text_w, SIZE)
            ws.row_dimensions[r].height = height
            r += 1
    a4_page_setup(ws, landscape=False, one_page=True)
    ws.protection.sheet = True


def _spanning(ws: Worksheet, row: int, text: str, font: Font, alignment: Alignment) -> None:
    """A line across both columns."""
    cell = ws.cell(row=row, column=1, value=text)
    cell.font, cell.alignment = font, alignment
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
