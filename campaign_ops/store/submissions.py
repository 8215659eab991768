"""Submissions: versions of a unit's deliverable for a round, and their status.

A unit may send a deliverable many times. Each distinct content becomes the next version; the
same content sent again by the same unit for the same slot is recognised by its sha256 and not
recorded twice (another unit's identical file is that unit's own delivery). Accepting a version
supersedes the one accepted before it, so exactly one version per slot counts, and every older
version stays in the table with its status and reasons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, lazyload

from campaign_ops.store.models import (
    IdentifiedBy,
    RoundBasis,
    RoundRow,
    Submission,
    SubmissionStatus,
    utcnow,
)


@dataclass(frozen=True)
class NewVersion:
    """A file about to become the next version of a unit's deliverable, already checked."""

    round_id: str
    unit_code: str
    deliverable_key: str
    sha256: str
    received_at: dt.datetime
    identified_by: IdentifiedBy | str
    status: SubmissionStatus | str  # accepted or rejected (received: not checked)
    rejection_summary: str | None = None
    round_basis: RoundBasis | str = RoundBasis.named
    round_candidates: tuple[str, ...] = ()  # the rounds that could have taken it (earliest)

    @property
    def slot(self) -> tuple[str, str, str]:
        return (self.round_id, self.unit_code, self.deliverable_key)


@dataclass(frozen=True)
class Recorded:
    submission: Submission
    created: bool  # False: this content was already recorded for this slot


def record_versions(
    session: Session, campaign_id: str, arrivals: list[NewVersion]
) -> list[Recorded]:
    """``record_submission`` and accept/reject for a whole scan batch in a handful of
    statements, in arrival order: versions numbered per slot, the last accepted version of a
    slot is the one that counts and earlier accepted ones become superseded.

    Content already recorded for the slot is not recorded again: its existing submission is
    returned (intake routing normally catches it before it gets here)."""
    if not arrivals:
        return []
    _lock_slots(session, [(campaign_id, *slot) for slot in {a.slot for a in arrivals}])
    existing = {
        _content_key(s): s
        for s in session.scalars(
            sa.select(Submission).where(
                Submission.campaign_id == campaign_id,
                Submission.sha256.in_({a.sha256 for a in arrivals}),
            )
        )
    }
    due = dict(
        session.execute(
            sa.select(RoundRow.round_id, RoundRow.due_at).filter_by(campaign_id=campaign_id)
        ).all()
    )
    latest = _latest_versions(session, campaign_id, {a.unit_code for a in arrivals})
    now = utcnow()
    rows: list[dict] = []
    for a in arrivals:
        if _content_key(a) in existing:
            continue
        if a.round_id not in due:
            raise KeyError(
                f"专项行动 {campaign_id} 的轮次 {a.round_id} 不在数据库中：请先运行 sync_campaign"
            )
        latest[a.slot] = latest.get(a.slot, 0) + 1
        existing[_content_key(a)] = None  # filled in below once it has an id
        rows.append(
            {
                "campaign_id": campaign_id,
                "round_id": a.round_id,
                "unit_code": a.unit_code,
                "deliverable_key": a.deliverable_key,
                "version": latest[a.slot],
                "sha256": a.sha256,
                "status": SubmissionStatus(a.status).value,
                "received_at": a.received_at,
                "on_time": a.received_at <= due[a.round_id],
                "identified_by": IdentifiedBy(a.identified_by).value,
                "rejection_summary": a.rejection_summary,
                "status_changed_at": now,
                "round_basis": RoundBasis(a.round_basis).value,
                "round_candidates": ",".join(a.round_candidates) or None,
            }
        )
    _supersede_before_insert(session, campaign_id, rows, now)
    new: set[tuple[str, str]] = set()
    if rows:
        # one executemany, then the rows back by their natural key: RETURNING with the
        # parameters' order costs SQLite one statement per row
        session.execute(sa.insert(Submission.__table__), rows)
        new = {_content_key(r) for r in rows}
        existing.update(
            (_content_key(s), s)
            for s in session.scalars(
                sa.select(Submission)
                .options(lazyload(Submission.archived_file))
                .where(
                    Submission.campaign_id == campaign_id,
                    Submission.sha256.in_({key[-1] for key in new}),
                )
            )
        )
    out = []
    for a in arrivals:
        key = _content_key(a)
        created = key in new
        new.discard(key)  # the first arrival of a content creates it
        out.append(Recorded(existing[key], created=created))
    return out


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
    rejection_summary: str | None = None,
) -> Recorded:
    """One file as the next version of a unit's deliverable, through the same
    ``record_versions`` a scan uses (seeders and tests write what production writes). The
    status is decided before recording, as intake decides it."""
    new = NewVersion(
        round_id=round_id,
        unit_code=unit_code,
        deliverable_key=deliverable_key,
        sha256=sha256,
        received_at=received_at,
        identified_by=identified_by,
        status=status,
        rejection_summary=rejection_summary,
    )
    return record_versions(session, campaign_id, [new])[0]


