"""What the DAG tasks do, as plain functions (testable without a scheduler).

Each function is called from a task in ``dag_factory``; it loads the campaign by id at run
time (the YAML is the source of truth), imports the heavy libraries it needs only then, and
returns something JSON-serialisable for XCom. The work itself lives in ``intake``, ``remind``
and ``consolidate``; these functions only connect it to a DAG run's moment.
"""

from __future__ import annotations

import datetime as dt
import logging

from campaign_ops.campaign import get_campaign
from campaign_ops.timeline import build_timeline

log = logging.getLogger(__name__)


# At most this many mapped process tasks per scan: enough to keep every worker of a
# production deployment busy, far below Airflow's max_map_length (1024) however many files
# arrive on a deadline evening (see intake.pipeline.batches for the batch size).
MAX_BATCHES = 32


def _moment(moment: dt.datetime | None) -> dt.datetime:
    return moment.astimezone(dt.UTC) if moment else dt.datetime.now(dt.UTC)


def fetch_mail(campaign_id: str, moment: dt.datetime | None) -> list[dict]:
    """Archive and record the new mail of the campaign's mailboxes (``mailbox.intake``);
    their files are then listed with the share's."""
    from dataclasses import asdict

    from campaign_ops.mailbox.intake import fetch_all
    from campaign_ops.store import session_scope, sync_campaign, upgrade

    campaign = get_campaign(campaign_id)
    upgrade()
    with session_scope() as session:
        sync_campaign(session, campaign)
    return [asdict(f) for f in fetch_all(campaign, _moment(moment))]


def list_new_files(campaign_id: str, moment: dt.datetime | None) -> dict:
    """List the drop zones and split the files to process into batches, each labelled with
    the units it holds so the Airflow UI shows whose files a mapped task is working on."""
    from campaign_ops.intake.sources import sources_for
    from campaign_ops.store import upgrade

    campaign = get_campaign(campaign_id)
    upgrade()
    out: dict = {"batches": [], "not_ready": []}
    for source in sources_for(campaign):
        found = _list_source(campaign, source, moment)
        out["batches"] += found["batches"]
        out["not_ready"] += found["not_ready"]
    return out


def _list_source(campaign, source, moment: dt.datetime | None) -> dict:
    from campaign_ops.intake.identify import matcher_for, unit_from_path
    from campaign_ops.intake.pipeline import batches, pending
    from campaign_ops.intake.sources import entry_to_dict

    campaign_id = campaign.id
    todo, waiting = pending(campaign, source, _moment(moment))
    matcher = matcher_for(campaign)
    out = []
    for batch in batches(todo, campaign, MAX_BATCHES):
        names = []
        for e in batch:
            unit = unit_from_path(matcher, e.path)
            name = unit.short_name if unit else "未识别单位"
            if name not in names:
                names.append(name)
        label = "、".join(names[:3]) + (f" 等 {len(names)} 个单位" if len(names) > 3 else "")
        out.append(
            {
                "label": f"{label}（{len(batch)} 个文件）",
                "source": source.name,
                "entries": [entry_to_dict(e) for e in batch],
            }
        )
    log.info(
        "专项行动 %s：%s 中有 %d 个新文件待处理（%d 批），%d 个文件未就绪",
        campaign_id,
        source.name,
        len(todo),
        len(out),
        len(waiting),
    )
    return {"batches": out, "not_ready": [o.as_dict() for o in waiting]}


def process_files(campaign_id: str, batch: dict, moment: dt.datetime | None) -> list[dict]:
    """Archive, identify, validate and store one batch; one outcome per file."""
    from campaign_ops.intake.pipeline import process
    from campaign_ops.intake.sources import entry_from_dict, source_named

    campaign = get_campaign(campaign_id)
    entries = [entry_from_dict(e) for e in batch["entries"]]
    source = source_named(campaign, batch.get("source"))
    outcomes = process(campaign, source, entries, _moment(moment))
    for o in outcomes:
        log.info("%s：%s %s", o.path, o.outcome, o.message)
    return [o.as_dict() for o in outcomes]


def send_receipts(campaign_id: str, moment: dt.datetime | None) -> int:
    """Tell each unit what happened to the files this scan processed, and answer the files
    in its 预检 folder; returns mails sent.

    A receipt that definitely did not go out (server down or refusing) fails the task, as
    reminders and reports do: Airflow retries it, the ledger resends only those, and ops get
    the failure alert; if the outage outlasts the retries, the next scan sends them."""
    from campaign_ops.intake.precheck import send_prechecks
    from campaign_ops.intake.receipts import send_receipts as send

    campaign = get_campaign(campaign_id)
    deliveries = send(campaign, _moment(moment))
    for d in deliveries:
        log.info("回执 %s → %s：%s %s", d.message.unit, d.message.to, d.status, d.detail)
    # the 预检 folders' answers: checked like `campaign-ops check`, never stored as submissions
    answers = send_prechecks(campaign, _moment(moment))
    for d in answers:
        log.info("预检结果 %s → %s：%s %s", d.message.unit, d.message.to, d.status, d.detail)
    failed = [d for d in deliveries + answers if d.status == "failed"]
    if failed:
        lines = "\n".join(f"  - {d.message.subject}：{d.detail}" for d in failed)
        raise RuntimeError(f"{len(failed)} 封邮件发送失败，任务重试时将只重发这些邮件：\n{lines}")
    return sum(d.status == "sent" for d in deliveries + answers)


