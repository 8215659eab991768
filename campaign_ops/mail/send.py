"""The one outbound mail path: every email (reminders, receipts, pre-check answers, reports)
is reserved in the mail ledger, composed, delivered and recorded here.

Each message is reserved (committed) before it is sent and its outcome recorded after: a task
that is retried or run twice skips what was sent or may have been sent, and sends again only
what definitely failed. The body is composed only after the reservation, so a report already
sent is not even rebuilt."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from campaign_ops.mail.compose import Draft, compose_mail
from campaign_ops.mail.message import Message
from campaign_ops.mail.transport import Outcome, Transport
from campaign_ops.store.ledger import ledger_entry, mark_outcome, reserve

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from campaign_ops.campaign import Campaign

log = logging.getLogger(__name__)

# Builds the email of a reserved message; ``workdir`` is a scratch folder for attachments.
Compose = Callable[["Campaign", Message, Path], Draft]
# Called in the transaction that records a message's outcome (e.g. what a sent report showed).
Recorded = Callable[["Session", Message, Outcome], None]


@dataclass(frozen=True)
class Delivery:
    """What happened to one message: sent, failed, uncertain, or skipped (the ledger says it
    was already sent, may have been, or is being sent by someone else)."""

    message: Message
    status: str
    detail: str = ""


def outbox_name(campaign: Campaign, message: Message) -> str:
    """``<campaign>/<YYYY-MM-DD_HHMMSS>/<kind>-<round or all>-<unit or group>[-<token>].eml``,
    the moment in the campaign's time zone: one file per ledger key, for every kind (seconds
    too: two scans or corrections within a minute are different mails; a pre-check answer
    adds the first 12 characters of its file's sha256)."""
    moment = dt.datetime.fromisoformat(message.moment)
    return (
        f"{campaign.id}/{moment:%Y-%m-%d_%H%M%S}/"
        f"{message.kind}-{message.round or 'all'}-{message.recipient_key}"
        + (f"-{message.token[:12]}" if message.token else "")
        + ".eml"
    )


# Messages reserved in one transaction, together with the outcome of the one before. Each
# commit on SQLite waits for the disk (synchronous=FULL on purpose). More than one
# would save commits, but a worker killed mid-chunk would leave messages that never left
# "reserved" — never resent, and ops could not tell them from the one in flight (the fault
# test of a killed worker showed receipts lost that way). One per commit: at most one message
# per killed worker is uncertain.
RESERVE_AHEAD = 1


def send_now(campaign: Campaign, messages: list[Message]) -> list[Delivery]:
    """Send through the configured transport (SMTP when the connection exists, else the
    outbox), closing the SMTP connection after, not leaving it to the garbage collector."""
    from campaign_ops.mail.transport import open_transport

    if not messages:
        return []
    transport = open_transport()
    try:
        return send_messages(campaign, messages, transport)
    finally:
        transport.close()


def send_messages(
    campaign: Campaign,
    messages: Iterable[Message],
    transport: Transport,
    *,
    compose: Compose | None = None,
    recorded: Recorded | None = None,
) -> list[Delivery]:
    """Deliver each message at most once, through the ledger; the digest goes last so it can
    report this run's failures. Never raises for a delivery problem: see the results.

    ``compose`` builds each email (default: the mail templates, ``remind.drafts.draft_for``);
    ``recorded`` runs where each outcome is recorded. Messages are reserved ``RESERVE_AHEAD``
    at a time, in the same transaction that records the outcomes of the previous ones; if
    sending stops on an exception, the outcomes so far are recorded and the reserved messages
    not yet handed to the transport are released as ``failed`` (definitely not sent), so the
    next run sends them."""
    from campaign_ops.store.db import session_scope

    if compose is None:
        from campaign_ops.remind.drafts import draft_for as compose
    ordered = sorted(messages, key=lambda m: m.kind == "digest")
    results: list[Delivery] = []
    outcomes: list[tuple[Message, Outcome]] = []  # delivered, not yet recorded
    with tempfile.TemporaryDirectory(prefix="campaign-ops-mail-") as tmp:
        for chunk in _chunks(ordered):
            with session_scope() as s:
                _record(s, campaign, outcomes, recorded)
                claimed, skipped = _reserve(s, campaign, chunk)
            outcomes = []
            done: dict[int, Delivery] = dict(skipped)
            try:
                for i, message in claimed:
                    outcome = _deliver(campaign, message, transport, compose, Path(tmp))
                    outcomes.append((message, outcome))
                    done[i] = Delivery(message, outcome.status, outcome.detail)
                    log.info(
                        "%s %s → %s：%s",
                        outcome.status,
                        message.key(campaign.id),
                        message.recipients,
                        outcome.detail,
                    )
            except BaseException:
                _stop(campaign, claimed, done, outcomes, recorded)
                raise
            results += [done[i] for i in sorted(done)]
        with session_scope() as s:
            _record(s, campaign, outcomes, recorded)
    return results


