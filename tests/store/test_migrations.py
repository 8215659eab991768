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
    assert {"v_submissions", "v_accepted_values"} <= views


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
