"""The scale-out path, proven without Docker: the production shape as separate processes.

PostgreSQL (metadata and warehouse databases) and Redis from Debian's packages, started here;
Airflow with CeleryExecutor — scheduler, DAG processor, API server, triggerer and a Celery
worker. A seed campaign's collect and consolidate runs are triggered through the REST API, run
on the worker, and the warehouse holds what collect accepted and consolidate merged.
Everything the test started is stopped at the end.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from services.postgres import PostgresServer

from campaign_ops.campaign import get_campaign
from campaign_ops.dag_factory import dag_id
from ops.airflow_cluster import AirflowCluster
from ops.redis_server import RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.airflow_process]

CAMPAIGN = "ankang-2023-internet-ads"
UNIT_DIR = "汉滨区市场监督管理局"
FORM = "ankang-work-stats"
# The morning after round 1's deadline (2023-05-10 18:00 Beijing time).
COLLECT_AT = "2023-05-11T01:00:00Z"
# Round 1's report moment: one working day after the deadline, 10:00 Beijing time.
REPORT_AT = "2023-05-11T02:00:00Z"
ON_TIME = dt.datetime(2023, 5, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _create_database(server: PostgresServer, name: str) -> str:
    admin = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return server.url(name)


def _put_submission(dropzone: Path) -> Path:
    """A filled-in statistics table from 汉滨区局, delivered before the deadline."""
    from campaign_ops.synthetic import write_submission

    campaign = get_campaign(CAMPAIGN)
    dest = dropzone / campaign.drop_zone.path / UNIT_DIR / "工作情况统计表.xlsx"
    dest.parent.mkdir(parents=True, exist_ok=True)
    write_submission(campaign, "r1", "hanbin", FORM, dest)
    os.utime(dest, (ON_TIME.timestamp(), ON_TIME.timestamp()))
    return dest


@pytest.fixture(scope="module")
def cluster(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AirflowCluster]:
    from campaign_ops.store.db import create_engine, upgrade

    home = tmp_path_factory.mktemp("celery-cluster")
    metadata_url = _create_database(postgres_server, "airflow_meta")
    warehouse_url = _create_database(postgres_server, "campaign_warehouse")
    engine = create_engine(warehouse_url)
    upgrade(engine)
    engine.dispose()
    _put_submission(home / "state" / "dropzone")
    with RedisServer() as redis:
        airflow = AirflowCluster(home, metadata_url, redis.url(), warehouse_url)
        try:
            yield airflow.start()
        finally:
            airflow.stop()
            assert airflow.leftovers() == [], "processes left behind"


def _query(warehouse_url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(warehouse_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), {"c": CAMPAIGN})]
    finally:
        engine.dispose()


def _reviewer_approves_all(warehouse_url: str) -> None:
    """Ankang's 广告科 reviews county tables: only approved figures are merged."""
    import datetime as dt

    from campaign_ops.campaign import get_campaign
    from campaign_ops.review.queue import approve_open
    from campaign_ops.store.db import session_scope

    campaign = get_campaign(CAMPAIGN)
    engine = sa.create_engine(warehouse_url)
    try:
        with session_scope(engine) as s:
            approve_open(s, campaign, campaign.review.reviewers[0], dt.datetime.now(dt.UTC))
    finally:
        engine.dispose()


def _ran_on_the_worker(cluster: AirflowCluster, dag: str, run_id: str) -> None:
    instances = cluster.task_instances(dag, run_id)
    assert instances, f"{dag} has no task instances"
    for ti in instances:
        assert ti["state"] in ("success", "skipped"), (ti["task_id"], ti["state"])
    worker_log = (cluster.home / "logs" / "worker.log").read_text(errors="replace")
    assert run_id in worker_log or dag in worker_log, "the Celery worker never saw the run"


def test_collect_and_consolidate_run_on_the_celery_worker(cluster: AirflowCluster) -> None:
    collect, consolidate = dag_id(CAMPAIGN, "collect"), dag_id(CAMPAIGN, "consolidate")
    cluster.wait_for_dag(collect)
    cluster.wait_for_dag(consolidate)

    run_id = cluster.trigger(collect, COLLECT_AT)
    state = cluster.wait_for_run(collect, run_id)
    assert state == "success", cluster.log("worker")
    _ran_on_the_worker(cluster, collect, run_id)
    accepted = _query(
        cluster.warehouse_url,
        "SELECT unit_code, round_id, deliverable_key FROM submissions "
        "WHERE campaign_id = :c AND status = 'accepted'",
    )
    assert accepted == [("hanbin", "r1", FORM)]  # what collect accepted, in PostgreSQL
    _reviewer_approves_all(cluster.warehouse_url)

    run_id = cluster.trigger(consolidate, REPORT_AT)
    state = cluster.wait_for_run(consolidate, run_id)
    assert state == "success", cluster.log("worker")
    _ran_on_the_worker(cluster, consolidate, run_id)
    merged = _query(
        cluster.warehouse_url,
        "SELECT DISTINCT unit_code, round_id, form_id FROM merged_values WHERE campaign_id = :c",
    )
    assert merged == [("hanbin", "r1", FORM)]  # consolidate merged the accepted figures
