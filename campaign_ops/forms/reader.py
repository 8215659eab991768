"""Read a workbook (or CSV) into plain grids of cell values, one per sheet.

python-calamine is the reader: about 5× faster than openpyxl, reads .xlsx and .xlsm alike and
never runs macros. It returns cached formula results only, so formulas saved without a result
are computed by ``formulas`` from the sheet XML the safety check already inflated.
"""

from __future__ import annotations

import csv
import io
import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign_ops.forms.formulas import FormulaError, evaluate, split_ref
from campaign_ops.forms.safety import ASK_RESAVE, MAX_COLS, MAX_ROWS, Inspection
from campaign_ops.forms.submission import Refusal


@dataclass(frozen=True)
class Uncomputed:
    """A formula cell with no saved value that we could not compute ourselves."""

    formula: str

    def __str__(self) -> str:
        return f"={self.formula}"


@dataclass
class Grid:
    """One sheet: ``cells[r][c]`` is Excel row r+1, column c+1; blanks are ``None`` or ``""``."""

    name: str
    visible: bool
    cells: list[list[Any]]
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # computed by us

    def get(self, row: int, col: int) -> Any:
        """Value at 1-based (row, col), ``None`` outside the grid."""
        if 1 <= row <= len(self.cells):
            line = self.cells[row - 1]
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
        grids = []
        for meta in wb.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            if sheet.total_height > MAX_ROWS or sheet.total_width > MAX_COLS:
                raise Refusal(
                    "too_large",
                    f"工作表“{meta.name}”有 {sheet.total_height} 行 {sheet.total_width} 列，超过统计表的合理大小。"
                    "请删除多余的行列后重新保存报送。",
                    path,
                )
            cells = sheet.to_python(skip_empty_area=False)
            grids.append(Grid(meta.name, meta.visible == SheetVisibleEnum.Visible, cells))
    except Refusal:
        raise
    except (CalamineError, ValueError, OSError) as exc:
        raise Refusal("not_ready", f"文件无法读取（{exc}）。如刚刚上传，系统会稍后重试；否则{ASK_RESAVE}。", path) from None
    if inspection.uncached:
        _fill_formulas(grids, _sheet_parts(inspection.data), inspection.uncached)
    return grids


def _sheet_parts(data: bytes) -> dict[str, str]:
    """Worksheet part name → sheet name, from workbook.xml and its relationships."""
    from defusedxml import ElementTree

    zf = zipfile.ZipFile(io.BytesIO(data))
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
        targets[rel.get("Id")] = part
    out = {}
    for el in book.iter():
        if el.tag.endswith("}sheet"):
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            if rid in targets:
                out[targets[rid]] = el.get("name", "")
    return out


def _fill_formulas(
    grids: list[Grid], parts: dict[str, str], uncached: dict[str, list[tuple[str, str]]]
) -> None:
    by_name = {g.name: g for g in grids}
    for part, cells in uncached.items():
        grid = by_name.get(parts.get(part, ""))
        if grid is None:
            continue
        pending = {split_ref(ref): f for ref, f in cells}
        done: dict[tuple[int, int], Any] = {}

        def lookup(r: int, c: int, depth: int, grid: Grid = grid, pending=pending, done=done) -> Any:
            if (r, c) in pending:
                if (r, c) not in done:
                    done[(r, c)] = _compute(pending[(r, c)], lookup, depth)
                value = done[(r, c)]
                return None if isinstance(value, Uncomputed) else value
            return grid.get(r, c)

        for (r, c), formula in pending.items():
            if (r, c) not in done:
                done[(r, c)] = _compute(formula, lookup, 0)
            _put(grid, r, c, done[(r, c)])
            grid.formulas[(r, c)] = formula


def _compute(formula: str, lookup, depth: int) -> float | Uncomputed:
    try:
        return evaluate(formula, lookup, depth)
    except (FormulaError, RecursionError, ZeroDivisionError):
        return Uncomputed(formula)


def _put(grid: Grid, r: int, c: int, value: Any) -> None:
    while len(grid.cells) < r:
        grid.cells.append([])
    line = grid.cells[r - 1]
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
        raise Refusal("too_large", f"CSV 文件超过 {MAX_ROWS} 行或 {MAX_COLS} 列，请只保留统计表本身。", path)
    return Grid(path.stem, True, rows)
