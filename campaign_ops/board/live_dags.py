"""``make up`` unpauses the DAGs of live campaigns that Airflow already knows, paused.

Airflow pauses every DAG it registers unless told otherwise. ``dag_factory`` tells it per DAG
(``is_paused_upon_creation``: live campaigns run at once, finished ones stay paused), but DAGs
registered before that — by an earlier ``make demo`` or ``make up`` — keep their switch. So
``scripts/airflow_local.py up`` runs this before starting Airflow:

    python -m campaign_ops.board.live_dags     # prints one line per DAG it unpaused

A finished campaign's DAGs are left as they are: unpaused, the scheduler would replay its last
reminder or report moment. Without an Airflow metadata database yet (a first ``make up``)
there is nothing to do.
"""

from __future__ import annotations

import datetime as dt
import sys

from campaign_ops.campaign import Campaign, load_campaigns
from campaign_ops.dag_factory import dag_id, dag_kinds, is_live
from campaign_ops.timeline import build_timeline


def live_dag_ids(now: dt.datetime | None = None) -> list[str]:
    """The DAG ids of every campaign that still has a deadline, reminder or report ahead."""
    campaigns = [c for c in load_campaigns() if isinstance(c, Campaign)]
    live = [c for c in campaigns if is_live(build_timeline(c), now)]
    return [dag_id(c.id, kind) for c in live for kind in dag_kinds(c)]


def unpause(dag_ids: list[str]) -> list[str]:
    """Unpause those of ``dag_ids`` that Airflow has registered paused; the ones it changed."""
    import sqlalchemy as sa
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    with create_session() as session:
        paused = session.scalars(
            sa.select(DagModel.dag_id).where(
                DagModel.dag_id.in_(dag_ids), DagModel.is_paused.is_(True)
            )
        ).all()
        if paused:
            session.execute(
                sa.update(DagModel).where(DagModel.dag_id.in_(paused)).values(is_paused=False)
            )
    return sorted(paused)


def main() -> int:
    import sqlalchemy.exc

    try:
        changed = unpause(live_dag_ids())
    except sqlalchemy.exc.OperationalError:  # no metadata database yet: nothing registered
        return 0
    for name in changed:
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
