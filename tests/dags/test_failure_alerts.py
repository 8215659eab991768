"""Airflow's own failure path: a task that still fails after its retries mails the campaign's
ops contacts through SmtpNotifier on ``smtp_default`` — separate from the campaign's mail."""

from __future__ import annotations

import datetime as dt
import json

from airflow.dag_processing.dagbag import DagBag
from airflow.providers.smtp.notifications.smtp import SmtpNotifier

from campaign_ops import PROJECT_ROOT
from campaign_ops.calendar_doc import KIND_STEPS
from campaign_ops.synthetic import campaign_dict, write_campaign


def test_every_task_alerts_ops_and_has_a_chinese_name():
    bag = DagBag(dag_folder=PROJECT_ROOT / "dags")
    collect = bag.dags["ankang-2023-internet-ads__collect"]
    assert {t.task_group.group_id for t in collect.tasks} == {"intake", "follow_up"}
    for d in bag.dags.values():
        if d.dag_id.endswith("__config_error"):
            continue
        kind = d.dag_id.rsplit("__", 1)[1]
        names = {s.task_id: s.name for s in KIND_STEPS[kind]}
        for t in d.tasks:
            assert t.task_display_name == names[t.task_id.rsplit(".", 1)[-1]]
            callbacks = t.on_failure_callback
            (alert,) = callbacks if isinstance(callbacks, list) else [callbacks]
            assert isinstance(alert, SmtpNotifier)
            assert alert.to and all("@" in a for a in alert.to)


def test_a_failed_task_mails_the_ops_contacts(tmp_path, monkeypatch, airflow_db, mailbox):
    data = campaign_dict("alert-test", units=2, rounds=1)
    # a share that is not there: listing fails on every try
    data["drop_zone"] = {"kind": "smb", "path": "dropzone/none", "layout": "per_unit"}
    write_campaign(tmp_path / "campaigns", data)
    monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(tmp_path / "campaigns"))
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", f"sqlite:///{tmp_path / 'w.sqlite'}")
    monkeypatch.setenv(
        "AIRFLOW_CONN_CAMPAIGN_OPS_SHARE",
        json.dumps({"conn_type": "samba", "host": "127.0.0.1", "port": 9, "login": "x"}),
    )
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", mailbox.airflow_connection())
    bag = DagBag(dag_folder=PROJECT_ROOT / "dags")
    run = bag.dags["alert-test__collect"].test(
        logical_date=dt.datetime(2024, 3, 5, 9, tzinfo=dt.UTC)
    )
    assert run.state == "failed"
    (mail,) = [m for m in mailbox.messages() if "任务失败" in str(m["Subject"])]
    assert "intake.list_new_files" in str(mail["Subject"])
    assert mail["To"] == "ops@example.invalid"
