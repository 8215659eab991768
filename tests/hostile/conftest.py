"""The hostile-input tests run the real DAGs, so they need an Airflow of their own.

Same settings as ``tests/dags/conftest.py``; when the whole suite runs, that file has already
set AIRFLOW_HOME (set once, before Airflow is imported) and these defaults leave it alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from campaign_ops import PROJECT_ROOT

for _name, _value in {
    "AIRFLOW_HOME": tempfile.mkdtemp(prefix="campaign-ops-hostile-airflow-"),
    "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__PARALLELISM": "4",
    "CAMPAIGN_OPS_RETRY_DELAY_SECONDS": "1",
}.items():
    os.environ.setdefault(_name, _value)
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def hostile_airflow_db() -> Path:
    """A migrated Airflow metadata database in the AIRFLOW_HOME in use (idempotent)."""
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    subprocess.run([BIN / "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    return Path(os.environ["AIRFLOW_HOME"])
