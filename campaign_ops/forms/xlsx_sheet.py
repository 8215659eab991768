"""A bureau's table as ``form-from-xlsx`` reads it: cell texts, merged blocks, formulas,
drop-down lists and borders of one sheet.

The parser's reader (``reader``) is built for speed and ignores merges and borders; drafting a
form reads one small file once and needs exactly those, so it uses openpyxl.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based)


@dataclass
class Sheet:
    """One sheet, 0-based: ``value(r, c)`` is Excel row r+1, column c+1."""

    name: str
    values: list[list[Any]]
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[Merge] = field(default_factory=list)
    choices: dict[int, tuple[str, ...]] = field(default_factory=dict)  # column → drop-down list
    bordered: set[tuple[int, int]] = field(default_factory=set)
    saved_on: dt.date | None = None  # when the file was last saved, if before today

    def __post_init__(self) -> None:
        self._owner: dict[tuple[int, int], Merge] = {}
        for m in self.merges:
            for r in range(m[0], m[2] + 1):
                for c in range(m[1], m[3] + 1):
                    self._owner[(r, c)] = m

    @property
    def n_rows(self) -> int:
        return len(self.values)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.values), default=0)

    def value(self, r: int, c: int) -> Any:
        if 0 <= r < len(self.values) and 0 <= c < len(self.values[r]):
            return self.values[r][c]
        return None

    def text(self, r: int, c: int) -> str:
        """The cell's text, or that of the merged block it lies in; whitespace squeezed."""
        m = self._owner.get((r, c))
        v = self.value(m[0], m[1]) if m else self.value(r, c)
        return clean_text(v)

    def merge_at(self, r: int, c: int) -> Merge | None:
        return self._owner.get((r, c))

    def block(self, r: int, c: int) -> Merge:
        """The merged block of a cell, or the cell alone."""
        return self._owner.get((r, c), (r, c, r, c))

    def row_texts(self, r: int) -> list[str]:
        """The distinct non-empty texts of a row, a merged block counted once."""
        out, seen = [], set()
        for c in range(self.n_cols):
            key = self.block(r, c)
            if key in seen:
                continue
            seen.add(key)
            if key[0] == r and (t := self.text(r, c)):
                out.append(t)
        return out


def saved_before_today(when: Any) -> dt.date | None:
    """The file's own save date: a better guess at the table's version than today."""
    if isinstance(when, dt.datetime) and when.date() < dt.date.today():
        return when.date()
    return None


def clean_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()[:10]
    return re.sub(r"[ \t\u3000]+", " ", str(v)).strip()


MAX_ROWS, MAX_COLS = 2000, 200
# Older formats circulars still attach: LibreOffice converts them when it is installed.
CONVERTIBLE = (".xls", ".et", ".ods")


def read_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """The sheet named ``sheet``, else the visible sheet that holds the table: the most boxed
    cells (a table is drawn with borders, a 填表说明 sheet is not), then the most filled."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in CONVERTIBLE:
        with tempfile.TemporaryDirectory(prefix="form-from-xlsx-") as tmp:
            return _read_xlsx(_converted(path, Path(tmp)), path.name, sheet)
    if suffix == ".docx":  # the 附件 table inside the circular
        from campaign_ops.forms.docx_table import read_docx_table

        return read_docx_table(path, sheet)
    if suffix in (".doc", ".wps"):  # LibreOffice here has Calc only: no Writer to convert
        raise ValueError(f"{path.name} 是旧版 Word 文档：请用 Word 或 WPS 另存为 .docx 后再试。")
    if suffix not in (".xlsx", ".xlsm"):
        raise ValueError(f"{path.name} 不是 Excel 表格或 Word 文档：请把表格另存为 .xlsx 后再试。")
    return _read_xlsx(path, path.name, sheet)


def _converted(path: Path, tmp: Path) -> Path:
    """``path`` saved as .xlsx by LibreOffice (its own profile, so calls may run together)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise ValueError(f"{path.name} 是旧格式：请用 Excel 或 WPS 另存为 .xlsx 后再试。")
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(tmp),
            str(path.resolve()),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    out = tmp / f"{path.stem}.xlsx"
    if done.returncode != 0 or not out.exists():
        raise ValueError(f"无法转换 {path.name}：请用 Excel 或 WPS 另存为 .xlsx 后再试。")
    return out


