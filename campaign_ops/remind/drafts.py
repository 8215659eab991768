"""Turning a decided ``Message`` into a finished email: bodies from the Jinja templates, the
unit's blank Excel templates attached to the mobilization notice, and for the ops digest the
mail problems a person must look at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from campaign_ops.campaign import Campaign, Round, Unit
from campaign_ops.mail import Attachment, Draft, render_mail
from campaign_ops.mail.message import Message
from campaign_ops.remind.decide import due_at
from campaign_ops.remind.location import ROUND_FOLDER_HINT, drop_location
from campaign_ops.remind.message import OPS_GROUP
from campaign_ops.remind.state import deliverable_label
from campaign_ops.store.models import MailLedgerEntry, MailStatus
from campaign_ops.vocabulary import (
    MAIL_INTERRUPTED,
    MAIL_KIND_LABELS,
    MAIL_STATUS_LABELS,
    MISSING_AFTER_DEADLINE,
    MISSING_BEFORE_DEADLINE,
    ROUND_STATUS_LABELS,
)

# The digest's columns (decide._DIGEST_COLUMNS) in the words the board and status use.
DIGEST_COLUMNS = (
    ("on_time", ROUND_STATUS_LABELS["accepted_on_time"]),
    ("late", ROUND_STATUS_LABELS["accepted_late"]),
    ("awaiting_review", ROUND_STATUS_LABELS["awaiting_review"]),
    ("partial", ROUND_STATUS_LABELS["partial"]),
    ("rejected", ROUND_STATUS_LABELS["rejected"]),
    ("returned", ROUND_STATUS_LABELS["returned"]),
    ("not_ready", ROUND_STATUS_LABELS["not_ready"]),
    ("pending", ROUND_STATUS_LABELS["received"]),
    ("missing", MISSING_BEFORE_DEADLINE),
)

# A reservation older than this without an outcome: the sender died mid-send.
STALE_RESERVATION = dt.timedelta(minutes=30)
# How long a failed or maybe-delivered email keeps appearing in the ops digests.
ATTENTION_WINDOW = dt.timedelta(days=7)


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
        "due": due_at(campaign, round_) if round_ else None,
        "calendar": _calendar(campaign, unit),
        "attachments": [a.filename for a in attachments],
        **message.context,
    }
    if unit is not None:
        found = message.context.get("path") if message.kind == "precheck" else None
        context["drop"] = drop_location(campaign, unit, precheck_file=found)
        context["round_folder"] = ROUND_FOLDER_HINT
    if message.kind == "phase":
        context["phase"] = next(p for p in campaign.phases if p.id == message.context["phase"])
    if message.kind == "digest":
        context["rounds"] = [
            {**r, "info": campaign.round(r["round"])} for r in message.context["rounds"]
        ]
        context["attention"] = _attention(campaign, message)
        context["columns"] = DIGEST_COLUMNS
        context["missing_after"] = MISSING_AFTER_DEADLINE
        context["kind_labels"] = MAIL_KIND_LABELS
        context["mail_words"] = {**MAIL_STATUS_LABELS, "reserved": MAIL_INTERRUPTED}
    template = "reminder" if message.kind == "overdue" else message.kind
    html, text = render_mail(template, context)
    return message.draft(campaign, html, text, tuple(attachments))


def _mail_state(status: str) -> str:
    """A digest lists a reservation only once it is stale: its sender stopped mid-way."""
    return MAIL_INTERRUPTED if status == MailStatus.reserved else MAIL_STATUS_LABELS[status]


def _calendar(campaign: Campaign, unit: Unit | None) -> list[dict[str, Any]]:
    """The deadlines this unit must meet (all of them for ops), in date order."""
    from campaign_ops.timeline import why_not_working

    rows = []
    for r in sorted(campaign.rounds, key=lambda r: r.deadline):
        if unit is not None and not _asks(r, unit):
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


def _asks(round_: Round, unit: Unit) -> bool:
    """Whether the round asks this unit to report: by code, because ``unit in
    campaign.units_for(r)`` compares whole pydantic models and made rendering one email
    O(units)."""
    return round_.units is None or unit.code in round_.units


def blank_templates(campaign: Campaign, unit: Unit, workdir: Path) -> list[Path]:
    """The unit's own blank Excel templates for every round that asks for statistics.

    Hook into the forms module (``campaign_ops.forms.template.generate_templates``); each
    template carries its round in hidden metadata, so intake can tell the rounds apart."""
    from campaign_ops.forms.template import generate_templates

    paths: list[Path] = []
    for r in campaign.rounds:
        if r.forms and _asks(r, unit):
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
    with session_scope(readonly=True) as s:
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
        # Read inside the session: a read-only session expires its objects when it ends.
        return [
            {
                "status": row.status,
                "label": _mail_state(row.status),
                "subject": row.subject or row.kind,
                "who": _who(campaign, row.recipient_key),
                "recipients": row.recipients or "",
                "moment": _local_moment_text(campaign, row.moment, row.created_at),
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


def _local_moment_text(campaign: Campaign, moment: str, created: dt.datetime | None = None) -> str:
    """A ledger moment (UTC ISO) for people; a token moment (a pre-check's sha256, a
    ``submission-42``) reads as the time the email was first decided."""
    try:
        when = dt.datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        if created is None:
            return moment
        when = created if created.tzinfo else created.replace(tzinfo=dt.UTC)
    local = when.astimezone(ZoneInfo(campaign.timezone))
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
