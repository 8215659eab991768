"""Fault injection with real components: the suite's Airflow (``airflow_db`` in
``tests/conftest.py``), a mail server we can switch off, and the state folder of one campaign
per test.

- ``dags``: the campaign's collect, remind and consolidate DAGs with their real retries but no
  delay between them.
- ``smtp``: an SMTP server owned by these tests (it gets stopped and started again on the same
  port, which the session's shared server must never see).
- ``state``: a fresh state folder and SQLite warehouse; the campaign's mail goes to ``smtp``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from services.smtp import SmtpServer

from campaign_ops import PROJECT_ROOT

CAMPAIGN = "ankang-2023-internet-ads"


@pytest.fixture(scope="session")
def dags(airflow_db: Path) -> dict:
    """The seed campaign's DAGs; retries as configured, without minutes of back-off."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=PROJECT_ROOT / "dags")
    assert not bag.import_errors
    for kind in ("collect", "remind", "consolidate"):
        for t in bag.dags[f"{CAMPAIGN}__{kind}"].tasks:
            t.retry_delay = dt.timedelta(0)
            t.retry_exponential_backoff = False
    return {kind: bag.dags[f"{CAMPAIGN}__{kind}"] for kind in ("collect", "remind", "consolidate")}


@pytest.fixture(scope="session")
def _fault_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(_fault_smtp: SmtpServer) -> Iterator[SmtpServer]:
    """Our own SMTP server, empty, in normal mode and listening (a test may stop it)."""
    if _fault_smtp._controller is None:
        _fault_smtp.start()
    _fault_smtp.reset()
    yield _fault_smtp
    if _fault_smtp._controller is None:
        _fault_smtp.start()


@pytest.fixture
def state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _sqlite_template: Path, smtp: SmtpServer
) -> Iterator[Path]:
    """A campaign state folder with its own SQLite warehouse; mail goes to ``smtp``."""
    from campaign_ops.store import dispose_engines

    home = tmp_path / "state"
    home.mkdir()
    shutil.copyfile(_sqlite_template, home / "warehouse.sqlite")
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(home))
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", f"sqlite:///{home / 'warehouse.sqlite'}")
    monkeypatch.setenv("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP", smtp.airflow_connection(timeout=5))
    monkeypatch.delenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", raising=False)
    yield home
    dispose_engines()
