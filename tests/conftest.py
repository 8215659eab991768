"""Shared fixtures: real services (PostgreSQL, Samba, SMTP) and a fresh warehouse per test.

- ``postgres_url`` (session): admin URL of a throwaway PostgreSQL 15 cluster.
- ``samba_share`` (session): a running ``services.samba.SambaServer`` (``.port``, ``.unc()``,
  ``.share_dir``, ``.username``, ``.password``).
- ``smtp_server`` (session): a running ``services.smtp.SmtpServer``; ``mailbox`` is the same
  server emptied and set back to normal mode for one test.
- ``warehouse_url`` (per test, parametrized ``sqlite`` / ``postgresql``): a new, migrated,
  empty warehouse; ``CAMPAIGN_OPS_DATABASE_URL`` points at it during the test. ``warehouse``
  is its engine and ``session`` a session on it. Run one backend with ``-k sqlite``.

Services start only when a test asks for them, and stop when the session ends.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from services.postgres import PostgresServer
from services.samba import SambaServer
from services.smtp import SmtpServer
from sqlalchemy.orm import Session

WAREHOUSE_TEMPLATE_DB = "warehouse_template"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    return postgres_server.url()


@pytest.fixture(scope="session")
def samba_share() -> Iterator[SambaServer]:
    server = SambaServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server: SmtpServer) -> SmtpServer:
    smtp_server.reset()
    return smtp_server


# ---- the warehouse on both backends ----------------------------------------------------------


def _migrate(url: str) -> None:
    from campaign_ops.store.db import create_engine, upgrade

    engine = create_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("warehouse") / "template.sqlite"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_template(postgres_server: PostgresServer) -> str:
    """A migrated database that each test's database is created from (CREATE … TEMPLATE)."""
    admin = sa.create_engine(postgres_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {WAREHOUSE_TEMPLATE_DB}")
    admin.dispose()
    _migrate(postgres_server.url(WAREHOUSE_TEMPLATE_DB))
    return WAREHOUSE_TEMPLATE_DB


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    from campaign_ops.store.db import dispose_engines

    if request.param == "sqlite":
        path = tmp_path / "warehouse.sqlite"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        url = f"sqlite:///{path}"
        cleanup = None
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        template = request.getfixturevalue("_postgres_template")
        name = f"test_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {template}")
        url = server.url(name)

        def cleanup() -> None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.dispose()

    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", url)
    yield url
    dispose_engines()
    if cleanup:
        cleanup()


@pytest.fixture
def warehouse(warehouse_url: str) -> Iterator[sa.Engine]:
    from campaign_ops.store.db import create_engine

    engine = create_engine(warehouse_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(warehouse: sa.Engine) -> Iterator[Session]:
    with Session(warehouse, expire_on_commit=False) as s:
        yield s
