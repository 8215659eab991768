"""One DataFrame for a batch of submissions of the same form, with the derived columns the
suite checks (see ``checks``). A row of the frame is a table row of one file; ``__file`` and
``__row`` tie every failure back to its file and row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from campaign_ops.forms.checks import (
    FILE,
    LABEL,
    PARENT,
    ROW,
    TOTAL_FLAG,
    bad_col,
    frac_col,
    growth_col,
    part_col,
    prev_col,
    rule_col,
    shrink_col,
    total_col,
)
from campaign_ops.forms.spec import ColumnType, FormSpec, Layout
from campaign_ops.forms.submission import ParsedSubmission

Previous = ParsedSubmission | pd.DataFrame


def build_frame(
    form: FormSpec,
    subs: Sequence[ParsedSubmission],
    previous: Mapping[str, Previous] | None = None,
) -> pd.DataFrame:
    """The validation frame of ``subs`` (all of ``form``), with previous-round values merged in
    when ``previous`` maps a submission's ``file_key`` to the same unit's previous round."""
    parents = {r.key: r.part_of for r in form.rows if r.part_of}
    cols: dict[str, list[Any]] = {FILE: [], ROW: [], LABEL: [], TOTAL_FLAG: [], PARENT: []}
    keys = [c.key for c in form.columns]
    for k in keys:
        cols[k] = []
        cols[bad_col(k)] = []
    for sub in subs:
        for row in sub.rows:
            cols[FILE].append(sub.file_key)
            cols[ROW].append(row.key)
            cols[LABEL].append(row.label)
            cols[TOTAL_FLAG].append(row.is_total)
            cols[PARENT].append(parents.get(row.key))
            values, bad = row.values, row.bad
            for k in keys:
                cols[k].append(values.get(k))
                cols[bad_col(k)].append(bad.get(k))
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})
    frame[TOTAL_FLAG] = frame[TOTAL_FLAG].astype(bool)
    for col in form.columns:
        if col.numeric:
            frame[col.key] = pd.to_numeric(frame[col.key], errors="coerce").astype(float)
        elif col.type == ColumnType.date:
            frame[col.key] = pd.to_datetime(frame[col.key], errors="coerce")
    _precision(form, frame)
    _rules(form, frame)
    if form.layout == Layout.fixed and parents:
        _part_of(form, frame)
    if form.total_row:
        _totals(form, frame)
    if form.layout == Layout.fixed:
        _cross_round(form, frame, previous or {})
    return frame


def _precision(form: FormSpec, frame: pd.DataFrame) -> None:
    for col in form.numeric_columns:
        places = 0 if col.type == ColumnType.integer else col.decimals
        v = frame[col.key].to_numpy(dtype=float) * 10.0**places
        off = np.abs(v - np.round(v)) > 1e-6 * np.maximum(1.0, np.abs(v))
        frame[frac_col(col.key)] = np.where(np.isnan(v), np.nan, off.astype(float))


def _rules(form: FormSpec, frame: pd.DataFrame) -> None:
    for rule in form.rules:
        if rule.kind == "le":
            continue
        parts = frame[list(rule.parts)].sum(axis=1, skipna=False)
        frame[rule_col(rule.rule_id)] = (frame[rule.total] - parts).round(6)


def _values_of(frame: pd.DataFrame, rows: pd.Series, key: str) -> np.ndarray:
    """Values of column ``key`` at (same file, row ``rows``) for every frame row."""
    lookup = frame.set_index([FILE, ROW])[key]
    lookup = lookup[~lookup.index.duplicated()]
    where = pd.MultiIndex.from_arrays([frame[FILE], rows])
    return lookup.reindex(where).to_numpy(dtype=float)


def _part_of(form: FormSpec, frame: pd.DataFrame) -> None:
    for col in form.numeric_columns:
        parent = _values_of(frame, frame[PARENT], col.key)
        frame[part_col(col.key)] = (parent - frame[col.key].to_numpy(dtype=float)).round(6)


def _totals(form: FormSpec, frame: pd.DataFrame) -> None:
    detail = ~frame[TOTAL_FLAG] & frame[PARENT].isna()
    numeric = [c.key for c in form.numeric_columns]
    sums = frame.loc[detail, [FILE, *numeric]].groupby(FILE).sum(min_count=1)
    is_total = frame[TOTAL_FLAG].to_numpy()
    for key in numeric:
        computed = sums[key].reindex(frame[FILE]).to_numpy(dtype=float)
        reported = frame[key].to_numpy(dtype=float)
        diff = np.where(is_total, np.round(reported - computed, 6), np.nan)
        frame[total_col(key)] = diff
        # a blank 合计 is not an error: it is taken as the sum of the rows
        frame[f"{key}__sum"] = np.where(is_total, computed, np.nan)


def _cross_round(form: FormSpec, frame: pd.DataFrame, previous: Mapping[str, Previous]) -> None:
    numeric = [c.key for c in form.numeric_columns]
    prev = _previous_frame(form, previous, numeric)
    where = pd.MultiIndex.from_arrays([frame[FILE], frame[ROW]])
    floor = form.cross_round.growth_warning_min
    factor = form.cross_round.growth_warning_factor
    for col in form.numeric_columns:
        before = prev[col.key].reindex(where).to_numpy(dtype=float) if len(prev) else np.full(len(frame), np.nan)
        now = frame[col.key].to_numpy(dtype=float)
        frame[prev_col(col.key)] = before
        if col.cumulative:
            frame[shrink_col(col.key)] = np.round(now - before, 6)
        if factor:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where((before > 0) & (now >= floor), now / before, np.nan)
            frame[growth_col(col.key)] = ratio


def _previous_frame(form: FormSpec, previous: Mapping[str, Previous], numeric: list[str]) -> pd.DataFrame:
    """Previous-round values indexed by (current file key, row key)."""
    parts = []
    for file_key, prev in previous.items():
        if isinstance(prev, ParsedSubmission):
            data = pd.DataFrame(
                [[r.key, *(r.values.get(k) for k in numeric)] for r in prev.rows],
                columns=[ROW, *numeric],
            )
        else:  # long form from the warehouse: row_key, column_key, value
            data = prev.pivot_table(index="row_key", columns="column_key", values="value", aggfunc="last")
            data = data.reindex(columns=numeric).reset_index().rename(columns={"row_key": ROW})
        data[FILE] = file_key
        parts.append(data)
    if not parts:
        return pd.DataFrame(columns=numeric, index=pd.MultiIndex.from_arrays([[], []], names=[FILE, ROW]))
    out = pd.concat(parts, ignore_index=True)
    for k in numeric:
        out[k] = pd.to_numeric(out[k], errors="coerce")
    out = out.drop_duplicates([FILE, ROW], keep="last")
    return out.set_index([FILE, ROW])[numeric]
