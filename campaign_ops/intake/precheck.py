"""The 预检 folder: county staff check a file before submitting it, without a command line.

A unit drops a file into ``<its folder>/预检/``. At the next collect scan the file is archived
by its sha256 (nothing received is ever lost), checked exactly as ``campaign-ops check``
checks it (intake's own preview, as if the file were in the unit folder: one answer for
both), and the unit gets one email: what the file would count for, and every problem with its
sheet, row and column, or "this file would be accepted — now put it in your unit folder
itself". The file never becomes a submission: no intake event, no
status, no report changes.

The mail ledger key is (campaign, "precheck", unit, sha256): every later scan that still sees
the file finds its answer sent and does not even read it again (same size and time as the
sighting recorded when it was archived); a changed file (new content)
gets a new answer; an answer that definitely failed to go out is tried again next scan.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from campaign_ops.campaign import Campaign, Unit
from campaign_ops.intake.sources import PRECHECK_FOLDER, Entry, Source
from campaign_ops.mail.message import Message

log = logging.getLogger(__name__)

KIND = "precheck"
MAX_FINDINGS_SHOWN = 30  # per file; a file with more problems is usually the wrong template


@dataclass(frozen=True)
class _Asked:
    """A pre-check file to answer: archived, not yet answered."""

    unit: Unit
    entry: Entry
    sha256: str
    data: bytes
    to: tuple[str, ...]


def prechecks_due(campaign: Campaign, source: Source, moment: dt.datetime) -> list[Message]:
    """One answer per pre-check file whose content has not been answered yet. The files are
    archived in one transaction; each is then checked as intake would (nothing is stored but
    the archived bytes)."""
    from campaign_ops.store import session_scope

    with session_scope() as session:
        asked = _files_to_answer(campaign, source, moment, session)
    local = moment.astimezone(ZoneInfo(campaign.timezone))
    out: list[Message] = []
    for a in asked:
        try:
            result = check_file(campaign, a.entry, a.data, moment)
        except Exception:  # one file the checker cannot handle must not stop the others
            log.exception("预检 %s 失败，下次收取时重试", a.entry.path)
            continue
        out.append(_message(campaign, a.unit, a.entry, a.sha256, result, local, a.to))
    return out


def _files_to_answer(
    campaign: Campaign, source: Source, moment: dt.datetime, session: Any
) -> list[_Asked]:
    from campaign_ops.intake.identify import matcher_for, unit_from_path
    from campaign_ops.store.archive import known_content

    matcher = matcher_for(campaign)
    out: list[_Asked] = []
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
        out.append(_Asked(unit, entry, sha, data, to))
    return out


def _settled(entry: Entry) -> bool:
    """As intake judges readiness: an empty or just-modified file may still be copying."""
    from campaign_ops.intake.pipeline import not_ready_reason

    return not_ready_reason(entry, dt.datetime.now(dt.UTC)) is None


def _archive(
    session: Any,
    campaign: Campaign,
    source: Source,
    entry: Entry,
    data: bytes,
    moment: dt.datetime,
) -> str:
    from campaign_ops.intake.archive_files import archive_bytes, sha256_of
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


class _AsIfSubmitted:
    """One pre-check file, seen where it would be submitted (its unit folder, without 预检),
    so that it is identified and routed exactly as intake will identify and route it."""

    name = "precheck"

    def __init__(self, entry: Entry, data: bytes):
        parts = [p for p in PurePosixPath(entry.path).parts if p != PRECHECK_FOLDER]
        self._entry = Entry(str(PurePosixPath(*parts)), entry.size, entry.mtime)
        self._data = data

    def entries(self) -> Iterator[Entry]:
        yield self._entry

    def read(self, entry: Entry) -> bytes:
        return self._data


def check_file(campaign: Campaign, entry: Entry, data: bytes, now: dt.datetime) -> dict[str, Any]:
    """What intake would make of this file were it put in the unit folder now: the same
    preview ``campaign-ops check`` runs (nothing stored), as the mail needs it."""
    from campaign_ops.intake.pipeline import preview
    from campaign_ops.intake.receipts import counted_for

    (seen,) = preview(campaign, _AsIfSubmitted(entry, data), now, warehouse=True)
    outcome, result = seen.outcome, seen.result
    status = outcome.outcome
    if status == "rejected" and result is not None and result.status == "refused":
        status = "refused"
    return {
        "status": status,
        "message": outcome.message,
        "counted_for": counted_for(campaign, outcome.round, outcome.deliverable),
        "form_title": result.form_title if result else None,
        "refusal_message": result.refusal_message if result else None,
        "errors": outcome.errors,
        "warnings": outcome.warnings,
    }


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
    verdict = {
        "accepted": "可以接收" + (f"，另有 {len(warnings)} 处请核实" if warnings else ""),
        "rejected": f"有 {len(errors)} 处问题需要修改",
        "refused": "无法读取，需要重新制作",
        "duplicate": "与贵单位此前报送的文件相同",
    }.get(status, "无法确定计入哪个单位或哪项材料")
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
            "message": result["message"],
            "counted_for": result["counted_for"],
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
    from campaign_ops.mail.send import send_now

    source = source or source_for(campaign)
    return send_now(campaign, prechecks_due(campaign, source, moment))
