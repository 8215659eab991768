"""Which item versions have a review task open in Airflow: one row per human-in-the-loop task.

Airflow would happily open a second Required Action for the same submission: a second review
DAG run while the first still waits, or a cleared run. The run's listing task claims each item
here before any review task asks (``run_listing``); only one open claim per item version can
exist (the ``open_key`` column holds the item key while the claim is open and NULL once
closed, and NULLs never collide in a unique key). A claim closes when its decision is applied,
when a return without a reason is refused (a new review opens), or when a newer version
replaces the item. A review task that failed keeps its claim: cleared, it asks again.

The row also says where the task is (DAG, run, task, map index), which the ``review`` command
uses to find the Required Action to answer, and when the decision is due, which the reminder
for ``on_timeout: remind`` uses.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from campaign_ops.store.models import Base, UTCDateTime, utcnow


class ReviewTask(Base):
    """One review task Airflow was asked to hold for an item version."""

    __tablename__ = "review_tasks"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "open_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[str] = mapped_column(sa.String(60), index=True)
    item_key: Mapped[str] = mapped_column(sa.String(200))
    open_key: Mapped[str | None] = mapped_column(sa.String(200), doc="item_key while open")
    unit_code: Mapped[str] = mapped_column(sa.String(64))
    round_id: Mapped[str] = mapped_column(sa.String(64))
    item: Mapped[str] = mapped_column(sa.Text, doc="the item as listed (JSON)")
    dag_id: Mapped[str] = mapped_column(sa.String(250))
    run_id: Mapped[str] = mapped_column(sa.String(250))
    task_id: Mapped[str] = mapped_column(sa.String(250))
    map_index: Mapped[int] = mapped_column()
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(sa.String(20), doc="decided, refused, superseded")
    note: Mapped[str | None] = mapped_column(sa.Text)


@dataclass(frozen=True)
class TaskSlot:
    """Where a review task lives in Airflow."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int


def open_claim(session: Session, campaign_id: str, item_key: str) -> ReviewTask | None:
    return session.scalar(
        sa.select(ReviewTask).where(
            ReviewTask.campaign_id == campaign_id, ReviewTask.open_key == item_key
        )
    )


def open_claims(session: Session, campaign_id: str) -> list[ReviewTask]:
    return list(
        session.scalars(
            sa.select(ReviewTask)
            .where(ReviewTask.campaign_id == campaign_id, ReviewTask.open_key.is_not(None))
            .order_by(ReviewTask.id)
        )
    )


def run_listing(
    session: Session,
    campaign_id: str,
    dag_id: str,
    run_id: str,
    task_id: str,
    waiting: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The items this DAG run reviews, one per map index of ``task_id``, claimed now.

    The first listing of a run claims every waiting item that no task holds, in order; a
    listing of the same run again (the run was cleared) returns exactly the first one, decided
    items included, so every map index keeps its item and no waiting task is removed. New
    items wait for the next run. ``waiting`` items are ``airflow_work.item_to_dict`` dicts."""
    mine = list(
        session.scalars(
            sa.select(ReviewTask)
            .where(
                ReviewTask.campaign_id == campaign_id,
                ReviewTask.dag_id == dag_id,
                ReviewTask.run_id == run_id,
            )
            .order_by(ReviewTask.map_index)
        )
    )
    if mine:
        return [json.loads(row.item) for row in mine]
    listed: list[dict[str, Any]] = []
    for item in waiting:
        row = ReviewTask(
            campaign_id=campaign_id,
            item_key=item["claim"],
            open_key=item["claim"],
            unit_code=item["unit_code"],
            round_id=item["round_id"],
            item=json.dumps(item, ensure_ascii=False),
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            map_index=len(listed),
        )
        try:
            with session.begin_nested():
                session.add(row)
        except sa.exc.IntegrityError:  # another run holds it (or took it just now)
            continue
        listed.append(item)
    return listed


def held_by(session: Session, campaign_id: str, item_key: str, slot: TaskSlot) -> ReviewTask | None:
    """The item's open claim if this task holds it (None: decided, refused, or another's)."""
    held = open_claim(session, campaign_id, item_key)
    return held if held is not None and slot_of(held) == slot else None


def close(
    session: Session, campaign_id: str, item_key: str, outcome: str, note: str | None = None
) -> bool:
    """Close the item's open claim (if any) with what became of it."""
    held = open_claim(session, campaign_id, item_key)
    if held is None:
        return False
    held.open_key = None
    held.closed_at = utcnow()
    held.outcome = outcome
    held.note = note
    return True


def last_refused(session: Session, campaign_id: str, item_key: str) -> ReviewTask | None:
    """The item's latest review that was answered 退回修改 without a reason (not applied)."""
    return session.scalar(
        sa.select(ReviewTask)
        .where(
            ReviewTask.campaign_id == campaign_id,
            ReviewTask.item_key == item_key,
            ReviewTask.outcome == "refused",
        )
        .order_by(ReviewTask.id.desc())
        .limit(1)
    )


def slot_of(row: ReviewTask) -> TaskSlot:
    return TaskSlot(row.dag_id, row.run_id, row.task_id, row.map_index)