def accepted_data_changed(outcomes: list[dict]) -> bool:
    return any(o["outcome"] == "accepted" for o in outcomes)


def decide_reminders(campaign_id: str, moment: dt.datetime | None) -> list[dict]:
    """The messages due at ``moment`` (the DAG run's logical date), as JSON for XCom.

    Decided from the timeline and the warehouse; nothing is sent here, so a retry of the send
    step works from the same list."""
    from campaign_ops.remind import messages_due, prepare_warehouse
    from campaign_ops.store import session_scope

    campaign = get_campaign(campaign_id)
    if moment is None:
        log.info("专项行动 %s：手动触发，没有对应的提醒时刻", campaign_id)
        return []
    for e in build_timeline(campaign).events_at(moment):
        if e.kind == "reminder":
            log.info("专项行动 %s 在 %s 的提醒事项：%s", campaign_id, moment, e.title)
    prepare_warehouse(campaign)
    with session_scope(readonly=True) as session:
        messages = messages_due(campaign, moment, session)
    for m in messages:
        log.info("应发送 %s → %s：%s", m.kind, ", ".join(m.recipients), m.subject)
    return [m.as_json() for m in messages]


def send_reminders(campaign_id: str, messages: list[dict]) -> None:
    """Send through the mail ledger; fail the task (Airflow retries it with backoff) when a
    message was refused, so only those are sent again. A message that may have been
    delivered (``uncertain``) is not retried: the ops digest lists it for a person."""
    from collections import Counter

    from campaign_ops.mail import Message, open_transport, send_messages

    campaign = get_campaign(campaign_id)
    if not messages:
        log.info("专项行动 %s：本时刻没有需要发送的邮件", campaign_id)
        return
    transport = open_transport()
    log.info("%s：%d 封邮件，经由%s发送", campaign_id, len(messages), transport.description)
    try:
        results = send_messages(campaign, [Message.from_json(m) for m in messages], transport)
    finally:
        transport.close()
    counts = Counter(r.status for r in results)
    log.info("专项行动 %s：发送结果 %s", campaign_id, dict(counts))
    for r in results:
        if r.status == "uncertain":
            log.warning("可能已送达、不会自动重发：%s（%s）", r.message.subject, r.detail)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        lines = "\n".join(f"  - {r.message.subject}：{r.detail}" for r in failed)
        raise RuntimeError(f"{len(failed)} 封邮件发送失败，任务重试时将只重发这些邮件：\n{lines}")


def refresh_merged_tables(campaign_id: str) -> dict:
    """Rebuild the campaign's merged tables (``include/sql/merge``): on every Asset event of
    the collect DAG (a late file updates them) and before every report."""
    from campaign_ops.consolidate.merge import refresh_campaign

    return refresh_campaign(get_campaign(campaign_id)).as_json()


def build_and_send_report(campaign_id: str, moment: dt.datetime | None, refreshed: dict) -> None:
    """At a report moment, build the reports due and email them through the mail ledger.

    A run without a logical date was triggered by the collect DAG's Asset event (Airflow 3
    gives asset-triggered runs none): the tables are fresh and nothing is due. A report that
    failed to send fails the task, so Airflow retries it; the ledger keeps sent ones sent."""
    from campaign_ops.consolidate.deliver import send_reports_due
    from campaign_ops.mail import open_transport

    campaign = get_campaign(campaign_id)
    if moment is None:
        rows = refreshed.get("rows")
        log.info("专项行动 %s：报送数据更新，汇总表已刷新（%s）", campaign_id, rows)
        return
    transport = open_transport()
    try:
        results = send_reports_due(campaign, moment, transport)
    finally:
        transport.close()
    if not results:
        log.info("专项行动 %s：%s 没有到期的汇总报告", campaign_id, moment)
    for r in results:
        due = f"{r.due.kind}/{r.due.ledger_round}"
        log.info("汇总报告 %s：%s %s %s", due, r.status, r.path, r.detail)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        lines = "\n".join(f"  - {r.due.kind}/{r.due.ledger_round}：{r.detail}" for r in failed)
        raise RuntimeError(f"{len(failed)} 份汇总报告发送失败，任务重试时将重发：\n{lines}")
