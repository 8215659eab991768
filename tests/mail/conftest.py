"""A throwaway state folder and SQLite warehouse per test, with the demo campaign synced."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from campaign_ops.campaign import Campaign, get_campaign
from mail.helpers import Desk

# Looking up the SMTP connection imports Airflow; keep it away from ~/airflow when these tests
# run on their own (tests/dags/conftest.py sets its own home first when the whole suite runs).
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="campaign-ops-mail-airflow-"))

DEMO = "ankang-2023-internet-ads"


@pytest.fixture
def state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _sqlite_template: Path
) -> Iterator[Path]:
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
def ankang(state: Path) -> Campaign:
    from campaign_ops.remind import prepare_warehouse

    campaign = get_campaign(DEMO)
    prepare_warehouse(campaign)
    return campaign


@pytest.fixture
def desk(ankang: Campaign) -> Desk:
    return Desk(ankang)


@pytest.fixture
def outbox(state: Path) -> Path:
    return state / "outbox"
