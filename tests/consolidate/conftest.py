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


@pytest.fixture(autouse=True)
def _no_tables_left_on_postgres(request: pytest.FixtureRequest):
    """The PostgreSQL warehouse is shared by the whole session and only its model tables are
    emptied between tests; drop the consolidation tables so the store's schema-drift test
    sees the warehouse as migrations made it."""
    url = ""
    if "warehouse_url" in request.fixturenames:
        url = request.getfixturevalue("warehouse_url")
    yield
    if url.startswith("postgresql"):
        import sqlalchemy as sa

        from campaign_ops.consolidate.merge import drop_schema

        engine = sa.create_engine(url)
        drop_schema(engine)
        engine.dispose()
