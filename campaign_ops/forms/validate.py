"""Validate a batch of parsed submissions with the forms' GX suites, file by file in result.

All submissions of one form are concatenated into one long frame (``frame``), and the frames
of all forms into one GX run with their suites merged (``gxrun.run_groups``): GX's cost is
per expectation and run whatever the size, so one run per batch instead of one per file or
form. Each failure comes back as a frame position, which names its form, file,
table row and column; ``_finding`` words it in Chinese.

Parser notes (missing rows, extra rows, hidden sheet, old template version, macros) are
carried into the same result, so a unit sees one report per file.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from campaign_ops.forms import checks as K
from campaign_ops.forms.checks import Check, checks_for
from campaign_ops.forms.cleaning import display
from campaign_ops.forms.findings import FileResult, Finding
from campaign_ops.forms.frame import EPOCH, BatchFrame, Previous, build_frame
from campaign_ops.forms.spec import ColumnType
from campaign_ops.forms.submission import ParsedRow, ParsedSubmission, Refusal
from campaign_ops.forms.text import column_requirement, rule_text


def validate_batch(
    items: Sequence[ParsedSubmission | Refusal],
    previous: Mapping[str, Previous] | None = None,
) -> list[FileResult]:
    """One ``FileResult`` per item, in order: accepted, rejected (errors) or refused.

    ``previous`` maps a submission's ``file_key`` to the same unit's previous-round values
    (a ``ParsedSubmission``, a long DataFrame with row_key, column_key, value, or row →
    column → number) and turns on the cross-round checks of fixed-row forms (cumulative
    figures may not shrink; a value 10× its previous round is a warning). The caller decides
    which round is "previous", e.g. not across a campaign's yearly reset.
    """
    results: list[FileResult] = []
    by_form: dict[str, list[tuple[ParsedSubmission, FileResult]]] = defaultdict(list)
    for item in items:
        if isinstance(item, Refusal):
            results.append(refused(item))
            continue
        res = FileResult(
            file=item.file_name,
            file_key=item.file_key,
            form_id=item.form.id,
            form_title=item.form.title,
            reporting_unit=item.reporting_unit,
            identity=item.identity.__dict__ if item.identity else None,
        )
        for note in item.notes:
            res.add(note)
        results.append(res)
        by_form[item.form.id].append((item, res))
    _validate_frames([_frame(pairs, previous or {}) for pairs in by_form.values()])
    return [r.set_status() for r in results]


def refused(refusal: Refusal) -> FileResult:
    name = refusal.file.replace("\\", "/").rsplit("/", 1)[-1] if refusal.file else ""
    return FileResult(
        file=name,
        file_key=refusal.file or "",
        status="refused",
        refusal_code=refusal.code,
        refusal_message=refusal.message,
        retry_later=refusal.retry_later,
    )


def _frame(
    pairs: list[tuple[ParsedSubmission, FileResult]], previous: Mapping[str, Previous]
) -> tuple[BatchFrame, dict[str, FileResult]]:
    subs = [s for s, _ in pairs]
    keys = {s.file_key for s in subs}
    batch = build_frame(subs[0].form, subs, {k: v for k, v in previous.items() if k in keys})
    return batch, {s.file_key: r for s, r in pairs}


def _validate_frames(batches: list[tuple[BatchFrame, dict[str, FileResult]]]) -> None:
    """One GX run over the frames of every form (concatenated), failures sent back to each."""
    from campaign_ops.forms.gxrun import run_groups, run_suite

    batches = [b for b in batches if not b[0].frame.empty]
    by_form = {batch.form.id: (batch, results) for batch, results in batches}
    for forms in run_groups([batch.form for batch, _ in batches]):
        group = [by_form[form.id] for form in forms]
        frames = [batch.frame for batch, _ in group]
        starts = np.cumsum([0] + [len(f) for f in frames[:-1]])
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        for meta, positions in run_suite(forms, frame):
            at = np.asarray(positions, dtype=np.int64)
            which = np.searchsorted(starts, at, side="right") - 1
            for g, (batch, results) in enumerate(group):
                mine = at[which == g] - starts[g]
                if len(mine):
                    _attribute(batch, results, [(meta, mine)])


def _attribute(batch: BatchFrame, results: dict[str, FileResult], failed) -> None:
    """Turn failed expectations into findings on the right file, row and column."""
    checks = {c.id: c for c in checks_for(batch.form)}
    skip = _suppressed(batch.subs)
    for meta, positions in failed:
        check = checks.get(meta.get("check", ""))
        if check is None:
            continue
        for k in positions:
            sub, row, j = batch.locate(k)
            col = batch.form.columns[j]
            if (sub.file_key, row.key) in skip or (sub.file_key, col.key) in skip:
                continue
            results[sub.file_key].add(_finding(batch, check, sub, row, j, int(k)))


def _suppressed(subs: Sequence[ParsedSubmission]) -> set[tuple[str, str]]:
    """Rows and columns the parser already reported missing: no cell findings on them."""
    out = set()
    for sub in subs:
        for note in sub.notes:
            if note.code == "missing_row" and note.row_key:
                out.add((sub.file_key, note.row_key))
            if note.code == "missing_column" and note.column_key:
                out.add((sub.file_key, note.column_key))
    return out


def _shown(batch: BatchFrame, i: int, j: int) -> str:
    """A cell's value as the unit typed it (dates back from day numbers)."""
    col = batch.form.columns[j]
    if col.type == ColumnType.date:
        v = batch.values[i, j]
        return display(None if np.isnan(v) else EPOCH + dt.timedelta(days=int(v)))
    if col.numeric:
        v = batch.values[i, j]
        return display(None if np.isnan(v) else float(v))
    return display(batch.texts[i, j])


