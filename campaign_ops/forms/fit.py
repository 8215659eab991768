"""How much room wrapped text needs, and the A4 page, so that printed templates never
overlap lines.

Neither openpyxl nor LibreOffice sizes a row to wrapped text in merged cells, and Excel only
does it when a person edits the cell: a row left at its default height prints its second line
over the next row. So the template writer sets every wrapped row's height itself, from an
estimate of the text's width in Excel's column units (one unit is the width of a digit of
the default 11 pt font; a Chinese character is about two).
"""

from __future__ import annotations

import math
import re
import unicodedata

DEFAULT_SIZE = 11.0
# points of row height per line of text of a given size (CJK fonts need more than Latin)
LINE_FACTOR = 1.45
ROW_PADDING = 4.0
# Excel units lost to the cell's inner margins
CELL_PADDING = 1.0


def text_width(text: str, size: float = DEFAULT_SIZE) -> float:
    """Width of one line of ``text`` in column units at font ``size`` (a generous estimate)."""
    units = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            units += 2.2
        elif ch.isupper() or ch.isdigit():
            units += 1.15
        else:
            units += 1.0
    return units * size / DEFAULT_SIZE


def line_count(text: str, width: float, size: float = DEFAULT_SIZE) -> int:
    """Lines ``text`` wraps to in a cell ``width`` units wide (explicit newlines kept)."""
    room = max(width - CELL_PADDING, 1.0)
    return sum(max(1, math.ceil(text_width(p, size) / room)) for p in text.split("\n"))


def row_height(lines: int, size: float = DEFAULT_SIZE) -> float:
    """Row height in points for ``lines`` lines of text of ``size``."""
    return round(lines * size * LINE_FACTOR + ROW_PADDING, 1)


def height_for(text: str, width: float, size: float = DEFAULT_SIZE) -> float:
    """Row height in points that shows all of ``text`` wrapped in a cell ``width`` wide."""
    return row_height(line_count(text, width, size), size)


def wrap(text: str, width: float, size: float = DEFAULT_SIZE) -> str:
    """``text`` with explicit line breaks so each line fits ``width`` in every client, lines
    about equally long and a unit in brackets never split: a header then breaks where we
    choose instead of leaving a lone bracket on its last line."""
    room = max(width - CELL_PADDING, 1.0)
    if text_width(text, size) <= room:
        return text
    cut = text.find("（")
    if cut > 0 and max(text_width(text[:cut], size), text_width(text[cut:], size)) <= room:
        return f"{text[:cut]}\n{text[cut:]}"
    label, unit = (text[:cut], [text[cut:]]) if cut > 0 else (text, [])
    tokens = [*re.findall(r"[A-Za-z0-9.]+|.", label), *unit]
    sizes = [text_width(t, size) for t in tokens]
    for n in range(2, 6):
        lines = _balanced(tokens, sizes, max(sum(sizes) / n, max(sizes)), room)
        if lines and len(lines) <= n:
            return "\n".join(lines)
    return text  # too long to break: leave it to the client's own wrapping


def _balanced(tokens: list[str], sizes: list[float], target: float, room: float) -> list[str]:
    """Greedy lines of about ``target`` width, none wider than ``room`` ([] if impossible)."""
    lines, line, used = [], "", 0.0
    for token, w in zip(tokens, sizes, strict=True):
        if line and (used + w > room or used >= target - 0.01):
            lines.append(line)
            line, used = "", 0.0
        line, used = line + token, used + w
    lines.append(line)
    return lines if all(text_width(x) <= room for x in lines) else []


def a4_page_setup(ws, *, landscape: bool, one_page: bool) -> None:
    """A4, scaled to the page width (and height when ``one_page``), centred, 0.5 inch sides."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
