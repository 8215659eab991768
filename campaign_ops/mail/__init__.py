"""Outgoing email: compose (Jinja templates in ``include/templates/``), then deliver.

- ``compose.compose_mail`` builds a standards-conforming message: plain-text and HTML
  alternatives, Chinese subject and display names, attachments whose Chinese file names
  survive (RFC 2231), and a Message-ID chosen by the caller (the ledger derives it from the
  message's natural key).
- ``transport.open_transport`` delivers through SMTP when the Airflow Connection
  ``campaign_ops_smtp`` exists, otherwise writes ``.eml`` files into the outbox folder.

Neither knows about campaigns or the ledger; ``campaign_ops.remind`` puts them together.
"""

from campaign_ops.mail.compose import Attachment, Draft, compose_mail
from campaign_ops.mail.render import render_mail
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
    "Draft",
    "OutboxTransport",
    "Outcome",
    "SmtpSettings",
    "SmtpTransport",
    "Transport",
    "compose_mail",
    "open_transport",
    "render_mail",
]
