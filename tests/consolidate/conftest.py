"""State folder per test (reports, outbox) on top of the shared ``warehouse_url`` fixture."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("CAMPAIGN_OPS_REPORTS_DIR", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP", raising=False)
    return tmp_path / "state"


# ---- a report to look at: ankang round 1 on SQLite (test_report*, the print test) ------------

ANKANG = "ankang-2023-internet-ads"
REPORT_MOMENT = dt.datetime(2023, 5, 11, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ANKANG_INJECTION = '=HYPERLINK("http://evil.example/x","点击查看")'


@pytest.fixture
def sqlite_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _sqlite_template: Path, home: Path
) -> Path:
    from campaign_ops.store import dispose_engines

    db = tmp_path / "warehouse.sqlite"
    shutil.copyfile(_sqlite_template, db)
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", f"sqlite:///{db}")
    yield home
    dispose_engines()


@pytest.fixture
def ankang_r1(sqlite_home: Path):
    """Round 1 merged (2nd unit late, 3rd rejected, last missing); the first unit's first
    case is named like a formula. Returns ``(campaign, helpers.Played)``."""
    from campaign_ops.campaign import get_campaign
    from campaign_ops.consolidate.merge import refresh
    from campaign_ops.store import session_scope

    from .helpers import known_values, seed_round

    campaign = get_campaign(ANKANG)
    cases = known_values("ankang-ad-cases", 0)
    cases["r1"]["case_name"] = ANKANG_INJECTION
    cases["r2"]["party"] = "+86-123 @某公司"
    first = campaign.units[0].code
    with session_scope() as s:
        played = seed_round(s, campaign, "r1", overrides={("ankang-ad-cases", first): cases})
    with session_scope() as s:
        refresh(s, campaign, as_of=REPORT_MOMENT)
    return campaign, played


@pytest.fixture
def ankang_seeded(sqlite_home: Path):
    """Round 1 seeded (2nd unit late, 3rd rejected, last missing) and merged; returns
    ``(campaign, helpers.Played)``."""
    from campaign_ops.campaign import get_campaign
    from campaign_ops.store import session_scope

    from .helpers import merge, seed_round

    campaign = get_campaign(ANKANG)
    with session_scope() as s:
        played = seed_round(s, campaign, "r1")
    merge(campaign)
    return campaign, played
