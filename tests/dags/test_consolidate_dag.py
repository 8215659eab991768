"""The consolidate DAG after the collect DAG, both run for real (``dag.test``): files dropped
by units become one report email at the report moment, on a real SMTP server, with the
report attached and its figures equal to what the units typed in."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from campaign_ops import PROJECT_ROOT
from campaign_ops.campaign import get_campaign
from campaign_ops.synthetic import write_submission

CAMPAIGN = "ankang-2023-internet-ads"
BEIJING = ZoneInfo("Asia/Shanghai")
ON_TIME = dt.datetime(2023, 5, 10, 15, 0, tzinfo=BEIJING)
LATE = dt.datetime(2023, 5, 11, 8, 30, tzinfo=BEIJING)
COLLECT_AT = dt.datetime(2023, 5, 11, 9, 0, tzinfo=BEIJING)
REPORT_AT = dt.datetime(2023, 5, 11, 10, 0, tzinfo=BEIJING)


@pytest.fixture(scope="module")
def dags(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=PROJECT_ROOT / "dags")
    assert not bag.import_errors
    for kind in ("collect", "consolidate"):
        for t in bag.dags[f"{CAMPAIGN}__{kind}"].tasks:
            t.retry_delay = dt.timedelta(0)
            t.retry_exponential_backoff = False
    return bag.dags


@pytest.fixture
def state(tmp_path: Path, monkeypatch, _sqlite_template: Path, mailbox) -> Path:
    from campaign_ops.store import dispose_engines

    home = tmp_path / "state"
    home.mkdir()
    shutil.copyfile(_sqlite_template, home / "warehouse.sqlite")
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(home))
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", f"sqlite:///{home / 'warehouse.sqlite'}")
    monkeypatch.setenv("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP", mailbox.airflow_connection(timeout=5))
    yield home
    dispose_engines()


def drop(state: Path, work: Path) -> dict[str, dict]:
    """Round 1 arrives: two units on time or late, one broken file; the rest send nothing."""
    campaign = get_campaign(CAMPAIGN)
    typed = {}
    for unit, when, kw in (
        ("hanbin", ON_TIME, {}),
        ("hanyin", LATE, {"seed": 1}),
        ("shiquan", ON_TIME, {"broken": True}),
    ):
        name = f"{campaign.unit(unit).name}/工作情况统计表.xlsx"
        path, values = write_submission(
            campaign, "r1", unit, "ankang-work-stats", work / f"{unit}.xlsx", **kw
        )
        target = state / "dropzone" / CAMPAIGN / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        os.utime(target, (when.timestamp(), when.timestamp()))
        typed[unit] = values
    return typed


def reports(mailbox) -> list:
    return [m.message for m in mailbox.received if m.message["Subject"].startswith("【汇总报告")]


def approve_everything(campaign) -> None:
    """The campaign's reviewer approves every accepted table (its review policy)."""
    from campaign_ops.review.queue import approve_open
    from campaign_ops.store import session_scope

    with session_scope() as s:
        approve_open(s, campaign, campaign.review.reviewers[0], COLLECT_AT)


def test_files_dropped_become_one_report_email_at_the_report_moment(
    dags, state: Path, mailbox, tmp_path: Path
):
    typed = drop(state, tmp_path / "work")
    assert dags[f"{CAMPAIGN}__collect"].test(logical_date=COLLECT_AT).state == "success"
    approve_everything(get_campaign(CAMPAIGN))  # the 广告科 reviews the tables before the report
    consolidate = dags[f"{CAMPAIGN}__consolidate"]
    assert consolidate.test(logical_date=REPORT_AT).state == "success"

    [message] = reports(mailbox)  # the collect DAG also sent receipts to the units
    assert "第一次阶段性报送" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    ws = load_workbook(io.BytesIO(attachment.get_content()))["工作情况统计表"]
    # 34 figures for 11 units print turned: units across row 4 with their 报送情况 under them
    # in row 5, the figures from row 6 down (举办《办法》学习培训: 本期数, then 累计数)
    cols = {ws.cell(row=4, column=c).value: c for c in range(1, ws.max_column + 1)}
    campaign = get_campaign(CAMPAIGN)
    expect = {"hanbin": "按时报送", "hanyin": "逾期报送", "shiquan": "退回待改", "ziyang": "未报送"}
    for code, label in expect.items():
        assert ws.cell(row=5, column=cols[campaign.unit(code).short_name]).value == label
    # 举办《办法》学习培训 累计数: per unit as typed, 合计 over the two accepted units
    hanbin = typed["hanbin"]["training_sessions"]["cumulative"]
    hanyin = typed["hanyin"]["training_sessions"]["cumulative"]
    assert (ws["A6"].value, ws["B7"].value) == ("举办《办法》学习培训", "累计数")
    assert ws.cell(row=7, column=cols["汉滨区局"]).value == hanbin
    assert ws.cell(row=7, column=cols["合计"]).value == hanbin + hanyin

    # the same moment again (a re-run): the ledger keeps it to one email
    assert consolidate.test(logical_date=REPORT_AT).state == "success"
    assert len(reports(mailbox)) == 1
    files = list((state / "reports" / CAMPAIGN).rglob("*.xlsx"))
    assert len(files) == 1
