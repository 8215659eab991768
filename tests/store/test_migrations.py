"""The migrations build exactly the schema in models.py, and upgrading is safe to repeat."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from campaign_ops.consolidate.merge import MERGED_TABLES, MERGED_VIEWS, statements
from campaign_ops.store import create_wide_view
from campaign_ops.store.db import alembic_config, create_engine, current_revision, upgrade
from campaign_ops.store.models import Base


def test_migrated_schema_matches_models(warehouse: sa.Engine) -> None:
    with warehouse.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    hint = "models.py changed without a migration: python -m campaign_ops.store revision -m …"
    assert diff == [], hint


def test_upgrade_twice_is_harmless_and_reaches_head(warehouse: sa.Engine) -> None:
    upgrade(warehouse)
    upgrade(warehouse)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(warehouse) == head


def test_analyst_views_exist(warehouse: sa.Engine) -> None:
    views = set(sa.inspect(warehouse).get_view_names())
    assert {"v_submissions", "v_accepted_values", *MERGED_VIEWS} <= views


def test_upgrade_keeps_wide_views_when_nothing_is_pending(warehouse: sa.Engine) -> None:
    create_wide_view(warehouse, "v_work_stats", "work-stats", ["本期数"])
    upgrade(warehouse)
    assert "v_work_stats" in sa.inspect(warehouse).get_view_names()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, as on the first start of a new installation."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.sqlite'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"fresh_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield server.url(name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()


@pytest.mark.timeout(60)  # a lost lock shows up as a hang: fail instead
def test_workers_starting_together_migrate_a_new_database_once(empty_database: str) -> None:
    """Every Airflow worker calls upgrade() at start; on a new installation they race."""
    engines = [create_engine(empty_database) for _ in range(3)]
    start = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def worker(engine: sa.Engine) -> None:
        try:
            start.wait()
            upgrade(engine)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(engines[0]) == head
    assert "v_submissions" in sa.inspect(engines[0]).get_view_names()
    for engine in engines:
        engine.dispose()


# What the code made outside migrations before 0004 and 0005 (the SQL of that time).
MADE_OUTSIDE_MIGRATIONS = Path(__file__).parent / "data" / "schema_made_outside_migrations.sql"
SENT = {
    "campaign_id": "ankang-2023-internet-ads",
    "round_id": "r1",
    "moment": "2023-05-11T10:00",
    "kind": "report",
    "fingerprint": "f" * 64,
    "path": "reports/安康/第1轮.xlsx",
}


@pytest.mark.parametrize("since", ["0002", "0003"])
def test_upgrade_adopts_what_was_made_outside_migrations_and_keeps_what_was_sent(
    empty_database: str, since: str
) -> None:
    """A warehouse from before 0004: its report_issues rows decide when a report goes out
    as 更正版, so upgrading must keep them, and leave the schema as a new warehouse has it
    (from 0002 the views are in the way of 0003's rebuild of submissions on SQLite)."""
    engine = create_engine(empty_database)
    upgrade(engine, since)
    with engine.begin() as conn:
        for stmt in statements(MADE_OUTSIDE_MIGRATIONS):
            conn.execute(sa.text(stmt))
        names = ", ".join(SENT)
        marks = ", ".join(f":{k}" for k in SENT)
        conn.execute(sa.text(f"INSERT INTO report_issues ({names}) VALUES ({marks})"), SENT)
    create_wide_view(engine, "v_work_stats", "work-stats", ["本期数"])

    upgrade(engine)

    with engine.connect() as conn:
        kept = conn.execute(sa.text(f"SELECT {', '.join(SENT)} FROM report_issues")).all()
        assert [tuple(r) for r in kept] == [tuple(SENT.values())]
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        for view in ("v_submissions", "v_accepted_values", *MERGED_VIEWS):
            assert conn.execute(sa.text(f"SELECT COUNT(*) FROM {view}")).scalar_one() == 0
    if since == "0003":  # no migration since rebuilt what it reads
        assert "v_work_stats" in sa.inspect(engine).get_view_names()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(engine) == head
    engine.dispose()


def test_upgrade_with_nothing_pending_changes_no_schema(warehouse: sa.Engine) -> None:
    """Every task calls upgrade() at start: at head it must not drop or create anything
    (views included), or readers would wait on every task."""
    statements_run: list[str] = []
    sa.event.listen(warehouse, "before_cursor_execute", _record(statements_run))
    upgrade(warehouse)
    ddl = [s for s in statements_run if s.startswith(("CREATE", "DROP", "ALTER"))]
    assert statements_run and ddl == []


def _record(into: list[str]):
    """Each statement run, without its comment lines, in capitals."""

    def listener(_conn, _cursor, statement: str, *_args) -> None:
        code = [line for line in statement.splitlines() if not line.lstrip().startswith("--")]
        into.append("\n".join(code).lstrip().upper())

    return listener


def test_a_new_warehouse_has_every_merged_table(warehouse: sa.Engine) -> None:
    """Nothing creates a table at refresh time any more: the migrations made them all."""
    tables = set(sa.inspect(warehouse).get_table_names())
    assert {*MERGED_TABLES, "report_issues", "dd_forms", "dd_round_forms"} <= tables
