"""The review DAG on a running Airflow: real DAG runs, real human-in-the-loop tasks, answers
through the REST API and the ``campaign-ops review`` command, mail through an SMTP server.

The tests run in file order on one Airflow (``review_airflow``) and build on each other the
way a round goes: three units' work statistics arrive and wait for review; a second run opens
nothing new; an outsider is refused; the reviewer approves one from the command line, returns
one with a reason (the unit gets one mail, its status and the report follow); a retried or
re-run task sends nothing twice; the returned unit's new version enters review again, where a
return without a reason is not applied and reopens the review; a late review reminds the desk
once; and with ``on_timeout: approve`` the scheduler approves by itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign_ops.campaign import Campaign, get_campaign
from campaign_ops.vocabulary import MAIL_KIND_LABELS, REVIEW_DECISION_LABELS

from .review_airflow import APPROVE, FORM, OUTSIDER, REMIND, REVIEWER, ReviewAirflow

pytestmark = [pytest.mark.slow, pytest.mark.airflow_process]

DAG = f"{REMIND}__review"
PASS, BACK = REVIEW_DECISION_LABELS["approve"], REVIEW_DECISION_LABELS["return"]
APPROVE_HANBIN = ("review", REMIND, "--round", "r1", "--unit", "hanbin", "--approve")
REASON = "查办案件数与上一轮相比下降一半，请核实后重新报送"


def campaign(airflow: ReviewAirflow, campaign_id: str = REMIND) -> Campaign:
    return get_campaign(campaign_id, airflow.campaigns_dir)


def seed(airflow: ReviewAirflow, unit: str, seed: int, campaign_id: str = REMIND) -> int:
    """Unit ``unit`` sends round 1's work statistics (figures ``seed``); the submission id."""
    from campaign_ops.consolidate.seeding import known_values, put_submission
    from campaign_ops.store import session_scope, sync_campaign
    from campaign_ops.store.db import create_engine

    c = campaign(airflow, campaign_id)
    engine = create_engine(airflow.warehouse_url)
    try:
        with session_scope(engine) as s:
            sync_campaign(s, c)
            values = known_values(FORM, seed)
            return put_submission(s, c, "r1", unit, FORM, values, approved=False)
    finally:
        engine.dispose()


