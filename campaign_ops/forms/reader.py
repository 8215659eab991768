"""Read a workbook (or CSV) into plain grids of cell values, one per sheet.

python-calamine is the reader: much faster than openpyxl, reads .xlsx and .xlsm alike and
never runs macros. It returns cached formula results only, so formulas saved without a result
are computed by ``formulas`` from the sheet XML the safety check already inflated.

A saved result is compared with the cells it is made of: Excel, WPS and Calc leave numbers
typed as text out of a ``SUM``, so a 合计 formula over them saves less than its rows hold.
When any formula's value is not what its cells give, the sheet lists its formulas in
``Grid.derived`` and ``derived`` works them out again from the cleaned values.
"""

from __future__ import annotations

import csv
import html
import io
import logging
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from campaign_ops.forms.cleaning import to_number
from campaign_ops.forms.formulas import FormulaError, evaluate, split_ref
from campaign_ops.forms.safety import ASK_RESAVE, MAX_COLS, MAX_ROWS, Inspection
from campaign_ops.forms.submission import Refusal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Uncomputed:
    """A formula cell with no saved value that we could not compute ourselves."""

    formula: str

    def __str__(self) -> str:
        return f"={self.formula}"


@dataclass(frozen=True)
class Derived:
    """A formula cell: the file computes it, nobody types it."""

    formula: str
    saved: Any  # the value the file saved for it; None when it saved none


class Grid:
    """One sheet: ``cells[r][c]`` is Excel row r+1, column c+1; blanks are ``None`` or ``""``.

    Cells are read on first use, so sheets the parser never looks at cost nothing.
    """

    def __init__(self, name: str, visible: bool, cells: list[list[Any]] | None = None, loader=None):
        self.name = name
        self.visible = visible
        self._cells = cells
        self._loader = loader
        self._derived: dict[tuple[int, int], Derived] = {}

    @property
    def cells(self) -> list[list[Any]]:
        if self._cells is None:
            if self._loader:
                self._cells, self._derived = self._loader()
            else:
                self._cells = []
        return self._cells

    @property
    def derived(self) -> dict[tuple[int, int], Derived]:
        """(row, column) → every formula of the sheet, when one of them has a value its cells
        do not give (a number typed as text, a result not recalculated, text such as ``12件``
        that only the column's unit makes a number); else empty, and nothing to redo."""
        _ = self.cells  # loading the cells finds them
        return self._derived

    def get(self, row: int, col: int) -> Any:
        """Value at 1-based (row, col), ``None`` outside the grid."""
        cells = self.cells
        if 1 <= row <= len(cells):
            line = cells[row - 1]
            if 1 <= col <= len(line):
                return line[col - 1]
        return None


def read_grids(path: Path, inspection: Inspection) -> list[Grid]:
    if inspection.kind == "csv":
        return [read_csv(path, inspection.data)]
    return read_workbook(path, inspection)


