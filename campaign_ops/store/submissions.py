"""Submissions: versions of a unit's deliverable for a round, and their status.

A unit may send a deliverable many times. Each distinct content becomes the next version; the
same content sent again is recognised by its sha256 and not processed twice. Accepting a version
supersedes the one accepted before it, so exactly one version per slot counts, and every older
version stays in the table with its status and reasons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign_ops.store.models import (
    IdentifiedBy,
    RoundRow,
    Submission,
    SubmissionStatus,
    utcnow,
)

_VERSION_RACE_RETRIES = 5


@dataclass(frozen=True)
class Recorded:
    submission: Submission
    created: bool  # False: this content was already recorded for this deliverable


def record_submission(
    session: Session,
    *,
    campaign_id: str,
    round_id: str,
    unit_code: str,
    deliverable_key: str,
    sha256: str,
    received_at: dt.datetime,
    identified_by: IdentifiedBy | str,
    status: SubmissionStatus | str = SubmissionStatus.received,
    on_time: bool | None = None,
) -> Recorded:
    """Record a received file as the next version of a unit's deliverable.

    Idempotent on (campaign, deliverable, sha256): recording the same content again returns
    the existing submission with ``created=False`` — the caller should then skip processing.
    ``on_time`` defaults to ``received_at`` ≤ the round's deadline; ``status="accepted"``
    accepts it at once (superseding the previous version). The archive row for
    ``sha256`` (``record_file``) and the campaign (``sync_campaign``) must exist."""
    identified_by = IdentifiedBy(identified_by).value
    status = SubmissionStatus(status).value
    accept = status == SubmissionStatus.accepted
    if on_time is None:
        on_time = received_at <= _due_at(session, campaign_id, round_id)
    slot = (campaign_id, round_id, unit_code, deliverable_key)
    _lock_slot(session, slot)
    for _ in range(_VERSION_RACE_RETRIES):
        existing = _by_content(session, campaign_id, deliverable_key, sha256)
        if existing is not None:
            return Recorded(existing, created=False)
        version = _next_version(session, *slot)
        submission = Submission(
            campaign_id=campaign_id,
            round_id=round_id,
            unit_code=unit_code,
            deliverable_key=deliverable_key,
            version=version,
            sha256=sha256,
            status=SubmissionStatus.received.value if accept else status,
            received_at=received_at,
            on_time=on_time,
            identified_by=identified_by,
        )
        try:
            with session.begin_nested():
                session.add(submission)
        except IntegrityError:
            raced = _next_version(session, *slot) != version or _by_content(
                session, campaign_id, deliverable_key, sha256
            )
            if raced:  # another worker took this version or recorded this content meanwhile
                continue
            raise
        if accept:
            accept_submission(session, submission.id)
        return Recorded(submission, created=True)
    raise RuntimeError(
        f"could not record {campaign_id}/{round_id}/{unit_code}/{deliverable_key} {sha256[:12]}: "
        f"{_VERSION_RACE_RETRIES} concurrent writers won the race; retry the task"
    )


def _lock_slot(session: Session, slot: tuple[str, ...]) -> None:
    """Serialize version numbering per slot until commit. PostgreSQL: an advisory lock on the
    slot (other units are not held up); SQLite already serializes writers (``BEGIN IMMEDIATE``).
    The unique constraints and the retry loop stay as the last defence."""
    if session.get_bind().dialect.name == "postgresql":
        key = sa.func.hashtext("submission:" + "/".join(slot))
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def _due_at(session: Session, campaign_id: str, round_id: str) -> dt.datetime:
    due = session.scalar(
        sa.select(RoundRow.due_at).filter_by(campaign_id=campaign_id, round_id=round_id)
    )
    if due is None:
        raise KeyError(
            f"专项行动 {campaign_id} 的轮次 {round_id} 不在数据库中：请先运行 sync_campaign"
        )
    return due


def _by_content(
    session: Session, campaign_id: str, deliverable_key: str, sha256: str
) -> Submission | None:
    return session.scalars(
        sa.select(Submission).filter_by(
            campaign_id=campaign_id, deliverable_key=deliverable_key, sha256=sha256
        )
    ).first()


def _next_version(
    session: Session, campaign_id: str, round_id: str, unit_code: str, deliverable_key: str
) -> int:
    current = session.scalar(
        sa.select(sa.func.max(Submission.version)).filter_by(
            campaign_id=campaign_id,
            round_id=round_id,
            unit_code=unit_code,
            deliverable_key=deliverable_key,
        )
    )
    return (current or 0) + 1


# ---- status changes -----------------------------------------------------------------------


def accept_submission(session: Session, submission_id: int) -> Submission:
    """Make this version the one that counts; the previously accepted one becomes superseded.

    If a *newer* version is already accepted (files processed out of order), this one is
    marked superseded instead: the latest accepted version always wins."""
    sub = _get(session, submission_id)
    slot = _same_slot(sub)
    session.execute(
        sa.update(Submission)
        .where(
            *slot, Submission.status == SubmissionStatus.accepted, Submission.version < sub.version
        )
        .values(status=SubmissionStatus.superseded.value, status_changed_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    newer = session.scalar(
        sa.select(sa.func.count())
        .select_from(Submission)
        .where(
            *slot, Submission.status == SubmissionStatus.accepted, Submission.version > sub.version
        )
    )
    final = SubmissionStatus.superseded if newer else SubmissionStatus.accepted
    return _set_status(session, sub, final, rejection_summary=None)


def reject_submission(session: Session, submission_id: int, summary: str) -> Submission:
    """Refuse a version; ``summary`` (Chinese) is what the unit is told. Details go to
    ``record_findings``."""
    return _set_status(session, _get(session, submission_id), SubmissionStatus.rejected, summary)


def mark_not_ready(session: Session, submission_id: int, reason: str | None = None) -> Submission:
    """An empty or half-copied file: not the unit's mistake, look again at the next scan."""
    return _set_status(session, _get(session, submission_id), SubmissionStatus.not_ready, reason)


