"""The review queue: which accepted versions wait for a reviewer, what the reviewer is shown,
and what a decision (通过 / 退回修改) does. The Airflow half turns each open item into a
human-in-the-loop task and calls ``decide`` with the answer; the CLI and tests call it too.

``decide`` is idempotent: the same decision on the same version changes nothing and records
nothing, so a retried task or a repeated command is harmless.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.review.records import APPROVE, DECISIONS, RETURN, ReviewDecision
from campaign_ops.review.state import AWAITING, in_campaign_order, needs_review, slot_reviews
from campaign_ops.store.models import AuditEvent, Submission, SubmissionStatus
from campaign_ops.vocabulary import REVIEW_DECISION_LABELS

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign

ACTIONS = {APPROVE: "review_approve", RETURN: "review_return"}  # audit_events.action
# Who decides when the policy's time-out approves (on_timeout: approve): not a person, so it
# need not be among the reviewers; the audit row says so.
TIMEOUT_ACTOR = "system:timeout"


class ReviewRefused(ValueError):
    """A decision that cannot be taken, with the Chinese reason the reviewer reads."""

    def __init__(self, message_zh: str):
        super().__init__(message_zh)
        self.message_zh = message_zh


@dataclass(frozen=True)
class ReviewItem:
    """One accepted version waiting for a decision: one unit × round × deliverable."""

    campaign_id: str
    round_id: str
    unit_code: str
    unit_name: str
    deliverable: str  # the store's deliverable key (form id or kind)
    submission_id: int
    version: int

    @property
    def key(self) -> str:
        return f"{self.round_id}/{self.unit_code}/{self.deliverable}"

    @property
    def label(self) -> str:
        """The mapped task's label in the Airflow UI: the unit's name."""
        return self.unit_name


@dataclass(frozen=True)
class Decision:
    """What ``decide`` did. ``changed`` False: the same decision was already recorded."""

    changed: bool
    item: ReviewItem
    decision: str
    reason: str | None
    by: str
    at: dt.datetime
    audit_id: int | None = None


def reviews_open(session: Session, campaign: Campaign) -> list[ReviewItem]:
    """Latest accepted versions the policy asks to review with no decision yet, in the
    campaign's order: round, then unit, then deliverable as the YAML lists them."""
    reviews = slot_reviews(session, campaign)
    return [
        ReviewItem(campaign.id, r.id, u.code, u.name, d.key, review.submission_id, review.version)
        for r, u, d, review in in_campaign_order(campaign, reviews, AWAITING)
    ]


def item_for(session: Session, campaign: Campaign, item_key: str) -> ReviewItem:
    """The slot's current accepted version as a review item (decided or not)."""
    parts = item_key.split("/")
    if len(parts) != 3 or not all(parts):
        example = "r1/hanbin/表单编号"
        raise ReviewRefused(f"审核项“{item_key}”的格式应为 轮次/单位代码/材料，例如 {example}")
    round_id, unit_code, key = parts
    try:
        campaign.round(round_id)
        unit = campaign.unit(unit_code)
    except KeyError as exc:
        raise ReviewRefused(str(exc.args[0])) from None
    if not needs_review(campaign, round_id, key):
        raise ReviewRefused(f"专项行动 {campaign.id} 不要求审核“{key}”，无需审核")
    sub = session.scalar(
        sa.select(Submission).where(
            Submission.campaign_id == campaign.id,
            Submission.round_id == round_id,
            Submission.unit_code == unit_code,
            Submission.deliverable_key == key,
            Submission.status == SubmissionStatus.accepted.value,
        )
    )
    if sub is None:
        raise ReviewRefused(f"{unit.short_name}在该轮次还没有已接收的“{key}”，没有可审核的材料")
    return ReviewItem(campaign.id, round_id, unit_code, unit.name, key, sub.id, sub.version)


