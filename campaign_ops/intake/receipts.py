"""Receipts: after each scan, every unit whose files were processed hears what happened.

One email per unit per scan, listing each file with the round and deliverable it counted for:
accepted (on time or late, with its key figures), sent back (with the Chinese error report and
what to do), or recognised as a copy of what the unit already sent. Built from the intake
log of that scan rather than from task results, so a retried task cannot garble it; sent
through the mail ledger, so a re-run never sends it twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from campaign_ops.campaign import Campaign
from campaign_ops.mail.message import Message
from campaign_ops.vocabulary import FILE_OUTCOME_LABELS, SEVERITY_LABELS

MAX_FINDINGS = 10
RECEIPT_OUTCOMES = ("accepted", "rejected", "refused", "unidentified", "duplicate")
TO_FIX = ("rejected", "refused", "unidentified")  # outcomes the unit must act on


def receipts_for_scan(session, campaign: Campaign, moment: dt.datetime) -> list[Message]:
    """The receipts for the files this scan (``moment``) gave an outcome to."""
    import sqlalchemy as sa

    from campaign_ops.mailbox.replies import is_mailbox_source, mail_receipts
    from campaign_ops.store.intake_log import IntakeEvent

    events = session.scalars(
        sa.select(IntakeEvent)
        .where(
            IntakeEvent.campaign_id == campaign.id,
            IntakeEvent.last_seen_at == moment,
            IntakeEvent.outcome.in_(RECEIPT_OUTCOMES),
            IntakeEvent.unit_code.is_not(None),
        )
        .order_by(IntakeEvent.path)
    ).all()
    by_unit: dict[str, list[dict]] = defaultdict(list)
    mailed: list[tuple[object, dict]] = []  # answered one mail at a time, in its thread
    for e in events:
        item = receipt_item(session, campaign, e)
        if is_mailbox_source(e.source):
            mailed.append((e, item))
        else:
            by_unit[e.unit_code].append(item)
    local = moment.astimezone(ZoneInfo(campaign.timezone))
    messages = []
    for code, files in by_unit.items():
        unit = campaign.unit(code)
        title = campaign.display_title
        messages.append(
            Message(
                kind="receipt",
                moment=local.isoformat(),
                recipient_key=code,
                to=tuple(unit.emails),
                subject=f"【{title}】报送回执：收到 {len(files)} 个文件，{receipt_verdict(files)}",
                unit=code,
                context={"files": files, "rejected": _to_fix(files), "correction": False},
            )
        )
    return messages + mail_receipts(session, campaign, local, mailed)


def receipt_item(session, campaign: Campaign, e) -> dict:
    """One file's line in a receipt, from its intake event."""
    from campaign_ops.store import findings_of
    from campaign_ops.store.models import Submission

    sub = session.get(Submission, e.submission_id) if e.submission_id else None
    round_id = sub.round_id if sub else e.round_id
    item = {
        "path": e.path,
        "name": e.path.rsplit("/", 1)[-1],
        "outcome": e.outcome,
        "outcome_label": FILE_OUTCOME_LABELS[e.outcome],
        "message": e.message or "",
        "round": round_id,
        "counted_for": counted_for(campaign, round_id, sub.deliverable_key) if sub else "",
        "round_to_confirm": bool(sub and sub.round_candidates),
        "version": sub.version if sub else None,
        "on_time": sub.on_time if sub else None,
        "findings": [],
    }
    if sub is not None:  # errors of a rejected file; notes and warnings of an accepted one
        found = findings_of(session, sub.id)
        item["findings"] = [f"{SEVERITY_LABELS[f.severity]}：{_finding_text(f)}" for f in found]
        item["findings"] = item["findings"][:MAX_FINDINGS]
    return item


def _to_fix(files: list[dict]) -> int:
    return sum(f["outcome"] in TO_FIX for f in files)


