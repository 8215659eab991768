"""Build the reports due at a report moment and email them once, through the mail ledger.

At a moment of the timeline the consolidate DAG sends the round's report (or the campaign
summary for the final and extra moments) to the campaign's report recipients, and a revised
version of every earlier round whose figures changed since its report went out (a late or
corrected submission). What each sent report contained is remembered as a fingerprint in
``report_issues``; the ledger keys are::

    (campaign, "report",         round | "final" | "extra", "recipients", moment)
    (campaign, "report_revised", round,                     "recipients", moment)

so a retried or re-run task never sends the same report twice. For each sent report a
snapshot of what it showed is kept (``$CAMPAIGN_OPS_HOME/report-snapshots``): a revision
says, in its mail and its title area, which units and which totals changed since then.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.campaign import Campaign
from campaign_ops.consolidate.figures import ReportData, report_data, today_in
from campaign_ops.consolidate.report import report_filename, write_report
from campaign_ops.consolidate.summary import (
    render_summary,
    revision_changes,
    revision_note,
    snapshot,
    subject_for,
)
from campaign_ops.mail import Attachment, Draft, Message, Outcome, Transport, send_messages
from campaign_ops.timeline import build_timeline

log = logging.getLogger(__name__)

RECIPIENTS = "recipients"
REVISION_NOTE = revision_note(None)


@dataclass(frozen=True)
class Due:
    """A report to send at a moment: ``round_id`` None is the campaign summary."""

    kind: str  # report | report_revised
    round_id: str | None
    ledger_round: str  # the round, or "final" / "extra"
    previous: str | None = None  # a revision: the file of the version it corrects

    @property
    def revised(self) -> bool:
        return self.kind == "report_revised"


@dataclass(frozen=True)
class Sent:
    due: Due
    status: str  # sent | failed | uncertain | skipped
    path: str | None = None
    detail: str = ""

    def as_json(self) -> dict:
        return {
            "kind": self.due.kind,
            "round": self.due.ledger_round,
            "status": self.status,
            "path": self.path,
            "detail": self.detail,
        }


def reports_due(session: Session, campaign: Campaign, moment: dt.datetime) -> list[Due]:
    """What goes out at ``moment``: the timeline's reports, then revisions of earlier rounds
    whose figures changed since their last report (read from the merged tables)."""
    due: list[Due] = []
    for event in build_timeline(campaign).events_at(moment):
        if event.kind != "report":
            continue
        if event.purpose == "round" and event.round:
            due.append(Due("report", event.round, event.round))
        else:
            due.append(Due("report", None, "final" if event.purpose == "final" else "extra"))
    if not due:
        return []
    now_reported = {d.round_id for d in due}
    for round_id, (fingerprint, path) in last_issues(session, campaign, before=moment).items():
        if round_id in now_reported or round_id in ("final", "extra"):
            continue
        if report_data(session, campaign, round_id).fingerprint() != fingerprint:
            due.append(Due("report_revised", round_id, round_id, path))
    return due


def last_issues(
    session: Session, campaign: Campaign, before: dt.datetime
) -> dict[str, tuple[str, str]]:
    """Each round's (fingerprint, report file) as last reported before ``before``."""
    rows = session.execute(
        sa.text(
            "SELECT round_id, fingerprint, path FROM report_issues"
            " WHERE campaign_id = :c AND moment < :m ORDER BY moment"
        ),
        {"c": campaign.id, "m": _moment_text(before)},
    )
    return {round_id: (fingerprint, path) for round_id, fingerprint, path in rows}


def snapshot_path(report: Path) -> Path:
    """Where the snapshot of a sent report lives: under the state folder, not beside the
    report (the reports folder holds exactly the reports that went out)."""
    from campaign_ops.settings import settings

    folder = settings().home / "report-snapshots" / report.parent.parent.name
    return folder / f"{report.parent.name}_{report.stem}.json"


