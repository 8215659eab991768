"""Airflow under the production auth setup (the FAB auth manager) in child processes, on a
throwaway SQLite metadata database: the environment and the runner the FAB tests share.
Airflow reads its auth manager once, at import, so each check runs in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from campaign_ops import PROJECT_ROOT

BIN = Path(sys.executable).parent
FAB = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"


def fab_env(home: Path, admin_password: str, **extra: str) -> dict[str, str]:
    """This environment without Airflow's or our settings, plus Airflow with FAB and the
    board plugin, no DAGs, state under ``home``; ``extra`` adds variables."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CAMPAIGN"))}
    return {
        **keep,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), str(PROJECT_ROOT / "tests")]),
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW__CORE__AUTH_MANAGER": FAB,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "no-dags"),
        "AIRFLOW__API_AUTH__JWT_SECRET": "test-secret-" + "x" * 32,
        "CAMPAIGN_OPS_HOME": str(home / "state"),
        "AIRFLOW_ADMIN_PASSWORD": admin_password,
        **extra,
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``args``; a failure shows the ends of its output."""
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done