def _read_xlsx(path: Path, name: str, wanted: str | None) -> Sheet:
    try:
        formulas_wb = load_workbook(path, data_only=False)
        values_wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ValueError(f"无法打开 {name}（{exc}）：请确认是 Excel 表格。") from None
    best: Sheet | None = None
    score = (-1, -1)
    if wanted is not None and wanted not in formulas_wb.sheetnames:
        known = "、".join(formulas_wb.sheetnames)
        raise ValueError(f"{name} 中没有工作表“{wanted}”（有：{known}）")
    for ws in formulas_wb.worksheets:
        chosen = ws.title == wanted if wanted is not None else ws.sheet_state == "visible"
        if not chosen:
            continue
        sheet = _sheet(ws, values_wb[ws.title])
        filled = sum(1 for row in sheet.values for v in row if clean_text(v))
        if (len(sheet.bordered), filled) > score:
            best, score = sheet, (len(sheet.bordered), filled)
    if best is not None:
        best.saved_on = saved_before_today(formulas_wb.properties.modified)
    if best is None or not score[1]:
        raise ValueError(f"{name} 中没有找到表格内容。")
    return best


def _sheet(ws, ws_values) -> Sheet:
    values: list[list[Any]] = []
    formulas: dict[tuple[int, int], str] = {}
    bordered: set[tuple[int, int]] = set()
    # an attachment table is small; a sheet formatted down to row 1048576 is read in part
    rows = ws.iter_rows(max_row=min(ws.max_row, MAX_ROWS), max_col=min(ws.max_column, MAX_COLS))
    for r, row in enumerate(rows):
        line = []
        for c, cell in enumerate(row):
            v = cell.value
            if isinstance(v, str) and v.startswith("="):
                formulas[(r, c)] = v
                v = ws_values.cell(row=r + 1, column=c + 1).value
            line.append(v)
            b = cell.border
            if b is not None and any(s is not None and s.style for s in (b.left, b.top, b.bottom)):
                bordered.add((r, c))
        values.append(line)
    merges = []
    for rng in ws.merged_cells.ranges:
        c1, r1, c2, r2 = range_boundaries(str(rng))
        merges.append((r1 - 1, c1 - 1, r2 - 1, c2 - 1))
    return Sheet(ws.title, values, formulas, merges, _choices(ws, ws_values.parent), bordered)


def _listed(formula: str, here: str, wb_values) -> tuple[str, ...]:
    """The texts of a cell range named by a validation formula; () when it is not one."""
    sheet, _, ref = formula.lstrip("=").rpartition("!")
    sheet = sheet.strip("'") or here
    if sheet not in wb_values.sheetnames:
        return ()
    try:
        cells = wb_values[sheet][ref.replace("$", "")]
    except (ValueError, KeyError, IndexError):  # a named range or a formula: not read
        return ()
    flat = [c for row in (cells if isinstance(cells, tuple) else ((cells,),)) for c in row]
    return tuple(t for c in flat if (t := clean_text(c.value)))


def _choices(ws, wb_values) -> dict[int, tuple[str, ...]]:
    """Column → the options of a drop-down list: typed into the validation (``"是,否"``) or
    a range of cells, often on a hidden sheet (``选项!$A$1:$A$9``)."""
    out: dict[int, tuple[str, ...]] = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list" or not dv.formula1:
            continue
        if dv.formula1.startswith('"'):
            options = tuple(x.strip() for x in dv.formula1.strip('"').split(",") if x.strip())
        else:
            options = _listed(dv.formula1, ws.title, wb_values)
        if not options:
            continue
        for rng in str(dv.sqref).split():
            c1, _, c2, _ = range_boundaries(rng)
            for c in range(c1 - 1, (c2 or c1)):
                out[c] = options
    return out
