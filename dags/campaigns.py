"""Airflow DAG factory: every campaign in include/campaigns/ becomes its DAGs.

Each campaign gets ``<id>__collect``, ``<id>__remind`` and ``<id>__consolidate``; a campaign
file with an error gets ``<name>__config_error`` instead, and the others are unaffected.
All logic lives in the ``campaign_ops`` package; this file stays thin.
"""

from campaign_ops.dag_factory import build_all_dags

globals().update(build_all_dags())
