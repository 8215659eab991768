"""The remind DAG, run for real (``dag.test``) against a real SMTP server on loopback.

Each test gets its own warehouse; the SMTP server is reached through the Airflow Connection
``campaign_ops_smtp``, given as an ``AIRFLOW_CONN_…`` variable the way a deployment would."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from remind.helpers import Desk, beijing

from campaign_ops import PROJECT_ROOT
from campaign_ops.campaign import Campaign, get_campaign

DEMO = "ankang-2023-internet-ads"
NOTICE = beijing("2023-05-09T09:00")
R1_OVERDUE = beijing("2023-05-12T09:00")
R3_BEFORE = beijing("2023-07-03T09:00")


@pytest.fixture(scope="module")
def remind_dag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=PROJECT_ROOT / "dags").dags[f"{DEMO}__remind"]
    for t in dag.tasks:  # the real retries, without the minutes of backoff between them
        t.retry_delay = dt.timedelta(0)
        t.retry_exponential_backoff = False
    return dag


@pytest.fixture
def ankang(tmp_path: Path, monkeypatch, _sqlite_template: Path, mailbox) -> Iterator[Campaign]:
    from campaign_ops.remind import prepare_warehouse
    from campaign_ops.store import dispose_engines

    home = tmp_path / "state"
    home.mkdir()
    shutil.copyfile(_sqlite_template, home / "warehouse.sqlite")
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(home))
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", f"sqlite:///{home / 'warehouse.sqlite'}")
    monkeypatch.setenv("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP", mailbox.airflow_connection(timeout=5))
    campaign = get_campaign(DEMO)
    prepare_warehouse(campaign)
    yield campaign
    dispose_engines()


def run(dag, moment: dt.datetime) -> tuple[str, dict[str, int]]:
    """Run the DAG at ``moment``; its state and the try number of each task."""
    dag_run = dag.test(logical_date=moment)
    tries = {ti.task_id: ti.try_number for ti in dag_run.get_task_instances()}
    return dag_run.state, tries


def ledger() -> Counter:
    from campaign_ops.store import session_scope
    from campaign_ops.store.models import MailLedgerEntry

    with session_scope() as s:
        return Counter(
            (row.status, row.attempts) for row in s.scalars(sa.select(MailLedgerEntry)).all()
        )


def recipients(mailbox) -> list[str]:
    return sorted(r for mail in mailbox.received for r in mail.rcpt_tos)


def test_before_a_deadline_only_units_that_have_not_submitted_are_reminded_once(
    remind_dag, ankang, mailbox
):
    desk = Desk(ankang)
    desk.accept("hanbin", "r3")
    desk.accept("hanyin", "r3")
    desk.accept("shiquan", "r3", "progress_note", "ankang-work-stats")

    assert run(remind_dag, R3_BEFORE)[0] == "success"

    reminded = {u.code for u in ankang.units} - {"hanbin", "hanyin"}
    ops = [c.email for c in ankang.ops]
    assert recipients(mailbox) == sorted(
        [f"{u}@ankang-amr.example.invalid" for u in reminded] + ops
    )
    shiquan = next(m for m in mailbox.messages() if m["To"] == "shiquan@ankang-amr.example.invalid")
    assert shiquan["Subject"] == (
        "【安康互联网广告治理】催报提醒：“第二次阶段性报送（7月10日前）”将于7月10日18:00截止，"
        "石泉县局尚缺 2 项材料"
    )
    text = shiquan.get_body(("plain",)).get_content()
    assert "1. 典型案例：尚未收到" in text
    assert "2. 《互联网广告案件查处情况统计表》：尚未收到" in text

    assert run(remind_dag, R3_BEFORE)[0] == "success"  # the same run again
    assert len(mailbox.received) == len(reminded) + 1
    assert ledger() == {("sent", 1): len(reminded) + 1}


def test_the_notice_decodes_with_chinese_subject_and_attachment_names(remind_dag, ankang, mailbox):
    assert run(remind_dag, NOTICE)[0] == "success"

    notices = [m for m in mailbox.messages() if "动员部署通知" in m["Subject"]]
    assert len(notices) == len(ankang.units)
    hanbin = next(m for m in notices if m["To"] == "hanbin@ankang-amr.example.invalid")
    assert hanbin["Subject"] == (
        "【安康互联网广告治理】动员部署通知：工作日程及报表模板（汉滨区市场监督管理局）"
    )
    assert hanbin["From"].addresses[0].display_name == "安康市市场监督管理局广告科"
    names = [a.get_filename() for a in hanbin.iter_attachments()]
    assert "汉滨区市场监督管理局_互联网广告案件查处情况统计表_第四次阶段性报送.xlsx" in names
    assert len(names) == 8
    workbook = next(a for a in hanbin.iter_attachments()).get_content()
    assert workbook[:2] == b"PK"  # a real .xlsx, intact


def test_a_refusing_server_fails_the_task_and_the_next_run_sends_each_mail_once(
    remind_dag, ankang, mailbox
):
    mailbox.mode = "refuse"
    state, tries = run(remind_dag, R1_OVERDUE)

    assert state == "failed"
    assert tries["send_messages"] == 3  # the first try and both retries
    assert mailbox.received == []
    assert ledger() == {("failed", 3): 12}  # recorded, with every attempt counted

    mailbox.mode = "normal"
    assert run(remind_dag, R1_OVERDUE)[0] == "success"
    assert len(mailbox.received) == 12
    assert len({m["Message-ID"] for m in mailbox.messages()}) == 12
    assert ledger() == {("sent", 4): 12}


def test_a_server_dropping_the_connection_after_the_data_gets_each_mail_once(
    remind_dag, ankang, mailbox
):
    mailbox.mode = "drop"
    assert run(remind_dag, R1_OVERDUE)[0] == "success"  # nothing to retry: a person checks

    assert len(mailbox.received) == 12  # each exactly once, although no answer came
    assert ledger() == {("uncertain", 1): 12}

    mailbox.mode = "normal"
    assert run(remind_dag, R1_OVERDUE)[0] == "success"
    assert len(mailbox.received) == 12  # not sent again
