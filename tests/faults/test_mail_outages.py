"""The mail server down, refusing, or dropping the connection after DATA, while the real DAGs
send receipts (collect), the report (consolidate) and reminders (remind); then it recovers
and the DAGs run again.

``tests/dags/test_remind_dag.py`` already covers reminders on a refusing and on a dropping
server; here: receipts and the report in all three faults, and reminders with no server at
all. What must hold: each email reaches the server at most once per ledger key, a mail that
may have been delivered (dropped after DATA) is recorded as uncertain and never resent, and
the ledger never says "sent" for a message the server did not receive.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from pathlib import Path

import pytest
from services.smtp import SmtpServer

from faults.helpers import (
    CAMPAIGN,
    COLLECT_AT,
    R1_OVERDUE,
    REPORT_AT,
    UNITS,
    assert_collected_once,
    assert_ledger_truthful,
    drop_round1,
    receipts_received,
    reports_received,
    warehouse,
)

NEXT_SCAN = COLLECT_AT + dt.timedelta(minutes=30)


def start_fault(server: SmtpServer, fault: str) -> None:
    if fault == "down":
        server.stop()  # nothing listens on the port any more
    else:
        server.mode = fault


def clear_fault(server: SmtpServer) -> None:
    if server._controller is None:
        server.start()  # the same port again: the Airflow Connection is unchanged
    server.mode = "normal"


def by_kind(ledger: list[tuple]) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for kind, *_, status, _mid in ledger:
        out.setdefault(kind, Counter())[status] += 1
    return out


def unit_addresses() -> set[str]:
    return {f"{u}@ankang-amr.example.invalid" for u in UNITS}


@pytest.mark.parametrize("fault", ["down", "refuse", "drop"])
def test_receipts_and_report_survive_a_mail_server_fault(
    fault: str, dags: dict, state: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    url = os.environ["CAMPAIGN_OPS_DATABASE_URL"]
    batch = drop_round1(state / "dropzone" / CAMPAIGN, tmp_path / "work")

    start_fault(smtp, fault)
    collect = dags["collect"].test(logical_date=COLLECT_AT)
    consolidate = dags["consolidate"].test(logical_date=REPORT_AT)

    during = warehouse(url)
    assert_collected_once(batch, during, state)  # the data does not depend on the mail
    tries = {ti.task_id: ti.try_number for ti in collect.get_task_instances()}
    if fault == "drop":
        # maybe delivered: nothing to retry, a person checks with the unit
        assert (collect.state, consolidate.state) == ("success", "success")
        assert by_kind(during["ledger"]) == {
            "receipt": {"uncertain": len(UNITS)},
            "report": {"uncertain": 1},
        }
        assert receipts_received(smtp) == Counter(unit_addresses())  # one copy, not three
        assert len(reports_received(smtp)) == 1
    else:
        # definitely not delivered: the tasks fail after their retries, ops get the alert
        assert (collect.state, consolidate.state) == ("failed", "failed")
        assert tries["follow_up.send_receipts"] == 3
        assert tries["follow_up.publish_accepted_data"] == 1  # the data was published
        assert by_kind(during["ledger"]) == {
            "receipt": {"failed": len(UNITS)},
            "report": {"failed": 1},
        }
        assert smtp.received == []
    assert_ledger_truthful(during["ledger"], smtp)

    clear_fault(smtp)
    # the next scheduled scan finds no new file and sends the receipts that failed
    assert dags["collect"].test(logical_date=NEXT_SCAN).state == "success"
    assert dags["consolidate"].test(logical_date=REPORT_AT).state == "success"
    # and again, as a Clear of the first runs would
    assert dags["collect"].test(logical_date=COLLECT_AT).state == "success"
    assert dags["consolidate"].test(logical_date=REPORT_AT).state == "success"

    after = warehouse(url)
    assert_collected_once(batch, after, state)
    assert receipts_received(smtp) == Counter(unit_addresses())  # each unit once
    [report] = reports_received(smtp)
    assert "第一次阶段性报送" in report["Subject"]
    expected = "uncertain" if fault == "drop" else "sent"
    assert by_kind(after["ledger"]) == {
        "receipt": {expected: len(UNITS)},
        "report": {expected: 1},
    }
    assert_ledger_truthful(after["ledger"], smtp)
    # the report file on disk is the one that went out, not rebuilt by the re-runs
    assert len(list((state / "reports" / CAMPAIGN).rglob("*.xlsx"))) == 1


def test_reminders_wait_for_a_mail_server_that_is_down(
    dags: dict, state: Path, smtp: SmtpServer
) -> None:
    from campaign_ops.campaign import get_campaign
    from campaign_ops.remind import prepare_warehouse

    url = os.environ["CAMPAIGN_OPS_DATABASE_URL"]
    campaign = get_campaign(CAMPAIGN)
    prepare_warehouse(campaign)

    smtp.stop()
    run = dags["remind"].test(logical_date=R1_OVERDUE)
    tries = {ti.task_id: ti.try_number for ti in run.get_task_instances()}
    assert run.state == "failed"
    assert tries["send_messages"] == 3
    ledger = warehouse(url)["ledger"]
    assert Counter(status for *_, status, _ in ledger) == {"failed": len(campaign.units) + 1}

    smtp.start()
    assert dags["remind"].test(logical_date=R1_OVERDUE).state == "success"
    assert dags["remind"].test(logical_date=R1_OVERDUE).state == "success"

    ledger = warehouse(url)["ledger"]
    assert Counter(status for *_, status, _ in ledger) == {"sent": len(campaign.units) + 1}
    assert_ledger_truthful(ledger, smtp)
    to = Counter(r for mail in smtp.received for r in mail.rcpt_tos)
    assert to == Counter(
        [u.emails[0] for u in campaign.units] + [c.email for c in campaign.ops]
    )  # every overdue unit once, and the ops digest