def _content_key(item: NewVersion | Submission | dict) -> tuple[str, str, str, str]:
    """(round, unit, deliverable, sha256): a content is recorded once per slot."""
    if isinstance(item, dict):
        return (item["round_id"], item["unit_code"], item["deliverable_key"], item["sha256"])
    return (item.round_id, item.unit_code, item.deliverable_key, item.sha256)


def _latest_versions(
    session: Session, campaign_id: str, unit_codes: set[str]
) -> dict[tuple[str, str, str], int]:
    """(round, unit, deliverable) → the highest version recorded so far."""
    rows = session.execute(
        sa.select(
            Submission.round_id,
            Submission.unit_code,
            Submission.deliverable_key,
            sa.func.max(Submission.version),
        )
        .where(Submission.campaign_id == campaign_id, Submission.unit_code.in_(unit_codes))
        .group_by(Submission.round_id, Submission.unit_code, Submission.deliverable_key)
    )
    return {(r, u, d): v for r, u, d, v in rows}


def _supersede_before_insert(
    session: Session, campaign_id: str, rows: list[dict], now: dt.datetime
) -> None:
    """Only the newest accepted version of a slot may stay accepted (the partial unique
    index holds us to it): older accepted versions in the database, and accepted rows of this
    batch that a later row of the same slot replaces, become superseded."""
    accepted = SubmissionStatus.accepted.value
    last: dict[tuple[str, str, str], dict] = {}
    for row in rows:
        if row["status"] == accepted:
            slot = (row["round_id"], row["unit_code"], row["deliverable_key"])
            if slot in last:
                last[slot]["status"] = SubmissionStatus.superseded.value
            last[slot] = row
    if not last:
        return
    slot = sa.tuple_(Submission.round_id, Submission.unit_code, Submission.deliverable_key)
    session.execute(
        sa.update(Submission)
        .where(
            Submission.campaign_id == campaign_id,
            slot.in_(list(last)),
            Submission.status == accepted,
        )
        .values(status=SubmissionStatus.superseded.value, status_changed_at=now)
        .execution_options(synchronize_session="fetch")  # loaded objects see the change
    )


def _lock_slots(session: Session, slots: list[tuple[str, ...]]) -> None:
    """Serialize version numbering per slot until commit. PostgreSQL: advisory locks on the
    slots, taken in one sorted sweep (other units are not held up, two batches cannot
    deadlock); SQLite already serializes writers (``BEGIN IMMEDIATE``). The unique
    constraints and the retry loop stay as the last defence."""
    if session.get_bind().dialect.name == "postgresql":
        keys = sorted("submission:" + "/".join(slot) for slot in slots)
        session.execute(
            sa.text(
                "SELECT count(pg_advisory_xact_lock(hashtext(k))) "
                "FROM unnest(CAST(:keys AS text[])) AS k"
            ),
            {"keys": keys},
        )


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