def _get(session: Session, submission_id: int) -> Submission:
    sub = session.get(Submission, submission_id)
    if sub is None:
        raise KeyError(f"no submission {submission_id}")
    return sub


def _same_slot(sub: Submission) -> list[sa.ColumnElement[bool]]:
    return [
        Submission.campaign_id == sub.campaign_id,
        Submission.round_id == sub.round_id,
        Submission.unit_code == sub.unit_code,
        Submission.deliverable_key == sub.deliverable_key,
    ]


def _set_status(
    session: Session, sub: Submission, status: SubmissionStatus, rejection_summary: str | None
) -> Submission:
    sub.status = status.value
    sub.rejection_summary = rejection_summary
    sub.status_changed_at = utcnow()
    session.flush()
    return sub


# ---- queries ------------------------------------------------------------------------------


def latest_accepted(
    session: Session, campaign_id: str, round_id: str, deliverable_key: str | None = None
) -> list[Submission]:
    """The accepted version of every unit's deliverables for a round (one per unit and
    deliverable), ordered by unit code and deliverable."""
    query = sa.select(Submission).filter_by(
        campaign_id=campaign_id, round_id=round_id, status=SubmissionStatus.accepted.value
    )
    if deliverable_key is not None:
        query = query.filter_by(deliverable_key=deliverable_key)
    return list(session.scalars(query.order_by(Submission.unit_code, Submission.deliverable_key)))


def submission_versions(
    session: Session, campaign_id: str, round_id: str, unit_code: str, deliverable_key: str
) -> list[Submission]:
    """Every version of one unit's deliverable for a round, oldest first."""
    return list(
        session.scalars(
            sa.select(Submission)
            .filter_by(
                campaign_id=campaign_id,
                round_id=round_id,
                unit_code=unit_code,
                deliverable_key=deliverable_key,
            )
            .order_by(Submission.version)
        )
    )


def submissions_for_content(session: Session, sha256: str) -> list[Submission]:
    """Every submission (any campaign or deliverable) that recorded this content."""
    return list(
        session.scalars(sa.select(Submission).filter_by(sha256=sha256).order_by(Submission.id))
    )
