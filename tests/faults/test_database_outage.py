"""PostgreSQL stopped (``pg_ctl stop -m immediate``: a crash, no clean shutdown) while the
real collect DAG is storing a batch's figures; it comes back after crash recovery, and the
DAG runs again.

The warehouse runs on a PostgreSQL cluster of our own, with ``synchronous_commit`` on as in
production (the session's test cluster turns it off for speed, and a crash would then lose
commits the application was told about). The stop is triggered by the first INSERT into
``submitted_values``, whatever the intake code looks like inside. What must hold: what the
warehouse holds during the outage is true, and after the re-run every file is archived once,
every figure stored once (the sums equal what the files contain), every status is right and
each unit got one receipt.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from services.postgres import PG_BIN, PostgresServer
from services.smtp import SmtpServer

from faults.helpers import (
    CAMPAIGN,
    COLLECT_AT,
    UNITS,
    Batch,
    archive_files,
    assert_collected_once,
    assert_ledger_truthful,
    drop_round1,
    receipts_received,
    warehouse,
)

DB = "warehouse_faults"


def pg_ctl(server: PostgresServer, action: str) -> None:
    """Start (synchronous commits, as in production) or crash the cluster."""
    assert server.base is not None
    if action == "start":
        options = f"-p {server.port} -k {server.base} -c listen_addresses=127.0.0.1"
        args = ["-o", options, "-l", server.base / "server.log", "-w", "-t", "30", "start"]
    else:
        args = ["-m", "immediate", "-w", "stop"]
    server._run(PG_BIN / "pg_ctl", "-D", server.data_dir, *args)


def running(server: PostgresServer) -> bool:
    return server.base is not None and (server.data_dir / "postmaster.pid").exists()


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    pg_ctl(server, "stop")
    pg_ctl(server, "start")  # without the session cluster's synchronous_commit=off
    yield server
    server.stop()


@pytest.fixture
def pg_url(
    own_postgres: PostgresServer, state: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A new, migrated warehouse database on ``own_postgres`` for this test."""
    from campaign_ops.store.db import dispose_engines, upgrade

    if not running(own_postgres):
        pg_ctl(own_postgres, "start")
    admin = sa.create_engine(own_postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {DB}")
    admin.dispose()
    url = own_postgres.url(DB)
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", url)
    engine = sa.create_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    dispose_engines()
    if not running(own_postgres):
        pg_ctl(own_postgres, "start")


@pytest.fixture
def crash_on_figures(own_postgres: PostgresServer) -> Iterator[list[str]]:
    """Crash PostgreSQL just before the first INSERT into ``submitted_values`` is sent to it
    (the batch's facts are written by then, in the same transaction)."""
    crashed: list[str] = []

    def before(_conn, _cursor, statement: str, *_args) -> None:
        if not crashed and statement.lstrip().lower().startswith("insert into submitted_values"):
            crashed.append(statement)
            pg_ctl(own_postgres, "stop")

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", before)
    yield crashed
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", before)


def assert_nothing_false(batch: Batch, state: dict) -> None:
    """Whatever the warehouse holds mid-outage is true: an accepted table has all its
    figures, exactly as typed, and no file has an outcome it should not have."""
    expected = {u: ("accepted" if good else "rejected") for u, good in UNITS.items()}
    for unit, _round, _form, version, status in state["submissions"]:
        assert (version, status) == (1, expected[unit])
    typed = batch.typed_cells()
    stored = {(u, r, c): float(v) for u, r, c, v in state["values"]}
    accepted = {u for u, *_, status in state["submissions"] if status == "accepted"}
    assert stored == {k: v for k, v in typed.items() if k[0] in accepted}
    for path, _sha, outcome in state["events"]:
        assert outcome == expected[batch.units[path]]


@pytest.mark.parametrize("outage", ["short", "long"])
def test_postgres_crash_while_storing_figures(
    outage: str,
    dags: dict,
    own_postgres: PostgresServer,
    pg_url: str,
    crash_on_figures: list[str],
    state: Path,
    smtp: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``short``: PostgreSQL is back before Airflow retries the task (the same worker must
    reconnect); ``long``: the outage outlasts the retries, ops clear the run afterwards."""
    from campaign_ops import tasks

    batch = drop_round1(state / "dropzone" / CAMPAIGN, tmp_path / "work")
    if outage == "short":
        process_files = tasks.process_files

        def process_after_restart(*args, **kwargs):
            if not running(own_postgres):
                pg_ctl(own_postgres, "start")
            return process_files(*args, **kwargs)

        monkeypatch.setattr(tasks, "process_files", process_after_restart)

    run = dags["collect"].test(logical_date=COLLECT_AT)

    assert crash_on_figures, "the crash point was never reached"
    tries = {ti.task_id: ti.try_number for ti in run.get_task_instances()}
    assert tries["intake.process_files"] == (2 if outage == "short" else 3)
    # every file's bytes were archived before anything was written to the database
    assert len(archive_files(state)) == len(batch.files)
    if outage == "long":
        assert run.state == "failed" and smtp.received == []
        pg_ctl(own_postgres, "start")  # crash recovery
        during = warehouse(pg_url)
        assert_nothing_false(batch, during)
        assert during["ledger"] == []
        assert dags["collect"].test(logical_date=COLLECT_AT).state == "success"
    else:
        assert run.state == "success"
    assert dags["collect"].test(logical_date=COLLECT_AT).state == "success"  # a Clear: no change

    after = warehouse(pg_url)
    assert_collected_once(batch, after, state)
    assert receipts_received(smtp) == Counter(f"{u}@ankang-amr.example.invalid" for u in UNITS)
    assert_ledger_truthful(after["ledger"], smtp)
