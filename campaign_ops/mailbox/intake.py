"""Mail → deliveries: fetch the mailbox's new mail, archive it, record it; intake then takes each
file like a file from a share (``mailbox.source``).

Order, so that nothing is lost and nothing is done twice: for each message not yet recorded
(by UIDVALIDITY + UID), its whole .eml is archived by sha256 and each file in it too, then the
mail, its files and what could not be taken are recorded in one transaction. Only a recorded
message may be moved to the processed folder. A crash anywhere re-reads the message on the next
run (archiving is idempotent) and records it once; a message whose Message-ID was already
recorded (a copy, a folder recreated with new UIDs) is noted as a copy and adds no file.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import PurePosixPath

from campaign_ops.campaign import Campaign
from campaign_ops.intake.archive_files import archive_bytes
from campaign_ops.mailbox.imap import FetchedMail, MailboxLogin, MailboxReader
from campaign_ops.mailbox.parse import MailLimits, ParsedMail, parse_mail
from campaign_ops.mailbox.zone import MailboxZone
from campaign_ops.store.intake_log import Outcome
from campaign_ops.store.ledger import MESSAGE_ID_DOMAIN

log = logging.getLogger(__name__)

BODY = "（邮件正文）"  # the path's last part for what the mail itself says (no file)
NO_SUBJECT = "（无主题）"
DEFAULT_LIMITS = MailLimits()


def source_name(campaign: Campaign, zone: MailboxZone) -> str:
    """The name intake records this mailbox's files under (``<id>:mailbox:<address>/<folder>``)."""
    return f"{campaign.id}:mailbox:{zone.address}/{zone.folder}"[:200]


def sender_unit(campaign: Campaign, address: str | None) -> str | None:
    """The unit whose registered contact (any role) uses this address: a hint, never proof."""
    if not address:
        return None
    wanted = address.strip().lower()
    for unit in campaign.units:
        if any((c.email or "").lower() == wanted for c in unit.contacts):
            return unit.code
    return None


@dataclass(frozen=True)
class Fetched:
    """What one fetch of one mailbox did, for the task log."""

    mailbox: str
    recorded: int = 0
    copies: int = 0
    moved: int = 0
    skipped: str = ""  # why the mailbox was not read (no connection configured)


def fetch_all(campaign: Campaign, now: dt.datetime) -> list[Fetched]:
    """Fetch every mailbox of the campaign. A mailbox without its Airflow Connection is
    skipped, as mail goes to the outbox without an SMTP connection (a demo, a trial; the
    board tells ops of a live campaign); one that cannot be reached raises after the others
    were read, so the task fails and is retried."""
    done: list[Fetched] = []
    errors: list[str] = []
    for zone in campaign.mailboxes:
        name = source_name(campaign, zone)
        login = MailboxLogin.lookup(zone.connection_id)
        if login is None:
            why = f"未配置 Airflow Connection {zone.connection_id}，邮箱 {zone.address} 未读取"
            log.info("%s", why)
            done.append(Fetched(name, skipped=why))
            continue
        try:
            done.append(fetch_zone(campaign, zone, login, now))
        except Exception as exc:
            log.exception("读取邮箱 %s 失败", zone.address)
            errors.append(f"{zone.address}：{exc}")
    if errors:
        raise RuntimeError(
            "读取报送邮箱失败，已读取并入库的邮件不受影响，任务重试时从中断处继续：\n"
            + "\n".join(errors)
        )
    return done


def fetch_zone(
    campaign: Campaign,
    zone: MailboxZone,
    login: MailboxLogin,
    now: dt.datetime,
    limits: MailLimits = DEFAULT_LIMITS,
) -> Fetched:
    name = source_name(campaign, zone)
    recorded = copies = moved = 0
    with MailboxReader(login, zone.folder) as reader:
        known = recorded_uids(campaign.id, name, reader.uidvalidity)
        # mail from before the circular was issued is not a submission (a bureau's mailbox
        # holds years of it)
        for mail in reader.iter_new(known, since=campaign.issued_on):
            copy = record_mail(campaign, name, reader.uidvalidity, mail, now, limits)
            recorded += 1
            copies += copy
        if zone.processed_folder:
            moved = move_recorded(reader, campaign.id, name, zone.processed_folder, now)
    log.info("邮箱 %s：新邮件 %d 封（其中重复 %d 封），移走 %d 封", name, recorded, copies, moved)
    return Fetched(name, recorded, copies, moved)


