"""``make demo``: replay a seed campaign's calendar through the real DAGs on the embedded default.

Every scheduled moment of ``ankang-2023-internet-ads`` is run with ``dag.test``: the remind DAG
at its reminder moments, the collect DAG after each deadline, before each report and after
each file that comes in between, the consolidate DAG at its report moments. Between them,
generated units' files land in the drop zone when their time comes: most on time, one late,
one broken and corrected after the report (so the next report carries a revised version), one
broken for good, one never. Mail goes to the outbox (no SMTP connection configured).

The replay machinery (``Roles``, ``arrivals``, ``Units``, ``schedule``, ``replay``) takes any
campaign, so the soak test (``tests/soak``) replays another seed campaign with it.

Everything stays under ``CAMPAIGN_OPS_HOME`` (default ``./.campaign-ops``): the Airflow home,
the drop zone, the warehouse, the archive, the outbox, the reports and an analyst export. It
ends by printing where each is.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from campaign_ops import PROJECT_ROOT

DEMO_CAMPAIGN = "ankang-2023-internet-ads"


@dataclass(frozen=True)
class Roles:
    """Who does what in every round, by the unit's position in the YAML; every other unit
    sends everything on time."""

    late: int = 7  # everything arrives the morning after the deadline, before the report
    corrected: int = 8  # a broken table on time, the corrected one after the report
    broken: int = 9  # a broken table, never corrected
    silent: int = 10  # never sends anything


DEMO_ROLES = Roles()
LATE, CORRECTED, BROKEN, SILENT = (
    DEMO_ROLES.late,
    DEMO_ROLES.corrected,
    DEMO_ROLES.broken,
    DEMO_ROLES.silent,
)
# How long after a round's report a corrected table arrives, at most (and never later than
# halfway to the next report, so that report carries the revision).
CORRECTION_AFTER_REPORT = dt.timedelta(days=2)
# A file arriving after its deadline that no scheduled collect run sees within this long gets
# a collect run of its own.
COLLECT_WITHIN = dt.timedelta(days=1)
COLLECT_DELAY = dt.timedelta(minutes=30)


def _prepare_airflow(home: Path, timezone: str) -> Path:
    """Point Airflow at a home of its own under the demo state; must run before importing it."""
    airflow_home = home / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("AIRFLOW_HOME", str(airflow_home))
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(PROJECT_ROOT / "dags"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__PARALLELISM", "4")
    os.environ.setdefault("AIRFLOW__CORE__DEFAULT_TIMEZONE", timezone)
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    quiet_known_warnings()
    return Path(os.environ["AIRFLOW_HOME"])


def quiet_known_warnings() -> None:
    """Two lines ``dag.test`` prints on a healthy replay, nothing a demo user can act on:
    Starlette's test client (``dag.test``'s way to the execution API) warns that it will need
    ``httpx2``, and when a collect run finds no new file, ``dag.test``'s loop says "No tasks
    to run" for the one poll in which the follow-up tasks wait to be skipped."""
    warnings.filterwarnings(
        "ignore", message=r"Using `httpx` with `starlette.testclient` is deprecated"
    )
    dag_log = logging.getLogger("airflow.sdk.definitions.dag")
    if not any(isinstance(f, _NoTasksToRun) for f in dag_log.filters):
        dag_log.addFilter(_NoTasksToRun())


