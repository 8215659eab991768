"""What the campaign board shows, computed from the YAMLs, the timeline and the warehouse.

No web framework and no Airflow database here (only ``dag_factory``'s naming of DAG ids), so it
is tested like any other store code. The DAG runs come in from the caller (``app.py`` reads them
from Airflow's metadata database) as plain ``RunInfo`` values.

Everything a person reads is Chinese; times are shown in the campaign's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from campaign_ops.board.view import (
    BrokenCampaign,
    CampaignBoard,
    Cell,
    CellStyle,
    DagView,
    DeadlineView,
    FindingView,
    MailView,
    RejectionView,
    RoundView,
    RunInfo,
    RunView,
    UnitLine,
    cell_style,
)
from campaign_ops.campaign import Campaign, CampaignFileError
from campaign_ops.dag_factory import dag_id, dag_kinds, is_live
from campaign_ops.mailbox.attention import mail_attention, unread_mailboxes
from campaign_ops.review.board import review_panel
from campaign_ops.store.assign import confirmations_needed
from campaign_ops.store.matrix import MatrixStatus, SubmissionMatrix, submission_matrix
from campaign_ops.store.models import (
    CampaignRow,
    MailLedgerEntry,
    MailStatus,
    Submission,
    SubmissionStatus,
)
from campaign_ops.store.values import findings_of
from campaign_ops.timeline import Timeline, build_timeline
from campaign_ops.vocabulary import (
    MAIL_KIND_LABELS,
    MAIL_STATUS_LABELS,
    MISSING_AFTER_DEADLINE,
    ROUND_STATUS_LABELS,
)

DAG_KIND_LABELS = {"collect": "采集", "remind": "提醒", "consolidate": "汇总", "review": "审核"}
# What stops while a DAG of a live campaign is paused.
PAUSED_CONSEQUENCE = {
    "collect": "收取共享盘上的报送文件、发送回执",
    "remind": "发送催报提醒和通知",
    "consolidate": "生成和发送汇总报告",
    "review": "把收到的材料交给审核人（Required Actions）、发送退回修改通知",
}

# Recipient groups that are not units (campaign_ops.remind.OPS_GROUP and friends).
RECIPIENT_GROUP_LABELS = {"ops": "市局工作人员", "leaders": "分管领导"}


RUN_STATE_LABELS = {
    "success": "成功",
    "failed": "失败",
    "running": "运行中",
    "queued": "排队中",
}

MAX_REMINDERS_SHOWN = 50
NEXT_DEADLINES_SHOWN = 3


# ---- building it ---------------------------------------------------------------------------


class Links:
    """URLs into the Airflow UI (the board runs inside it, under the same base path)."""

    def __init__(self, ui_base: str = "") -> None:
        self.ui_base = ui_base.rstrip("/")

    def dag(self, dag_id_: str) -> str:
        return f"{self.ui_base}/dags/{dag_id_}"

    def config_errors(self) -> str:
        """The DAG list filtered to the stand-in DAGs of broken campaign files."""
        return f"{self.ui_base}/dags?tags={quote('配置错误')}"

    def run(self, dag_id_: str, run_id: str) -> str:
        return f"{self.ui_base}/dags/{dag_id_}/runs/{quote(run_id, safe='')}"


def build_board(
    campaign: Campaign,
    session: Session | None,
    *,
    now: dt.datetime,
    runs: Mapping[str, Sequence[RunInfo]] | None = None,
    paused: Mapping[str, bool] | None = None,
    links: Links | None = None,
    warehouse_error: str | None = None,
    missing_connections: Collection[str] = (),
) -> CampaignBoard:
    """The board of one campaign. ``session`` is a warehouse session (None when the warehouse
    cannot be reached; ``warehouse_error`` then says why); ``runs`` maps DAG ids to their
    latest runs, newest first; ``paused`` maps DAG ids to Airflow's pause switch;
    ``missing_connections`` are the mailbox Connections Airflow does not have."""
    links = links or Links()
    tz = ZoneInfo(campaign.timezone)
    local_now = now.astimezone(tz)
    board = CampaignBoard(
        id=campaign.id,
        title=campaign.display_title,
        authority=campaign.authority,
        period=f"{campaign.start}～{campaign.end}",
        phase=phase_text(campaign, local_now.date()),
    )
    timeline = build_timeline(campaign)
    board.live = is_live(timeline, now)
    board.unread_mailboxes = unread_mailboxes(campaign, missing_connections)
    _add_timeline(board, campaign, timeline, local_now)
    board.dags = [
        DagView(
            dag_id=dag_id(campaign.id, kind),
            kind=kind,
            kind_label=DAG_KIND_LABELS[kind],
            url=links.dag(dag_id(campaign.id, kind)),
            runs=tuple(
                RunView(_fmt(r.when, tz) if r.when else "—", r.state, r.url)
                for r in (runs or {}).get(dag_id(campaign.id, kind), ())
            ),
            paused=(paused or {}).get(dag_id(campaign.id, kind)),
        )
        for kind in dag_kinds(campaign)
    ]
    if session is None:
        board.data_note = f"数据仓库暂时无法读取：{warehouse_error or '未配置'}"
        _add_empty_matrix(board, campaign, local_now)
    else:
        try:
            _add_warehouse_data(board, campaign, session, local_now)
        except SQLAlchemyError as exc:
            board.data_note = f"数据仓库暂时无法读取：{type(exc).__name__}（详见 API 服务日志）"
            _add_empty_matrix(board, campaign, local_now)
    board.attention = attention(board)
    return board


def phase_text(campaign: Campaign, today: dt.date) -> str:
    phase = campaign.phase_on(today)
    if phase is not None:
        label = "年度阶段" if phase.kind == "stage" else "阶段"
        return f"{phase.name}（{label}，{phase.start}～{phase.end}）"
    if today < campaign.start:
        return f"尚未开始（{campaign.start} 启动）"
    if today > campaign.end:
        return f"已结束（{campaign.end} 结束）"
    upcoming = min((p for p in campaign.phases if p.start > today), key=lambda p: p.start)
    return f"阶段间隙（下一阶段“{upcoming.name}”{upcoming.start} 开始）"


def _fmt(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _add_timeline(
    board: CampaignBoard, campaign: Campaign, timeline: Timeline, local_now: dt.datetime
) -> None:
    tz = local_now.tzinfo
    assert isinstance(tz, ZoneInfo)
    upcoming = [e for e in timeline.of_kind("deadline") if e.at(campaign.timezone) >= local_now]
    for event in upcoming[:NEXT_DEADLINES_SHOWN]:
        moment = event.at(campaign.timezone)
        note = f"截止日为{event.non_working_day}" if event.non_working_day else None
        board.next_deadlines.append(
            DeadlineView(
                _fmt(moment, tz), event.title, (moment.date() - local_now.date()).days, note
            )
        )
    for label, moments in (
        ("下次提醒", timeline.reminder_moments()),
        ("下次汇总报告", timeline.report_moments()),
    ):
        later = [m for m in moments if m >= local_now]
        if later:
            board.next_moments.append((label, _fmt(later[0], tz)))


def _round_views(
    campaign: Campaign, matrix: SubmissionMatrix | None, local_now: dt.datetime
) -> list[RoundView]:
    views = []
    for r in campaign.rounds:
        due = dt.datetime.combine(
            r.deadline,
            dt.time.fromisoformat(r.deadline_time),
            tzinfo=ZoneInfo(campaign.timezone),
        )
        counts = matrix.counts(r.id) if matrix else {}
        required = sum(counts.values()) if matrix else len(campaign.units_for(r))
        views.append(
            RoundView(
                id=r.id,
                title=r.title,
                due=due.strftime("%Y-%m-%d %H:%M"),
                passed=due <= local_now,
                required=required,
                accepted=sum(n for s, n in counts.items() if s.complete),
                on_time=counts.get(MatrixStatus.accepted_on_time, 0),
            )
        )
    return views


def _add_empty_matrix(board: CampaignBoard, campaign: Campaign, local_now: dt.datetime) -> None:
    """Units × rounds from the YAML alone, every cell "尚无报送"."""
    board.rounds = _round_views(campaign, None, local_now)
    nothing = CellStyle("尚无报送", "none")
    board.units = [
        UnitLine(
            u.code,
            u.short_name,
            tuple(
                Cell(
                    u.code,
                    r.id,
                    nothing if u in campaign.units_for(r) else cell_style(None, False),
                    "",
                    None,
                )
                for r in campaign.rounds
            ),
        )
        for u in campaign.units
    ]


def _add_warehouse_data(
    board: CampaignBoard, campaign: Campaign, session: Session, local_now: dt.datetime
) -> None:
    tz = local_now.tzinfo
    assert isinstance(tz, ZoneInfo)
    board.mails = mail_views(session, campaign, tz)
    if session.get(CampaignRow, campaign.id) is None:
        board.data_note = "尚无报送：采集任务还没有为这项行动运行过，数据仓库里没有它的记录。"
        _add_empty_matrix(board, campaign, local_now)
        return
    matrix = submission_matrix(session, campaign)
    board.rejections = rejection_views(session, campaign, tz)
    board.to_confirm = confirmations_needed(session, campaign)
    board.mailbox = mail_attention(session, campaign)
    board.review = review_panel(session, campaign, tz)
    first_rejection: dict[tuple[str, str], str] = {}
    for rejection in board.rejections:
        first_rejection.setdefault((rejection.unit_code, rejection.round_id), rejection.anchor)
    board.rounds = _round_views(campaign, matrix, local_now)
    passed = {r.id: r.passed for r in board.rounds}
    labels = _deliverable_labels(campaign)
    names = {u.code: u.short_name for u in campaign.units}
    lines = []
    for unit in matrix.units:
        cells = []
        for round_id in matrix.rounds:
            cell = matrix.cells.get((unit, round_id))
            status = cell.status if cell else None
            held = board.review.under_review(unit, round_id) if board.review else set()
            keys = [k for k in (cell.outstanding if cell else ()) if k not in held]
            outstanding = [labels.get((round_id, k), k) for k in keys]
            detail = f"尚缺：{'、'.join(outstanding)}" if outstanding else ""
            link = (
                first_rejection.get((unit, round_id)) if status == MatrixStatus.rejected else None
            )
            if board.review and (note := board.review.cell_note(unit, round_id)):
                detail, link = (f"{detail}；{note}" if detail else note), link or "review"
            cells.append(
                Cell(unit, round_id, cell_style(status, passed.get(round_id, False)), detail, link)
            )
        lines.append(UnitLine(unit, names.get(unit, unit), tuple(cells)))
    board.units = lines
    if not _has_submissions(session, campaign):
        board.data_note = "尚无报送：还没有收到任何单位的文件。"


def _has_submissions(session: Session, campaign: Campaign) -> bool:
    return (
        session.scalar(sa.select(Submission.id).filter_by(campaign_id=campaign.id).limit(1))
        is not None
    )


def _deliverable_labels(campaign: Campaign) -> dict[tuple[str, str], str]:
    return {(r.id, d.key): d.label for r in campaign.rounds for d in r.deliverables}


def _open_rejections(session: Session, campaign: Campaign) -> list[Submission]:
    """Rejected versions that are still the latest of their slot (not yet replaced)."""
    latest: dict[tuple[str, str, str], Submission] = {}
    for sub in session.scalars(
        sa.select(Submission).filter_by(campaign_id=campaign.id).order_by(Submission.version)
    ):
        latest[(sub.unit_code, sub.round_id, sub.deliverable_key)] = sub
    open_ = [s for s in latest.values() if s.status == SubmissionStatus.rejected]
    order = {u.code: i for i, u in enumerate(campaign.units)}
    rounds = {r.id: i for i, r in enumerate(campaign.rounds)}
    return sorted(
        open_, key=lambda s: (rounds.get(s.round_id, 99), order.get(s.unit_code, 999), s.id)
    )


def rejection_views(session: Session, campaign: Campaign, tz: ZoneInfo) -> list[RejectionView]:
    labels = _deliverable_labels(campaign)
    names = {u.code: u.short_name for u in campaign.units}
    titles = {r.id: r.title for r in campaign.rounds}
    views = []
    for sub in _open_rejections(session, campaign):
        findings = tuple(
            FindingView(
                message=f.message,
                where=_where(f.sheet, f.row_label, f.column_label, f.value_found),
                severity="错误" if f.severity == "error" else "提示",
            )
            for f in findings_of(session, sub.id)
        )
        views.append(
            RejectionView(
                anchor=f"rejection-{sub.id}",
                unit_code=sub.unit_code,
                round_id=sub.round_id,
                unit=names.get(sub.unit_code, sub.unit_code),
                round_title=titles.get(sub.round_id, sub.round_id),
                deliverable=labels.get((sub.round_id, sub.deliverable_key), sub.deliverable_key),
                version=sub.version,
                received_at=_fmt(sub.received_at, tz),
                file_name=sub.archived_file.original_name if sub.archived_file else "",
                summary=sub.rejection_summary or "（未填写退回原因）",
                findings=findings,
            )
        )
    return views


def _where(sheet: str | None, row: str | None, column: str | None, value: str | None) -> str:
    parts = [p for p in (sheet, row, column) if p]
    where = " / ".join(parts)
    if value is not None:
        where += f"（填写值：{value}）" if where else f"填写值：{value}"
    return where


def mail_views(session: Session, campaign: Campaign, tz: ZoneInfo) -> list[MailView]:
    names = {u.code: u.short_name for u in campaign.units}
    titles = {r.id: r.title for r in campaign.rounds}
    entries = session.scalars(
        sa.select(MailLedgerEntry)
        .filter_by(campaign_id=campaign.id)
        .order_by(MailLedgerEntry.created_at.desc(), MailLedgerEntry.id.desc())
        .limit(MAX_REMINDERS_SHOWN)
    )
    views = []
    for e in entries:
        status = MailStatus(e.status)
        views.append(
            MailView(
                when=_fmt(e.sent_at or e.created_at, tz),
                kind=MAIL_KIND_LABELS.get(e.kind, e.kind),
                round_title=titles.get(e.round_id, e.round_id or "—"),
                recipient=names.get(e.recipient_key)
                or RECIPIENT_GROUP_LABELS.get(e.recipient_key, e.recipient_key),
                status=MAIL_STATUS_LABELS[status],
                needs_human=status in (MailStatus.uncertain, MailStatus.failed),
                subject=e.subject or "",
            )
        )
    return views


def attention(board: CampaignBoard) -> list[str]:
    """What needs a person, most urgent first, one sentence each."""
    items: list[str] = []
    titles = {r.id: r for r in board.rounds}
    for r_index, r in enumerate(board.rounds):
        overdue = [u.name for u in board.units if u.cells[r_index].style.css == "overdue"]
        if overdue and board.has_submissions_data:
            items.append(
                f"“{titles[r.id].title}”已截止，{len(overdue)} 个单位"
                f"{MISSING_AFTER_DEADLINE}：{_names(overdue)}"
            )
        partial = [u.name for u in board.units if u.cells[r_index].style.css == "partial"]
        if partial and r.passed:
            items.append(
                f"“{titles[r.id].title}”已截止，{len(partial)} 个单位"
                f"{ROUND_STATUS_LABELS['partial']}、仍缺材料：{_names(partial)}"
            )
    if board.rejections:
        items.append(f"{len(board.rejections)} 份材料被退回，等待单位修改后重报")
    for c in board.to_confirm:
        items.append(
            f"{c['unit']}的《{c['deliverable']}》未写明轮次，已计入“{c['round']}”，"
            f"也可能属于“{'”“'.join(c['others'])}”：请确认，如需改计运行 {c['command']}"
        )
    items.extend(board.mailbox)
    if board.live:
        items.extend(board.unread_mailboxes)
    pending = sum(1 for u in board.units for c in u.cells if c.style.css == "pending")
    if pending:
        waiting = f"{ROUND_STATUS_LABELS['received']}或{ROUND_STATUS_LABELS['not_ready']}"
        items.append(f"{pending} 份材料{waiting}")
    unsure = [m for m in board.mails if m.needs_human]
    if unsure:
        items.append(f"{len(unsure)} 封邮件发送失败或状态不明，请核实")
    for d in board.dags:
        if d.paused and board.live:
            items.append(
                f"{d.kind_label}任务已暂停（{d.dag_id}）：行动仍在进行，暂停期间不会"
                f"{PAUSED_CONSEQUENCE[d.kind]}；请在 Airflow 中打开它并取消暂停"
            )
    for d in board.dags:
        if d.last_state == "failed":
            items.append(f"{d.kind_label}任务最近一次运行失败（{d.dag_id}）")
    return items


def _names(names: list[str]) -> str:
    return "、".join(names[:5]) + ("等" if len(names) > 5 else "")


def broken_campaigns(items: Iterable[Campaign | CampaignFileError]) -> list[BrokenCampaign]:
    return [
        BrokenCampaign(item.path.name, item.message)
        for item in items
        if isinstance(item, CampaignFileError)
    ]


def group_runs(runs: Iterable[RunInfo]) -> dict[str, list[RunInfo]]:
    grouped: dict[str, list[RunInfo]] = defaultdict(list)
    for run in runs:
        grouped[run.dag_id].append(run)
    return grouped