def recorded_uids(campaign_id: str, mailbox: str, uidvalidity: int) -> set[int]:
    import sqlalchemy as sa

    from campaign_ops.mailbox.records import MailRecord
    from campaign_ops.store import session_scope

    with session_scope() as session:
        return set(
            session.scalars(
                sa.select(MailRecord.uid).where(
                    MailRecord.campaign_id == campaign_id,
                    MailRecord.mailbox == mailbox,
                    MailRecord.uidvalidity == uidvalidity,
                )
            )
        )


def record_mail(
    campaign: Campaign,
    mailbox: str,
    uidvalidity: int,
    fetched: FetchedMail,
    now: dt.datetime,
    limits: MailLimits = DEFAULT_LIMITS,
) -> bool:
    """Archive and record one message; True when it is a copy of a mail already recorded."""
    import sqlalchemy as sa

    from campaign_ops.mailbox.records import MailRecord
    from campaign_ops.store import log_outcomes, session_scope

    eml_sha = archive_bytes(fetched.raw).name  # the whole message first, durable
    parsed = parse_mail(fetched.raw, limits=limits)
    for f in parsed.files:
        if f.data:
            archive_bytes(f.data)
    unit = sender_unit(campaign, parsed.sender)
    with session_scope() as session:
        if session.scalar(
            sa.select(MailRecord.id).where(
                MailRecord.campaign_id == campaign.id,
                MailRecord.mailbox == mailbox,
                MailRecord.uidvalidity == uidvalidity,
                MailRecord.uid == fetched.uid,
            )
        ):
            return False  # another run recorded it meanwhile
        first = _first_copy(session, campaign.id, parsed, eml_sha)
        record = MailRecord(
            campaign_id=campaign.id,
            mailbox=mailbox,
            uidvalidity=uidvalidity,
            uid=fetched.uid,
            message_id=parsed.message_id,
            sha256=eml_sha,
            size=len(fetched.raw),
            sender=parsed.sender,
            sender_name=parsed.sender_name,
            sender_unit=unit,
            subject=parsed.subject or "",
            in_reply_to=parsed.in_reply_to,
            references=" ".join(parsed.references) or None,
            received_at=fetched.internaldate,
            copy_of=first,
            recorded_at=now,
        )
        session.add(record)
        session.flush()
        if first is not None:
            record.problem = (
                f"与已收到的第 {first} 号邮件是同一封邮件（Message-ID 相同），未重复处理。"
            )
            return True
        folder = mail_folder(record.id, record.subject)
        parts, events = _parts(campaign, record, parsed, folder, unit)
        session.add_all(parts)
        record.problem = _mail_problem(parsed, unit, bool(parts))
        if events:
            log_outcomes(
                session,
                [{**e, "campaign_id": campaign.id, "source": mailbox} for e in events],
                seen_at=now,
            )
    return False


def _first_copy(session, campaign_id: str, parsed: ParsedMail, eml_sha: str) -> int | None:
    """The mail already recorded that this one repeats: same Message-ID (or, without one, the
    same bytes)."""
    import sqlalchemy as sa

    from campaign_ops.mailbox.records import MailRecord

    same = (
        MailRecord.message_id == parsed.message_id
        if parsed.message_id
        else MailRecord.sha256 == eml_sha
    )
    return session.scalar(
        sa.select(MailRecord.id)
        .where(MailRecord.campaign_id == campaign_id, MailRecord.copy_of.is_(None), same)
        .order_by(MailRecord.id)
        .limit(1)
    )


def mail_folder(mail_id: int, subject: str) -> str:
    """``邮件12/<subject>``: the folders a mailed file sits in, for identification (a unit or
    round named in the subject counts as if it named the folder) and for people."""
    return f"邮件{mail_id}/{_segment(subject) or NO_SUBJECT}"


def _segment(text: str) -> str:
    return " ".join(text.replace("/", "／").replace("\\", "＼").split())[:120]


