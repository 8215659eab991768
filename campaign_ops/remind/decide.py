"""Deciding who gets which email at a reminder moment (reads the warehouse, never writes)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from campaign_ops.campaign import Campaign, Round, Unit
from campaign_ops.mail.message import Message
from campaign_ops.remind.message import OPS_GROUP
from campaign_ops.remind.state import DeliveryState
from campaign_ops.review.board import with_overdue
from campaign_ops.store.matrix import MatrixStatus
from campaign_ops.timeline import Event, build_timeline, escalates
from campaign_ops.vocabulary import MAIL_KIND_LABELS

log = logging.getLogger(__name__)


def messages_due(campaign: Campaign, moment: dt.datetime, session: Session) -> list[Message]:
    """Every message due at ``moment`` (aware; a reminder moment of the timeline), unit
    messages first and the ops digest last. Empty when ``moment`` is not a reminder moment."""
    events = [e for e in build_timeline(campaign).events_at(moment) if e.kind == "reminder"]
    if not events:
        return []
    local = moment.astimezone(ZoneInfo(campaign.timezone))
    state = DeliveryState.load(session, campaign)
    with_notice = any(e.purpose == "notice" for e in events)
    messages: list[Message] = []
    for event in events:
        if event.purpose == "notice":
            messages += _notices(campaign, local)
        elif event.purpose == "phase":
            messages += _phase_notices(campaign, event, local)
        elif event.purpose == "overdue" or (event.purpose == "before" and not with_notice):
            messages += _chasers(campaign, event, local, state)
    digest = _digest(campaign, events, local, state, messages)
    return messages + ([digest] if digest else [])


def _prefix(campaign: Campaign) -> str:
    return f"【{campaign.display_title}】"


def _unit_recipients(unit: Unit) -> tuple[str, ...]:
    return tuple(unit.emails or unit.leader_emails)


def _for_unit(unit: Unit, **fields: Any) -> Message | None:
    to = _unit_recipients(unit)
    if not to:
        log.warning("单位 %s 没有邮箱地址，未发送：%s", unit.name, fields["subject"])
        return None
    return Message(to=to, recipient_key=unit.code, unit=unit.code, **fields)


def _notices(campaign: Campaign, moment: dt.datetime) -> list[Message]:
    subject = f"{_prefix(campaign)}{MAIL_KIND_LABELS['notice']}：工作日程及报表模板"
    msgs = [
        _for_unit(u, kind="notice", moment=moment.isoformat(), subject=f"{subject}（{u.name}）")
        for u in campaign.units
    ]
    return [m for m in msgs if m]


def _phase_notices(campaign: Campaign, event: Event, moment: dt.datetime) -> list[Message]:
    phase = next(p for p in campaign.phases if p.id == event.phase)
    label = "年度阶段" if phase.kind == "stage" else "阶段"
    subject = (
        f"{_prefix(campaign)}{MAIL_KIND_LABELS['phase']}：{phase.start.month}月{phase.start.day}日起"
        f"进入“{phase.name}”{label}"
    )
    msgs = [
        _for_unit(
            u,
            kind="phase",
            moment=moment.isoformat(),
            subject=subject,
            context={"phase": phase.id},
        )
        for u in campaign.units
    ]
    return [m for m in msgs if m]


def _chasers(
    campaign: Campaign, event: Event, moment: dt.datetime, state: DeliveryState
) -> list[Message]:
    """Pre-deadline or overdue reminders of one round, to the units still missing something."""
    round_ = campaign.round(event.round or "")
    overdue = event.purpose == "overdue"
    days = event.days or 0
    escalated = overdue and escalates(campaign, days)
    due = f"{round_.deadline.month}月{round_.deadline.day}日{round_.deadline_time}"
    out = []
    for unit in campaign.units_for(round_):
        missing = state.outstanding(unit, round_)
        if not missing:
            continue
        if overdue:
            subject = (
                f"{_prefix(campaign)}{MAIL_KIND_LABELS['overdue']}："
                f"“{round_.title}”已逾期 {days} 个工作日，"
                f"{unit.short_name}尚缺 {len(missing)} 项材料"
            )
        else:
            subject = (
                f"{_prefix(campaign)}{MAIL_KIND_LABELS['reminder']}："
                f"“{round_.title}”将于{due}截止，"
                f"{unit.short_name}尚缺 {len(missing)} 项材料"
            )
        cc = tuple(e for e in unit.leader_emails if e not in _unit_recipients(unit))
        msg = _for_unit(
            unit,
            kind="overdue" if overdue else "reminder",
            moment=moment.isoformat(),
            subject=subject,
            cc=cc if escalated else (),
            round=round_.id,
            context={
                "days": days,
                "escalated": escalated,
                "missing": [m.as_json() for m in missing],
            },
        )
        if msg:
            out.append(msg)
    return out


_DIGEST_COLUMNS = {
    MatrixStatus.accepted_on_time: "on_time",
    MatrixStatus.accepted_late: "late",
    MatrixStatus.awaiting_review: "awaiting_review",
    MatrixStatus.partial: "partial",
    MatrixStatus.rejected: "rejected",
    MatrixStatus.returned: "returned",
    MatrixStatus.received: "pending",
    MatrixStatus.not_ready: "not_ready",
    MatrixStatus.missing: "missing",
}


def _digest(
    campaign: Campaign,
    events: Sequence[Event],
    moment: dt.datetime,
    state: DeliveryState,
    decided: Sequence[Message],
) -> Message | None:
    """DHIS2's "collective summary" for the city bureau: per round, who is where."""
    chased = [e.round for e in events if e.purpose in ("before", "overdue") and e.round]
    if not chased:
        return None
    to = tuple(c.email for c in campaign.ops if c.email)
    if not to:
        log.warning("专项行动 %s 没有 ops 联系人邮箱，不发送汇总", campaign.id)
        return None
    rounds = []
    for round_ in campaign.rounds:
        past = due_at(campaign, round_) < moment
        table: dict[str, list[str]] = {v: [] for v in _DIGEST_COLUMNS.values()}
        for unit in campaign.units_for(round_):
            table[_DIGEST_COLUMNS[state.status(unit, round_)]].append(unit.short_name)
        incomplete = any(names for k, names in table.items() if k not in ("on_time", "late"))
        if round_.id in chased or (past and incomplete):
            reminded = [m.unit for m in decided if m.round == round_.id]
            rounds.append({"round": round_.id, "past": past, "reminded": len(reminded), **table})
    notified = sum(1 for m in decided if m.kind in ("notice", "phase"))
    return Message(
        kind="digest",
        moment=moment.isoformat(),
        recipient_key=OPS_GROUP,
        to=to,
        subject=f"{_prefix(campaign)}{MAIL_KIND_LABELS['digest']}（{moment.month}月{moment.day}日{moment:%H:%M}）",
        context={
            "rounds": rounds,
            "notified": notified,
            "to_confirm": state.to_confirm,
            "mailbox": state.mailbox,
            "review": with_overdue(state.review, moment),
        },
    )


def due_at(campaign: Campaign, round_: Round) -> dt.datetime:
    """A round's deadline as an aware moment in the campaign's time zone."""
    hh, mm = (int(x) for x in round_.deadline_time.split(":"))
    return dt.datetime.combine(round_.deadline, dt.time(hh, mm), ZoneInfo(campaign.timezone))