class _NoTasksToRun(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("No tasks to run")


def _say(text: str) -> None:
    print(text, flush=True)


# ---- the units' files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    """One file a unit puts in its folder at ``at``."""

    at: dt.datetime
    unit: str
    round_id: str
    deliverable: str  # a form id or a document kind
    broken: bool = False


def arrivals(campaign: Any, roles: Roles = DEMO_ROLES) -> list[Arrival]:
    """The whole campaign's files, by ``roles``, in arrival order."""
    from campaign_ops.store.campaigns import round_due_at

    out: list[Arrival] = []
    for r in campaign.rounds:
        due = round_due_at(campaign, r)
        for i, unit in enumerate(campaign.units_for(r)):
            if i == roles.silent:
                continue
            if i == roles.late:
                at = due + dt.timedelta(hours=14)
            else:
                at = due - dt.timedelta(days=1, hours=i)
            for d in r.deliverables:
                broken = _breakable(d.form) and i in (roles.broken, roles.corrected)
                out.append(Arrival(at, unit.code, r.id, d.key, broken))
                if broken and i == roles.corrected:
                    out.append(Arrival(correction_time(campaign, r.id), unit.code, r.id, d.key))
    return sorted(out, key=lambda a: a.at)


def correction_time(campaign: Any, round_id: str) -> dt.datetime:
    """When a corrected table of ``round_id`` arrives: after the round's report (so that
    report goes out without it), early enough for the next report moment to carry the
    revised version."""
    from campaign_ops.store.campaigns import round_due_at
    from campaign_ops.timeline import build_timeline

    timeline = build_timeline(campaign)
    mine = [e.at(campaign.timezone) for e in timeline.of_kind("report") if e.round == round_id]
    report = mine[0] if mine else round_due_at(campaign, campaign.round(round_id))
    later = [m for m in timeline.report_moments() if m > report]
    gap = CORRECTION_AFTER_REPORT
    if later:
        gap = min(gap, (later[0] - report) / 2)
    return report + gap


def _breakable(form_id: str | None) -> bool:
    """A table with fixed rows can carry the negative number that makes it rejected."""
    from campaign_ops.forms.spec import Layout, load_form

    return form_id is not None and load_form(form_id).layout == Layout.fixed


@dataclass(frozen=True)
class Dropped:
    """What a unit put in the drop zone: the arrival, where, and for a table the figures
    typed into it (the script a test computes its expectations from)."""

    arrival: Arrival
    path: str  # relative to the drop zone
    values: dict | None = None


class Units:
    """Writes each arrival into the drop zone with its arrival time as modification time;
    cumulative figures grow from the unit's previous accepted table, as real ones do."""

    def __init__(self, campaign: Any, drop: Path, work: Path) -> None:
        self.campaign, self.drop, self.work = campaign, drop, work
        self.previous: dict[tuple[str, str], dict] = {}
        self.broken: set[tuple[str, str, str]] = set()
        self.count = 0
        self.dropped: list[Dropped] = []

    def put(self, a: Arrival) -> None:
        from campaign_ops.campaign import DELIVERABLE_LABELS, DeliverableKind
        from campaign_ops.synthetic import write_submission

        unit = self.campaign.unit(a.unit)
        folder = self.drop / unit.name / a.round_id
        folder.mkdir(parents=True, exist_ok=True)
        self.count += 1
        values = None
        if a.deliverable in DeliverableKind.__members__:
            label = DELIVERABLE_LABELS[DeliverableKind(a.deliverable)]
            target = folder / f"{label}.docx"
            target.write_bytes(b"PK\x03\x04 " + f"{unit.name} {label} {a.round_id}".encode())
        else:
            slot = (a.unit, a.round_id, a.deliverable)
            corrected = slot in self.broken and not a.broken
            target = folder / f"{a.deliverable}{'（修改稿）' if corrected else ''}.xlsx"
            if a.broken:
                self.broken.add(slot)
            key = (a.unit, a.deliverable)
            _, values = write_submission(
                self.campaign,
                a.round_id,
                a.unit,
                a.deliverable,
                target,
                seed=self.count,
                broken=a.broken,
                previous=self.previous.get(key),
            )
            if not a.broken:
                self.previous[key] = values
        os.utime(target, (a.at.timestamp(), a.at.timestamp()))
        self.dropped.append(Dropped(a, target.relative_to(self.drop).as_posix(), values))


# ---- the calendar -------------------------------------------------------------------------------


class Run(NamedTuple):
    """One scheduled DAG run: its logical date and the DAG kind (collect, remind,
    consolidate)."""

    moment: dt.datetime
    kind: str


_ORDER = {"collect": 0, "remind": 1, "consolidate": 2}


def schedule(
    campaign: Any,
    plan: Sequence[Arrival] | None = None,
    *,
    collect_before_reminders: bool = False,
) -> list[Run]:
    """Every reminder and report moment, and collect runs just after each deadline, half an
    hour before each report and half an hour after any file of ``plan`` (default: the
    demo's arrivals) that arrives after its deadline and that no other collect run would
    see within a day (as the every-30-minutes schedule would). With
    ``collect_before_reminders``, also half an hour before each pre-deadline reminder, so
    the units that delivered early are not chased."""
    from campaign_ops.store.campaigns import round_due_at
    from campaign_ops.timeline import build_timeline

    timeline = build_timeline(campaign)
    runs = {(m, "remind") for m in timeline.reminder_moments()}
    runs |= {(m, "consolidate") for m in timeline.report_moments()}
    collects = {m - COLLECT_DELAY for m in timeline.report_moments()}
    collects |= {round_due_at(campaign, r) + COLLECT_DELAY for r in campaign.rounds}
    if collect_before_reminders:
        tz = campaign.timezone
        before = [e for e in timeline.of_kind("reminder") if e.purpose == "before"]
        collects |= {e.at(tz) - COLLECT_DELAY for e in before}
    for a in arrivals(campaign) if plan is None else plan:
        late = a.at > round_due_at(campaign, campaign.round(a.round_id))
        if late and not any(a.at <= m <= a.at + COLLECT_WITHIN for m in collects):
            collects.add(a.at + COLLECT_DELAY)
    runs |= {(m, "collect") for m in collects}
    return [Run(m, kind) for m, kind in sorted(runs, key=lambda run: (run[0], _ORDER[run[1]]))]


def replay(
    campaign: Any,
    bag: Any,
    units: Units | None,
    runs: Sequence[Run] | None = None,
    plan: Sequence[Arrival] | None = None,
    say: Callable[[str], None] = _say,
) -> dict[str, int]:
    """Run every scheduled moment (``runs``, default ``schedule``); the files of ``plan``
    (default ``arrivals``) land before the first run at or after their time. Without
    ``units`` nothing lands: a re-run of a calendar already played."""
    from zoneinfo import ZoneInfo

    from campaign_ops.dag_factory import dag_id
    from campaign_ops.review.demo_reviewer import review_after_collect

    plan = arrivals(campaign) if plan is None else plan
    pending = sorted(plan, key=lambda a: a.at) if units is not None else []
    runs = schedule(campaign, plan) if runs is None else runs
    counts: dict[str, int] = {}
    for moment, kind in runs:
        while pending and pending[0].at <= moment:
            units.put(pending.pop(0))  # type: ignore[union-attr]
        dag = bag.dags[dag_id(campaign.id, kind)]
        t0 = time.monotonic()
        run = run_at(dag, moment)
        counts[kind] = counts.get(kind, 0) + 1
        mark = "✓" if run.state == "success" else "✗"
        local = moment.astimezone(ZoneInfo(campaign.timezone))
        say(f"   {mark} {local:%Y-%m-%d %H:%M} {kind:<11} {time.monotonic() - t0:4.1f} 秒")
        if run.state != "success":
            raise RuntimeError(f"{dag.dag_id} @ {moment} 运行失败：{run.state}")
        if kind == "collect":  # the campaign's reviewer decides what came in (review policy)
            review_after_collect(campaign, moment)
    return counts


def run_at(dag: Any, moment: dt.datetime) -> Any:
    """``dag.test`` for ``moment``, recorded so that the UI reads it sensibly: the run is
    named after the moment it stands for (``manual__2023-05-10T18:30:00+08:00``, not the
    wall clock), and its start is when it really started, so its duration is seconds, not
    the years between the moment and the replay. Replaying the same moment replaces the
    earlier run of it (``dag.test`` does so by logical date)."""
    import sqlalchemy as sa
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    started = dt.datetime.now(dt.UTC)
    run = dag.test(logical_date=moment, run_after=moment)
    with create_session() as session:
        session.execute(sa.update(DagRun).where(DagRun.id == run.id).values(start_date=started))
    return run


# ---- main ---------------------------------------------------------------------------------------


def _fresh(cfg) -> None:
    """A replay starts from an empty warehouse, drop zone, archive, outbox and reports."""
    for path in (cfg.dropzone_dir, cfg.archive_dir, cfg.outbox_dir, cfg.reports_dir):
        shutil.rmtree(path, ignore_errors=True)
    if cfg.database_url.startswith("sqlite:///"):
        Path(cfg.database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def main() -> int:
    from campaign_ops.settings import settings

    cfg = settings()
    cfg.home.mkdir(parents=True, exist_ok=True)
    airflow_home = _prepare_airflow(cfg.home, cfg.timezone)
    started = time.monotonic()

    from campaign_ops.campaign import CampaignFileError, get_campaign, load_campaigns
    from campaign_ops.timeline import build_timeline

    _say(f"campaign-ops 演示：状态目录 {cfg.home}")
    _say("1) 检查全部专项行动配置并推算日程")
    timelines_dir = cfg.home / "timelines"
    timelines_dir.mkdir(exist_ok=True)
    for item in load_campaigns():
        if isinstance(item, CampaignFileError):
            _say(item.message)
            return 1
        timeline = build_timeline(item)
        out = timelines_dir / f"{item.id}.json"
        out.write_text(json.dumps(timeline.as_json(), ensure_ascii=False, indent=2), "utf-8")
        counts = {k: len(timeline.of_kind(k)) for k in ("deadline", "reminder", "report")}
        _say(
            f"   ✓ {item.id}：{item.start}～{item.end}，{len(item.units)} 个单位，"
            f"{counts['deadline']} 个截止日，{counts['reminder']} 个提醒时刻，"
            f"{counts['report']} 个汇总时刻"
        )

    _say("2) 准备 Airflow 元数据库（SQLite）和空的数据仓库")
    from airflow.utils.db import initdb

    quiet_known_warnings()  # again: importing Airflow may have put its own filters first
    t0 = time.monotonic()
    initdb()
    _fresh(cfg)
    _say(f"   ✓ {airflow_home}（{time.monotonic() - t0:.0f} 秒）")

    campaign = get_campaign(DEMO_CAMPAIGN)
    _say(f"3) 按日程重放 {campaign.title}：各单位按时、逾期、出错、补正或不报送")
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=PROJECT_ROOT / "dags")
    if bag.import_errors:
        _say(f"DAG 导入错误：{bag.import_errors}")
        return 1
    drop = cfg.dropzone_dir / campaign.drop_zone.path
    units = Units(campaign, drop, cfg.home / "work")
    try:
        counts = replay(campaign, bag, units)
    except RuntimeError as exc:
        _say(f"   ✗ {exc}")
        return 1
    _say(f"   ✓ 共运行 {sum(counts.values())} 次 DAG（{counts}），各单位报送文件 {units.count} 个")

    _say("4) 导出分析用汇总数据")
    exports = _export(campaign, cfg.home / "exports" / campaign.id)
    _summary(campaign)

    _say("")
    _say(f"演示完成（{time.monotonic() - started:.0f} 秒）。输出位置：")
    _say(f"  发件箱（.eml 邮件）： {cfg.outbox_dir / campaign.id}")
    _say(f"  汇总报告（.xlsx）：   {cfg.reports_dir / campaign.id}")
    _say(f"  数据仓库：           {cfg.database_url}")
    _say(f"  归档（按内容哈希）： {cfg.archive_dir}")
    _say(f"  共享目录（收件）：   {drop}")
    _say(f"  分析数据与数据字典： {exports}")
    _say(f"  日程（JSON）：       {timelines_dir}")
    _say(f"  Airflow 元数据库：   {airflow_home}")
    _say(f"  再看报送情况：.venv/bin/campaign-ops status {DEMO_CAMPAIGN}")
    return 0


def _export(campaign, out: Path) -> Path:
    from campaign_ops.consolidate.export import export
    from campaign_ops.store import session_scope

    with session_scope() as s:
        paths = export(s, campaign, "csv", out)
    _say(f"   ✓ {len(paths)} 个文件（CSV 与 数据字典.md）")
    return out


def _summary(campaign) -> None:
    """What the outbox holds, by kind: the story in numbers."""
    import sqlalchemy as sa

    from campaign_ops.store import session_scope
    from campaign_ops.store.models import MailLedgerEntry
    from campaign_ops.vocabulary import MAIL_KIND_LABELS, MAIL_STATUS_LABELS

    with session_scope() as s:
        rows: list[Any] = s.execute(
            sa.select(MailLedgerEntry.kind, MailLedgerEntry.status, sa.func.count())
            .where(MailLedgerEntry.campaign_id == campaign.id)
            .group_by(MailLedgerEntry.kind, MailLedgerEntry.status)
        ).all()
    for kind, status, n in rows:
        what = MAIL_KIND_LABELS.get(kind, kind)
        _say(f"   {what}：{MAIL_STATUS_LABELS.get(status, status)} {n} 封")


if __name__ == "__main__":
    sys.exit(main())
