"""Keep unapproved figures out of the merged tables: run right after ``merged_units`` is
filled and before any figure is copied from it, so totals, to-date figures and changes all
leave them out, and the report names those units (待审核 / 退回修改) instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.review.state import slot_reviews

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign

_HOLD = sa.text(
    "UPDATE merged_units SET status = :status, submission_id = NULL, version = NULL, "
    "on_time = NULL, row_count = NULL "
    "WHERE campaign_id = :campaign_id AND submission_id = :submission_id"
)


def hold_back_unreviewed(session: Session, campaign: Campaign) -> int:
    """Mark the units whose accepted version is not approved; returns how many were held."""
    held = [
        {"status": r.status, "campaign_id": campaign.id, "submission_id": r.submission_id}
        for r in slot_reviews(session, campaign).values()
        if not r.counts
    ]
    if held:
        session.execute(_HOLD, held)
    return len(held)
