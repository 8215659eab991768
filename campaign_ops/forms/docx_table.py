"""An attachment table in a Word document, read as the ``Sheet`` ``form-from-xlsx`` drafts from.

Circulars often carry their 附件 tables in the .docx itself: 附件2 and the title as paragraphs,
a table with merged cells (``gridSpan`` across, ``vMerge`` down), 注 paragraphs under it. The
paragraphs just before the table become rows above it and those after it rows below, so the
same finder (``xlsx_headers``) reads both kinds of file. python-docx reads the document.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from campaign_ops.forms.xlsx_sheet import Merge, Sheet, saved_before_today

# Paragraphs kept around the table: the title block above, the notes below.
ABOVE, BELOW = 6, 12


def read_docx_table(path: Path, which: str | None = None) -> Sheet:
    """The largest table of the document (or table number ``which``, from 1) as a sheet."""
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:  # python-docx is pinned with campaign-ops draft
        raise ValueError("读取 Word 表格需要 python-docx：请把表格另存为 .xlsx 后再试。") from None
    try:
        doc = docx.Document(str(path))
    except Exception as exc:  # a damaged or foreign file
        raise ValueError(f"无法打开 {Path(path).name}（{exc}）：请确认是 Word 文档。") from None
    blocks: list[Any] = []
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, doc).text.strip()
            if text:
                blocks.append(text)
        elif tag == "tbl":
            blocks.append(Table(child, doc))
    tables = [i for i, b in enumerate(blocks) if not isinstance(b, str)]
    if not tables:
        raise ValueError(f"{Path(path).name} 中没有表格。")
    if which is not None:
        if not which.isdigit() or not 1 <= int(which) <= len(tables):
            raise ValueError(f"{Path(path).name} 中没有第 {which} 个表格（共 {len(tables)} 个）")
        at = tables[int(which) - 1]
    else:
        at = max(tables, key=lambda i: len(blocks[i]._tbl.tr_lst) * len(blocks[i].columns))
    before = [b for b in blocks[:at] if isinstance(b, str)]
    after = []
    for b in blocks[at + 1 :]:
        if not isinstance(b, str):
            break
        after.append(b)
    sheet = _sheet(blocks[at], before[-ABOVE:], after[:BELOW])
    sheet.saved_on = saved_before_today(doc.core_properties.modified)
    return sheet


def _sheet(table, above: list[str], below: list[str]) -> Sheet:
    grid, merges = _grid(table)
    width = max((len(r) for r in grid), default=1)
    values: list[list[Any]] = []
    line_merges: list[Merge] = []
    for text in above:
        line_merges.append((len(values), 0, len(values), width - 1))
        values.append([text] + [None] * (width - 1))
    top = len(values)
    values += [row + [None] * (width - len(row)) for row in grid]
    bordered = {(top + r, c) for r in range(len(grid)) for c in range(width)}
    moved = [(r1 + top, c1, r2 + top, c2) for r1, c1, r2, c2 in merges]
    for text in below:
        line_merges.append((len(values), 0, len(values), width - 1))
        values.append([text] + [None] * (width - 1))
    merged = [m for m in moved + line_merges if m[0] != m[2] or m[1] != m[3]]
    return Sheet("Word", values, {}, merged, {}, bordered)


def _grid(table) -> tuple[list[list[Any]], list[Merge]]:
    """Cell values by grid position and the merged blocks, from the table's XML."""
    from docx.table import _Cell

    grid: list[list[Any]] = []
    owner: dict[tuple[int, int], list[int]] = {}
    blocks: list[list[int]] = []
    for r, tr in enumerate(table._tbl.tr_lst):
        row: list[Any] = []
        c = tr.grid_before
        row += [None] * c
        for tc in tr.tc_lst:
            span = tc.grid_span
            row += [None] * span
            if tc.vMerge == "continue" and (r - 1, c) in owner:
                block = owner[(r - 1, c)]
                block[2] = r
            else:
                block = [r, c, r, c + span - 1]
                blocks.append(block)
                row[c] = _value(_Cell(tc, table).text)
            for k in range(c, c + span):
                owner[(r, k)] = block
            c += span
        grid.append(row)
    return grid, [tuple(b) for b in blocks]  # type: ignore[misc]


def _value(text: str) -> Any:
    """A number typed into a Word cell is text: read it as the number a sheet would hold."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.\d+", text):
        return float(text)
    return text or None
