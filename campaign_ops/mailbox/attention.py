"""What the mailbox leaves for a person: files held because sender and content disagree,
and mail from addresses no unit registered (never answered automatically). The board's
需要处理 and the ops digest list them, one sentence each, with what to do."""

from __future__ import annotations

from collections.abc import Collection
from zoneinfo import ZoneInfo

from campaign_ops.campaign import Campaign
from campaign_ops.vocabulary import FILE_OUTCOME_LABELS

MAX_LINES = 20


def unread_mailboxes(campaign: Campaign, missing_connections: Collection[str]) -> list[str]:
    """One sentence per mailbox of the campaign that is not read because Airflow has no
    Connection for it: what units mail there reaches nobody until ops add it."""
    return [
        f"报送邮箱 {z.address} 未连接（Airflow 中没有 Connection {z.connection_id}），"
        "寄到这个邮箱的材料不会被收取：请按 README“报送邮箱”一节添加该 Connection"
        for z in campaign.mailboxes
        if z.connection_id in missing_connections
    ]


def mail_attention(session, campaign: Campaign) -> list[str]:
    """One sentence per mailed file or mail waiting for ops, oldest first."""
    import sqlalchemy as sa

    from campaign_ops.mailbox.records import MailRecord
    from campaign_ops.mailbox.replies import mail_id_of
    from campaign_ops.store.intake_log import IntakeEvent, Outcome

    if not campaign.mailboxes:
        return []
    rows = session.scalars(
        sa.select(IntakeEvent)
        .where(
            IntakeEvent.campaign_id == campaign.id,
            IntakeEvent.source.contains(":mailbox:"),
            sa.or_(IntakeEvent.outcome == Outcome.held.value, IntakeEvent.unit_code.is_(None)),
        )
        .order_by(IntakeEvent.mtime, IntakeEvent.path)
    ).all()
    tz = ZoneInfo(campaign.timezone)
    lines = []
    for e in rows:
        mail = session.get(MailRecord, mail_id_of(e.path) or 0)
        who = mail.sender if mail and mail.sender else "（无发件人）"
        when = e.mtime.astimezone(tz).strftime("%m月%d日 %H:%M") if e.mtime else ""
        label = FILE_OUTCOME_LABELS[e.outcome]
        not_told = "" if e.outcome == Outcome.held.value else "（发件人未登记，系统未回复）"
        lines.append(f"邮件附件“{e.path}”（{who}，{when}）{label}{not_told}：{e.message}")
    if len(lines) > MAX_LINES:
        more = f"另有 {len(lines) - MAX_LINES} 项邮件待处理，见数据仓库 intake_events。"
        lines = [*lines[:MAX_LINES], more]
    return lines
