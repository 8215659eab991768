"""The mail ledger: reserve an email before sending it, so it goes out at most once.

Airflow retries tasks and sometimes runs one twice (its issues 23520, 22224, 29872). The
protocol, which ``campaign_ops.mail.send.send_messages`` follows for every email (the one place
that does)::

    key = MailKey(campaign.id, "reminder", "hanbin", moment, round_id="r1")
    with session_scope() as s:
        if not reserve(s, key, recipients=to, subject=subject):
            return                                   # someone else sends (or sent) it
    outcome = transport.deliver(...)                 # outside the transaction
    with session_scope() as s:
        mark_outcome(s, key, outcome.status, outcome.detail)

The reservation must be committed before sending; ``reserve`` is atomic on SQLite and
PostgreSQL (INSERT … ON CONFLICT DO NOTHING on the natural key), so of two concurrent callers
exactly one gets True.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.store._sql import upsert_insert
from campaign_ops.store.models import MailLedgerEntry, MailStatus, utcnow

MESSAGE_ID_DOMAIN = "campaign-ops.invalid"


@dataclass(frozen=True)
class MailKey:
    """What makes an email unique: campaign, kind (reminder, overdue, rejection, report…),
    recipient group (a unit code, "ops", "leaders"), the moment it belongs to (a scheduled
    datetime, or any stable token such as ``submission-42``) and the round, if any."""

    campaign_id: str
    kind: str
    recipient_key: str
    moment: str | dt.datetime
    round_id: str = ""

    @property
    def moment_text(self) -> str:
        if isinstance(self.moment, dt.datetime):
            if self.moment.tzinfo is None:
                raise ValueError(f"naive datetime in MailKey: {self.moment!r}")
            return self.moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self.moment

    def where(self) -> list[sa.ColumnElement[bool]]:
        return [
            MailLedgerEntry.campaign_id == self.campaign_id,
            MailLedgerEntry.kind == self.kind,
            MailLedgerEntry.round_id == self.round_id,
            MailLedgerEntry.recipient_key == self.recipient_key,
            MailLedgerEntry.moment == self.moment_text,
        ]

    def __str__(self) -> str:
        parts = [self.campaign_id, self.kind, self.round_id or "-", self.recipient_key]
        return "/".join([*parts, self.moment_text])


def message_id_for(key: MailKey, domain: str = MESSAGE_ID_DOMAIN) -> str:
    """A Message-ID derived from the key: a resend of the same email carries the same id,
    so mail clients can tell it is a duplicate."""
    digest = hashlib.sha256(str(key).encode()).hexdigest()[:32]
    return f"<{digest}.{key.kind}@{domain}>"


def reserve(
    session: Session,
    key: MailKey,
    *,
    recipients: Sequence[str] = (),
    subject: str | None = None,
    retry_failed: bool = True,
) -> bool:
    """Claim the right to send this email; True means "you send it".

    False when it was sent, is being sent, or may have been sent (``uncertain``: a human must
    look). A ``failed`` one (definitely not delivered) is claimed again when ``retry_failed``."""
    now = utcnow()
    inserted = session.execute(
        upsert_insert(session, MailLedgerEntry)
        .values(
            campaign_id=key.campaign_id,
            kind=key.kind,
            round_id=key.round_id,
            recipient_key=key.recipient_key,
            moment=key.moment_text,
            status=MailStatus.reserved.value,
            message_id=message_id_for(key),
            recipients=", ".join(recipients) or None,
            subject=subject,
            attempts=1,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=["campaign_id", "kind", "round_id", "recipient_key", "moment"]
        )
    )
    if inserted.rowcount == 1:
        return True
    if not retry_failed:
        return False
    reclaimed = session.execute(
        sa.update(MailLedgerEntry)
        .where(*key.where(), MailLedgerEntry.status == MailStatus.failed.value)
        .values(
            status=MailStatus.reserved.value,
            attempts=MailLedgerEntry.attempts + 1,
            updated_at=now,
        )
    )
    return reclaimed.rowcount == 1


def mark_sent(session: Session, key: MailKey, message_id: str | None = None) -> None:
    """The SMTP server accepted the message."""
    values: dict[str, object] = {"sent_at": utcnow(), "last_error": None}
    if message_id:
        values["message_id"] = message_id
    _set(session, key, MailStatus.sent, **values)


def mark_failed(session: Session, key: MailKey, error: str) -> None:
    """Definitely not delivered (refused, or no connection): a later ``reserve`` may retry."""
    _set(session, key, MailStatus.failed, last_error=error)


def mark_uncertain(session: Session, key: MailKey, error: str) -> None:
    """Maybe delivered (e.g. connection lost after DATA): never resent automatically."""
    _set(session, key, MailStatus.uncertain, last_error=error)


def mark_outcome(session: Session, key: MailKey, status: str, detail: str = "") -> None:
    """Record what a transport said about a reserved message: ``sent``, ``uncertain`` (maybe
    delivered) or anything else as failed."""
    if status == MailStatus.sent:
        mark_sent(session, key)
    elif status == MailStatus.uncertain:
        mark_uncertain(session, key, detail)
    else:
        mark_failed(session, key, detail or "未知错误")


def already_sent(session: Session, key: MailKey) -> bool:
    return (
        session.scalar(
            sa.select(MailLedgerEntry.id).where(
                *key.where(), MailLedgerEntry.status == MailStatus.sent.value
            )
        )
        is not None
    )


def ledger_entry(session: Session, key: MailKey) -> MailLedgerEntry | None:
    return session.scalars(sa.select(MailLedgerEntry).where(*key.where())).first()


def mail_needing_attention(
    session: Session,
    campaign_id: str | None = None,
    stuck_after: dt.timedelta = dt.timedelta(hours=1),
) -> list[MailLedgerEntry]:
    """Emails a human must decide about: ``uncertain`` ones, and reservations older than
    ``stuck_after`` (the sender died between ``reserve`` and ``mark_*``). ``mark_failed``
    lets the next run resend one; ``mark_sent`` closes it."""
    stuck = sa.and_(
        MailLedgerEntry.status == MailStatus.reserved.value,
        MailLedgerEntry.updated_at < utcnow() - stuck_after,
    )
    query = sa.select(MailLedgerEntry).where(
        sa.or_(MailLedgerEntry.status == MailStatus.uncertain.value, stuck)
    )
    if campaign_id is not None:
        query = query.where(MailLedgerEntry.campaign_id == campaign_id)
    return list(session.scalars(query.order_by(MailLedgerEntry.created_at, MailLedgerEntry.id)))


def _set(session: Session, key: MailKey, status: MailStatus, **values: object) -> None:
    result = session.execute(
        sa.update(MailLedgerEntry)
        .where(*key.where())
        .values(status=status.value, updated_at=utcnow(), **values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise KeyError(f"no mail ledger entry for {key}: call reserve() before sending")