def query(airflow: ReviewAirflow, sql: str, **params: object) -> list[tuple]:
    engine = sa.create_engine(airflow.warehouse_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def decisions(airflow: ReviewAirflow, unit: str, campaign_id: str = REMIND) -> list[tuple]:
    return query(
        airflow,
        "SELECT s.version, d.decision, d.reason, d.decided_by FROM review_decisions d "
        "JOIN submissions s ON s.id = d.submission_id "
        "WHERE s.campaign_id = :c AND s.unit_code = :u ORDER BY s.version",
        c=campaign_id,
        u=unit,
    )


def name(airflow: ReviewAirflow, unit: str) -> str:
    return campaign(airflow).unit(unit).name


def mails_to(airflow: ReviewAirflow, address: str, kind: str) -> list:
    label = MAIL_KIND_LABELS[kind]
    return [
        m
        for m in airflow.smtp.messages()
        if address in (m["To"] or "") and label in str(m["Subject"])
    ]


def wait_pending(airflow: ReviewAirflow, label: str, count: int = 1, dag: str = DAG) -> list:
    return airflow.wait_until(
        lambda: len(found := airflow.pending_for(dag, label)) == count and found,
        180,
        f"{count} review(s) of {label} waiting",
    )


def wait_decided(airflow: ReviewAirflow, unit: str, n: int, campaign_id: str = REMIND) -> list:
    return airflow.wait_until(
        lambda: len(found := decisions(airflow, unit, campaign_id)) >= n and found,
        180,
        f"decision {n} on {unit}",
    )


# ---- the tests, in the order a round goes ---------------------------------------------------


def test_each_accepted_version_waits_in_required_actions(review_airflow: ReviewAirflow) -> None:
    airflow = review_airflow
    for i, unit in enumerate(("hanbin", "hanyin", "shiquan")):
        seed(airflow, unit, i)
    run = airflow.trigger(DAG)
    labels = {name(airflow, u) for u in ("hanbin", "hanyin", "shiquan")}
    details = airflow.wait_until(
        lambda: len(d := airflow.hitl(DAG, pending=True)) == 3 and d, 240, "three reviews"
    )
    assert {d["task_instance"]["rendered_map_index"] for d in details} == labels
    board = f"{airflow.url}/campaign-board/c/{REMIND}"
    for d in details:
        assert d["options"] == [PASS, BACK]
        assert d["assigned_users"] == [{"id": REVIEWER, "name": REVIEWER}]
        assert d["defaults"] is None  # on_timeout: remind — nobody decides for the reviewer
        assert d["task_instance"]["state"] == "awaiting_input"  # no worker slot held
        assert d["task_instance"]["rendered_map_index"] in d["subject"] + d["body"]
        assert board in d["body"]
        assert "reason" in d["params"]
    # The run that asked waits for the reviewers (a scheduled run may have come first).
    holders = {d["task_instance"]["dag_run_id"] for d in details}
    assert {airflow.run_state(DAG, r) for r in holders} == {"running"}
    if run not in holders:  # a run that found nothing new ends at once
        assert airflow.wait_for_run(DAG, run) == "success"


def test_a_second_run_opens_no_second_review(review_airflow: ReviewAirflow) -> None:
    airflow = review_airflow
    run = airflow.trigger(DAG)
    assert airflow.wait_for_run(DAG, run) == "success"
    assert len(airflow.hitl(DAG)) == 3
    asked = [t for t in airflow.task_instances(DAG, run) if t["task_id"] == "review.ask"]
    assert all(t["state"] in ("skipped", None) for t in asked), asked


def test_a_user_who_is_not_a_reviewer_is_refused(review_airflow: ReviewAirflow) -> None:
    airflow = review_airflow
    [detail] = airflow.pending_for(DAG, name(airflow, "hanbin"))
    status, body = airflow.answer(detail, PASS, "", OUTSIDER)
    assert status == 403, body
    cli = airflow.cli(
        "review", REMIND, "--round", "r1", "--unit", "hanbin", "--approve", user=OUTSIDER
    )
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert f"{OUTSIDER} 不是这项审核的审核人" in cli.stderr
    assert airflow.pending_for(DAG, name(airflow, "hanbin"))  # still waiting
    assert decisions(airflow, "hanbin") == []


def test_the_reviewer_approves_from_the_command_line(review_airflow: ReviewAirflow) -> None:
    airflow = review_airflow
    cli = airflow.cli(
        "review", REMIND, "--round", "r1", "--unit", "hanbin", "--approve", user=REVIEWER
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "审核结果已记录" in cli.stdout
    assert decisions(airflow, "hanbin") == [(1, "approve", None, REVIEWER)]
    assert airflow.pending_for(DAG, name(airflow, "hanbin")) == []
    again = airflow.cli(
        "review", REMIND, "--round", "r1", "--unit", "hanbin", "--approve", user=REVIEWER
    )
    assert again.returncode == 3, again.stdout + again.stderr
    assert "没有等待审核的任务" in again.stderr


def _status(airflow: ReviewAirflow, unit: str) -> dict:
    done = airflow.cli("status", REMIND, "--round", "r1", "--json", user="admin")
    assert done.returncode == 0, done.stderr
    [round_] = json.loads(done.stdout)["rounds"]
    return next(u for u in round_["units"] if u["unit"] == unit)


def test_a_return_with_a_reason_mails_the_unit_and_leaves_the_report(
    review_airflow: ReviewAirflow, tmp_path: Path
) -> None:
    airflow = review_airflow
    unit = campaign(airflow).unit("hanyin")
    [detail] = airflow.pending_for(DAG, unit.name)
    status, body = airflow.answer(detail, BACK, REASON, REVIEWER)
    assert status == 200, body
    assert wait_decided(airflow, "hanyin", 1) == [(1, "return", REASON, REVIEWER)]
    mails = airflow.wait_until(
        lambda: mails_to(airflow, unit.emails[0], "returned"), 120, "the return mail"
    )
    assert len(mails) == 1
    assert REASON in mails[0].get_body(("plain",)).get_content()
    shown = _status(airflow, "hanyin")
    assert shown["status"] == "returned" and REASON in shown["reason"]
    report = airflow.cli(
        "report", REMIND, "--round", "r1", "-o", str(tmp_path / "r1.xlsx"), user="admin"
    )
    assert report.returncode == 0, report.stderr
    line = next(x for x in report.stdout.splitlines() if "工作情况统计表" in x)
    # only the approved unit counts; the returned one (and the one still waiting) do not
    assert "1/11 个单位已报送" in line and unit.short_name in line.split("未计入")[1]


def _clear(airflow: ReviewAirflow, run_id: str, task_ids: list | None = None) -> None:
    body: dict = {"dry_run": False, "dag_run_id": run_id, "only_failed": False}
    if task_ids is not None:
        body["task_ids"] = task_ids
    airflow.request("POST", f"/api/v2/dags/{DAG}/clearTaskInstances", body)


def test_a_rerun_sends_no_second_mail_and_opens_no_second_review(
    review_airflow: ReviewAirflow,
) -> None:
    airflow = review_airflow
    unit = campaign(airflow).unit("hanyin")
    [detail] = [
        d
        for d in airflow.hitl(DAG, pending=False)
        if d["task_instance"]["rendered_map_index"] == unit.name
    ]
    ti = detail["task_instance"]
    run = ti["dag_run_id"]
    # The task that applied the return runs again (a retry, or ops pressing Clear) ...
    _clear(airflow, run, [["review.apply", ti["map_index"]]])
    airflow.wait_until(
        lambda: any(
            t["task_id"] == "review.apply"
            and t["map_index"] == ti["map_index"]
            and t["state"] == "success"
            and t["try_number"] > 1
            for t in airflow.task_instances(DAG, run)
        ),
        180,
        "the cleared apply task to run again",
    )
    # ... and then the whole run: every review task asks again whether it is still needed.
    _clear(airflow, run)
    waiting = name(airflow, "shiquan")
    wait_pending(airflow, waiting)  # shiquan's review is asked again, in the same place
    assert len(mails_to(airflow, unit.emails[0], "returned")) == 1
    assert decisions(airflow, "hanyin") == [(1, "return", REASON, REVIEWER)]
    assert {d["task_instance"]["rendered_map_index"] for d in airflow.hitl(DAG, pending=True)} == {
        waiting
    }


def test_a_new_version_enters_review_and_a_return_needs_a_reason(
    review_airflow: ReviewAirflow,
) -> None:
    airflow = review_airflow
    label = name(airflow, "hanyin")
    seed(airflow, "hanyin", 7)  # the unit corrects and sends again: version 2
    airflow.trigger(DAG)
    [detail] = wait_pending(airflow, label)
    status, body = airflow.answer(detail, BACK, "  ", REVIEWER)  # no reason given
    assert status == 200, body
    # Not applied; the review opens again at once, saying why.
    [again] = airflow.wait_until(
        lambda: (
            (d := airflow.pending_for(DAG, label))
            and d[0]["task_instance"]["dag_run_id"] != detail["task_instance"]["dag_run_id"]
            and d
        ),
        180,
        "the review to open again",
    )
    assert "请重新审核" in again["body"] and "没有填写理由" in again["body"]
    assert decisions(airflow, "hanyin") == [(1, "return", REASON, REVIEWER)]
    assert airflow.answer(again, PASS, "", REVIEWER)[0] == 200
    assert wait_decided(airflow, "hanyin", 2)[-1] == (2, "approve", None, REVIEWER)


def test_a_late_review_reminds_the_desk_once(review_airflow: ReviewAirflow) -> None:
    # The seeded files arrived in May 2023: every review is long past its three working days.
    airflow = review_airflow
    label = name(airflow, "shiquan")
    [detail] = airflow.pending_for(DAG, label)
    desk = campaign(airflow).ops[0].email
    for _ in range(2):
        assert airflow.wait_for_run(DAG, airflow.trigger(DAG)) == "success"
    reminders = [m for m in mails_to(airflow, desk, "review_reminder") if label in m["Subject"]]
    assert len(reminders) == 1
    text = reminders[0].get_body(("plain",)).get_content()
    assert REVIEWER in text and f"--unit shiquan --form {FORM} --approve" in text
    assert airflow.pending_for(DAG, label) == [detail]  # still open for the reviewer
    assert decisions(airflow, "shiquan") == []


def test_on_timeout_approve_lets_the_scheduler_approve(review_airflow: ReviewAirflow) -> None:
    # Past its deadline when it opens: the scheduler's time-out sweep answers with the default.
    airflow = review_airflow
    dag = f"{APPROVE}__review"
    seed(airflow, "hanbin", 3, campaign_id=APPROVE)
    airflow.trigger(dag)
    assert wait_decided(airflow, "hanbin", 1, APPROVE) == [(1, "approve", None, "system:timeout")]
    label = campaign(airflow, APPROVE).unit("hanbin").name
    [done] = [d for d in airflow.hitl(dag) if d["task_instance"]["rendered_map_index"] == label]
    assert done["defaults"] == [PASS]
    assert done["chosen_options"] == [PASS] and done["responded_by_user"] is None


def test_a_table_collect_accepts_opens_its_review_by_itself(review_airflow: ReviewAirflow) -> None:
    # The way a round really goes: nobody triggers the review DAG. A county puts its table in
    # the shared folder, collect accepts it and publishes the accepted data, and the review
    # DAG runs on that asset event and asks the reviewer.
    import datetime as dt
    import os
    import urllib.parse

    from campaign_ops.synthetic import write_submission

    airflow = review_airflow
    c = campaign(airflow)
    unit = c.unit("langao")
    dest = airflow.home / "dropzone" / c.drop_zone.path / unit.name / "工作情况统计表.xlsx"
    dest.parent.mkdir(parents=True, exist_ok=True)
    write_submission(c, "r1", unit.code, FORM, dest, seed=31)
    on_time = dt.datetime(2023, 5, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
    os.utime(dest, (on_time, on_time))
    collect = f"{REMIND}__collect"
    airflow.request("PATCH", f"/api/v2/dags/{collect}", {"is_paused": False})
    try:
        run = airflow.request(
            "POST", f"/api/v2/dags/{collect}/dagRuns", {"logical_date": "2023-05-11T01:00:00Z"}
        )["dag_run_id"]
        assert airflow.wait_for_run(collect, run) == "success"
    finally:
        airflow.request("PATCH", f"/api/v2/dags/{collect}", {"is_paused": True})
    [detail] = wait_pending(airflow, unit.name)
    review_run = urllib.parse.quote(detail["task_instance"]["dag_run_id"], safe="")
    started = airflow.request("GET", f"/api/v2/dags/{DAG}/dagRuns/{review_run}")
    assert started["run_type"] == "asset_triggered"
    assert airflow.answer(detail, PASS, "", REVIEWER)[0] == 200
    assert wait_decided(airflow, "langao", 1) == [(1, "approve", None, REVIEWER)]
