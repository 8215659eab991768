"""Seed DAGs run for real under ``airflow dags test`` (one process, real metadata DB)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from campaign_ops.campaign import get_campaign

pytestmark = pytest.mark.airflow_process

BIN = Path(sys.executable).parent


def test_airflow_dags_test_runs_the_remind_dag_at_a_reminder_moment(airflow_db, tmp_path):
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "CAMPAIGN_OPS_HOME": str(tmp_path / "state"),
    }
    done = subprocess.run(
        [
            BIN / "airflow",
            "dags",
            "test",
            "ankang-2023-internet-ads__remind",
            "2023-05-09T09:00:00+08:00",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    # the run sent the mobilization notice to every unit (no SMTP configured: the outbox)
    notices = list((tmp_path / "state" / "outbox").rglob("notice-*.eml"))
    assert len(notices) == len(get_campaign("ankang-2023-internet-ads").units)
    (finished,) = [line for line in out.splitlines() if "DagRun Finished" in line]
    assert "state=success" in finished
