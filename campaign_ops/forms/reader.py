"""Read a workbook (or CSV) into plain grids of cell values, one per sheet.

python-calamine is the reader: about 5× faster than openpyxl, reads .xlsx and .xlsm alike and
never runs macros. It returns cached formula results only, so formulas saved without a result
are computed by ``formulas`` from the sheet XML the safety check already inflated.
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

from campaign_ops.forms.formulas import FormulaError, evaluate, split_ref
from campaign_ops.forms.safety import ASK_RESAVE, MAX_COLS, MAX_ROWS, Inspection
from campaign_ops.forms.submission import Refusal
from campaign_ops.forms.values import to_number

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Uncomputed:
    """A formula cell with no saved value that we could not compute ourselves."""

    formula: str

    def __str__(self) -> str:
        return f"={self.formula}"


class Grid:
    """One sheet: ``cells[r][c]`` is Excel row r+1, column c+1; blanks are ``None`` or ``""``.

    Cells are read on first use, so sheets the parser never looks at cost nothing.
    """

    def __init__(self, name: str, visible: bool, cells: list[list[Any]] | None = None, loader=None):
        self.name = name
        self.visible = visible
        self._cells = cells
        self._loader = loader

    @property
    def cells(self) -> list[list[Any]]:
        if self._cells is None:
            self._cells = self._loader() if self._loader else []
        return self._cells

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
    formulas = _formulas_by_sheet(inspection) if inspection.uncached else {}

    def loader(name: str):
        def load() -> list[list[Any]]:
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
            if name in formulas:
                _fill_formulas(cells, formulas[name])
            return cells

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


def _formulas_by_sheet(inspection: Inspection) -> dict[str, list[tuple[str, str]]]:
    """Uncached formulas keyed by sheet name (workbook.xml names sheets, its rels the parts)."""
    parts = inspection.parts
    names = _sheet_parts(
        parts.get("xl/workbook.xml", b""), parts.get("xl/_rels/workbook.xml.rels", b"")
    )
    return {name: inspection.uncached[part] for name, part in names if part in inspection.uncached}


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


def _fill_formulas(cells: list[list[Any]], uncached: list[tuple[str, str]]) -> None:
    pending = {split_ref(ref): f for ref, f in uncached}
    done: dict[tuple[int, int], Any] = {}

    def lookup(r: int, c: int, depth: int) -> Any:
        if (r, c) in pending:
            if (r, c) not in done:
                done[(r, c)] = _compute(pending[(r, c)], lookup, depth)
            value = done[(r, c)]
            return None if isinstance(value, Uncomputed) else value
        if 1 <= r <= len(cells) and 1 <= c <= len(cells[r - 1]):
            return cells[r - 1][c - 1]
        return None

    for (r, c), formula in pending.items():
        if (r, c) not in done:
            done[(r, c)] = _compute(formula, lookup, 0)
        _put(cells, r, c, done[(r, c)])


_SUM_RANGE = re.compile(r"=?\s*SUM\((\$?[A-Z]{1,3}\$?\d+):(\$?[A-Z]{1,3}\$?\d+)\)\s*", re.I)


@lru_cache(maxsize=4096)
def _sum_range(formula: str) -> tuple[range, range] | None:
    """Rows and columns of a plain ``SUM(A1:B9)`` (cached: every file of a template has the
    same 合计 formulas), or None for anything else."""
    m = _SUM_RANGE.fullmatch(formula)
    if not m:
        return None
    (r1, c1), (r2, c2) = split_ref(m[1].upper()), split_ref(m[2].upper())
    if (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1) > 100_000:
        return None
    return range(min(r1, r2), max(r1, r2) + 1), range(min(c1, c2), max(c1, c2) + 1)


def _compute(formula: str, lookup, depth: int) -> float | Uncomputed:
    cells = _sum_range(formula)
    if cells:  # the common 合计 formula, without the general evaluator's overhead
        rows, cols = cells
        total = 0.0
        for r in rows:
            for c in cols:
                raw = lookup(r, c, depth + 1)
                if raw.__class__ is float:
                    total += raw
                elif raw is not None and raw != "":
                    total += to_number(raw)[0] or 0.0
        return total
    try:
        return evaluate(formula, lookup, depth)
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