def _chunks(ordered: list[Message]) -> Iterator[list[tuple[int, Message]]]:
    """Numbered messages, ``RESERVE_AHEAD`` at a time; the digest in a chunk of its own, so
    every other outcome is recorded before it is rendered."""
    chunk: list[tuple[int, Message]] = []
    for i, message in enumerate(ordered):
        if chunk and (len(chunk) >= RESERVE_AHEAD or message.kind == "digest"):
            yield chunk
            chunk = []
        chunk.append((i, message))
    if chunk:
        yield chunk


def _reserve(
    session: Session, campaign: Campaign, chunk: list[tuple[int, Message]]
) -> tuple[list[tuple[int, Message]], dict[int, Delivery]]:
    """Reserve each message of the chunk: (the ones this run sends, the skipped ones)."""
    claimed, skipped = [], {}
    for i, message in chunk:
        key = message.key(campaign.id)
        if reserve(session, key, recipients=message.recipients, subject=message.subject):
            claimed.append((i, message))
        else:
            entry = ledger_entry(session, key)
            status = entry.status if entry else "?"
            skipped[i] = Delivery(message, "skipped", f"邮件台账状态：{status}")
    return claimed, skipped


def _record(
    session: Session,
    campaign: Campaign,
    outcomes: list[tuple[Message, Outcome]],
    recorded: Recorded | None,
) -> None:
    for message, outcome in outcomes:
        mark_outcome(session, message.key(campaign.id), outcome.status, outcome.detail)
        if recorded is not None:
            recorded(session, message, outcome)


def _stop(
    campaign: Campaign,
    claimed: list[tuple[int, Message]],
    done: dict[int, Delivery],
    outcomes: list[tuple[Message, Outcome]],
    recorded: Recorded | None,
) -> None:
    """Sending stopped on an exception: record what was delivered, and release the
    reservations never handed to the transport. The one in flight stays reserved (it may
    have gone out): the digest lists it for a person, as before."""
    from campaign_ops.store.db import session_scope

    in_flight = next((i for i, _ in claimed if i not in done), None)
    unsent = [
        (m, Outcome("failed", "未发送：发送任务中断，下次运行时重发"))
        for i, m in claimed
        if i not in done and i != in_flight
    ]
    try:
        with session_scope() as s:
            _record(s, campaign, outcomes + unsent, recorded)
    except Exception:  # the warehouse is gone too: the rows stay reserved, which is safe
        log.exception("发送中断后未能记录邮件台账")


def _deliver(
    campaign: Campaign, message: Message, transport: Transport, compose: Compose, workdir: Path
) -> Outcome:
    try:
        mail = compose_mail(compose(campaign, message, workdir))
    except Exception as exc:  # a bad template or form spec must not leave the row reserved
        log.exception("生成邮件失败：%s", message.subject)
        return Outcome("failed", f"生成邮件失败：{exc!r}")
    return transport.deliver(
        mail,
        sender=campaign.sender.email,
        recipients=message.recipients,
        name=outbox_name(campaign, message),
    )
