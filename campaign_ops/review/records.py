"""Where review decisions are stored: one row per decided version (``review_decisions``).

A table of its own rather than columns on ``submissions``: intake writes submissions on every
scan and knows nothing of review; a version with no row here simply has not been decided. A
decision changed later (通过 after 退回修改, or the reverse) updates the row; every decision,
including the changed ones, also has its ``audit_events`` row (who, when, why), which is
never updated. Created by migration 0006.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from campaign_ops.store.models import Base, UTCDateTime, utcnow

APPROVE = "approve"
RETURN = "return"
DECISIONS = (APPROVE, RETURN)


class ReviewDecision(Base):
    """The current decision on one accepted version of one unit's deliverable."""

    __tablename__ = "review_decisions"
    __table_args__ = (sa.CheckConstraint("decision IN ('approve', 'return')", name="decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[str] = mapped_column(sa.String(60), index=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id"), unique=True)
    decision: Mapped[str] = mapped_column(sa.String(8))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_by: Mapped[str] = mapped_column(sa.String(100))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


def record_approval(
    session: Session, campaign_id: str, submission_id: int, by: str, at: dt.datetime
) -> None:
    """Mark a version approved without an audit row: for seeded test and benchmark data, never
    for a person's decision (``queue.decide``). Idempotent."""
    if session.scalar(sa.select(ReviewDecision.id).filter_by(submission_id=submission_id)):
        return
    session.add(
        ReviewDecision(
            campaign_id=campaign_id,
            submission_id=submission_id,
            decision=APPROVE,
            decided_by=by,
            decided_at=at,
        )
    )
    session.flush()
