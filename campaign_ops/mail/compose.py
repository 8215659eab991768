"""Build the MIME message with the standard library, not yagmail's message builder.

yagmail 0.16's builder puts the HTML source into the text/plain part, turns every newline of
the HTML into ``<br>`` and treats any string that happens to be a file path as an attachment.
``email.message.EmailMessage`` with the default policy gives a proper text/HTML alternative,
encodes Chinese headers (RFC 2047) and Chinese attachment names (RFC 2231), which mail clients
in China (Foxmail, Outlook, the web mailers) all decode.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from pathlib import Path

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Attachment:
    filename: str  # shown to the recipient; Chinese is fine
    content: bytes
    content_type: str = ""

    @classmethod
    def from_path(cls, path: Path) -> Attachment:
        return cls(path.name, Path(path).read_bytes())

    @property
    def mime_type(self) -> tuple[str, str]:
        guessed = self.content_type or mimetypes.guess_type(self.filename)[0]
        if not guessed and self.filename.lower().endswith(".xlsx"):
            guessed = XLSX
        maintype, _, subtype = (guessed or "application/octet-stream").partition("/")
        return maintype, subtype


@dataclass(frozen=True)
class Draft:
    """Everything an email needs; ``message_id`` includes the angle brackets."""

    sender_name: str
    sender_email: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    message_id: str
    cc: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def recipients(self) -> list[str]:
        """Envelope recipients: To and Cc, each address once."""
        return list(dict.fromkeys([*self.to, *self.cc]))


def compose_mail(draft: Draft, *, date: dt.datetime | None = None) -> EmailMessage:
    msg = EmailMessage()
    local, _, domain = draft.sender_email.partition("@")
    msg["From"] = Address(draft.sender_name, local, domain)
    msg["To"] = ", ".join(draft.to)
    if draft.cc:
        msg["Cc"] = ", ".join(draft.cc)
    msg["Subject"] = draft.subject
    msg["Date"] = format_datetime(date or dt.datetime.now(dt.UTC))
    msg["Message-ID"] = draft.message_id
    # RFC 3834: tells auto-responders (out-of-office) not to answer a reminder.
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in draft.headers.items():
        msg[name] = value
    msg.set_content(draft.text, cte="base64")
    msg.add_alternative(draft.html, subtype="html", cte="base64")
    for att in draft.attachments:
        maintype, subtype = att.mime_type
        msg.add_attachment(att.content, maintype=maintype, subtype=subtype, filename=att.filename)
    return msg


def to_bytes(msg: EmailMessage) -> bytes:
    """The message as sent over SMTP (CRLF line ends, lines folded to SMTP's limits)."""
    return msg.as_bytes(policy=SMTP_POLICY)
