"""Ops decide whose a held mailed file is: ``campaign-ops mailbox confirm``.

The decision is recorded on the file (who, when, which unit) and in ``audit_events``; the
file stays held until the next scan, which takes it for that unit through the same
validation, versioning and receipts as any file (``mailbox.source.MailboxSource.vet``).
Confirming the same unit again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from campaign_ops.campaign import Campaign

CONFIRM_UNIT = "confirm_mail_unit"


@dataclass(frozen=True)
class Confirmation:
    path: str
    unit: str
    changed: bool  # False: it was confirmed for this unit already


class NotHeld(ValueError):
    """The path names no mailed file of this campaign; the message says what to give."""


def confirm_unit(
    session, campaign: Campaign, path: str, unit_code: str, actor: str, reason: str | None = None
) -> Confirmation:
    import sqlalchemy as sa

    from campaign_ops.mailbox.records import MailPart, MailRecord
    from campaign_ops.store.models import AuditEvent

    unit = campaign.unit(unit_code)  # KeyError with the unit's name: the CLI prints it
    part = session.scalars(
        sa.select(MailPart)
        .join(MailRecord, MailRecord.id == MailPart.mail_id)
        .where(MailRecord.campaign_id == campaign.id, MailPart.path == path.strip())
    ).first()
    if part is None:
        raise NotHeld(
            f"专项行动 {campaign.id} 没有邮件附件“{path}”：请从看板“需要处理”或汇总邮件中"
            "复制完整路径（形如 邮件12/主题/文件名）。"
        )
    if part.refusal:
        raise NotHeld(f"“{path}”未被接收（{part.refusal}），无法确认单位：请单位重新发送。")
    if part.confirmed_unit == unit.code:
        return Confirmation(part.path, unit.code, changed=False)
    now = dt.datetime.now(dt.UTC)
    part.confirmed_unit, part.confirmed_by, part.confirmed_at = unit.code, actor, now
    session.add(
        AuditEvent(
            campaign_id=campaign.id,
            at=now,
            actor=actor,
            action=CONFIRM_UNIT,
            unit_code=unit.code,
            reason=f"{part.path}" + (f"：{reason}" if reason else ""),
        )
    )
    return Confirmation(part.path, unit.code, changed=True)
