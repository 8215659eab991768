"""The 预检 folder: county staff check a file before submitting it, without a command line.

A unit drops a file into ``<its folder>/预检/``. At the next collect scan the file is archived
by its sha256 (nothing received is ever lost), checked exactly as ``campaign-ops check``
checks it (that command's own function is called: one answer for both), and the unit gets one
email: every problem with its sheet, row and column, or "this file would be accepted — now put
it in your unit folder itself". The file never becomes a submission: no intake event, no
status, no report changes.

The mail ledger key is (campaign, "precheck", unit, sha256): every later scan that still sees
the file finds its answer sent and does not even read it again (same size and time as the
sighting recorded when it was archived); a changed file (new content)
gets a new answer; an answer that definitely failed to go out is tried again next scan.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from campaign_ops.campaign import Campaign, Unit
from campaign_ops.intake.sources import Entry, Source
from campaign_ops.remind.message import Message

log = logging.getLogger(__name__)

KIND = "precheck"
MAX_FINDINGS_SHOWN = 30  # per file; a file with more problems is usually the wrong template


def prechecks_due(
    campaign: Campaign, source: Source, moment: dt.datetime, session: Any
) -> list[Message]:
    """One answer per pre-check file whose content has not been answered yet (archived and
    checked here; nothing is stored but the archived bytes)."""
    from campaign_ops.intake.identify import matcher_for, unit_from_path
    from campaign_ops.store.archive import known_content

    matcher = matcher_for(campaign)
    local = moment.astimezone(ZoneInfo(campaign.timezone))
    out: list[Message] = []
    answered: set[tuple[str, str]] = set()
    for entry in source.precheck_entries():
        if not _settled(entry):
            continue  # still being copied: the next scan looks again
        unit = unit_from_path(matcher, entry.path)
        if unit is None:
            log.warning("预检文件 %s 不在任何单位的文件夹中，无法回复", entry.path)
            continue
        to = tuple(unit.emails or unit.leader_emails)
        if not to:
            log.warning("单位 %s 没有邮箱地址，预检结果无法发送：%s", unit.name, entry.path)
            continue
        known = known_content(
            session, source=source.name, path=entry.path, size=entry.size, mtime=entry.mtime
        )
        if known and _already_answered(session, campaign, unit, known):
            continue  # unchanged since it was answered: not even read again
        try:
            data = source.read(entry)
        except FileNotFoundError:
            continue  # taken away since listing
        sha = _archive(session, campaign, source, entry, data, moment)
        if (unit.code, sha) in answered or _already_answered(session, campaign, unit, sha):
            continue
        answered.add((unit.code, sha))
        try:
            result = check_file(campaign, entry.name, data)
        except Exception:  # one file the checker cannot handle must not stop the others
            log.exception("预检 %s 失败，下次收取时重试", entry.path)
            continue
        out.append(_message(campaign, unit, entry, sha, result, local, to))
    return out


def _settled(entry: Entry) -> bool:
    """As intake judges readiness: an empty or just-modified file may still be copying."""
    from campaign_ops.intake.pipeline import SETTLE_SECONDS

    age = (dt.datetime.now(dt.UTC) - entry.mtime).total_seconds()
    return entry.size > 0 and not (0 <= age < SETTLE_SECONDS)


def _archive(
    session: Any,
    campaign: Campaign,
    source: Source,
    entry: Entry,
    data: bytes,
    moment: dt.datetime,
) -> str:
    from campaign_ops.intake.archiving import archive_bytes, sha256_of
    from campaign_ops.store import record_file

    sha = sha256_of(data)
    archive_bytes(data, sha)
    record_file(
        session,
        sha256=sha,
        source=source.name,
        path=entry.path,
        size=len(data),
        mtime=entry.mtime,
        seen_at=moment,
    )
    return sha


def _already_answered(session: Any, campaign: Campaign, unit: Unit, sha: str) -> bool:
    """Sent, being sent or maybe sent: only a definite failure is answered again."""
    from campaign_ops.store.ledger import MailKey, ledger_entry
    from campaign_ops.store.models import MailStatus

    entry = ledger_entry(session, MailKey(campaign.id, KIND, unit.code, sha))
    return entry is not None and entry.status != MailStatus.failed.value


def check_file(campaign: Campaign, name: str, data: bytes) -> dict[str, Any]:
    """What ``campaign-ops check`` says about this file (its JSON result for one file).

    The command itself runs, through the command line's own parser, so the pre-check can
    never drift from the check county staff or ops run by hand."""
    from campaign_ops.cli import build_parser
    from campaign_ops.intake.identify import is_spreadsheet

    if not is_spreadsheet(name):
        return {"status": "document", "errors": [], "warnings": []}
    with tempfile.TemporaryDirectory(prefix="campaign-ops-precheck-") as tmp:
        path = Path(tmp) / PurePosixPath(name).name
        path.write_bytes(data)
        args = build_parser().parse_args(["check", campaign.id, str(path), "--json"])
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            args.func(args)
    [result] = json.loads(printed.getvalue())["files"]
    return result


def _message(
    campaign: Campaign,
    unit: Unit,
    entry: Entry,
    sha: str,
    result: dict[str, Any],
    moment: dt.datetime,
    to: tuple[str, ...],
) -> Message:
    errors = [_finding(f) for f in result.get("errors") or []]
    warnings = [_finding(f) for f in result.get("warnings") or []]
    status = result["status"]
    if status == "accepted":
        verdict = "可以接收" + (f"，另有 {len(warnings)} 处请核实" if warnings else "")
    elif status == "rejected":
        verdict = f"有 {len(errors)} 处问题需要修改"
    elif status == "refused":
        verdict = "无法读取，需要重新制作"
    else:
        verdict = "文档无需预检"
    return Message(
        kind=KIND,
        moment=moment.isoformat(),
        recipient_key=unit.code,
        to=to,
        subject=f"【{campaign.display_title}】{_kind_label()}：“{entry.name}”{verdict}",
        unit=unit.code,
        token=sha,
        context={
            "file": entry.name,
            "path": entry.path,
            "status": status,
            "form_title": result.get("form_title"),
            "refusal": result.get("refusal_message"),
            "errors": errors[:MAX_FINDINGS_SHOWN],
            "warnings": warnings[:MAX_FINDINGS_SHOWN],
            "more_errors": max(0, len(errors) - MAX_FINDINGS_SHOWN),
            "more_warnings": max(0, len(warnings) - MAX_FINDINGS_SHOWN),
        },
    )


def _kind_label() -> str:
    from campaign_ops.vocabulary import MAIL_KIND_LABELS

    return MAIL_KIND_LABELS[KIND]


def _finding(f: dict[str, Any]) -> dict[str, Any]:
    """Where (sheet, row, column, cell) and what, as the check report words them."""
    value = None if f.get("value") is None else str(f["value"])
    detail = [f"填写的值：{value}"] if value is not None else []
    detail += [f"要求：{f['expected']}"] if f.get("expected") else []
    return {
        "detail": "；".join(detail),
        "sheet": f.get("sheet"),
        "row": f.get("row_label"),
        "column": f.get("column_label"),
        "cell": f.get("cell"),
        "message": f.get("message") or "",
        "value": value,
        "expected": f.get("expected"),
    }


def send_prechecks(campaign: Campaign, moment: dt.datetime, source: Source | None = None) -> list:
    """Check the drop zone's 预检 folders and mail each new answer once (the mail ledger)."""
    from campaign_ops.intake.sources import source_for
    from campaign_ops.mail.transport import open_transport
    from campaign_ops.remind import send_messages
    from campaign_ops.store import session_scope

    source = source or source_for(campaign)
    with session_scope() as session:
        messages = prechecks_due(campaign, source, moment, session)
    if not messages:
        return []
    transport = open_transport()
    try:
        return send_messages(campaign, messages, transport)
    finally:
        transport.close()
