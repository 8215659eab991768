"""The test suite's own set-up: Airflow's environment is set in one place, and the fast tier
(``make test-fast``) leaves out exactly the tests that need a server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from services._common import FAST_TIER, ServiceError
from services.smtp import SmtpServer

from campaign_ops import PROJECT_ROOT

TESTS = Path(__file__).parent


def test_airflow_environment_is_set_by_the_root_conftest_only() -> None:
    setters = [
        path.relative_to(TESTS).as_posix()
        for path in TESTS.rglob("conftest.py")
        if "AIRFLOW_HOME" in path.read_text(encoding="utf-8")
    ]
    assert setters == ["conftest.py"]
    assert Path(os.environ["AIRFLOW_HOME"]).name.startswith("campaign-ops-airflow-")
    assert os.environ["AIRFLOW__CORE__DAGS_FOLDER"] == str(PROJECT_ROOT / "dags")


def _fast_tier(*paths: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "not server", *paths],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_the_fast_tier_leaves_out_postgresql_libreoffice_and_the_servers() -> None:
    fast = _fast_tier(
        "tests/store/test_db.py",
        "tests/store/test_migrations.py",
        "tests/consolidate/test_report_page_setup.py",
        "tests/services/test_services.py",
        "tests/dags/test_dag_runs.py",
    )
    assert any(t.endswith("[sqlite]") for t in fast)
    assert not [t for t in fast if "[postgresql]" in t]
    assert not [t for t in fast if "tests/services/" in t or "tests/dags/test_dag_runs" in t]
    assert any(t.endswith("::test_every_sheet_has_an_a4_page_set_up") for t in fast)
    assert not [t for t in fast if "wide_form_prints" in t]  # LibreOffice


def test_a_server_started_in_the_fast_tier_fails_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAST_TIER, "fast")
    server = SmtpServer()
    with pytest.raises(ServiceError, match="not marked `server`"):
        server.start()
    assert server._controller is None
