"""Which item versions have a review task open in Airflow: one row per human-in-the-loop task.

Airflow would happily open a second Required Action for the same submission: a second review
DAG run while the first still waits, or a cleared run. The review task claims its item here
before it asks anyone (``claim``); only one open claim per item version can exist (the
``open_key`` column holds the item key while the claim is open and NULL once closed, and NULLs
never collide in a unique key). A claim closes when its decision is applied, when a return
without a reason is refused (a new review opens), or when its task fails.

The row also says where the task is (DAG, run, task, map index), which the ``review`` command
uses to find the Required Action to answer, and when the decision is due, which the reminder
for ``on_timeout: remind`` uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
    dag_id: Mapped[str] = mapped_column(sa.String(250))
    run_id: Mapped[str] = mapped_column(sa.String(250))
    task_id: Mapped[str] = mapped_column(sa.String(250))
    map_index: Mapped[int] = mapped_column()
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(sa.String(20), doc="decided, refused, failed")
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


def claim(
    session: Session,
    campaign_id: str,
    item_key: str,
    unit_code: str,
    round_id: str,
    slot: TaskSlot,
    due_at: dt.datetime | None,
) -> bool:
    """Claim the item for this task; False when another task already holds it. The same task
    asking again (a retried or cleared task) keeps its claim."""
    held = open_claim(session, campaign_id, item_key)
    if held is not None:
        return slot_of(held) == slot
    row = ReviewTask(
        campaign_id=campaign_id,
        item_key=item_key,
        open_key=item_key,
        unit_code=unit_code,
        round_id=round_id,
        dag_id=slot.dag_id,
        run_id=slot.run_id,
        task_id=slot.task_id,
        map_index=slot.map_index,
        due_at=due_at,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except sa.exc.IntegrityError:  # another run claimed it between our read and write
        return False
    return True


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