def decide(
    session: Session,
    campaign: Campaign,
    item_key: str,
    decision: Literal["approve", "return"],
    reason: str | None,
    by: str,
    now: dt.datetime,
    *,
    version: int | None = None,
) -> Decision:
    """Record 通过 or 退回修改 on the slot's current accepted version, with an audit row.

    Refused (``ReviewRefused``): an unknown decision, a return without a reason, a ``by`` not
    among the policy's reviewers, nothing accepted to review, or — with ``version`` — a
    version that a newer one has replaced since the reviewer saw it."""
    if decision not in DECISIONS:
        options = "、".join(f"{k}（{v}）" for k, v in REVIEW_DECISION_LABELS.items())
        raise ReviewRefused(f"审核结论“{decision}”无效，只能是 {options}")
    policy = campaign.review
    if by != TIMEOUT_ACTOR and not policy.may_decide(by):
        who = "、".join(policy.reviewers)
        raise ReviewRefused(f"{by} 不是本行动的审核人，不能审核；审核人：{who}")
    reason = (reason or "").strip() or None
    if decision == RETURN and reason is None:
        raise ReviewRefused("退回修改必须写明理由：请说明哪些数据有问题、应如何修改")
    item = item_for(session, campaign, item_key)
    if version is not None and version != item.version:
        raise ReviewRefused(
            f"{item.unit_name}已报送新版本（第 {item.version} 版），"
            f"您审核的第 {version} 版已被替换；新版本会重新进入审核"
        )
    row = session.scalar(sa.select(ReviewDecision).filter_by(submission_id=item.submission_id))
    if row is not None and row.decision == decision:
        return Decision(False, item, decision, row.reason, row.decided_by, row.decided_at)
    if row is None:
        row = ReviewDecision(campaign_id=campaign.id, submission_id=item.submission_id)
        session.add(row)
    row.decision, row.reason, row.decided_by, row.decided_at = decision, reason, by, now
    event = AuditEvent(
        campaign_id=campaign.id,
        at=now,
        actor=by,
        action=ACTIONS[decision],
        submission_id=item.submission_id,
        unit_code=item.unit_code,
        round_id=item.round_id,
        reason=reason,
    )
    session.add(event)
    session.flush()
    return Decision(True, item, decision, reason, by, now, event.id)


def approve_open(
    session: Session, campaign: Campaign, by: str, now: dt.datetime
) -> list[ReviewItem]:
    """``by`` approves every file still waiting for review: a reviewer who has read them all
    (the demo's reviewer, and tests whose subject is what happens after review)."""
    items = reviews_open(session, campaign)
    for item in items:
        decide(session, campaign, item.key, "approve", None, by, now)
    return items


def decision_due(campaign: Campaign, received_at: dt.datetime) -> dt.datetime:
    """When the policy's time-out falls for a version received at ``received_at``: the end
    of the N-th working day after the day it arrived (campaign time zone)."""
    from zoneinfo import ZoneInfo

    from campaign_ops.timeline import add_working_days

    tz = ZoneInfo(campaign.timezone)
    day = received_at.astimezone(tz).date()
    last = add_working_days(day, campaign.review.decide_within_working_days)
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)


def overdue_reviews(
    session: Session, campaign: Campaign, now: dt.datetime
) -> list[tuple[ReviewItem, dt.datetime]]:
    """Open items whose time to decide (``decision_due``) has passed, with that moment: what
    the time-out acts on (``on_timeout``: approve them, or remind the reviewers)."""
    rows = session.execute(
        sa.select(Submission.id, Submission.received_at).where(
            Submission.campaign_id == campaign.id
        )
    )
    received = {sub_id: at for sub_id, at in rows}
    out = []
    for item in reviews_open(session, campaign):
        due = decision_due(campaign, received[item.submission_id])
        if due <= now:
            out.append((item, due))
    return out


def review_brief(
    session: Session, campaign: Campaign, item: ReviewItem, board_url: str | None
) -> tuple[str, str]:
    """Subject and Markdown body of the review request (``review.brief``)."""
    from campaign_ops.review.brief import brief

    return brief(session, campaign, item, board_url)
