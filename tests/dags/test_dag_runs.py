"""Seed DAGs run for real under ``airflow dags test`` (one process, real metadata DB)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
    assert "动员部署通知" in out
    assert "state=success" in out or "DagRun Finished" in out
    assert "failed" not in [
        line.split("state=")[-1].split()[0] for line in out.splitlines() if "new_state=" in line
    ]