def _parts(campaign: Campaign, record, parsed: ParsedMail, folder: str, unit: str | None):
    """The mail's file rows, and the intake events of what could not be taken."""
    from campaign_ops.mailbox.records import MailPart

    parts: list[MailPart] = []
    events: list[dict] = []
    used: set[str] = set()
    position = 0
    for f in parsed.files:
        position += 1
        path = _unique(
            "/".join([folder, *(_segment(w) for w in f.found_in), _segment(f.name)]), used
        )
        refusal = None if f.data else "附件为空（0 字节），请检查后重新发送。"
        parts.append(
            MailPart(
                mail_id=record.id,
                position=position,
                path=path,
                name=f.name,
                sha256="" if refusal else _sha(f.data),
                size=len(f.data),
                found_in=" / ".join(f.found_in),
                note=f.note,
                refusal=refusal,
            )
        )
        if refusal:
            events.append(_event(path, len(f.data), record, Outcome.refused, refusal, unit))
    for r in parsed.refusals:
        position += 1
        path = _unique(f"{folder}/{_segment(r.name) or BODY}", used)
        parts.append(
            MailPart(mail_id=record.id, position=position, path=path, name=r.name, refusal=r.reason)
        )
        events.append(_event(path, 0, record, Outcome.refused, r.reason, unit))
    if not parts:
        outcome, message = _no_file(parsed, unit)
        events.append(_event(f"{folder}/{BODY}", 0, record, outcome, message, unit))
    return parts, events


def _no_file(parsed: ParsedMail, unit: str | None) -> tuple[Outcome, str]:
    if parsed.in_reply_to and f"@{MESSAGE_ID_DOMAIN}>" in parsed.in_reply_to:
        # a unit answering one of our mails: a person should read it, the unit hears nothing
        return Outcome.held, "单位回复了系统发出的邮件（没有附件）：请市局阅读并答复。"
    if parsed.links:
        return Outcome.refused, (
            "邮件中只有链接（" + "、".join(parsed.links[:3]) + "），没有附件："
            "系统不会下载链接中的文件，请把材料作为邮件附件重新发送。"
        )
    return Outcome.refused, "邮件中没有附件：请把报送材料作为附件重新发送（邮件正文不计为报送）。"


def _mail_problem(parsed: ParsedMail, unit: str | None, has_parts: bool) -> str | None:
    """What ops must know about the mail as a whole (None: nothing)."""
    if unit is None:
        who = parsed.sender or "（无发件人）"
        return f"发件人 {who} 不是任何报送单位登记的联系邮箱，其附件等待市局确认。"
    if not has_parts:
        return _no_file(parsed, unit)[1]
    return None


def _event(path: str, size: int, record, outcome: Outcome, message: str, unit: str | None) -> dict:
    return {
        "path": path,
        "size": size,
        "mtime": record.received_at,
        "outcome": outcome.value,
        "sha256": "",
        "unit_code": unit if outcome != Outcome.held else None,
        "round_id": None,
        "submission_id": None,
        "message": message,
    }


def _unique(path: str, used: set[str]) -> str:
    """Two attachments of one mail with one name are two files: the second is ``名（2）.xlsx``."""
    candidate, n = path, 1
    p = PurePosixPath(path)
    while candidate in used:
        n += 1
        candidate = str(p.with_name(f"{p.stem}（{n}）{p.suffix}"))
    used.add(candidate)
    return candidate


def _sha(data: bytes) -> str:
    from campaign_ops.intake.archive_files import sha256_of

    return sha256_of(data)


def move_recorded(
    reader: MailboxReader, campaign_id: str, mailbox: str, target: str, now: dt.datetime
) -> int:
    """Move the recorded messages still in the folder to ``target``; never one not recorded."""
    import sqlalchemy as sa

    from campaign_ops.mailbox.records import MailRecord
    from campaign_ops.store import session_scope

    with session_scope() as session:
        waiting = set(
            session.scalars(
                sa.select(MailRecord.uid).where(
                    MailRecord.campaign_id == campaign_id,
                    MailRecord.mailbox == mailbox,
                    MailRecord.uidvalidity == reader.uidvalidity,
                    MailRecord.moved_at.is_(None),
                )
            )
        )
    if not waiting:
        return 0
    present = sorted(waiting & set(reader.uids()))
    reader.move(present, target)
    with session_scope() as session:
        session.execute(
            sa.update(MailRecord)
            .where(
                MailRecord.campaign_id == campaign_id,
                MailRecord.mailbox == mailbox,
                MailRecord.uidvalidity == reader.uidvalidity,
                MailRecord.uid.in_(waiting),
            )
            .values(moved_at=now)
        )
    return len(present)
