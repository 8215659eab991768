"""The review section of the campaign board: how many files wait for a reviewer (待审核 N 份),
and each one waiting or returned with its reason, who decided and when. Nothing for a
campaign without a review policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from campaign_ops.review.state import AWAITING, RETURNED, in_campaign_order, slot_reviews
from campaign_ops.vocabulary import ROUND_STATUS_LABELS

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign


@dataclass(frozen=True)
class ReviewLine:
    unit_code: str
    round_id: str
    unit: str
    round_title: str
    deliverable: str
    key: str  # the deliverable's key (form id or kind)
    version: int
    received_at: str
    status: str  # awaiting_review | returned
    status_label: str
    reason: str | None
    decided: str  # "guanggaoke 2023-05-11 17:30", or "" while waiting
    due: str = ""  # while waiting: when the policy's time to decide ends (ISO 8601)


@dataclass
class ReviewPanel:
    reviewers: tuple[str, ...]
    lines: list[ReviewLine] = field(default_factory=list)  # waiting first, then returned

    @property
    def awaiting(self) -> int:
        return sum(1 for x in self.lines if x.status == AWAITING)

    @property
    def awaiting_text(self) -> str:
        """``待审核 3 份``: the count the board and the digest show."""
        return f"{ROUND_STATUS_LABELS[AWAITING]} {self.awaiting} 份"

    def under_review(self, unit_code: str, round_id: str) -> set[str]:
        """Deliverable keys of a cell that the unit delivered and a reviewer holds."""
        return {x.key for x in self.lines if (x.unit_code, x.round_id) == (unit_code, round_id)}

    def cell_note(self, unit_code: str, round_id: str) -> str:
        """What a matrix cell's tooltip adds: what waits, and why a file was returned."""
        notes = []
        for x in self.lines:
            if x.unit_code == unit_code and x.round_id == round_id:
                why = f"：{x.reason}" if x.reason else ""
                notes.append(f"{x.status_label} {x.deliverable}{why}")
        return "；".join(notes)


def review_panel(session: Session, campaign: Campaign, tz: ZoneInfo) -> ReviewPanel | None:
    if not campaign.review.required:
        return None
    from campaign_ops.remind.state import deliverable_label  # remind.state imports this module
    from campaign_ops.review.queue import decision_due

    panel = ReviewPanel(campaign.review.reviewers)
    reviews = slot_reviews(session, campaign)
    for status in (AWAITING, RETURNED):
        for round_, unit, d, r in in_campaign_order(campaign, reviews, status):
            at = r.decided_at.astimezone(tz) if r.decided_at else None
            panel.lines.append(
                ReviewLine(
                    unit.code,
                    round_.id,
                    unit.short_name,
                    round_.title,
                    deliverable_label(d),
                    d.key,
                    r.version,
                    f"{r.received_at.astimezone(tz):%Y-%m-%d %H:%M}",
                    status,
                    ROUND_STATUS_LABELS[status],
                    r.reason,
                    f"{r.decided_by} {at:%Y-%m-%d %H:%M}" if at else "",
                    decision_due(campaign, r.received_at).isoformat() if not at else "",
                )
            )
    return panel


def review_digest(session: Session, campaign: Campaign) -> dict | None:
    """The ops digest's review part, as JSON: ``待审核 N 份`` and the returned files."""
    panel = review_panel(session, campaign, ZoneInfo(campaign.timezone))
    if panel is None:
        return None
    returned = [x for x in panel.lines if x.status == RETURNED]
    waiting = [x for x in panel.lines if x.status == AWAITING]
    return {
        "within_days": campaign.review.decide_within_working_days,
        "on_timeout": campaign.review.on_timeout,
        "waiting": [
            {"unit": x.unit, "round": x.round_title, "deliverable": x.deliverable, "due": x.due}
            for x in waiting
        ],
        "awaiting": panel.awaiting,
        "awaiting_text": panel.awaiting_text,
        "returned_label": ROUND_STATUS_LABELS[RETURNED],
        "returned": [
            {
                "unit": x.unit,
                "round": x.round_title,
                "deliverable": x.deliverable,
                "version": x.version,
                "reason": x.reason or "",
                "decided": x.decided,
            }
            for x in returned
        ],
    }


def with_overdue(review: dict | None, moment: dt.datetime) -> dict | None:
    """The digest's review part at ``moment``, with ``overdue``: the files still waiting past
    the policy's time to decide (the reminder ``on_timeout: remind`` asks for)."""
    if not review:
        return review
    late = [w for w in review.get("waiting", []) if dt.datetime.fromisoformat(w["due"]) <= moment]
    return {**review, "overdue": late}
