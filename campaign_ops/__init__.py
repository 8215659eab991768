"""campaign-ops: run the special campaigns (专项行动) of a market-regulation bureau on Airflow.

The package holds all business logic; Airflow DAG files in ``dags/`` only call into it.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INCLUDE_DIR = PROJECT_ROOT / "include"

__version__ = "0.1.0"
