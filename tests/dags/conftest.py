"""An isolated Airflow for the DAG tests: its own AIRFLOW_HOME, no examples, our dags/.

Environment is set at import, before anything imports Airflow (it reads its config once).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from campaign_ops import PROJECT_ROOT

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="campaign-ops-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "CAMPAIGN_OPS_RETRY_DELAY_SECONDS": "1",
    }
)
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated Airflow metadata database (SQLite) in the test AIRFLOW_HOME."""
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    subprocess.run([BIN / "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    return AIRFLOW_HOME
