"""``make demo``: run a seed campaign through the real DAGs on the embedded default.

Everything it makes stays under ``CAMPAIGN_OPS_HOME`` (default ``./.campaign-ops``): the
Airflow home and metadata DB, the timelines, and (as later steps land) the drop zone, the
warehouse, the archive, the outbox and the reports. It ends by printing where each is.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from campaign_ops import PROJECT_ROOT

DEMO_CAMPAIGN = "ankang-2023-internet-ads"


def _prepare_airflow(home: Path) -> Path:
    """Point Airflow at a home of its own under the demo state; must run before importing it."""
    airflow_home = home / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("AIRFLOW_HOME", str(airflow_home))
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(PROJECT_ROOT / "dags"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__PARALLELISM", "4")
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    return Path(os.environ["AIRFLOW_HOME"])


def _say(text: str) -> None:
    print(text, flush=True)


def main() -> int:
    from campaign_ops.settings import settings

    cfg = settings()
    cfg.home.mkdir(parents=True, exist_ok=True)
    airflow_home = _prepare_airflow(cfg.home)

    from campaign_ops.campaign import CampaignFileError, load_campaigns
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

    _say("2) 准备 Airflow 元数据库（SQLite）")
    from airflow.utils.db import initdb

    t0 = time.monotonic()
    initdb()
    _say(f"   ✓ {airflow_home}（{time.monotonic() - t0:.0f} 秒）")

    _say(f"3) 用真实 DAG 运行 {DEMO_CAMPAIGN} 的第一个提醒时刻和第一个汇总时刻")
    from airflow.dag_processing.dagbag import DagBag

    from campaign_ops.campaign import get_campaign
    from campaign_ops.dag_factory import dag_id

    bag = DagBag(dag_folder=PROJECT_ROOT / "dags")
    if bag.import_errors:
        _say(f"DAG 导入错误：{bag.import_errors}")
        return 1
    timeline = build_timeline(get_campaign(DEMO_CAMPAIGN))
    runs = [
        ("remind", timeline.reminder_moments()[0]),
        ("collect", timeline.reminder_moments()[0]),
        ("consolidate", timeline.report_moments()[0]),
    ]
    for kind, moment in runs:
        dag = bag.dags[dag_id(DEMO_CAMPAIGN, kind)]
        run = dag.test(logical_date=moment)
        mark = "✓" if run.state == "success" else "✗"
        _say(f"   {mark} {dag.dag_id} @ {moment:%Y-%m-%d %H:%M}：{run.state}")
        if run.state != "success":
            return 1

    _say("")
    _say("演示完成。输出位置：")
    _say(f"  日程（JSON）：     {timelines_dir}")
    _say(f"  Airflow 元数据库： {airflow_home}")
    _say(f"  共享目录（收件）： {cfg.dropzone_dir}")
    _say("  查看某项行动的完整日程：.venv/bin/campaign-ops timeline " + DEMO_CAMPAIGN)
    return 0


if __name__ == "__main__":
    sys.exit(main())