def receipt_verdict(files: list[dict]) -> str:
    """The subject's summary of what became of these files."""
    rejected = _to_fix(files)
    accepted = sum(f["outcome"] == "accepted" for f in files)
    if rejected:
        return f"{rejected} 个文件需要修改后重新报送"
    if accepted == len(files):
        return "全部接收"
    if accepted == 0:
        return "均为此前已报送过的相同文件"
    return f"接收 {accepted} 个，其余为此前已报送过的相同文件"


def counted_for(campaign: Campaign, round_id: str | None, deliverable: str | None) -> str:
    """``第一次阶段性报送（5月10日前）· 典型案例``: what a file counted for ('' if nothing)."""
    if not round_id:
        return ""
    round_ = campaign.round(round_id)
    labels = {d.key: d.label for d in round_.deliverables}
    parts = [round_.title, labels.get(deliverable, "")] if deliverable else [round_.title]
    return " · ".join(p for p in parts if p)


def _finding_text(f) -> str:
    """``工作表“X”，“医疗”行，“立案数”栏：…`` — where the problem is, then what it is."""
    parts = (
        f.sheet and f"工作表“{f.sheet}”",
        f.row_label and f"“{f.row_label}”行",
        f.column_label and f"“{f.column_label}”栏",
    )
    where = "，".join(p for p in parts if p)
    return f"{where}：{f.message}" if where else f.message


def earlier_failed_receipts(session, campaign: Campaign, moment: dt.datetime) -> list[Message]:
    """Receipts of earlier scans that definitely did not go out (the mail server was down or
    refused them after every retry of that scan's task), rebuilt under their own keys.

    Without this a unit whose receipt failed never got it: each scan only sends its own."""
    import sqlalchemy as sa

    from campaign_ops.store.models import MailLedgerEntry, MailStatus

    rows = session.execute(
        sa.select(MailLedgerEntry.moment, MailLedgerEntry.recipient_key).where(
            MailLedgerEntry.campaign_id == campaign.id,
            MailLedgerEntry.kind == "receipt",
            MailLedgerEntry.status == MailStatus.failed.value,
        )
    ).all()
    units_by_moment: dict[dt.datetime, set[str]] = defaultdict(set)
    for text, unit in rows:
        at = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        if at != moment:
            units_by_moment[at].add(unit)
    return [
        m
        for at, units in sorted(units_by_moment.items())
        for m in receipts_for_scan(session, campaign, at)
        if m.recipient_key in units
    ]


def send_receipts(campaign: Campaign, moment: dt.datetime) -> list:
    """Decide and send this scan's receipts (SMTP when configured, else the outbox), and
    those of earlier scans that failed."""
    from campaign_ops.mail.send import send_now
    from campaign_ops.store import session_scope

    with session_scope() as session:
        messages = earlier_failed_receipts(session, campaign, moment)
        messages += receipts_for_scan(session, campaign, moment)
    return send_now(campaign, messages)


def correction_receipt(
    campaign: Campaign, submission, file_name: str, previous_round: str, at: dt.datetime
) -> Message:
    """The unit hears that ops counted its file for another round: the receipt, corrected.
    Keyed by the moment of the decision (a repeated command decides nothing new)."""
    unit = campaign.unit(submission.unit_code)
    local = at.astimezone(ZoneInfo(campaign.timezone))
    before = campaign.round(previous_round).title
    now_for = counted_for(campaign, submission.round_id, submission.deliverable_key)
    item = {
        "path": "",
        "name": file_name,
        "outcome": "accepted",
        "outcome_label": FILE_OUTCOME_LABELS["accepted"],
        "message": f"市局已将此文件由“{before}”改为计入“{now_for}”。",
        "round": submission.round_id,
        "counted_for": now_for,
        "round_to_confirm": False,
        "version": submission.version,
        "on_time": submission.on_time,
        "findings": [],
    }
    return Message(
        kind="receipt",
        moment=local.isoformat(),
        recipient_key=unit.code,
        to=tuple(unit.emails),
        subject=f"【{campaign.display_title}】报送回执（更正）：材料改为计入“{now_for}”",
        round=submission.round_id,  # its own key beside the scan's receipt of the same moment
        unit=unit.code,
        context={"files": [item], "rejected": 0, "correction": True},
    )
