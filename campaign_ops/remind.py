"""Reminders and notices: who gets which email at a reminder moment, and sending it once.

The remind DAG, the ``campaign-ops remind`` command and the tests all call the same two steps:

1. ``messages_due(campaign, moment, session)`` decides, from the campaign's timeline and the
   warehouse, which messages are due at ``moment``: the mobilization notice, phase notices,
   pre-deadline and overdue reminders (only to units still missing something, naming it), and
   the ops digest. It reads, never writes, and returns JSON-serialisable ``Message`` objects.
2. ``send_messages(campaign, messages, transport)`` renders and delivers each one through the
   mail ledger: reserved before sending, outcome recorded after, never sent twice.

Decisions the issue left open (and why):

- A pre-deadline reminder due at the same moment as the mobilization notice is folded into
  the notice, which already lists every deadline: a unit gets one email on the first day.
- A deliverable that has arrived but is not yet checked (``received``) is not chased: the unit
  has done its part. One whose file is rejected is chased, with the reasons; one whose file is
  empty or half-copied (``not_ready``) is chased with a request to upload it again.
- Units reach their contacts; when a unit lists only a leader, the leader is the recipient.
- The ops digest goes out at every moment with a pre-deadline or overdue reminder. It covers
  the rounds chased at that moment and every past round still missing something, and lists
  every email that failed or may have been delivered (``uncertain``) so a person can act.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.campaign import Campaign, Deliverable, Round, Unit
from campaign_ops.mail import Attachment, Draft, Outcome, Transport, compose_mail, render_mail
from campaign_ops.store.ledger import (
    MailKey,
    ledger_entry,
    mark_failed,
    mark_sent,
    mark_uncertain,
    message_id_for,
    reserve,
)
from campaign_ops.store.matrix import MatrixStatus, SubmissionMatrix, submission_matrix
from campaign_ops.store.models import (
    MailLedgerEntry,
    MailStatus,
    Submission,
    SubmissionStatus,
    ValidationFinding,
)
from campaign_ops.timeline import Event, build_timeline, escalates

log = logging.getLogger(__name__)

KINDS = ("notice", "phase", "reminder", "overdue", "digest")
OPS_GROUP = "ops"
MAX_FINDINGS_SHOWN = 10
# A reservation older than this without an outcome: the sender died mid-send.
STALE_RESERVATION = dt.timedelta(minutes=30)
# How long a failed or maybe-delivered email keeps appearing in the ops digests.
ATTENTION_WINDOW = dt.timedelta(days=7)


# ---- the message ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One email decided for a moment. ``context`` holds what the warehouse said at decision
    time (what is missing, why a file was rejected, the digest table); the rest of the body
    is rendered from the campaign when it is sent."""

    kind: str  # notice | phase | reminder | overdue | digest
    moment: str  # ISO 8601 in the campaign's time zone
    recipient_key: str  # unit code, or "ops"
    to: tuple[str, ...]
    subject: str
    cc: tuple[str, ...] = ()
    round: str | None = None
    unit: str | None = None
    context: dict[str, Any] = field(default_factory=dict)

    def key(self, campaign_id: str) -> MailKey:
        """The natural key (campaign, kind, round or '', unit or group, moment)."""
        return MailKey(
            campaign_id,
            self.kind,
            self.recipient_key,
            dt.datetime.fromisoformat(self.moment),
            round_id=self.round or "",
        )

    @property
    def recipients(self) -> list[str]:
        return list(dict.fromkeys([*self.to, *self.cc]))

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["to"], data["cc"] = list(self.to), list(self.cc)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        return cls(**{**data, "to": tuple(data["to"]), "cc": tuple(data.get("cc", ()))})

    def summary(self) -> dict[str, Any]:
        """What ``campaign-ops remind --json`` prints for each message."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "round": self.round,
            "unit": self.unit,
            "to": list(self.to),
            "cc": list(self.cc),
            "subject": self.subject,
            "moment": self.moment,
        }
        if "missing" in self.context:
            out["missing"] = [m["label"] for m in self.context["missing"]]
        return out


# ---- what the warehouse says ------------------------------------------------------------------


@dataclass(frozen=True)
class Outstanding:
    """A deliverable a unit still owes for a round, and why."""

    key: str
    label: str
    state: str  # missing | rejected | not_ready
    file: str | None = None
    summary: str | None = None
    findings: tuple[str, ...] = ()
    more_findings: int = 0

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "findings": list(self.findings)}


class DeliveryState:
    """The submission matrix plus, for each deliverable not yet accepted, its latest version
    (with the rejection reasons). Requirements come from the YAML, so a round the warehouse
    has not heard of yet counts as "nothing delivered" rather than "nothing required"."""

    def __init__(self, campaign: Campaign, matrix: SubmissionMatrix, latest: dict, findings: dict):
        self.campaign = campaign
        self.matrix = matrix
        self._latest: dict[tuple[str, str, str], Submission] = latest
        self._findings: dict[int, list[ValidationFinding]] = findings

    @classmethod
    def load(cls, session: Session, campaign: Campaign) -> DeliveryState:
        matrix = submission_matrix(session, campaign)
        latest: dict[tuple[str, str, str], Submission] = {}
        for sub in session.scalars(
            sa.select(Submission).filter_by(campaign_id=campaign.id).order_by(Submission.version)
        ):
            latest[(sub.unit_code, sub.round_id, sub.deliverable_key)] = sub
        rejected = [s.id for s in latest.values() if s.status == SubmissionStatus.rejected]
        findings: dict[int, list[ValidationFinding]] = defaultdict(list)
        if rejected:
            for f in session.scalars(
                sa.select(ValidationFinding)
                .where(ValidationFinding.submission_id.in_(rejected))
                .order_by(ValidationFinding.submission_id, ValidationFinding.position)
            ):
                findings[f.submission_id].append(f)
        return cls(campaign, matrix, latest, findings)

    def status(self, unit: Unit, round_: Round) -> MatrixStatus:
        """The matrix cell, except that a unit still owing something counts as missing it
        even when another of its files waits to be checked (the matrix shows "received")."""
        status = self.matrix.status(unit.code, round_.id) or MatrixStatus.missing
        if status.complete:
            return status
        states = {o.state for o in self.outstanding(unit, round_)}
        for candidate in (MatrixStatus.rejected, MatrixStatus.not_ready, MatrixStatus.missing):
            if candidate.value in states:
                return candidate
        return MatrixStatus.received

    def outstanding(self, unit: Unit, round_: Round) -> list[Outstanding]:
        """What the unit must still (re)send for the round; empty when nothing is asked of it.
        Files waiting to be checked are not listed: the unit has done its part."""
        cell = self.matrix.cells.get((unit.code, round_.id))
        keys = set(cell.outstanding) if cell else {d.key for d in round_.deliverables}
        out = []
        for d in round_.deliverables:
            if d.key not in keys:
                continue
            sub = self._latest.get((unit.code, round_.id, d.key))
            state = sub.status if sub else "missing"
            if state in (SubmissionStatus.received, SubmissionStatus.accepted):
                continue
            out.append(self._describe(d.key, deliverable_label(d), state, sub))
        return out

    def _describe(self, key: str, label: str, state: str, sub: Submission | None) -> Outstanding:
        if sub is None or state not in (SubmissionStatus.rejected, SubmissionStatus.not_ready):
            return Outstanding(key, label, "missing")
        errors = [f for f in self._findings.get(sub.id, []) if f.severity == "error"]
        shown = [_finding_text(f) for f in errors[:MAX_FINDINGS_SHOWN]]
        return Outstanding(
            key,
            label,
            state,
            file=sub.archived_file.original_name if sub.archived_file else None,
            summary=sub.rejection_summary,
            findings=tuple(shown),
            more_findings=max(0, len(errors) - len(shown)),
        )


def deliverable_label(deliverable: Deliverable) -> str:
    """How an email names a deliverable; a statistics form by its title in 《》, so two
    统计表 of one round are told apart."""
    return f"《{deliverable.label}》" if deliverable.form else deliverable.label


def _finding_text(f: ValidationFinding) -> str:
    where = "、".join(p for p in (f.sheet, f.row_label, f.column_label) if p)
    text = f"{where}：{f.message}" if where else f.message
    if f.value_found:
        text += f"（填报值：{f.value_found}）"
    return text


# ---- deciding ---------------------------------------------------------------------------------


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
    subject = f"{_prefix(campaign)}动员部署通知：工作日程及报表模板"
    msgs = [
        _for_unit(u, kind="notice", moment=moment.isoformat(), subject=f"{subject}（{u.name}）")
        for u in campaign.units
    ]
    return [m for m in msgs if m]


def _phase_notices(campaign: Campaign, event: Event, moment: dt.datetime) -> list[Message]:
    phase = next(p for p in campaign.phases if p.id == event.phase)
    label = "年度阶段" if phase.kind == "stage" else "阶段"
    subject = (
        f"{_prefix(campaign)}阶段转换通知：{phase.start.month}月{phase.start.day}日起"
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
                f"{_prefix(campaign)}逾期催报：“{round_.title}”已逾期 {days} 个工作日，"
                f"{unit.short_name}尚缺 {len(missing)} 项材料"
            )
        else:
            subject = (
                f"{_prefix(campaign)}催报提醒：“{round_.title}”将于{due}截止，"
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
    MatrixStatus.rejected: "rejected",
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
        past = _due_at(campaign, round_) < moment
        table: dict[str, list[str]] = {v: [] for v in _DIGEST_COLUMNS.values()}
        for unit in campaign.units_for(round_):
            table[_DIGEST_COLUMNS[state.status(unit, round_)]].append(unit.short_name)
        incomplete = any(table[k] for k in ("rejected", "pending", "not_ready", "missing"))
        if round_.id in chased or (past and incomplete):
            reminded = [m.unit for m in decided if m.round == round_.id]
            rounds.append({"round": round_.id, "past": past, "reminded": len(reminded), **table})
    notified = sum(1 for m in decided if m.kind in ("notice", "phase"))
    return Message(
        kind="digest",
        moment=moment.isoformat(),
        recipient_key=OPS_GROUP,
        to=to,
        subject=f"{_prefix(campaign)}报送情况汇总（{moment.month}月{moment.day}日{moment:%H:%M}）",
        context={"rounds": rounds, "notified": notified},
    )


def _due_at(campaign: Campaign, round_: Round) -> dt.datetime:
    hh, mm = (int(x) for x in round_.deadline_time.split(":"))
    return dt.datetime.combine(round_.deadline, dt.time(hh, mm), ZoneInfo(campaign.timezone))


# ---- rendering --------------------------------------------------------------------------------


def draft_for(campaign: Campaign, message: Message, workdir: Path) -> Draft:
    """The finished email: bodies rendered from ``include/templates/mail_<kind>``, the
    mobilization notice with the unit's blank templates (written under ``workdir``)."""
    moment = dt.datetime.fromisoformat(message.moment)
    unit = campaign.unit(message.unit) if message.unit else None
    round_ = campaign.round(message.round) if message.round else None
    attachments: list[Attachment] = []
    if message.kind == "notice" and unit is not None:
        attachments = [Attachment.from_path(p) for p in blank_templates(campaign, unit, workdir)]
    context: dict[str, Any] = {
        "campaign": campaign,
        "message": message,
        "moment": moment,
        "unit": unit,
        "round": round_,
        "due": _due_at(campaign, round_) if round_ else None,
        "calendar": _calendar(campaign, unit),
        "attachments": [a.filename for a in attachments],
        **message.context,
    }
    if message.kind == "phase":
        context["phase"] = next(p for p in campaign.phases if p.id == message.context["phase"])
    if message.kind == "digest":
        context["rounds"] = [
            {**r, "info": campaign.round(r["round"])} for r in message.context["rounds"]
        ]
        context["attention"] = _attention(campaign, message)
    template = "reminder" if message.kind == "overdue" else message.kind
    html, text = render_mail(template, context)
    return Draft(
        sender_name=campaign.sender.name,
        sender_email=campaign.sender.email,
        to=message.to,
        cc=message.cc,
        subject=message.subject,
        text=text,
        html=html,
        message_id=message_id_for(message.key(campaign.id)),
        attachments=tuple(attachments),
        headers={"X-Campaign-Ops-Key": str(message.key(campaign.id))},
    )