def _finding(
    batch: BatchFrame, check: Check, sub: ParsedSubmission, row: ParsedRow, j: int, k: int
) -> Finding:
    form = batch.form
    col = form.columns[j]
    i = k // len(form.columns)
    found = _shown(batch, i, j)
    label, expected, kind = col.label, column_requirement(col), check.kind
    frame = batch.frame
    if kind == "readable":
        found = str(frame[K.BAD].iat[k])
        expected = _short(expected)
        message = f"填写的“{found}”无法识别，应为{expected}。"
    elif kind == "required":
        expected = f"必须填写：{_short(expected)}" + ("；没有的填 0" if col.numeric else "")
        message = "未填写。" + ("没有的请填 0（空白不等于 0）。" if col.numeric else "此栏必填。")
    elif kind in ("min", "max", "precision"):
        expected = _short(expected)
        message = f"{found} 不符合要求，应为{expected}。"
    elif kind == "choice":
        expected = "下拉列表中的一项：" + "、".join(col.choices)
        message = f"“{found}”不是可选的值，请从下拉列表中选择。"
    elif kind == "length":
        message = f"内容过长（{len(found)} 字），应不超过 {col.max_length} 字。"
    elif kind == "rule":
        slot = int(check.id.rsplit(".", 1)[1])
        rule = next(r for r in form.rules if r.rule_id == batch.rule_at[(slot, col.key)])
        involved = list(rule.columns)
        idx = [form.columns.index(form.columns_by_key[x]) for x in involved]
        found = "，".join(f"{form.columns[x].label} {_shown(batch, i, x)}" for x in idx)
        label = "、".join(form.columns[x].label for x in idx)
        expected = rule_text(form, rule)
        message = f"{expected}，请核对这几栏。"
    elif kind == "part_of":
        parent = form.rows_by_key[form.rows_by_key[row.key].part_of]
        p = frame[K.PART].iat[k] + batch.values[i, j]
        expected = f"不大于“{parent.label}”行的{col.label}"
        message = (
            f"{found} 大于所属行“{parent.label}”的 {display(float(p))}。"
            "“其中”不能大于总数，请核对。"
        )
    elif kind == "total":
        computed = display(float(batch.sums[i, j]))
        expected = f"等于各行之和 {computed}"
        message = f"合计填的是 {found}，但各行之和是 {computed}。请核对合计或各行数字。"
    elif kind == "shrink":
        before = display(float(batch.previous[i, j]))
        expected = f"不小于上一轮报送的 {before}（累计数不会减少）"
        message = (
            f"本轮 {found} 比上一轮报送的 {before} 少。{col.label}是累计数，不能减少，请核对。"
        )
        found = f"{found}（上一轮 {before}）"
    elif kind == "growth":
        before = display(float(batch.previous[i, j]))
        ratio = frame[K.GROWTH].iat[k]
        expected = check.expected
        message = (
            f"本轮 {found} 是上一轮 {before} 的 {ratio:.0f} 倍，请核实是否多填了位数或用错了单位"
            "（提醒，不影响接收）。"
        )
        found = f"{found}（上一轮 {before}）"
    else:
        message = f"不符合要求：{check.expected}。"
    return Finding(
        severity=check.severity,
        code=kind,
        message=message,
        file=sub.file_name,
        sheet=sub.sheet,
        row_label=row.label,
        column_label=label,
        cell=row.cells.get(col.key),
        value=found,
        expected=expected,
        row_key=row.key,
        column_key=col.key,
        check=check.id,
    )


def _short(requirement: str) -> str:
    """``必填；0～100 的整数，单位：件；…`` → ``0～100 的整数，单位：件``."""
    parts = requirement.split("；")
    return parts[1] if len(parts) > 1 else requirement
