"""DAG-folder parse time with 50 generated campaigns, as a ratio to an empty DAG file.

Both are parsed the way Airflow's DAG processor does it: a fresh process that has already
imported Airflow parses the folder, so the ratio includes importing campaign_ops, reading
50 YAMLs, computing 50 timelines and building 150 DAGs. Median of several runs each.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from campaign_ops import PROJECT_ROOT
from campaign_ops.synthetic import campaign_dict, write_campaign

CAMPAIGNS = 50
REPEATS = 5

EMPTY_DAG = """
import pendulum
from airflow.sdk import DAG

with DAG(dag_id="empty", schedule=None, start_date=pendulum.datetime(2024, 1, 1)):
    pass
"""

PARSE = """
import sys, time
import airflow.sdk  # the processor has Airflow imported before it parses a file
from airflow.dag_processing.dagbag import DagBag
t0 = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
elapsed = time.perf_counter() - t0
assert not bag.import_errors, bag.import_errors
print(elapsed, len(bag.dags))
"""


def parse_seconds(folder: Path, env: dict[str, str]) -> tuple[float, int]:
    runs = []
    for _ in range(REPEATS):
        out = subprocess.run(
            [sys.executable, "-c", PARSE, str(folder)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        runs.append((float(out[-2]), int(out[-1])))
    return statistics.median(r[0] for r in runs), runs[0][1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
        }
        empty = tmp_path / "empty_dags"
        empty.mkdir()
        (empty / "empty_dag.py").write_text(EMPTY_DAG)
        campaigns = tmp_path / "campaigns"
        for i in range(CAMPAIGNS):
            write_campaign(campaigns, campaign_dict(f"bench-{i:02d}", units=30, rounds=6))
        env_ours = {**env, "CAMPAIGN_OPS_CAMPAIGNS_DIR": str(campaigns)}

        baseline, n_empty = parse_seconds(empty, env)
        ours, n_ours = parse_seconds(PROJECT_ROOT / "dags", env_ours)

    print(f"empty DAG file:            {baseline * 1000:8.1f} ms  ({n_empty} DAG)")
    print(f"dags/ with {CAMPAIGNS} campaigns:   {ours * 1000:8.1f} ms  ({n_ours} DAGs)")
    per_dag = (ours / n_ours) / (baseline / n_empty)
    print(f"ratio, whole folder: {ours / baseline:.0f}× the empty DAG file (median of {REPEATS})")
    print(
        f"ratio, per DAG:      {per_dag:.1f}× ({ours / n_ours * 1000:.1f} ms per DAG, including"
        " the one-time import of campaign_ops, pydantic and holidays)"
    )


if __name__ == "__main__":
    main()
