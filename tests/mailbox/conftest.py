"""A real Dovecot for the mailbox tests, one per session, emptied for each test; the seed
campaign ``ankang-2023-internet-ads`` reads it through ``AIRFLOW_CONN_CAMPAIGN_OPS_MAILBOX``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from services.imap import ImapServer


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    if os.geteuid() != 0:
        pytest.skip("dovecot for tests needs root (CI runs as root)")
    server = ImapServer().start()
    yield server
    server.destroy()


@pytest.fixture
def imap(imap_server: ImapServer, monkeypatch: pytest.MonkeyPatch) -> ImapServer:
    """The server running and empty, and the campaign's connection pointing at it."""
    if imap_server.process is None:
        imap_server.start()  # a test stopped it
    imap_server.empty()
    monkeypatch.setenv(
        "AIRFLOW_CONN_CAMPAIGN_OPS_MAILBOX", json.dumps(imap_server.connection_json())
    )
    return imap_server


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, airflow_db) -> Path:
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP", raising=False)
    return tmp_path / "state"
