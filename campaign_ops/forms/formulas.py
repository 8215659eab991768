"""A tiny, safe evaluator for formulas saved without a cached value.

Excel and WPS store each formula's last result; files written by scripts (openpyxl, some
exporters) store only the formula. For those we compute the simple arithmetic a statistics
table uses — cell references, ``SUM`` over ranges, ``+ - * /`` and brackets — and nothing
else. No formula is ever handed to ``eval`` and no macro ever runs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from campaign_ops.forms.cleaning import to_number

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|(?P<range>\$?[A-Z]{1,3}\$?\d+:\$?[A-Z]{1,3}\$?\d+)"
    r"|(?P<ref>\$?[A-Z]{1,3}\$?\d+)|(?P<func>SUM)\s*\(|(?P<op>[-+*/(),]))",
    re.I,
)
MAX_DEPTH = 20


class FormulaError(ValueError):
    """The formula uses something this evaluator does not support."""


@lru_cache(maxsize=65536)
def split_ref(ref: str) -> tuple[int, int]:
    """``"C7"`` → (row 7, column 3), 1-based (cached: a template's references recur)."""
    m = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)", ref.upper())
    if not m:
        raise FormulaError(ref)
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return int(m[2]), col


@lru_cache(maxsize=1024)
def column_letter(col: int) -> str:
    """1 → ``A``, 28 → ``AB``."""
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


_A1 = re.compile(r"(?<![A-Za-z0-9_.!])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![A-Za-z0-9_(])")


@lru_cache(maxsize=4096)
def shift(formula: str, rows: int, cols: int) -> str:
    """``formula`` moved by (rows, cols), as Excel reads a shared formula in the cells after
    the first: relative references move, ``$``-anchored parts stay; text in quotes is kept."""

    def move(m: re.Match[str]) -> str:
        col_abs, letters, row_abs, row = m.groups()
        col = split_ref(f"{letters}1")[1]
        new_col = col if col_abs else col + cols
        new_row = int(row) if row_abs else int(row) + rows
        if new_col < 1 or new_row < 1:
            raise FormulaError(formula)
        return f"{col_abs}{column_letter(new_col)}{row_abs}{new_row}"

    parts = formula.split('"')
    parts[::2] = [_A1.sub(move, part) for part in parts[::2]]
    return '"'.join(parts)


@lru_cache(maxsize=4096)
def tokenize(formula: str) -> tuple[tuple[str, str], ...]:
    text = formula.lstrip("=").strip()
    pos, out = 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FormulaError(formula)
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return tuple(out)


def evaluate(formula: str, lookup: Callable[[int, int, int], Any], depth: int = 0) -> float:
    """Value of ``formula``; ``lookup(row, col, depth)`` returns a cell's value (1-based)."""
    if depth > MAX_DEPTH:
        raise FormulaError("公式引用层次过深")
    tokens = tokenize(formula)
    pos = 0

    def cell(ref: str) -> float:
        r, c = split_ref(ref)
        value, _ = to_number(lookup(r, c, depth + 1))
        return value or 0.0

    def cells(rng: str) -> float:
        a, b = rng.split(":")
        (r1, c1), (r2, c2) = split_ref(a), split_ref(b)
        if (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1) > 100_000:
            raise FormulaError("求和范围过大")
        total = 0.0
        for r in range(min(r1, r2), max(r1, r2) + 1):
            for c in range(min(c1, c2), max(c1, c2) + 1):
                value, _ = to_number(lookup(r, c, depth + 1))
                total += value or 0.0
        return total

    def peek() -> tuple[str, str] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        if pos >= len(tokens):
            raise FormulaError(formula)
        pos += 1
        return tokens[pos - 1]

    def expr() -> float:
        value = term()
        while (t := peek()) and t[1] in "+-":
            take()
            value = value + term() if t[1] == "+" else value - term()
        return value

    def term() -> float:
        value = factor()
        while (t := peek()) and t[1] in "*/":
            take()
            rhs = factor()
            if t[1] == "/" and rhs == 0:
                raise FormulaError("除数为 0")
            value = value * rhs if t[1] == "*" else value / rhs
        return value

    def factor() -> float:
        kind, text = take()
        if kind == "op" and text in "+-":
            return factor() if text == "+" else -factor()
        if kind == "num":
            return float(text)
        if kind == "ref":
            return cell(text)
        if kind == "op" and text == "(":
            value = expr()
            if take()[1] != ")":
                raise FormulaError(formula)
            return value
        if kind == "func":
            total = 0.0
            while True:
                t = peek()
                if t and t[0] == "range":
                    take()
                    total += cells(t[1])
                else:
                    total += expr()
                sep = take()[1]
                if sep == ")":
                    return total
                if sep != ",":
                    raise FormulaError(formula)
        raise FormulaError(formula)

    result = expr()
    if pos != len(tokens) or math.isnan(result):
        raise FormulaError(formula)
    return result
