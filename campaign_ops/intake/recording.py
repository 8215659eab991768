"""Recording a scan's files: validating each group's tables in one Great Expectations run,
then writing every file's facts, submission, figures, findings and outcome in one transaction
(halved down to the file at fault when one cannot be stored), and what the unit is told."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from campaign_ops.campaign import Campaign
from campaign_ops.intake.sources import Source
from campaign_ops.intake.work import FileOutcome, Work
from campaign_ops.store.intake_log import Outcome

if TYPE_CHECKING:
    from campaign_ops.forms.findings import FileResult, Finding
    from campaign_ops.forms.submission import ParsedSubmission

log = logging.getLogger(__name__)


def validate(campaign: Campaign, works: list[Work], previous: bool = True) -> None:
    """One Great Expectations run per form for the whole batch, with each unit's previous
    round merged in for the cross-round rules (``previous``: read from the warehouse)."""
    tables = [w for w in works if w.parsed is not None or w.refusal is not None]
    if not tables:
        return
    from campaign_ops.forms.validate import validate_batch

    items = [w.parsed if w.parsed is not None else w.refusal for w in tables]
    before = _previous_values(campaign, tables) if previous else {}
    results = validate_batch(items, previous=before)
    for work, result in zip(tables, results, strict=True):
        work.result = result


def _previous_values(campaign: Campaign, works: list[Work]) -> dict[str, Any]:
    """``file_key`` → the unit's accepted figures of the previous comparable round (row →
    column → number), for the cross-round checks: one query per round and form, not one per
    file, which cost a province's round minutes."""
    from campaign_ops.store import accepted_numbers, session_scope

    comparing: dict[tuple[str, str], list[Work]] = defaultdict(list)
    for w in works:
        if w.parsed is None or w.round is None or w.unit is None:
            continue
        prev = campaign.previous_comparable_round(w.round, w.deliverable)
        if prev is not None:
            comparing[(prev.id, w.deliverable)].append(w)
    out: dict[str, Any] = {}
    if not comparing:
        return out
    with session_scope() as session:
        for (round_id, form), group in comparing.items():
            units = {w.unit.code for w in group}
            numbers = accepted_numbers(session, campaign.id, round_id, form, units)
            for w in group:
                if w.unit.code in numbers:
                    out[w.parsed.file_key] = numbers[w.unit.code]
    return out


def store_all(
    campaign: Campaign,
    source: Source,
    works: list[Work],
    now: dt.datetime,
    failed: list[str],
) -> list[FileOutcome]:
    """Write these files' facts and outcomes in a few set-based statements, in one
    transaction. If that fails, the files are split in halves, each in a savepoint of its own,
    down to the file at fault: that file is left out (its path added to ``failed``) and the
    others are kept; the task then fails so that Airflow retries it, and the retry skips what
    was stored."""
    from campaign_ops.store import session_scope

    outcomes: list[FileOutcome] = []
    with session_scope() as session:
        _store_halving(session, campaign, source, works, now, outcomes, failed)
    return outcomes


def _store_halving(
    session,
    campaign: Campaign,
    source: Source,
    works: list[Work],
    now: dt.datetime,
    outcomes: list[FileOutcome],
    failed: list[str],
) -> None:
    import sqlalchemy as sa

    if not works:
        return
    try:
        with session.begin_nested():
            stored = _store(session, campaign, source, works, now)
    except (sa.exc.OperationalError, sa.exc.InterfaceError):
        raise  # the database itself is unwell: no file is at fault, let the task retry
    except Exception:
        if len(works) == 1:
            log.exception("保存 %s 的处理结果失败，将在重试时再处理", works[0].entry.path)
            failed.append(works[0].entry.path)
            return
        half = len(works) // 2
        for part in (works[:half], works[half:]):  # arrival order is kept: versions follow it
            _store_halving(session, campaign, source, part, now, outcomes, failed)
        return
    outcomes.extend(stored)


def _store(
    session, campaign: Campaign, source: Source, works: list[Work], now: dt.datetime
) -> list[FileOutcome]:
    """Write these files' facts, their submissions (next versions, accepted or rejected),
    values and findings, and every file's outcome."""
    from campaign_ops.store import log_outcomes, record_files

    record_files(
        session,
        [
            {
                "sha256": w.sha256,
                "source": source.name,
                "path": w.entry.path,
                "size": w.entry.size,
                "mtime": w.entry.mtime,
            }
            for w in works
            if w.sha256  # a file refused unread for its size has no archived content
        ],
        seen_at=now,
    )
    fresh = [w for w in works if w.outcome is None]
    decided = dict(zip(map(id, fresh), _store_submissions(session, campaign, fresh), strict=True))
    outcomes = [w.outcome or decided[id(w)] for w in works]
    log_outcomes(
        session,
        [
            {
                "campaign_id": campaign.id,
                "source": source.name,
                "path": o.path,
                "size": w.entry.size,
                "mtime": w.entry.mtime,
                "outcome": o.outcome,
                "sha256": w.sha256 if o.outcome != Outcome.not_ready else "",
                "unit_code": o.unit,
                "round_id": o.round,
                "submission_id": o.submission_id,
                "message": o.message,
            }
            for w, o in zip(works, outcomes, strict=True)
        ],
        seen_at=now,
    )
    return outcomes


