"""Cell-level helpers shared by the report's sheets and the Excel export.

``put`` is the one way a value enters a workbook here: text that Excel would evaluate as a
formula (``= + - @``, OWASP CSV injection) is stored as a text cell with a quote prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from campaign_ops.consolidate.figures import ReportColumn

FORMULA_START = ("=", "+", "-", "@")
# status (campaign_ops.status keys) → fill colour on the status sheet and in the form sheets
FILLS = {
    "accepted_on_time": "C6EFCE",
    "accepted_late": "FFEB9C",
    "partial": "FCE4D6",
    "rejected": "F8CBAD",
    "not_ready": "DDEBF7",
    "received": "DDEBF7",
    "missing": "FFC7CE",
    "awaiting_review": "E2EFDA",  # only with a review policy (campaign_ops.review)
    "returned": "F8CBAD",
}
REVIEW_STATUSES = ("awaiting_review", "returned")
NOT_COUNTED_FILL = PatternFill("solid", fgColor="F2F2F2")
BOLD = Font(bold=True)


@dataclass(frozen=True)
class ChartSource:
    """Where a form sheet keeps the figures its chart plots: the unit names and the headline
    figure, each as (min_col, min_row, max_col, max_row); a row when the sheet is transposed."""

    sheet: Worksheet
    categories: tuple[int, int, int, int]
    values: tuple[int, int, int, int]

    @property
    def by_rows(self) -> bool:
        return self.values[1] == self.values[3] and self.values[0] != self.values[2]


def put(ws: Worksheet, row: int, col: int, value: Any, number_format: str | None = None) -> Cell:
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


def number(value: float | None, decimal: bool) -> float | int | None:
    """A figure as written: counts as integers, amounts without float noise (sums of
    decimals come back as 539.8000000000001; specs allow at most 6 decimals)."""
    if value is None:
        return None
    value = round(float(value), 6)
    return value if decimal or not value.is_integer() else int(value)


def number_format(col: ReportColumn) -> str:
    return "0.00##" if col.decimal else "0"


def sheet_name(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "表"
    name, i = base, 2
    while name in used:
        name, i = f"{base[:26]}{i}", i + 1
    used.add(name)
    return name
