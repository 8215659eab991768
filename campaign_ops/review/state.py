"""Where each reviewed slot stands: the latest accepted version of a unit's deliverable for a
round, and the decision on that version (none yet: 待审核). Read by the matrix, the merge, the
board, the digest and the queue, so they all agree.

Only the latest accepted version counts. A unit that replaces an approved version has said
the old figures were wrong: the new version waits for review, and meanwhile the unit's
figures are out of the report (named as awaiting review), not the old ones back in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.review.records import APPROVE, RETURN, ReviewDecision
from campaign_ops.store.models import Submission, SubmissionStatus

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign, Deliverable, Round, Unit

AWAITING = "awaiting_review"
RETURNED = "returned"
APPROVED = "approved"

Slot = tuple[str, str, str]  # (unit_code, round_id, deliverable_key)


@dataclass(frozen=True)
class SlotReview:
    """One slot's accepted version and what the reviewers made of it."""

    submission_id: int
    version: int
    received_at: dt.datetime
    status: str  # awaiting_review | returned | approved
    reason: str | None = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None

    @property
    def counts(self) -> bool:
        """Whether its figures go into the merged tables and reports."""
        return self.status == APPROVED


def needs_review(campaign: Campaign, round_id: str, key: str) -> bool:
    """Whether the policy asks for review of this deliverable in this round."""
    policy = campaign.review
    if not policy.required:
        return False
    try:
        round_ = campaign.round(round_id)
    except KeyError:
        return policy.applies(key)
    deliverable = next((d for d in round_.deliverables if d.key == key), None)
    return policy.applies(deliverable if deliverable is not None else key)


def slot_reviews(session: Session, campaign: Campaign) -> dict[Slot, SlotReview]:
    """Every slot under review with its accepted version; empty when review is off, so a
    campaign without the policy pays one attribute look-up."""
    if not campaign.review.required:
        return {}
    rows = session.execute(
        sa.select(
            Submission.unit_code,
            Submission.round_id,
            Submission.deliverable_key,
            Submission.id,
            Submission.version,
            Submission.received_at,
            ReviewDecision.decision,
            ReviewDecision.reason,
            ReviewDecision.decided_by,
            ReviewDecision.decided_at,
        )
        .outerjoin(ReviewDecision, ReviewDecision.submission_id == Submission.id)
        .where(
            Submission.campaign_id == campaign.id,
            Submission.status == SubmissionStatus.accepted.value,
        )
    )
    out: dict[Slot, SlotReview] = {}
    for unit, round_id, key, sub_id, version, received, decision, reason, by, at in rows:
        if not needs_review(campaign, round_id, key):
            continue
        status = {APPROVE: APPROVED, RETURN: RETURNED}.get(decision, AWAITING)
        out[(unit, round_id, key)] = SlotReview(sub_id, version, received, status, reason, by, at)
    return out


def review_by_unit_round(session: Session, campaign: Campaign) -> dict[tuple[str, str], list[dict]]:
    """(unit, round) → each reviewed deliverable's state as ``status --json`` shows it, in
    the round's order; a returned one's ``reason`` names the deliverable."""
    reviews = slot_reviews(session, campaign)
    if not reviews:
        return {}
    from campaign_ops.remind.state import deliverable_label

    out: dict[tuple[str, str], list[dict]] = {}
    for round_, unit, d, review in in_campaign_order(campaign, reviews):
        reason = review.reason and f"{deliverable_label(d)}：{review.reason}"
        out.setdefault((unit.code, round_.id), []).append(
            {
                "deliverable": d.key,
                "version": review.version,
                "status": review.status,
                "reason": reason,
                "decided_by": review.decided_by,
                "decided_at": review.decided_at.isoformat(timespec="seconds")
                if review.decided_at
                else None,
            }
        )
    return out


def in_campaign_order(
    campaign: Campaign, reviews: dict[Slot, SlotReview], status: str | None = None
) -> Iterator[tuple[Round, Unit, Deliverable, SlotReview]]:
    """The slots of ``reviews`` (with ``status``, if given) as the YAML orders them: round,
    then unit, then deliverable."""
    for round_ in campaign.rounds:
        for unit in campaign.units_for(round_):
            for d in round_.deliverables:
                review = reviews.get((unit.code, round_.id, d.key))
                if review is not None and status in (None, review.status):
                    yield round_, unit, d, review