def _store_submissions(session, campaign: Campaign, works: list[Work]) -> list[FileOutcome]:
    """Record each file as the next version of its unit's deliverable, accepted or rejected:
    a document as it is, a table by its validation result."""
    from campaign_ops.store import record_all_findings, record_versions, store_all_values
    from campaign_ops.store.submissions import NewVersion

    verdicts = [verdict(campaign, w) for w in works]
    recorded = record_versions(
        session,
        campaign.id,
        [
            NewVersion(
                round_id=w.round.id,
                unit_code=w.unit.code,
                deliverable_key=w.deliverable,
                sha256=w.sha256,
                received_at=w.received_at,
                identified_by=w.identified_by,
                status=v.outcome,
                rejection_summary=v.message if v.outcome == Outcome.rejected else None,
                round_basis=w.round_choice.basis,
                round_candidates=w.round_choice.candidates,
            )
            for w, v in zip(works, verdicts, strict=True)
        ],
    )
    values: dict[int, list] = {}
    findings: dict[int, list] = {}
    for work, told, rec in zip(works, verdicts, recorded, strict=True):
        sub = rec.submission
        told.version, told.on_time, told.submission_id = sub.version, sub.on_time, sub.id
        if not rec.created or work.result is None:
            continue
        findings[sub.id] = _findings_to_store(work.result)
        if told.outcome == Outcome.accepted:
            values[sub.id] = [
                (row.key, col, v)
                for row in work.parsed.rows
                for col, v in row.values.items()
                if v is not None
            ]
    record_all_findings(session, findings)
    store_all_values(session, values)
    return verdicts


def verdict(campaign: Campaign, work: Work) -> FileOutcome:
    """What the unit is told about a file that becomes a submission."""
    outcome = FileOutcome(
        work.entry.path,
        Outcome.accepted.value,
        "",
        sha256=work.sha256,
        unit=work.unit.code,
        round=work.round.id,
        deliverable=work.deliverable,
        received_at=work.received_at.isoformat(),
    )
    result = work.result
    if result is None:  # a document: checked for type and size only
        outcome.message = f"已收到“{work.deliverable_label()}”。"
        return outcome
    outcome.errors = [f.to_dict() for f in result.errors]
    outcome.warnings = [f.to_dict() for f in result.warnings]
    if result.status == "accepted":
        outcome.figures = _key_figures(work.parsed)
        outcome.message = f"《{result.form_title}》已通过校验并入库。"
        if campaign.review.applies(work.deliverable or ""):
            outcome.message = f"《{result.form_title}》已通过校验，{awaiting_review_note()}"
        return outcome
    outcome.outcome = Outcome.rejected.value
    outcome.message = result.refusal_message or (
        f"《{result.form_title}》有 {len(result.errors)} 处错误，请修改后重新报送。"
    )
    return outcome


def awaiting_review_note() -> str:
    """What a unit is told of a table that now waits for the bureau's review (review policy):
    it does not count yet, and a return would come as its own mail."""
    from campaign_ops.vocabulary import MAIL_KIND_LABELS, REVIEW_DECISION_LABELS

    return (
        f"正在等待市局审核：审核{REVIEW_DECISION_LABELS['approve']}后计入汇总；"
        f"需要修改的，市局会另发“{MAIL_KIND_LABELS['returned']}”写明理由。"
    )


def _findings_to_store(result: FileResult) -> list[dict[str, Any]]:
    if result.status == "refused":
        return [
            {"severity": "error", "code": result.refusal_code, "message": result.refusal_message}
        ]
    return [_store_finding(f) for f in (*result.errors, *result.warnings)]


def _store_finding(f: Finding) -> dict[str, Any]:
    return {
        "severity": f.severity,
        "code": f.code,
        "message": f.message,
        "sheet": f.sheet,
        "row_label": f.row_label,
        "column_label": f.column_label,
        "value_found": f.value,
        "expected": f.expected,
    }


def _key_figures(parsed: ParsedSubmission) -> dict[str, float]:
    """The 合计 row (or column sums) of an accepted table, for the receipt."""
    total = parsed.total
    rows = [total] if total is not None else parsed.data_rows
    figures: dict[str, float] = {}
    for col in parsed.form.columns:
        values = [r.values.get(col.key) for r in rows]
        numbers = [v for v in values if isinstance(v, int | float)]
        if numbers:
            figures[col.label] = float(sum(numbers))
    return figures