def _calendar(campaign: Campaign, unit: Unit | None) -> list[dict[str, Any]]:
    """The deadlines this unit must meet (all of them for ops), in date order."""
    from campaign_ops.timeline import why_not_working

    rows = []
    for r in sorted(campaign.rounds, key=lambda r: r.deadline):
        if unit is not None and unit not in campaign.units_for(r):
            continue
        phase = campaign.phase_on(r.deadline)
        rows.append(
            {
                "round": r,
                "deliverables": [deliverable_label(d) for d in r.deliverables],
                "phase": phase.name if phase else "",
                "non_working_day": why_not_working(r.deadline),
            }
        )
    return rows


def blank_templates(campaign: Campaign, unit: Unit, workdir: Path) -> list[Path]:
    """The unit's own blank Excel templates for every round that asks for statistics.

    Hook into the forms module (``campaign_ops.forms.template.generate_templates``); each
    template carries its round in hidden metadata, so intake can tell the rounds apart."""
    from campaign_ops.forms.template import generate_templates

    paths: list[Path] = []
    for r in campaign.rounds:
        if r.forms and unit in campaign.units_for(r):
            target = workdir / unit.code / r.id
            paths += generate_templates(campaign, target, round_id=r.id, unit_code=unit.code)
    return paths


def _attention(campaign: Campaign, digest: Message) -> list[dict[str, Any]]:
    """Emails a person must look at: failed, maybe delivered, or stuck while sending, as
    recorded in the last ``ATTENTION_WINDOW`` (there is no "resolved" flag to clear them)."""
    from campaign_ops.store.db import session_scope

    now = dt.datetime.now(dt.UTC)
    own = digest.key(campaign.id)
    entry = MailLedgerEntry
    with session_scope() as s:
        rows = s.scalars(
            sa.select(entry)
            .where(
                entry.campaign_id == campaign.id,
                entry.updated_at >= now - ATTENTION_WINDOW,
                sa.or_(
                    entry.status.in_([MailStatus.failed, MailStatus.uncertain]),
                    sa.and_(
                        entry.status == MailStatus.reserved,
                        entry.updated_at < now - STALE_RESERVATION,
                    ),
                ),
                sa.not_(
                    sa.and_(*own.where())  # the digest itself is being sent right now
                ),
            )
            .order_by(entry.moment, entry.id)
        ).all()
    return [
        {
            "status": row.status,
            "subject": row.subject or row.kind,
            "who": _who(campaign, row.recipient_key),
            "recipients": row.recipients or "",
            "moment": _local_moment_text(campaign, row.moment),
            "error": row.last_error or "",
            "attempts": row.attempts,
        }
        for row in rows
    ]


