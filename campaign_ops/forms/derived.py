"""Cells the table computes itself (its formulas) are derived, never what the unit typed.

Units paste numbers from WPS or Word and they arrive as text; we read those as numbers, but
Excel, WPS and Calc leave them out of a ``SUM``, so the template's 合计 formula saves a smaller
number than its rows hold. Blaming the unit for that 合计 would ask them to fix a cell they
cannot type into. So every formula cell of the table is worked out again from the cleaned
values (the same ones the checks and the warehouse see), and where the file saved something
else the unit gets a warning naming the cells typed as text. A 合计 typed by hand is input
and is still checked against its rows.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from campaign_ops.forms.cleaning import display, to_number
from campaign_ops.forms.findings import Finding
from campaign_ops.forms.formulas import FormulaError, column_letter, evaluate
from campaign_ops.forms.reader import sum_range
from campaign_ops.forms.spec import ColumnType

if TYPE_CHECKING:
    from campaign_ops.forms.locate import TableMatch
    from campaign_ops.forms.submission import ParsedRow, ParsedSubmission

Cell = tuple[int, int]  # (row, column), 1-based


def recompute_derived(sub: ParsedSubmission, match: TableMatch) -> list[Finding]:
    """Put the recomputed value into every formula cell of ``sub``'s table; return one
    warning per table row whose saved formula results differ from the recomputed ones."""
    grid = match.grid
    derived = grid.derived
    if not derived:
        return []
    spec = sub.form
    numeric = {c: key for key, c in match.columns.items() if spec.columns_by_key[key].numeric}
    rows = {row.excel_row: row for row in sub.rows if row.excel_row is not None}
    done: dict[Cell, float | None] = {}
    texts_of: dict[Cell, set[Cell]] = {}
    stack: list[set[Cell]] = []

    def in_table(r: int, c: int) -> tuple[ParsedRow, str] | None:
        row, key = rows.get(r), numeric.get(c)
        return (row, key) if row is not None and key is not None else None

    def value(cell: Cell, depth: int) -> float | None:
        if cell not in done:
            done[cell] = None  # a formula that reaches itself counts it as blank
            stack.append(set())
            formula = derived[cell].formula
            if (cells := sum_range(formula)) is not None:  # the common 合计, kept cheap
                done[cell] = _sum(cells, lookup, depth)
            else:
                with suppress(FormulaError, RecursionError, ZeroDivisionError):
                    done[cell] = evaluate(formula, lookup, depth)
            texts_of[cell] = stack.pop()
        if stack:
            stack[-1] |= texts_of.get(cell, set())
        return done[cell]

    def lookup(r: int, c: int, depth: int) -> Any:
        at = in_table(r, c)
        if at is not None and (r, c) in derived:
            return value((r, c), depth)
        raw = grid.get(r, c)
        if at is not None:
            row, key = at
            cleaned = row.values.get(key)
            if raw.__class__ is str and cleaned is not None and key not in row.bad:
                stack[-1].add((r, c))
            return cleaned
        if raw.__class__ is str and to_number(raw)[0] is not None:
            stack[-1].add((r, c))
        return raw

    changed: dict[int, list[tuple[Cell, Any, float]]] = defaultdict(list)
    for cell in sorted(derived):
        at = in_table(*cell)
        if at is None:
            continue
        new = value(cell, 0)
        if new is None:
            continue  # beyond our evaluator: what the file holds stands
        row, key = at
        new = _as_column(new, spec.columns_by_key[key].type)
        row.values[key] = new
        row.bad.pop(key, None)
        saved = derived[cell].saved
        if saved is not None and not _same(saved, new):
            changed[cell[0]].append((cell, saved, new))
    return [_warning(sub, rows[r], found, match, texts_of) for r, found in changed.items()]


def _sum(cells: tuple[range, range], lookup, depth: int) -> float:
    rows, cols = cells
    total = 0.0
    for r in rows:
        for c in cols:
            v = lookup(r, c, depth + 1)
            if v.__class__ is int or v.__class__ is float:
                total += v
            elif v is not None and v != "":
                total += to_number(v)[0] or 0.0
    return total


def _as_column(value: float, kind: ColumnType) -> int | float:
    """As the parser stores a typed number: whole numbers of integer columns as ints."""
    value = round(value, 10)
    if kind is ColumnType.integer and value.is_integer():
        return int(value)
    return value


def _same(saved: Any, new: float) -> bool:
    number, _ = to_number(saved)
    return number is not None and abs(number - new) <= 1e-9 * max(1.0, abs(new))


def _ref(cell: Cell) -> str:
    return f"{column_letter(cell[1])}{cell[0]}"


def _warning(
    sub: ParsedSubmission,
    row: ParsedRow,
    found: list[tuple[Cell, Any, float]],
    match: TableMatch,
    texts_of: dict[Cell, set[Cell]],
) -> Finding:
    refs = "、".join(_ref(cell) for cell, _, _ in found)
    if len(found) == 1:
        (_, saved, new), *_ = found
        was, now = display(saved), display(float(new))
    else:
        was = "、".join(f"{_ref(cell)} 为 {display(saved)}" for cell, saved, _ in found)
        now = "、".join(f"{_ref(cell)} 为 {display(float(new))}" for cell, _, new in found)
    texts = set().union(*(texts_of.get(cell, set()) for cell, _, _ in found))
    by_col = {c: key for key, c in match.columns.items()}
    labels = [sub.form.columns_by_key[by_col[cell[1]]].label for cell, _, _ in found]
    message = (
        f"{refs} 是表格自动计算的公式，文件中保存的结果是 {was}，按各单元格的数字重新计算应为"
        f" {now}。系统已按重新计算的数读取，这一处不影响接收，不必为此重新报送。"
    )
    if texts:
        listed = "、".join(_ref(cell) for cell in sorted(texts, key=lambda x: (x[1], x[0])))
        message += (
            f"原因：{listed} 是文本格式的数字，Excel、WPS 求和时不计入文本。"
            "请把这些单元格改为数字格式（选中后点旁边的提示图标，选“转换为数字”），"
            "表中的合计才会正确。"
        )
    else:
        message += "原因：文件中的公式结果没有随数字更新，今后请在保存前按 F9 重新计算。"
    return Finding(
        severity="warning",
        code="recomputed",
        message=message,
        file=sub.file_name,
        sheet=sub.sheet,
        row_label=row.label,
        column_label="、".join(labels) if len(labels) <= 3 else None,
        cell=refs,
        value=was,
        expected=f"按各单元格的数字计算：{now}",
        row_key=row.key,
        column_key=by_col[found[0][0][1]] if len(found) == 1 else None,
    )
