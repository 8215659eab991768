"""What happened to each file a scan saw, including the ones that never became a submission.

A submission needs a unit and a round; a file that is still being copied, that nobody can
identify, or whose content was already processed has neither, yet ops must see it and a re-run
must not process it again. One row per (campaign, source, path, content); ``sha256`` is ``''``
while a file is not ready and has not been read.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from campaign_ops.store._sql import upsert_insert
from campaign_ops.store.models import Base, UTCDateTime, _enum_check, utcnow


class Outcome(StrEnum):
    not_ready = "not_ready"  # empty or still being copied: looked at again next scan
    duplicate = "duplicate"  # same content as a file already processed
    unidentified = "unidentified"  # no unit/round/deliverable could be worked out
    refused = "refused"  # not a deliverable we accept (type, size) and no unit to tell
    rejected = "rejected"  # became a submission that was rejected
    accepted = "accepted"  # became a submission that was accepted
    held = "held"  # a mailed file whose sender and content disagree: waits for ops, seen again


FINAL = {o.value for o in Outcome} - {Outcome.not_ready.value, Outcome.held.value}


class IntakeEvent(Base):
    __tablename__ = "intake_events"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "source", "path", "sha256"),
        _enum_check("outcome", "outcome", Outcome),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[str] = mapped_column(sa.String(60), index=True)
    source: Mapped[str] = mapped_column(sa.String(200))
    path: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    size: Mapped[int] = mapped_column(sa.BigInteger)
    mtime: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(sa.String(16))
    unit_code: Mapped[str | None] = mapped_column(sa.String(64))
    round_id: Mapped[str | None] = mapped_column(sa.String(64))
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submissions.id"))
    message: Mapped[str | None] = mapped_column(sa.Text)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


def log_outcome(
    session: Session,
    *,
    campaign_id: str,
    source: str,
    path: str,
    size: int,
    mtime: dt.datetime | None,
    outcome: Outcome | str,
    sha256: str = "",
    unit_code: str | None = None,
    round_id: str | None = None,
    submission_id: int | None = None,
    message: str | None = None,
    seen_at: dt.datetime | None = None,
) -> None:
    """Record (or update) what happened to this file; idempotent on its natural key."""
    log_outcomes(
        session,
        [
            {
                "campaign_id": campaign_id,
                "source": source,
                "path": path,
                "size": size,
                "mtime": mtime,
                "outcome": outcome,
                "sha256": sha256,
                "unit_code": unit_code,
                "round_id": round_id,
                "submission_id": submission_id,
                "message": message,
            }
        ],
        seen_at=seen_at,
    )


_LOGGED = ("campaign_id", "source", "path", "sha256", "size", "mtime", "outcome")
_CHANGING = ("size", "mtime", "outcome", "unit_code", "round_id", "submission_id", "message")


def log_outcomes(
    session: Session, outcomes: list[dict[str, Any]], seen_at: dt.datetime | None = None
) -> None:
    """``log_outcome`` for many files in one statement (items take its keyword arguments)."""
    if not outcomes:
        return
    seen_at = seen_at or utcnow()
    rows = {}
    for o in outcomes:  # one row per natural key; the last word wins
        row = {k: o.get(k) for k in (*_LOGGED, *_CHANGING)}
        row["sha256"] = row["sha256"] or ""
        row["outcome"] = Outcome(row["outcome"]).value
        rows[(row["campaign_id"], row["source"], row["path"], row["sha256"])] = row
    table = IntakeEvent.__table__
    stmt = upsert_insert(session, table).values(
        {k: sa.bindparam(k) for k in dict.fromkeys((*_LOGGED, *_CHANGING))}
        | {"first_seen_at": seen_at, "last_seen_at": seen_at}
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["campaign_id", "source", "path", "sha256"],
        set_={**{k: stmt.excluded[k] for k in _CHANGING}, "last_seen_at": seen_at},
    )
    session.execute(stmt, list(rows.values()))


def finished_paths(
    session: Session, campaign_id: str, source: str
) -> dict[str, tuple[int, dt.datetime | None]]:
    """path → (size, mtime) of every file at this source with a final outcome, so a scan can
    skip unchanged files without reading them again."""
    rows = session.execute(
        sa.select(IntakeEvent.path, IntakeEvent.size, IntakeEvent.sha256, IntakeEvent.mtime).where(
            IntakeEvent.campaign_id == campaign_id,
            IntakeEvent.source == source,
            IntakeEvent.outcome.in_(FINAL),
        )
    )
    return {path: (size, mtime) for path, size, _, mtime in rows}


def events(session: Session, campaign_id: str) -> list[IntakeEvent]:
    return list(
        session.scalars(
            sa.select(IntakeEvent)
            .where(IntakeEvent.campaign_id == campaign_id)
            .order_by(IntakeEvent.path, IntakeEvent.id)
        )
    )


def waiting_files(session: Session, campaign_id: str) -> list[IntakeEvent]:
    """Files whose latest state is "not ready" (no final outcome seen for that path since)."""
    latest_final = (
        sa.select(IntakeEvent.path, sa.func.max(IntakeEvent.last_seen_at).label("at"))
        .where(IntakeEvent.campaign_id == campaign_id, IntakeEvent.outcome.in_(FINAL))
        .group_by(IntakeEvent.path)
        .subquery()
    )
    return list(
        session.scalars(
            sa.select(IntakeEvent)
            .outerjoin(latest_final, latest_final.c.path == IntakeEvent.path)
            .where(
                IntakeEvent.campaign_id == campaign_id,
                IntakeEvent.outcome == Outcome.not_ready.value,
                sa.or_(latest_final.c.at.is_(None), latest_final.c.at < IntakeEvent.last_seen_at),
            )
        )
    )
