"""What the DAG tasks do, as plain functions (testable without a scheduler).

Each function is called from a task in ``dag_factory``; it loads the campaign by id at run
time (the YAML is the source of truth) and returns something JSON-serialisable for XCom.
Collection, reminders and consolidation are filled in by their own modules as they land;
until then the steps say what they would do.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from campaign_ops.campaign import Campaign, get_campaign
from campaign_ops.settings import settings
from campaign_ops.timeline import build_timeline

log = logging.getLogger(__name__)


def drop_zone_path(campaign: Campaign) -> Path:
    """The local folder a folder-type drop zone points at."""
    path = Path(campaign.drop_zone.path)
    return path if path.is_absolute() else settings().dropzone_dir / path


def scan_drop_zone(campaign_id: str) -> dict:
    campaign = get_campaign(campaign_id)
    root = drop_zone_path(campaign)
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
    log.info("专项行动 %s：共享目录 %s 中有 %d 个文件", campaign_id, root, len(files))
    return {"drop_zone": str(root), "files": len(files)}


def publish_accepted_data(campaign_id: str, scan_result: dict) -> None:
    log.info("专项行动 %s：本次扫描结果 %s", campaign_id, scan_result)


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
    with session_scope() as session:
        messages = messages_due(campaign, moment, session)
    for m in messages:
        log.info("应发送 %s → %s：%s", m.kind, ", ".join(m.recipients), m.subject)
    return [m.as_json() for m in messages]


def send_reminders(campaign_id: str, messages: list[dict]) -> None:
    """Send through the mail ledger; fail the task (Airflow retries it with backoff) when a
    message was refused, so only those are sent again. A message that may have been
    delivered (``uncertain``) is not retried: the ops digest lists it for a person."""
    from collections import Counter

    from campaign_ops.mail import open_transport
    from campaign_ops.remind import Message, send_messages

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
    log.info("专项行动 %s：刷新汇总表", campaign_id)
    return {"campaign": campaign_id}


def build_and_send_report(campaign_id: str, moment: dt.datetime | None, refreshed: dict) -> None:
    campaign = get_campaign(campaign_id)
    due = []
    if moment is not None:
        due = [e for e in build_timeline(campaign).events_at(moment) if e.kind == "report"]
    for e in due:
        log.info("专项行动 %s：生成并发送 %s", campaign_id, e.title)
