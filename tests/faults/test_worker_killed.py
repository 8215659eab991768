"""The worker killed mid-task (SIGKILL: no exception handler, no ``finally``, no rollback
by the application), then the run done again.

The collect DAG runs in a child process that kills itself at an exact point of the real code
path: when the second of three batches is storing its figures (the first is committed), or
right after the SMTP server accepted the third receipt and before the ledger heard of it.
Then the DAG runs again in this process, as Airflow's retry (or an operator's Clear) would.
What must hold: nothing doubled (archive, figures, receipts received), nothing lost (every
file stored, every unit's receipt received once), and the one receipt whose fate the
killed worker never recorded is not resent but put in front of a person.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

from services.smtp import SmtpServer

from faults.helpers import (
    CAMPAIGN,
    COLLECT_AT,
    UNITS,
    archive_files,
    assert_collected_once,
    assert_ledger_truthful,
    drop_round1,
    receipts_received,
    received_ids,
    warehouse,
)

# Runs the collect DAG and SIGKILLs itself at the point named by argv[1].
CHILD = textwrap.dedent(
    """
    import datetime as dt, os, signal, sys
    import sqlalchemy as sa
    from airflow.dag_processing.dagbag import DagBag
    from campaign_ops import PROJECT_ROOT
    from campaign_ops.intake import pipeline
    from campaign_ops.mail.transport import SmtpTransport

    point, campaign, logical = sys.argv[1], sys.argv[2], dt.datetime.fromisoformat(sys.argv[3])

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "store":
        pipeline.MIN_BATCH_FILES = 2  # three batches of two units, as on a busy evening
        seen = []

        def before(_conn, _cursor, statement, *_args):
            if statement.lstrip().lower().startswith("insert into submitted_values"):
                seen.append(1)
                if len(seen) == 2:  # the second batch is writing its figures
                    die()

        sa.event.listen(sa.engine.Engine, "before_cursor_execute", before)
    else:
        deliver = SmtpTransport.deliver
        sent = []

        def deliver_then_die(self, *args, **kwargs):
            outcome = deliver(self, *args, **kwargs)
            sent.append(outcome.status)
            if sent.count("sent") == 3:  # accepted by the server, not yet in the ledger
                die()
            return outcome

        SmtpTransport.deliver = deliver_then_die

    dag = DagBag(dag_folder=PROJECT_ROOT / "dags").dags[f"{campaign}__collect"]
    dag.test(logical_date=logical)
    sys.exit(3)  # the kill point was never reached
    """
)


def run_and_kill(point: str) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, point, CAMPAIGN, COLLECT_AT.isoformat()],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-3000:]


def test_worker_killed_while_a_batch_is_stored(
    dags: dict, state: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    url = os.environ["CAMPAIGN_OPS_DATABASE_URL"]
    batch = drop_round1(state / "dropzone" / CAMPAIGN, tmp_path / "work")

    run_and_kill("store")

    during = warehouse(url)
    stored_units = {u for u, *_ in during["submissions"]}
    assert len(stored_units) == 2  # the first batch, committed; the second rolled back
    typed = batch.typed_cells()
    assert {(u, r, c): float(v) for u, r, c, v in during["values"]} == {
        k: v for k, v in typed.items() if k[0] in stored_units
    }  # the committed batch is complete and true
    assert len(archive_files(state)) == 4  # two batches read and archived before storing
    assert smtp.received == []  # no receipt before the scan finished

    assert dags["collect"].test(logical_date=COLLECT_AT).state == "success"
    assert dags["collect"].test(logical_date=COLLECT_AT).state == "success"

    after = warehouse(url)
    assert_collected_once(batch, after, state)
    assert receipts_received(smtp) == Counter(f"{u}@ankang-amr.example.invalid" for u in UNITS)


class ReceiptsLost(AssertionError):
    """Units whose receipt never reached the server, and never will without a person."""


def test_worker_killed_between_sending_a_receipt_and_recording_it(
    dags: dict, state: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    """At most once and nothing lost: the killed worker leaves at most the one receipt in
    flight uncertain; every other unit gets its receipt on the re-run."""
    from campaign_ops.store import mail_needing_attention, session_scope

    url = os.environ["CAMPAIGN_OPS_DATABASE_URL"]
    batch = drop_round1(state / "dropzone" / CAMPAIGN, tmp_path / "work")

    run_and_kill("receipts")

    assert len(smtp.received) == 3
    assert_collected_once(batch, warehouse(url), state)  # all stored before any mail

    assert dags["collect"].test(logical_date=COLLECT_AT).state == "success"
    assert dags["collect"].test(logical_date=COLLECT_AT).state == "success"

    after = warehouse(url)
    assert_collected_once(batch, after, state)
    assert_ledger_truthful(after["ledger"], smtp)  # nothing twice, no false "sent"
    unrecorded = {row[5] for row in after["ledger"] if row[4] == "reserved"}
    received = received_ids(smtp)
    assert {mid for mid in received if mid in unrecorded}  # the killed worker's last mail
    with session_scope(readonly=True) as s:  # every unrecorded one is put before a person
        needing = mail_needing_attention(s, CAMPAIGN, stuck_after=dt.timedelta(0))
        assert {e.message_id for e in needing} == unrecorded
    got = receipts_received(smtp)
    addresses = [f"{u}@ankang-amr.example.invalid" for u in UNITS]
    lost = [a for a in addresses if not got[a]]
    if lost:
        raise ReceiptsLost(f"never received a receipt: {lost}")
    assert got == Counter(addresses)
