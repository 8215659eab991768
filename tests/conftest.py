"""Shared fixtures: real services (PostgreSQL, Samba, SMTP) and a fresh warehouse per test.

- ``postgres_url`` (session): admin URL of a throwaway PostgreSQL 15 cluster.
- ``samba_share`` (session): a running ``services.samba.SambaServer`` (``.port``, ``.unc()``,
  ``.share_dir``, ``.username``, ``.password``).
- ``smtp_server`` (session): a running ``services.smtp.SmtpServer``; ``mailbox`` is the same
  server emptied and set back to normal mode for one test.
- ``imap_server`` (session, ``tests/mailbox/conftest.py``): a private Dovecot
  (``services.imap.ImapServer``) for the campaign mailbox; ``imap`` is the same server emptied.
- ``warehouse_url`` (per test, parametrized ``sqlite`` / ``postgresql``): a new, migrated,
  empty warehouse; ``CAMPAIGN_OPS_DATABASE_URL`` points at it during the test. ``warehouse``
  is its engine and ``session`` a session on it. Run one backend with ``-k sqlite``.

- ``airflow_db`` (session): Airflow's metadata database (SQLite) in the suite's AIRFLOW_HOME,
  migrated once.
- ``state`` (per test): a throwaway state folder with its own SQLite warehouse; ``ankang`` is
  the demo campaign synced into it.

Services start only when a test asks for them, and stop when the session ends.

Airflow reads its configuration once, when it is first imported, so this file sets Airflow's
environment at import: pytest imports it before any other conftest or test module. Tests that
run Airflow in a child process give that process its own home.

Tiers: a test that needs a server (PostgreSQL, Samba, SMTP, Redis, LibreOffice, a browser, an
Airflow process) is marked ``server`` here, from the fixtures it uses or its explicit
``libreoffice`` / ``browser`` / ``airflow_process`` marker; ``make test-fast`` runs the rest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from services._common import FAST_TIER
from services.postgres import PostgresServer
from services.samba import SambaServer
from services.smtp import SmtpServer
from sqlalchemy.orm import Session

from campaign_ops import PROJECT_ROOT
from campaign_ops.demo import DEMO_CAMPAIGN

POSTGRES_WAREHOUSE_DB = "warehouse_test"
BIN = Path(sys.executable).parent

# ---- Airflow's environment, once, before anything imports Airflow --------------------------

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="campaign-ops-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "CAMPAIGN_OPS_RETRY_DELAY_SECONDS": "1",
    }
)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Airflow's metadata database (SQLite) in the suite's AIRFLOW_HOME, migrated once
    (``dag.test`` and ``airflow dags test`` record their runs in it)."""
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    subprocess.run([BIN / "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    return AIRFLOW_HOME


# ---- the fast tier: everything that needs no server ------------------------------------------

# Fixtures that start a server or an outside program (their dependents inherit them).
SERVER_FIXTURES = frozenset(
    {"postgres_server", "samba_share", "smtp_server", "_fault_smtp", "calc", "imap_server"}
)
SERVER_MARKERS = ("libreoffice", "browser", "airflow_process")


def needs_server(item: pytest.Item) -> bool:
    """Whether ``item`` starts a server: by its fixtures, the ``postgresql`` side of a
    backend-parametrized fixture (``warehouse_url`` and the like request PostgreSQL inside the
    fixture, so it is not among the fixture names), or an explicit marker."""
    if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec is not None else ()
    if any(isinstance(value, str) and value == "postgresql" for value in params):
        return True
    return any(item.get_closest_marker(name) for name in SERVER_MARKERS)


def pytest_configure(config: pytest.Config) -> None:
    """Only the fast tier selected: a server started anyway fails its test (services/_common)."""
    if config.option.markexpr.strip() == "not server":
        os.environ[FAST_TIER] = "fast"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if needs_server(item):
            item.add_marker(pytest.mark.server)


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
    import smbclient

    if os.geteuid() != 0:
        pytest.skip("smbd for tests needs root (CI runs as root); run the Samba tests as root")
    server = SambaServer().start()
    yield server
    # Close the client sessions the tests opened while pytest still captures their log lines
    # (smbclient would otherwise do it at exit and log to a closed stream).
    smbclient.reset_connection_cache()
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


@pytest.fixture
def smtp(
    mailbox: SmtpServer, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> SmtpServer:
    """``mailbox`` as the campaign's SMTP Connection: the campaign's mail reaches it. Set up
    after ``state`` when a test has both, since ``state`` sends mail to its outbox."""
    if "state" in request.fixturenames:
        request.getfixturevalue("state")
    monkeypatch.setenv("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP", mailbox.airflow_connection())
    return mailbox


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
def _postgres_warehouse(postgres_server: PostgresServer) -> Iterator[sa.Engine]:
    """One migrated database, emptied before each test (0.01 s, against 0.4 s for a new
    database per test)."""
    admin = sa.create_engine(postgres_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {POSTGRES_WAREHOUSE_DB}")
    admin.dispose()
    engine = sa.create_engine(postgres_server.url(POSTGRES_WAREHOUSE_DB))
    _migrate(engine.url.render_as_string(hide_password=False))
    yield engine
    engine.dispose()


def _empty_tables(engine: sa.Engine) -> None:
    from campaign_ops.store.models import Base

    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    from campaign_ops.store.db import dispose_engines

    if request.param == "sqlite":
        path = tmp_path / "warehouse.sqlite"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        engine: sa.Engine = request.getfixturevalue("_postgres_warehouse")
        _empty_tables(engine)
        url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", url)
    yield url
    dispose_engines()


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


# ---- a campaign's state folder -----------------------------------------------------------------


@pytest.fixture
def state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _sqlite_template: Path
) -> Iterator[Path]:
    """A throwaway state folder with its own SQLite warehouse; mail goes to its outbox."""
    from campaign_ops.store import dispose_engines

    home = tmp_path / "state"
    home.mkdir()
    shutil.copyfile(_sqlite_template, home / "warehouse.sqlite")
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(home))
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", f"sqlite:///{home / 'warehouse.sqlite'}")
    monkeypatch.delenv("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP", raising=False)
    yield home
    dispose_engines()


@pytest.fixture
def outbox(state: Path) -> Path:
    """Where ``state``'s mail lands when no SMTP server is configured."""
    return state / "outbox"


@pytest.fixture
def ankang(state: Path):
    """The demo campaign, synced into ``state``'s warehouse."""
    from campaign_ops.campaign import get_campaign
    from campaign_ops.remind import prepare_warehouse

    campaign = get_campaign(DEMO_CAMPAIGN)
    prepare_warehouse(campaign)
    return campaign