def _who(campaign: Campaign, recipient_key: str) -> str:
    unit = campaign.units_by_code.get(recipient_key)
    if unit:
        return unit.short_name
    return "市局工作人员" if recipient_key == OPS_GROUP else recipient_key


def _local_moment_text(campaign: Campaign, moment: str) -> str:
    """A ledger moment (UTC ISO, or another token such as ``submission-42``) for people."""
    try:
        when = dt.datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return moment
    local = when.astimezone(ZoneInfo(campaign.timezone))
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


# ---- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What happened to one message: sent, failed, uncertain, or skipped (the ledger says it
    was already sent, may have been, or is being sent by someone else)."""

    message: Message
    status: str
    detail: str = ""


def outbox_name(campaign: Campaign, message: Message) -> str:
    """``<campaign>/<YYYY-MM-DD_HHMM>/<kind>-<round>-<unit or group>.eml``: one file per key."""
    moment = dt.datetime.fromisoformat(message.moment)
    return (
        f"{campaign.id}/{moment:%Y-%m-%d_%H%M}/"
        f"{message.kind}-{message.round or 'all'}-{message.recipient_key}.eml"
    )


def send_messages(
    campaign: Campaign, messages: Iterable[Message], transport: Transport
) -> list[Delivery]:
    """Deliver each message at most once, through the ledger; the digest goes last so it can
    report this run's failures. Never raises for a delivery problem: see the results."""
    from campaign_ops.store.db import session_scope

    ordered = sorted(messages, key=lambda m: m.kind == "digest")
    results: list[Delivery] = []
    with tempfile.TemporaryDirectory(prefix="campaign-ops-mail-") as tmp:
        for message in ordered:
            key = message.key(campaign.id)
            with session_scope() as s:
                if not reserve(s, key, recipients=message.recipients, subject=message.subject):
                    entry = ledger_entry(s, key)
                    status = entry.status if entry else "?"
                    results.append(Delivery(message, "skipped", f"邮件台账状态：{status}"))
                    continue
            outcome = _deliver(campaign, message, transport, Path(tmp))
            with session_scope() as s:
                _record(s, key, outcome)
            results.append(Delivery(message, outcome.status, outcome.detail))
            log.info("%s %s → %s：%s", outcome.status, key, message.recipients, outcome.detail)
    return results


def _deliver(campaign: Campaign, message: Message, transport: Transport, workdir: Path) -> Outcome:
    try:
        mail = compose_mail(draft_for(campaign, message, workdir))
    except Exception as exc:  # a bad template or form spec must not leave the row reserved
        log.exception("生成邮件失败：%s", message.subject)
        return Outcome("failed", f"生成邮件失败：{exc!r}")
    return transport.deliver(
        mail,
        sender=campaign.sender.email,
        recipients=message.recipients,
        name=outbox_name(campaign, message),
    )


def _record(session: Session, key: MailKey, outcome: Outcome) -> None:
    if outcome.status == "sent":
        mark_sent(session, key)
    elif outcome.status == "uncertain":
        mark_uncertain(session, key, outcome.detail)
    else:
        mark_failed(session, key, outcome.detail or "未知错误")


# ---- the warehouse ----------------------------------------------------------------------------


def prepare_warehouse(campaign: Campaign) -> None:
    """Make sure the warehouse schema is current and knows this campaign's rounds and units
    (both idempotent), so the decision sees what each round requires."""
    from campaign_ops.store import session_scope, sync_campaign, upgrade

    upgrade()
    with session_scope() as s:
        sync_campaign(s, campaign)
