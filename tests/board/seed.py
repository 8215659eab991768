"""Put a seed campaign's submissions, rejections and mails into a warehouse, through the store's
own functions, so the board shows real statuses before the collect and remind code runs."""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from campaign_ops.campaign import Campaign
from campaign_ops.review.records import record_approval
from campaign_ops.review.state import needs_review
from campaign_ops.store import (
    Finding,
    MailKey,
    mark_sent,
    mark_uncertain,
    record_file,
    record_findings,
    record_submission,
    reserve,
    sync_campaign,
)

SEED_CAMPAIGN = "ankang-2023-internet-ads"
REJECTION_SUMMARY = "统计表合计行与各行之和不符，请核对后重新报送"
REJECTION_FINDING = "“查办案件数”合计应为 12，实际填写 10"


def _at(campaign: Campaign, day: str, clock: str = "09:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ZoneInfo(campaign.timezone))


def _file(session: Session, campaign: Campaign, name: str, seen_at: dt.datetime) -> str:
    sha = hashlib.sha256(f"{campaign.id}/{name}".encode()).hexdigest()
    record_file(session, sha256=sha, source=campaign.id, path=name, size=len(name), seen_at=seen_at)
    return sha


def seed_first_round(session: Session, campaign: Campaign) -> None:
    """Round 1 of the seed campaign: 汉滨 complete on time, 汉阴 complete but late, 石泉's
    statistics rejected with reasons, everyone else missing; one reminder sent, one uncertain.
    Idempotent like the store functions it calls."""
    sync_campaign(session, campaign)
    r1 = campaign.rounds[0]
    due = dt.datetime.combine(r1.deadline, dt.time(9), tzinfo=ZoneInfo(campaign.timezone))
    received = {"hanbin": due - dt.timedelta(days=1), "hanyin": due + dt.timedelta(days=2)}
    for unit, when in received.items():
        for d in r1.deliverables:
            sha = _file(session, campaign, f"{unit}/{r1.id}/{d.key}.xlsx", when)
            rec = record_submission(
                session,
                campaign_id=campaign.id,
                round_id=r1.id,
                unit_code=unit,
                deliverable_key=d.key,
                sha256=sha,
                received_at=when,
                identified_by="path",
                status="accepted",
            )
            if needs_review(campaign, r1.id, d.key):  # the campaign's reviewer approved it
                record_approval(session, campaign.id, rec.submission.id, "seeding", when)
    form = r1.forms[0]
    sha = _file(session, campaign, f"shiquan/{r1.id}/{form}.xlsx", due)
    rec = record_submission(
        session,
        campaign_id=campaign.id,
        round_id=r1.id,
        unit_code="shiquan",
        deliverable_key=form,
        sha256=sha,
        received_at=due - dt.timedelta(hours=3),
        identified_by="metadata",
        status="rejected",
        rejection_summary=REJECTION_SUMMARY,
    )
    record_findings(
        session,
        rec.submission.id,
        [Finding("error", "totals", REJECTION_FINDING, sheet="统计表", row_label="合计")],
    )
    notice = MailKey(campaign.id, "notice", "hanyin", _at(campaign, "2023-05-09"))
    if reserve(session, notice, recipients=["hanyin@example.invalid"], subject="动员部署通知"):
        mark_sent(session, notice)
    overdue = MailKey(campaign.id, "overdue", "ningshan", _at(campaign, "2023-05-12"), r1.id)
    if reserve(session, overdue, recipients=["ningshan@example.invalid"], subject="逾期催报"):
        mark_uncertain(session, overdue, "连接在 DATA 之后断开")
