"""The long validation frame of a batch: one row per cell of every table row of every file.

Built through a (table rows × columns) matrix so every rule is a vectorised numpy operation;
flattened row-major, frame position ``k`` is table row ``k // C``, column ``k % C``, which is
how a failure is traced back to its file, row and column (``BatchFrame.locate``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from campaign_ops.forms import checks as K
from campaign_ops.forms.spec import Column, ColumnType, FormSpec, Layout
from campaign_ops.forms.submission import ParsedRow, ParsedSubmission

# the same unit's previous round: its parsed table, a long frame (row_key, column_key, value)
# or row → column → number
Previous = ParsedSubmission | pd.DataFrame | Mapping[str, Mapping[str, float]]
EPOCH = dt.date(1970, 1, 1)


@dataclass
class BatchFrame:
    form: FormSpec
    subs: list[ParsedSubmission]
    rows: list[tuple[int, ParsedRow]]  # table rows: (index into subs, row)
    values: np.ndarray  # (rows, columns) numbers, dates as days since 1970
    texts: np.ndarray  # (rows, columns) text of text/choice cells
    sums: np.ndarray  # (rows, columns) computed 合计 on total rows
    previous: np.ndarray  # (rows, columns) previous round's values
    rule_at: dict[tuple[int, str], str] = field(default_factory=dict)  # (slot, column) → rule id
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)

    def locate(self, position: int) -> tuple[ParsedSubmission, ParsedRow, int]:
        """(submission, table row, column index) of a frame position."""
        i, j = divmod(int(position), len(self.form.columns))
        sub_index, row = self.rows[i]
        return self.subs[sub_index], row, j


def build_frame(
    form: FormSpec,
    subs: Sequence[ParsedSubmission],
    previous: Mapping[str, Previous] | None = None,
) -> BatchFrame:
    """The batch frame of ``subs`` (all of ``form``); ``previous`` maps a submission's
    ``file_key`` to the same unit's previous-round values and enables the cross-round checks."""
    cols = list(form.columns)
    index = {c.key: j for j, c in enumerate(cols)}
    rows = [(si, row) for si, sub in enumerate(subs) for row in sub.rows]
    n, m = len(rows), len(cols)
    kinds = [("n" if c.numeric else "d" if c.type == ColumnType.date else "t") for c in cols]
    values, texts = _cells(rows, cols, kinds)
    bad = np.full((n, m), None, dtype=object)
    for i, (_, row) in enumerate(rows):
        for key, text in row.bad.items():
            bad[i, index[key]] = text
    is_total = np.array([row.is_total for _, row in rows], dtype=bool)
    sub_of = np.array([si for si, _ in rows], dtype=np.int64)
    parent = _parents(form, rows)

    batch = BatchFrame(
        form, list(subs), rows, values, texts, np.full((n, m), np.nan), np.full((n, m), np.nan)
    )
    cell: dict[str, np.ndarray] = {}
    cell[K.BAD] = bad
    required = np.array([c.required for c in cols])[None, :] & ~is_total[:, None]
    filled = ~np.isnan(values) | (texts != None) | (bad != None)  # noqa: E711
    cell[K.FILLED] = np.where(required & ~filled, np.nan, 1.0)
    numeric = np.array([k == "n" for k in kinds])
    if numeric.any():
        low = np.array([c.low if c.numeric and c.low is not None else np.nan for c in cols])
        high = np.array([c.max if c.numeric and c.max is not None else np.nan for c in cols])
        cell[K.MIN] = values - low  # NaN where either is missing: nothing to check
        cell[K.MAX] = high - values
        places = np.array([0 if c.type != ColumnType.decimal else c.decimals for c in cols])
        scaled = np.where(numeric, values, np.nan) * 10.0**places
        off = np.abs(scaled - np.round(scaled)) > 1e-6 * np.maximum(1.0, np.abs(scaled))
        cell[K.PRECISION] = np.where(np.isnan(scaled), np.nan, off.astype(float))
    if any(c.type == ColumnType.choice for c in cols):
        choice = np.full((n, m), None, dtype=object)
        for j, c in enumerate(cols):
            if c.type == ColumnType.choice:
                tag = K.choice_tag(form, c.key)
                choice[:, j] = [None if t is None else tag + t for t in texts[:, j]]
        cell[K.CHOICE] = choice
    if any(c.type == ColumnType.text for c in cols):
        length = np.full((n, m), np.nan)
        limit = np.array([c.max_length if c.type == ColumnType.text else np.nan for c in cols])
        for j, c in enumerate(cols):
            if c.type == ColumnType.text:
                length[:, j] = [np.nan if t is None else len(t) for t in texts[:, j]]
        cell[K.LENGTH] = limit - length
    _rules(batch, index, cell, is_total)
    if form.layout == Layout.fixed and (parent >= 0).any():
        part = np.full((n, m), np.nan)
        has = parent >= 0
        part[has] = np.round(values[parent[has]] - values[has], 6)
        part[:, ~numeric] = np.nan
        cell[K.PART] = part
    if form.total_row and numeric.any():
        cell[K.TOTAL] = _totals(batch, is_total, parent, sub_of, numeric)
    if form.layout == Layout.fixed:
        _cross_round(batch, previous or {}, numeric, cell)
    batch.frame = _flatten(batch, cell)
    return batch


