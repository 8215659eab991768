"""The unit's mail when a reviewer returns its file (退回修改通知): the reason, what to fix and
how to resubmit. It goes through the one mail path (``mail.send``, the ledger), keyed by the
returned version, so a retried task or a repeated decision never sends it twice."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.mail.message import Message
from campaign_ops.remind.state import deliverable_label
from campaign_ops.review.records import RETURN, ReviewDecision
from campaign_ops.store.models import MailLedgerEntry, Submission, SubmissionStatus
from campaign_ops.vocabulary import MAIL_KIND_LABELS

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign
    from campaign_ops.mail.send import Delivery

KIND = "returned"


def return_token(deliverable: str, version: int) -> str:
    """The ledger's moment for a return: one mail per returned version."""
    return f"{deliverable}-v{version}"


def return_mail_due(session: Session, campaign: Campaign) -> list[Message]:
    """Return mails for versions that are returned now and whose mail the ledger has not
    seen (a re-run finds them sent and asks for nothing)."""
    rows = session.execute(
        sa.select(Submission, ReviewDecision)
        .join(ReviewDecision, ReviewDecision.submission_id == Submission.id)
        .where(
            Submission.campaign_id == campaign.id,
            Submission.status == SubmissionStatus.accepted.value,
            ReviewDecision.decision == RETURN,
        )
        .order_by(ReviewDecision.decided_at, Submission.id)
    ).all()
    known = set(
        session.execute(
            sa.select(MailLedgerEntry.recipient_key, MailLedgerEntry.moment).where(
                MailLedgerEntry.campaign_id == campaign.id, MailLedgerEntry.kind == KIND
            )
        ).tuples()
    )
    out = []
    for sub, decision in rows:
        token = return_token(sub.deliverable_key, sub.version)
        if (sub.unit_code, token) in known or sub.unit_code not in campaign.units_by_code:
            continue
        out.append(return_mail(campaign, sub, decision))
    return out


def return_mail(campaign: Campaign, sub: Submission, decision: ReviewDecision) -> Message:
    """The 退回修改通知 for one returned version."""
    unit = campaign.unit(sub.unit_code)
    round_ = campaign.round(sub.round_id)
    deliverable = next((d for d in round_.deliverables if d.key == sub.deliverable_key), None)
    label = deliverable_label(deliverable) if deliverable else sub.deliverable_key
    moment = decision.decided_at.astimezone(ZoneInfo(campaign.timezone))
    prefix = f"【{campaign.display_title}】"
    return Message(
        kind=KIND,
        moment=moment.isoformat(),
        recipient_key=unit.code,
        to=tuple(unit.emails),
        subject=f"{prefix}{MAIL_KIND_LABELS[KIND]}：“{round_.title}”{label}请修改后重新报送",
        round=round_.id,
        unit=unit.code,
        token=return_token(sub.deliverable_key, sub.version),
        context={
            "reason": decision.reason or "",
            "deliverable": label,
            "file": sub.archived_file.original_name if sub.archived_file else "",
            "version": sub.version,
        },
    )


def send_return_mails(campaign: Campaign) -> list[Delivery]:
    """Send every return mail still due, through the ledger (at most once each)."""
    from campaign_ops.mail.send import send_now
    from campaign_ops.store.db import session_scope

    with session_scope() as session:
        messages = return_mail_due(session, campaign)
    return send_now(campaign, messages)
