"""Outgoing email, the one path every email takes: decide a ``Message``, then send it once.

- ``message.Message``: what is sent to whom, as JSON data; its natural key is the mail
  ledger's, and gives the Message-ID, the ``X-Campaign-Ops-Key`` header and the outbox file.
- ``send.send_messages``: reserve in the ledger, compose, deliver, record (``send_now`` with
  the configured transport). ``send.outbox_name`` is the outbox's one naming rule.
- ``compose.compose_mail`` builds a standards-conforming message: plain-text and HTML
  alternatives, Chinese subject and display names, attachments whose Chinese file names
  survive (RFC 2231), and the Message-ID derived from the key.
- ``transport.open_transport`` delivers through SMTP when the Airflow Connection
  ``campaign_ops_smtp`` exists, otherwise writes ``.eml`` files into the outbox folder.

Who gets what is decided elsewhere: ``campaign_ops.remind`` (notices, reminders, the digest),
``campaign_ops.intake`` (receipts, pre-check answers), ``campaign_ops.consolidate.deliver``
(reports).
"""

from campaign_ops.mail.compose import Attachment, Draft, compose_mail
from campaign_ops.mail.message import Message
from campaign_ops.mail.render import render_mail
from campaign_ops.mail.send import Delivery, outbox_name, send_messages, send_now
from campaign_ops.mail.transport import (
    DEFAULT_CONN_ID,
    OutboxTransport,
    Outcome,
    SmtpSettings,
    SmtpTransport,
    Transport,
    open_transport,
)

__all__ = [
    "DEFAULT_CONN_ID",
    "Attachment",
    "Delivery",
    "Draft",
    "Message",
    "OutboxTransport",
    "Outcome",
    "SmtpSettings",
    "SmtpTransport",
    "Transport",
    "compose_mail",
    "open_transport",
    "outbox_name",
    "render_mail",
    "send_messages",
    "send_now",
]