def _parents(form: FormSpec, rows: list[tuple[int, ParsedRow]]) -> np.ndarray:
    """Per table row, the position of the row it is a part of (其中), else -1."""
    part_of = {r.key: r.part_of for r in form.rows if r.part_of}
    if not part_of:
        return np.full(len(rows), -1, dtype=np.int64)
    position = {(si, row.key): i for i, (si, row) in enumerate(rows)}
    return np.array(
        [
            position.get((si, part_of[row.key]), -1) if row.key in part_of else -1
            for si, row in rows
        ],
        dtype=np.int64,
    )


def _cells(
    rows: list[tuple[int, ParsedRow]], cols: list[Column], kinds: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """(numbers — dates as days since 1970 —, texts) of every table row's cells: read once
    into one object matrix and converted a column kind at a time (not cell by cell)."""
    n, m = len(rows), len(cols)
    values = np.full((n, m), np.nan)
    texts = np.full((n, m), None, dtype=object)
    if not n:
        return values, texts
    keys = [c.key for c in cols]
    raw = np.array([list(map(row.values.get, keys)) for _, row in rows], dtype=object)
    numbers = [j for j, kind in enumerate(kinds) if kind == "n"]
    if numbers:
        values[:, numbers] = raw[:, numbers].astype(float)  # None becomes NaN
    for j in (j for j, kind in enumerate(kinds) if kind == "d"):
        values[:, j] = [np.nan if d is None else (d - EPOCH).days for d in raw[:, j]]
    words = [j for j, kind in enumerate(kinds) if kind == "t"]
    if words:
        texts[:, words] = raw[:, words]
    return values, texts


def _rules(batch: BatchFrame, index: dict[str, int], cell: dict[str, np.ndarray], is_total) -> None:
    """Rule slack on every table row but the 合计: the rules are linear, so a total that adds
    up satisfies them whenever its rows do (checking it too would only echo a row's error)."""
    v = batch.values
    used: dict[str, int] = {}
    for rule in batch.form.rules:
        anchor = rule.left if rule.kind == "le" else rule.total
        slot = used[anchor] = used.get(anchor, 0) + 1
        name = K.rule_slot(slot)
        if name not in cell:
            cell[name] = np.full(v.shape, np.nan)
        if rule.kind == "le":
            slack = v[:, index[rule.right]] - v[:, index[rule.left]]
        else:
            gap = v[:, index[rule.total]] - v[:, [index[p] for p in rule.parts]].sum(axis=1)
            slack = gap if rule.kind == "sum_le" else -np.abs(gap)
        cell[name][:, index[anchor]] = np.where(is_total, np.nan, np.round(slack, 6))
        batch.rule_at[(slot, anchor)] = rule.rule_id


def _totals(batch: BatchFrame, is_total, parent, sub_of, numeric) -> np.ndarray:
    v = batch.values
    sums = _sums_per_file(v, ~is_total & (parent < 0), sub_of, len(batch.subs))
    out = np.full(v.shape, np.nan)
    if is_total.any():
        computed = sums[sub_of[is_total]]
        batch.sums[is_total] = computed
        places = np.array(
            [c.decimals if c.type == ColumnType.decimal else 0 for c in batch.form.columns]
        )
        diff = v[is_total] - computed
        out[is_total] = np.round(diff * 10.0**places) / 10.0**places
    out[:, ~numeric] = np.nan
    return out


def _sums_per_file(v: np.ndarray, detail: np.ndarray, sub_of: np.ndarray, files: int) -> np.ndarray:
    """Per file and column, the sum of its ``detail`` rows; NaN where none is filled. A file's
    rows are consecutive, so each file's block is summed in one ``reduceat``."""
    sums = np.full((files, v.shape[1]), np.nan)
    at = np.flatnonzero(detail)
    if not len(at):
        return sums
    files_at = sub_of[at]
    starts = np.flatnonzero(np.r_[True, files_at[1:] != files_at[:-1]])
    filled = ~np.isnan(v[at])
    total = np.add.reduceat(np.where(filled, v[at], 0.0), starts, axis=0)
    total[np.add.reduceat(filled.astype(np.int64), starts, axis=0) == 0] = np.nan
    sums[files_at[starts]] = total
    return sums


def _cross_round(batch: BatchFrame, previous: Mapping[str, Previous], numeric, cell) -> None:
    form = batch.form
    prev = batch.previous
    keys = [c.key for c in form.columns]
    wanted = {sub.file_key: si for si, sub in enumerate(batch.subs) if sub.file_key in previous}
    if wanted:
        where = {(si, row.key): i for i, (si, row) in enumerate(batch.rows)}
        for file_key, si in wanted.items():
            for row_key, line in _previous_values(previous[file_key], keys).items():
                i = where.get((si, row_key))
                if i is None:
                    continue
                for j, k in enumerate(keys):
                    v = line.get(k)
                    if isinstance(v, int | float) and numeric[j]:
                        prev[i, j] = v
    v = batch.values
    cumulative = np.array([c.cumulative for c in form.columns])
    if cumulative.any():
        shrink = np.round(v - prev, 6)
        shrink[:, ~cumulative] = np.nan
        cell[K.SHRINK] = shrink
    factor, floor = form.cross_round.growth_warning_factor, form.cross_round.growth_warning_min
    if factor and numeric.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            cell[K.GROWTH] = np.where((prev > 0) & (v >= floor), v / prev, np.nan)


def _previous_values(prev: Previous, keys: list[str]) -> Mapping[str, Mapping[str, Any]]:
    if isinstance(prev, ParsedSubmission):
        return {r.key: r.values for r in prev.rows}
    if isinstance(prev, Mapping):
        return prev
    out: dict[str, dict[str, Any]] = {}
    for row_key, col_key, value in prev[["row_key", "column_key", "value"]].itertuples(index=False):
        try:
            out.setdefault(row_key, {})[col_key] = float(value)
        except (TypeError, ValueError):
            continue
    return out


def _flatten(batch: BatchFrame, cell: dict[str, np.ndarray]) -> pd.DataFrame:
    """Only the checked columns: which file, row and column a position is comes from
    ``locate``. Carrying them as text columns cost GX a fifth of its run — it hashes the
    whole frame and copies every column for each expectation's domain; for the same reason
    text columns are pandas strings (copied in C), not Python objects."""
    return pd.DataFrame(
        {
            name: pd.array(arr.ravel(), dtype="str")
            if arr.dtype == object
            else np.ascontiguousarray(arr).ravel()
            for name, arr in cell.items()
        }
    )
