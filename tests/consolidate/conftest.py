"""State folder per test (reports, outbox) on top of the shared ``warehouse_url`` fixture."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Looking up the SMTP connection imports Airflow: keep it away from ~/airflow when these tests
# run on their own (tests/dags/conftest.py sets its own home first when the whole suite runs).
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="campaign-ops-consolidate-"))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("CAMPAIGN_OPS_REPORTS_DIR", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP", raising=False)
    return tmp_path / "state"
