"""Sending decided messages exactly once, through the mail ledger (DESIGN.md §5).

Each message is reserved (committed) before it is sent and its outcome recorded after: a task
that is retried or run twice skips what was sent or may have been sent, and sends again only
what definitely failed."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from campaign_ops.campaign import Campaign
from campaign_ops.mail import Outcome, Transport, compose_mail
from campaign_ops.remind import render
from campaign_ops.remind.message import Message
from campaign_ops.store.ledger import (
    ledger_entry,
    mark_outcome,
    reserve,
)

log = logging.getLogger(__name__)


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
                mark_outcome(s, key, outcome.status, outcome.detail)
            results.append(Delivery(message, outcome.status, outcome.detail))
            log.info("%s %s → %s：%s", outcome.status, key, message.recipients, outcome.detail)
    return results


def _deliver(campaign: Campaign, message: Message, transport: Transport, workdir: Path) -> Outcome:
    try:
        mail = compose_mail(render.draft_for(campaign, message, workdir))
    except Exception as exc:  # a bad template or form spec must not leave the row reserved
        log.exception("生成邮件失败：%s", message.subject)
        return Outcome("failed", f"生成邮件失败：{exc!r}")
    return transport.deliver(
        mail,
        sender=campaign.sender.email,
        recipients=message.recipients,
        name=outbox_name(campaign, message),
    )


def prepare_warehouse(campaign: Campaign) -> None:
    """Make sure the warehouse schema is current and knows this campaign's rounds and units
    (both idempotent), so the decision sees what each round requires."""
    from campaign_ops.store import session_scope, sync_campaign, upgrade

    upgrade()
    with session_scope() as s:
        sync_campaign(s, campaign)
