"""One raw message → the files intake can take, the parts it cannot, and who sent it.

Pure: no network, no database. Mail from county bureaus comes from Foxmail, Outlook, 网易 and
QQ webmail and old OA systems, so names arrive in GBK (raw or RFC 2047), split by RFC 2231,
inside winmail.dat, zip archives and forwarded messages. ``parse_mail`` never raises on bad
input: whatever it cannot take becomes a ``MailRefusal`` with a Chinese reason, so the caller
can record it and tell the unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from campaign_ops.forms.safety import (
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_UNCOMPRESSED,
    RATIO_FLOOR,
)
from campaign_ops.intake.identify import MAX_DOCUMENT_BYTES


@dataclass(frozen=True)
class MailLimits:
    """How much of a message is read. The zip numbers are the workbook bomb limits."""

    # 网易/QQ 邮箱 carry attachments up to 50 MB; base64 makes that about 68 MB of message
    max_message_bytes: int = 70 * 1024 * 1024
    max_attachment_bytes: int = MAX_DOCUMENT_BYTES
    zip_max_uncompressed: int = MAX_UNCOMPRESSED
    zip_max_ratio: int = MAX_RATIO
    zip_ratio_floor: int = RATIO_FLOOR
    zip_max_members: int = MAX_MEMBERS
    max_depth: int = 5  # forwarded message / zip / winmail.dat wrappers around one file


@dataclass(frozen=True)
class MailFile:
    """One file intake should take, whatever wrapping it came in."""

    name: str  # decoded, readable file name (Chinese intact)
    data: bytes
    found_in: tuple[str, ...]  # the wrappers it came out of, e.g. ("转发：…eml", "材料.zip")
    note: str | None  # Chinese note for the receipt (e.g. a renamed .xlsx)


@dataclass(frozen=True)
class MailRefusal:
    """A part we could not take: recorded and shown, never dropped silently."""

    name: str
    reason: str  # Chinese, tells the unit what to do


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    sender: str | None  # address, lower-case
    sender_name: str | None
    subject: str  # decoded
    in_reply_to: str | None
    references: tuple[str, ...]
    date_header: datetime | None
    files: tuple[MailFile, ...]
    refusals: tuple[MailRefusal, ...]
    links: tuple[str, ...]  # URLs in the body (a mail that only carries a cloud-drive link)
    body_text: str  # plain text, decoded (for the unit name in the body/subject)
    size: int


def parse_mail(raw: bytes, *, limits: MailLimits = MailLimits()) -> ParsedMail:
    """Everything intake needs from one message; never raises on bad input."""
    raise NotImplementedError
