"""How the report's sheets land on A4: text measured in points, rows as tall as their wrapped
text, and page set-ups that never shrink the body below 9 pt (小五).

openpyxl cannot ask a spreadsheet program how tall a wrapped cell is, and Excel, WPS and Calc
do not grow a row whose height is set (a header row drawn at 36 pt clips its third line).
So the report measures its own text: a CJK character is one em wide, any other character about
0.64 em (DejaVu Sans, which Calc prints for Calibri where Carlito is missing, is the widest we
met), and a line is 1.3 em tall (LibreOffice prints 9 pt text in an 11.7 pt box). Clients
disagree on how wide a column is: Calc here prints a width-``w`` column ``7w`` pt wide, Excel
``(7w + 5) × 0.75`` pt. Page widths are planned with the wider (so nothing spills over), lines
of wrapped text with the narrower (so no row clips its last line).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

BODY_PT = 11.0  # openpyxl's default font, the body of every sheet
MIN_PT = 9.0  # 小五: the smallest text a printed report may show
LINE = 1.3  # line height per point of font size
LATIN_EM = 0.64
CELL_PADDING_PT = 6.0  # left and right inner margins of a cell, together
DEFAULT_ROW_PT = 15.0
MARGIN_IN = 0.4  # left/right page margins
MARGIN_TB_IN = 0.5  # top/bottom page margins
HEADER_FOOTER_IN = 0.25
A4 = (595.0, 842.0)  # points, portrait
# The most a sheet may be shrunk to fit the page width: 10.5 pt notes still print above 9 pt.
FIT_SCALE = 0.9


def text_width(text: str, size: float = BODY_PT) -> float:
    """Printed width of one line of text, in points."""
    em = 0.0
    for ch in text:
        em += 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else LATIN_EM
    return em * size


def column_pt(width: float) -> float:
    """The most a column ``width`` characters wide takes on paper (Calc's width)."""
    return width * 7.0


def room_pt(width: float) -> float:
    """The least room for text a column ``width`` characters wide has (Excel's width, less
    the cell margins)."""
    return (width * 7 + 5) * 0.75 - CELL_PADDING_PT


def chars_for(points: float) -> float:
    """The column width (characters) that holds ``points`` of text in every client."""
    return max(0.0, ((points + CELL_PADDING_PT) / 0.75 - 5) / 7)


def lines_needed(text: str, room: float, size: float = BODY_PT) -> int:
    """Lines a wrapped cell with ``room`` points for text needs for ``text``."""
    room = max(room, size)
    return sum(max(1, math.ceil(text_width(part, size) / room)) for part in text.split("\n"))


def row_height(lines: int, size: float = BODY_PT) -> float:
    return round(lines * size * LINE + 4, 1)


def printable(landscape: bool) -> tuple[float, float]:
    """Width and height (points) inside the margins of an A4 page."""
    w, h = (A4[1], A4[0]) if landscape else A4
    return w - 2 * MARGIN_IN * 72, h - 2 * (MARGIN_TB_IN + HEADER_FOOTER_IN) * 72


def _widths(ws: Worksheet, first: int, last: int) -> list[float]:
    return [
        ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(first, last + 1)
    ]


def width_of(ws: Worksheet, first: int, last: int) -> float:
    """The most columns ``first``..``last`` take on paper (points)."""
    return sum(column_pt(w) for w in _widths(ws, first, last))


def room_of(ws: Worksheet, first: int, last: int) -> float:
    """The least room for text a cell merged over ``first``..``last`` has (points)."""
    return (sum(_widths(ws, first, last)) * 7 + 5) * 0.75 - CELL_PADDING_PT


def fit_rows(ws: Worksheet, rows: Iterable[int], minimum: float = DEFAULT_ROW_PT) -> None:
    """Make each row tall enough for its wrapped text (merged cells measured over their full
    width; a cell merged over several rows shares its height among them)."""
    rows = list(rows)
    spans = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    covered = {
        (r, c)
        for m in ws.merged_cells.ranges
        for r in range(m.min_row, m.max_row + 1)
        for c in range(m.min_col, m.max_col + 1)
        if (r, c) != (m.min_row, m.min_col)
    }
    need = dict.fromkeys(rows, minimum)
    for r in rows:
        for cell in ws[r]:
            if cell.value is None or (r, cell.column) in covered:
                continue
            span = spans.get((r, cell.column))
            last_col = span.max_col if span else cell.column
            last_row = span.max_row if span else r
            size = float(cell.font.sz or BODY_PT) if cell.font else BODY_PT
            text = str(cell.value)
            if cell.alignment is not None and cell.alignment.wrap_text:
                lines = lines_needed(text, room_of(ws, cell.column, last_col), size)
            else:
                lines = text.count("\n") + 1
            share = row_height(lines, size) / (last_row - r + 1)
            for covered_row in range(r, last_row + 1):
                need[covered_row] = max(need.get(covered_row, minimum), share)
    for r, height in need.items():
        ws.row_dimensions[r].height = math.ceil(height)


def row_pt(ws: Worksheet, row: int) -> float:
    return ws.row_dimensions[row].height or DEFAULT_ROW_PT


def print_setup(
    ws: Worksheet,
    *,
    title_rows: tuple[int, int] | None,
    title_cols: str | None = None,
    landscape: bool = True,
    fit_width: bool = True,
) -> None:
    """A4 with repeated title rows (and columns); fitted to the page width only where that
    keeps the body at 9 pt or more (the caller decides, see ``fits``)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    if fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.page_setup.scale = 100
        ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = MARGIN_IN
    ws.page_margins.top = ws.page_margins.bottom = MARGIN_TB_IN + HEADER_FOOTER_IN
    ws.page_margins.header = ws.page_margins.footer = HEADER_FOOTER_IN
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 11  # whole points only; above 9 pt on a page fitted at 90 %
    if title_rows:
        ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    if title_cols:
        ws.print_title_cols = title_cols


def table_setup(ws: Worksheet, width_pt: float, title_rows: tuple[int, int] | None) -> None:
    """A table's page: portrait when it is narrow enough (more rows and notes per page),
    else landscape, fitted to the width when that keeps 9 pt."""
    landscape = width_pt > printable(False)[0]
    print_setup(ws, title_rows=title_rows, landscape=landscape, fit_width=fits(width_pt))


def fit_scale(width_pt: float, landscape: bool = True) -> float:
    """How much fitting a table this wide to the page width shrinks it."""
    return min(1.0, printable(landscape)[0] / width_pt)


def fits(width_pt: float, landscape: bool = True) -> bool:
    """Whether a table this wide prints on one page width at no less than ``FIT_SCALE``."""
    return width_pt * FIT_SCALE <= printable(landscape)[0]


def column_breaks(ws: Worksheet, repeat_width: float, groups: Sequence[tuple[int, int]]) -> None:
    """Break the columns into page-wide slices at group boundaries; the repeated title
    columns (``repeat_width`` points) print on every slice."""
    room = printable(True)[0] - repeat_width
    used = 0.0
    for first, last in groups:
        w = width_of(ws, first, last)
        if used and used + w > room:
            ws.col_breaks.append(Break(id=first - 1))
            used = 0.0
        used += w


def row_breaks(
    ws: Worksheet,
    first: int,
    last: int,
    title_height: float,
    keep_with_previous: set[int],
    *,
    first_page: float = 0.0,
    landscape: bool = True,
    scale: float = 1.0,
) -> None:
    """Page breaks between ``first``..``last`` so that no page splits a block (a row in
    ``keep_with_previous`` stays on the page of the row above it); ``title_height`` is what
    the repeated title rows take on every page, ``first_page`` what the first page has above
    them, ``scale`` how much the page is shrunk to fit its width."""
    room = printable(landscape)[1] / scale - title_height
    used, page_start = first_page, first
    block_start, block_height = first, 0.0
    for r in range(first, last + 1):
        h = row_pt(ws, r)
        if r not in keep_with_previous:
            block_start, block_height = r, 0.0
        if used + h > room and block_start > page_start:
            ws.row_breaks.append(Break(id=block_start - 1))
            used, page_start = block_height, block_start
        used += h
        block_height += h
