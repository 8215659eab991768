"""Receipts for mailed files answer the unit's own mail, in its thread.

One receipt per mail and scan (its ledger key: the unit and the mail), to the sender with the
unit's registered contacts in copy, subject ``回复：<their subject>``, and In-Reply-To /
References naming their message, so every mail client files it under what the unit sent.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

from campaign_ops.mail.message import Message

if TYPE_CHECKING:
    import datetime as dt

    from campaign_ops.campaign import Campaign

REPLY = "回复："
_MAIL_ID = re.compile(r"^邮件(\d+)/")
_ALREADY_REPLY = re.compile(r"^\s*(回复|答复|re)\s*[:：]", re.IGNORECASE)


def is_mailbox_source(name: str) -> bool:
    """A source name of ``mailbox.intake.source_name``."""
    return ":mailbox:" in name


def mail_id_of(path: str) -> int | None:
    found = _MAIL_ID.match(path)
    return int(found.group(1)) if found else None


def reply_subject(subject: str) -> str:
    subject = subject.strip()
    return subject if _ALREADY_REPLY.match(subject) else f"{REPLY}{subject or '（无主题）'}"


def mail_receipts(
    session, campaign: Campaign, moment: dt.datetime, mailed: list[tuple[object, dict]]
) -> list[Message]:
    """The receipts of this scan's mailed files: one per (unit, mail)."""
    from campaign_ops.intake.receipts import _to_fix
    from campaign_ops.mailbox.records import MailPart, MailRecord

    grouped: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for event, item in mailed:
        mail_id = mail_id_of(event.path)
        if mail_id is None:
            continue
        note = session.query(MailPart.note).filter_by(mail_id=mail_id, path=event.path).scalar()
        if note:
            item = {**item, "message": f"{item['message']}（{note}）"}
        grouped[(event.unit_code, mail_id)].append(item)
    messages = []
    for (code, mail_id), files in sorted(grouped.items()):
        mail = session.get(MailRecord, mail_id)
        unit = campaign.unit(code)
        to = (mail.sender,) if mail.sender else tuple(unit.emails)
        cc = tuple(e for e in unit.emails if e.lower() not in {a.lower() for a in to})
        refs = " ".join(dict.fromkeys([*(mail.references or "").split(), mail.message_id or ""]))
        headers = {"In-Reply-To": mail.message_id, "References": refs.strip()}
        messages.append(
            Message(
                kind="receipt",
                moment=moment.isoformat(),
                recipient_key=f"{code}-mail{mail_id}",
                to=to,
                cc=cc,
                subject=reply_subject(mail.subject),
                unit=code,
                context={
                    "files": files,
                    "rejected": _to_fix(files),
                    "correction": False,
                    "mail_address": _address(campaign, mail.mailbox),
                    "mail_subject": mail.subject or "（无主题）",
                },
                headers={k: v for k, v in headers.items() if v},
            )
        )
    return messages


def _address(campaign: Campaign, mailbox: str) -> str:
    from campaign_ops.mailbox.intake import source_name

    return next((z.address for z in campaign.mailboxes if source_name(campaign, z) == mailbox), "")
