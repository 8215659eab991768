"""Ops move a delivery to the round it belongs to: the one decision intake may get wrong.

A narrative without a date in its name is counted for the earliest round that still needed it
(``intake.routing``); when several rounds could have taken it, ops confirm or correct that
with ``campaign-ops assign``. Moving keeps every version: the delivery becomes the newest
version of its new slot, the slot it left gets back its previous accepted version, and the
decision is written to ``audit_events`` with who, when and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.store.models import (
    AuditEvent,
    RoundBasis,
    RoundRow,
    Submission,
    SubmissionStatus,
    utcnow,
)

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign

ASSIGN_ROUND = "assign_round"


@dataclass(frozen=True)
class Assignment:
    submission: Submission
    previous_round: str
    moved: bool  # False: it was already there (confirmed, or nothing to do)
    audit_id: int | None  # None: nothing changed (a repeated command)


def rounds_to_confirm(session: Session, campaign_id: str) -> list[Submission]:
    """Deliveries counted for the earliest of several rounds that could take them, not yet
    confirmed by ops: the board's 需要处理 and the digest list them."""
    return list(
        session.scalars(
            sa.select(Submission)
            .where(
                Submission.campaign_id == campaign_id,
                Submission.round_basis == RoundBasis.earliest.value,
                Submission.status.in_(
                    (SubmissionStatus.accepted.value, SubmissionStatus.received.value)
                ),
            )
            .order_by(Submission.received_at)
        )
    )


def assign_round(
    session: Session, submission: Submission, round_id: str, actor: str, reason: str | None
) -> Assignment:
    """Make ``submission`` count for ``round_id`` (or confirm it there). Idempotent: a
    submission already assigned to that round changes nothing and records nothing."""
    before = submission.round_id
    if before == round_id and submission.round_basis == RoundBasis.assigned.value:
        return Assignment(submission, before, moved=False, audit_id=None)
    moved = before != round_id
    if moved:
        _move(session, submission, round_id)
    submission.round_basis = RoundBasis.assigned.value
    submission.round_candidates = None
    event = AuditEvent(
        campaign_id=submission.campaign_id,
        actor=actor,
        action=ASSIGN_ROUND,
        submission_id=submission.id,
        unit_code=submission.unit_code,
        round_id=round_id,
        previous_round_id=before,
        reason=reason,
    )
    session.add(event)
    session.flush()
    return Assignment(submission, before, moved=moved, audit_id=event.id)


def _move(session: Session, sub: Submission, round_id: str) -> None:
    taken = session.scalar(
        sa.select(sa.func.count())
        .select_from(Submission)
        .where(*_slot(sub, round_id), Submission.sha256 == sub.sha256)
    )
    if taken:
        raise ValueError("该轮次已有这份内容完全相同的材料，无需改计。")
    due = session.scalar(
        sa.select(RoundRow.due_at).filter_by(campaign_id=sub.campaign_id, round_id=round_id)
    )
    if due is None:
        raise KeyError(f"专项行动 {sub.campaign_id} 没有轮次 {round_id}")
    now = utcnow()
    counted = sub.status == SubmissionStatus.accepted.value
    old_slot = _slot(sub, sub.round_id)
    if counted:  # the new slot's accepted version gives way to the newest one
        _set(session, [*_slot(sub, round_id), _accepted()], SubmissionStatus.superseded, now)
    newest = session.scalar(sa.select(sa.func.max(Submission.version)).where(*_slot(sub, round_id)))
    sub.round_id, sub.version = round_id, (newest or 0) + 1
    sub.on_time = _on_time(sub.received_at, due)
    sub.status_changed_at = now
    session.flush()
    if counted:  # the slot it left counts its previous accepted version again
        previous = session.scalar(
            sa.select(Submission)
            .where(*old_slot, Submission.status == SubmissionStatus.superseded.value)
            .order_by(Submission.version.desc())
            .limit(1)
        )
        if previous is not None:
            previous.status = SubmissionStatus.accepted.value
            previous.status_changed_at = now
            session.flush()


def _on_time(received_at: dt.datetime, due: dt.datetime) -> bool:
    return received_at <= due


def _slot(sub: Submission, round_id: str) -> list[sa.ColumnElement[bool]]:
    return [
        Submission.campaign_id == sub.campaign_id,
        Submission.round_id == round_id,
        Submission.unit_code == sub.unit_code,
        Submission.deliverable_key == sub.deliverable_key,
    ]


def _accepted() -> sa.ColumnElement[bool]:
    return Submission.status == SubmissionStatus.accepted.value


def _set(session: Session, where: list, status: SubmissionStatus, now: dt.datetime) -> None:
    session.execute(
        sa.update(Submission)
        .where(*where)
        .values(status=status.value, status_changed_at=now)
        .execution_options(synchronize_session="fetch")
    )


def confirmations_needed(session: Session, campaign: Campaign) -> list[dict[str, Any]]:
    """Deliveries intake counted for the earliest of several rounds that still needed them,
    as the digest and the board list them (with the command that moves one)."""
    out = []
    for sub in rounds_to_confirm(session, campaign.id):
        counted = campaign.round(sub.round_id)
        others = [r for r in (sub.round_candidates or "").split(",") if r and r != sub.round_id]
        labels = {d.key: d.label for d in counted.deliverables}
        out.append(
            {
                "submission": sub.id,
                "unit": campaign.unit(sub.unit_code).short_name,
                "deliverable": labels.get(sub.deliverable_key, sub.deliverable_key),
                "round": counted.title,
                "others": [campaign.round(r).title for r in others],
                "command": f"campaign-ops assign {campaign.id} {sub.id} --round {others[0]}"
                if others
                else "",
            }
        )
    return out