def read_workbook(path: Path, inspection: Inspection) -> list[Grid]:
    from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(inspection.data))
        metas = [m for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    except (CalamineError, ValueError, OSError) as exc:
        raise _unreadable(path, exc) from None
    formulas = _formulas_by_sheet(inspection, inspection.uncached) if inspection.uncached else {}
    saved = _formulas_by_sheet(inspection, inspection.cached) if inspection.cached else {}

    def loader(name: str):
        def load() -> tuple[list[list[Any]], dict[tuple[int, int], Derived]]:
            try:
                sheet = wb.get_sheet_by_name(name)
                if sheet.total_height > MAX_ROWS or sheet.total_width > MAX_COLS:
                    raise Refusal(
                        "too_large",
                        f"工作表“{name}”有 {sheet.total_height} 行 {sheet.total_width} 列，"
                        "超过统计表的合理大小。请删除多余的行列后重新保存报送。",
                        path,
                    )
                cells = sheet.to_python(skip_empty_area=False)
            except (CalamineError, ValueError, OSError) as exc:
                raise _unreadable(path, exc) from None
            off = name in formulas and _fill_formulas(cells, formulas[name])
            off = (name in saved and _stale(cells, saved[name])) or off
            return cells, (_derived(cells, formulas.get(name), saved.get(name)) if off else {})

        return load

    return [
        Grid(m.name, m.visible == SheetVisibleEnum.Visible, loader=loader(m.name)) for m in metas
    ]


def _unreadable(path: Path, exc: Exception) -> Refusal:
    log.info("calamine cannot read %s: %s", path, exc)  # the reader's English is for ops
    return Refusal(
        "not_ready", f"文件无法读取。如刚刚上传，系统会稍后重试；否则{ASK_RESAVE}。", path
    )


_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')


def _formulas_by_sheet(
    inspection: Inspection, by_part: dict[str, list[tuple[str, str]]]
) -> dict[str, list[tuple[str, str]]]:
    """Formulas keyed by sheet name (workbook.xml names sheets, its rels the parts)."""
    parts = inspection.parts
    names = _sheet_parts(
        parts.get("xl/workbook.xml", b""), parts.get("xl/_rels/workbook.xml.rels", b"")
    )
    return {name: by_part[part] for name, part in names if part in by_part}


@lru_cache(maxsize=256)
def _sheet_parts(workbook: bytes, rels: bytes) -> tuple[tuple[str, str | None], ...]:
    """(sheet name, worksheet part) pairs; cached, as every file of a template has the same."""
    targets = {}
    for rel in re.finditer(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        attrs = dict(_ATTR.findall(rel.group(0)))
        target = attrs.get(b"Target", b"").decode()
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
        targets[attrs.get(b"Id", b"").decode()] = part
    out = []
    for el in _SHEET.finditer(workbook):
        attrs = {k.split(b":")[-1]: v for k, v in _ATTR.findall(el.group(0))}
        name = html.unescape(attrs.get(b"name", b"").decode())
        out.append((name, targets.get(attrs.get(b"id", b"").decode())))
    return tuple(out)


def _fill_formulas(cells: list[list[Any]], uncached: list[tuple[str, str]]) -> bool:
    """Put the value of each formula saved without one into its cell; True when one of them
    met text that is no number here (``12件``: the parser may read it with the unit)."""
    pending = {split_ref(ref): f for ref, f in uncached}
    done: dict[tuple[int, int], Any] = {}
    unread: list[Any] = []

    def lookup(r: int, c: int, depth: int) -> Any:
        if (r, c) in pending:
            if (r, c) not in done:
                done[(r, c)] = _compute(pending[(r, c)], lookup, depth, unread)
            value = done[(r, c)]
            return None if isinstance(value, Uncomputed) else value
        if 1 <= r <= len(cells) and 1 <= c <= len(cells[r - 1]):
            return cells[r - 1][c - 1]
        return None

    for (r, c), formula in pending.items():
        if (r, c) not in done:
            done[(r, c)] = _compute(formula, lookup, 0, unread)
        _put(cells, r, c, done[(r, c)])
    return bool(unread)


def _stale(cells: list[list[Any]], saved: list[tuple[str, str]]) -> bool:
    """Whether a formula's saved value is not what its cells give (numbers typed as text
    count here, as the parser reads them) or it met text that is no number here."""
    unread: list[Any] = []

    def lookup(r: int, c: int, depth: int) -> Any:
        if 1 <= r <= len(cells) and 1 <= c <= len(cells[r - 1]):
            return cells[r - 1][c - 1]
        return None

    for ref, formula in saved:
        value = _compute(formula, lookup, 0, unread)
        if unread:
            return True
        if isinstance(value, Uncomputed):
            continue  # beyond our evaluator: its saved value stands
        was = lookup(*split_ref(ref), 0)
        if was.__class__ is not float or abs(was - value) > 1e-9 * max(1.0, abs(value)):
            return True
    return False


def _derived(
    cells: list[list[Any]],
    uncached: list[tuple[str, str]] | None,
    saved: list[tuple[str, str]] | None,
) -> dict[tuple[int, int], Derived]:
    out = {split_ref(ref): Derived(f, None) for ref, f in uncached or ()}
    for ref, f in saved or ():
        r, c = split_ref(ref)
        line = cells[r - 1] if r <= len(cells) else []
        out[(r, c)] = Derived(f, line[c - 1] if c <= len(line) else None)
    return out


_SUM_RANGE = re.compile(r"=?\s*SUM\((\$?[A-Z]{1,3}\$?\d+):(\$?[A-Z]{1,3}\$?\d+)\)\s*", re.I)


@lru_cache(maxsize=4096)
def sum_range(formula: str) -> tuple[range, range] | None:
    """Rows and columns of a plain ``SUM(A1:B9)`` (cached: every file of a template has the
    same 合计 formulas), or None for anything else."""
    m = _SUM_RANGE.fullmatch(formula)
    if not m:
        return None
    (r1, c1), (r2, c2) = split_ref(m[1].upper()), split_ref(m[2].upper())
    if (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1) > 100_000:
        return None
    return range(min(r1, r2), max(r1, r2) + 1), range(min(c1, c2), max(c1, c2) + 1)


def _compute(formula: str, lookup, depth: int, unread: list[Any]) -> float | Uncomputed:
    """The formula's value over the cells as read (numbers typed as text count); text that
    is no number counts 0 and is added to ``unread``."""
    cells = sum_range(formula)
    if cells:  # the common 合计 formula, without the general evaluator's overhead
        rows, cols = cells
        total = 0.0
        for r in rows:
            for c in cols:
                raw = lookup(r, c, depth + 1)
                if raw.__class__ is float:
                    total += raw
                elif raw is not None and raw != "":
                    number = to_number(raw)[0]
                    if number is None:
                        unread.append(raw)
                    else:
                        total += number
        return total

    def noting(r: int, c: int, depth: int) -> Any:
        raw = lookup(r, c, depth)
        if raw.__class__ is str and raw and to_number(raw)[0] is None:
            unread.append(raw)
        return raw

    try:
        return evaluate(formula, noting, depth)
    except (FormulaError, RecursionError, ZeroDivisionError):
        return Uncomputed(formula)


def _put(cells: list[list[Any]], r: int, c: int, value: Any) -> None:
    while len(cells) < r:
        cells.append([])
    line = cells[r - 1]
    while len(line) < c:
        line.append("")
    line[c - 1] = value


def read_csv(path: Path, data: bytes) -> Grid:
    """CSV as one grid: UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK).

    GB18030 first would "succeed" on UTF-8 bytes and produce mojibake, so the order matters.
    """
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Refusal("unsupported", f"CSV 文件的文字编码无法识别。{ASK_RESAVE}。", path)
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if len(rows) > MAX_ROWS or any(len(r) > MAX_COLS for r in rows):
        raise Refusal(
            "too_large", f"CSV 文件超过 {MAX_ROWS} 行或 {MAX_COLS} 列，请只保留统计表本身。", path
        )
    return Grid(path.stem, True, rows)
