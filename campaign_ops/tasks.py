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
    """The reminder-timeline events due at ``moment`` (the DAG run's logical date)."""
    campaign = get_campaign(campaign_id)
    if moment is None:
        log.info("专项行动 %s：手动触发，没有对应的提醒时刻", campaign_id)
        return []
    timeline = build_timeline(campaign)
    due = [e for e in timeline.events_at(moment) if e.kind == "reminder"]
    for e in due:
        log.info("专项行动 %s 在 %s 应发送：%s", campaign_id, moment, e.title)
    return [e.as_json() for e in due]


def send_reminders(campaign_id: str, messages: list[dict]) -> None:
    log.info("专项行动 %s：%d 项提醒待发送", campaign_id, len(messages))


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