def _snapshot_of(report: str | None) -> dict | None:
    """What the report at ``report`` showed (None for one sent before snapshots existed)."""
    if not report:
        return None
    try:
        return json.loads(snapshot_path(Path(report)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning("未找到上次报告的内容快照：%s，更正说明只能笼统说明", report)
        return None


def _moment_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def reports_folder(campaign: Campaign, moment: dt.datetime | None) -> Path:
    from campaign_ops.settings import settings

    base = Path(settings().reports_dir) / campaign.id
    if moment is None:
        return base / "按需生成"
    local = moment.astimezone(ZoneInfo(campaign.timezone))
    return base / f"{local:%Y-%m-%d_%H%M}"


def build_report_file(
    session: Session,
    campaign: Campaign,
    round_id: str | None,
    path: Path | None = None,
    *,
    moment: dt.datetime | None = None,
    revised: bool = False,
    note: str | None = None,
) -> tuple[ReportData, Path]:
    """Write one report (from the merged tables as they are) and return its data and path;
    ``note`` says what a revision changed (a general sentence without it)."""
    data = report_data(session, campaign, round_id)
    path = Path(path) if path else reports_folder(campaign, moment) / report_filename(data, revised)
    write_report(
        data,
        path,
        made_on=today_in(campaign, moment),
        revised=revised,
        revision_note=(note or REVISION_NOTE) if revised else None,
    )
    return data, path


def send_reports_due(campaign: Campaign, moment: dt.datetime, transport: Transport) -> list[Sent]:
    """Build and send everything due at ``moment`` through the one mail path (reserve, build,
    send, record): a report already sent (or being sent) is not even rebuilt, so the file on
    disk stays the one that went out. Never raises for a delivery problem."""
    from campaign_ops.store import session_scope

    with session_scope() as s:
        due = reports_due(s, campaign, moment)
    builder = _ReportBuilder(campaign, moment, due)
    deliveries = send_messages(
        campaign, builder.messages, transport, compose=builder.draft, recorded=builder.recorded
    )
    return [
        Sent(d, r.status, builder.path_of(d), r.detail)
        for d, r in zip(due, deliveries, strict=True)
    ]


class _ReportBuilder:
    """The reports due at a moment as mail ``Message``s, built only once reserved; what each
    one showed is remembered in the transaction that records its outcome."""

    def __init__(self, campaign: Campaign, moment: dt.datetime, due: list[Due]) -> None:
        self.campaign, self.moment = campaign, moment
        to = tuple(c.email for c in campaign.reports.recipients if c.email)
        local = moment.astimezone(ZoneInfo(campaign.timezone)).isoformat()
        self.messages = [
            Message(
                kind=d.kind,
                moment=local,
                recipient_key=RECIPIENTS,
                to=to,
                subject=subject_for(campaign, d.round_id, d.revised),
                round=d.ledger_round,
            )
            for d in due
        ]
        self._due = {(d.kind, d.ledger_round): d for d in due}
        self._built: dict[tuple[str, str], tuple[ReportData, Path]] = {}

    def draft(self, campaign: Campaign, message: Message, workdir: Path) -> Draft:
        """Write the report (and the snapshot of what it shows) and the email that carries it."""
        from campaign_ops.store import session_scope

        due = self._due[(message.kind, message.round or "")]
        changes, note = None, ""
        if due.revised:
            with session_scope(readonly=True) as s:
                changes = revision_changes(
                    _snapshot_of(due.previous), report_data(s, campaign, due.round_id)
                )
            note = revision_note(changes)
        with session_scope() as s:
            data, path = build_report_file(
                s, campaign, due.round_id, moment=self.moment, revised=due.revised, note=note
            )
        self._built[(due.kind, due.ledger_round)] = (data, path)
        keep = snapshot_path(path)
        keep.parent.mkdir(parents=True, exist_ok=True)
        keep.write_text(json.dumps(snapshot(data), ensure_ascii=False), encoding="utf-8")
        html, text = render_summary(
            data,
            attachment=path.name,
            made_on=today_in(campaign, self.moment),
            revised=due.revised,
            revision_note=note or REVISION_NOTE if due.revised else "",
            changes=changes,
        )
        return message.draft(campaign, html, text, (Attachment.from_path(path),))

    def recorded(self, session: Session, message: Message, outcome: Outcome) -> None:
        built = self._built.get((message.kind, message.round or ""))
        if built is not None and outcome.status in ("sent", "uncertain"):
            due = self._due[(message.kind, message.round or "")]
            _remember(session, self.campaign, due, self.moment, built[0].fingerprint(), built[1])

    def path_of(self, due: Due) -> str | None:
        """The report file written for ``due`` (None when it was skipped, not rebuilt)."""
        built = self._built.get((due.kind, due.ledger_round))
        return str(built[1]) if built is not None else None


def _remember(
    session: Session,
    campaign: Campaign,
    due: Due,
    moment: dt.datetime,
    fingerprint: str,
    path: Path,
) -> None:
    where = {
        "campaign_id": campaign.id,
        "round_id": due.ledger_round,
        "moment": _moment_text(moment),
        "kind": due.kind,
    }
    session.execute(
        sa.text(
            "DELETE FROM report_issues WHERE campaign_id = :campaign_id AND round_id = :round_id"
            " AND moment = :moment AND kind = :kind"
        ),
        where,
    )
    session.execute(
        sa.text(
            "INSERT INTO report_issues (campaign_id, round_id, moment, kind, fingerprint, path)"
            " VALUES (:campaign_id, :round_id, :moment, :kind, :fingerprint, :path)"
        ),
        {**where, "fingerprint": fingerprint, "path": str(path)},
    )
