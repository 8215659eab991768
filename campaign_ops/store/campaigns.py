"""Mirror a campaign's YAML (units, rounds, what each round asks of whom) into the warehouse.

The YAML stays the source of truth; the tables exist so SQL (views, the submission matrix,
analysts) can join against them. ``sync_campaign`` is idempotent and safe to run at every load.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.campaign import Campaign, Round
from campaign_ops.store._sql import upsert_insert
from campaign_ops.store.models import (
    CampaignRow,
    RoundDeliverableRow,
    RoundRow,
    RoundUnitRow,
    UnitRow,
    utcnow,
)


def round_due_at(campaign: Campaign, round_: Round) -> dt.datetime:
    """The round's deadline as an aware instant in the campaign's time zone."""
    hour, minute = (int(x) for x in round_.deadline_time.split(":"))
    return dt.datetime.combine(
        round_.deadline, dt.time(hour, minute), tzinfo=ZoneInfo(campaign.timezone)
    )


def sync_campaign(session: Session, campaign: Campaign) -> None:
    """Upsert the campaign, its units and rounds, and replace each round's requirements.

    Units and rounds that disappeared from the YAML are kept but marked inactive, because
    submissions may refer to them; round requirements are simply replaced."""
    _upsert(
        session,
        CampaignRow,
        ["id"],
        [
            {
                "id": campaign.id,
                "title": campaign.title,
                "timezone": campaign.timezone,
                "loaded_at": utcnow(),
            }
        ],
    )
    _upsert(
        session,
        UnitRow,
        ["campaign_id", "code"],
        [
            {
                "campaign_id": campaign.id,
                "code": u.code,
                "name": u.name,
                "short_name": u.short_name,
                "level": u.level.value,
                "parent_code": u.parent,
                "position": i,
                "active": True,
            }
            for i, u in enumerate(campaign.units)
        ],
    )
    _upsert(
        session,
        RoundRow,
        ["campaign_id", "round_id"],
        [
            {
                "campaign_id": campaign.id,
                "round_id": r.id,
                "title": r.title,
                "deadline": r.deadline,
                "deadline_time": r.deadline_time,
                "due_at": round_due_at(campaign, r),
                "cumulative": r.cumulative,
                "position": i,
                "active": True,
            }
            for i, r in enumerate(campaign.rounds)
        ],
    )
    _deactivate_missing(
        session, UnitRow, UnitRow.code, campaign.id, [u.code for u in campaign.units]
    )
    _deactivate_missing(
        session, RoundRow, RoundRow.round_id, campaign.id, [r.id for r in campaign.rounds]
    )
    for r in campaign.rounds:
        _replace_requirements(session, campaign, r)


def _upsert(session: Session, model: type, keys: list[str], rows: list[dict]) -> None:
    """Insert or update ``rows``, leaving alone those stored exactly so: every scan syncs its
    campaign, and rewriting a province's unchanged units was a third of a scan's work
    before the first file is read."""
    rows = _changed(session, model, keys, rows)
    if not rows:
        return
    stmt = upsert_insert(session, model)
    updates = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    session.execute(stmt.on_conflict_do_update(index_elements=keys, set_=updates), rows)


def _changed(session: Session, model: type, keys: list[str], rows: list[dict]) -> list[dict]:
    """The rows that are not stored with these very values (rows share a ``campaign_id``)."""
    if len(rows) < 2:
        return rows  # not worth a query
    columns = list(rows[0])
    table = model.__table__
    stored = {
        tuple(r[: len(keys)]): tuple(r[len(keys) :])
        for r in session.execute(
            sa.select(*(table.c[c] for c in (*keys, *columns))).where(
                table.c.campaign_id == rows[0]["campaign_id"]
            )
        )
    }
    return [
        r for r in rows if stored.get(tuple(r[k] for k in keys)) != tuple(r[c] for c in columns)
    ]


def _deactivate_missing(
    session: Session, model: type, code_column: sa.ColumnElement, campaign_id: str, keep: list[str]
) -> None:
    session.execute(
        sa.update(model)
        .where(model.campaign_id == campaign_id, code_column.not_in(keep))
        .values(active=False)
    )


def _replace_requirements(session: Session, campaign: Campaign, round_: Round) -> None:
    where = {"campaign_id": campaign.id, "round_id": round_.id}
    deliverables = [
        {
            **where,
            "deliverable_key": d.key,
            "kind": d.kind.value,
            "form_id": d.form,
            "label": d.label,
            "position": i,
        }
        for i, d in enumerate(round_.deliverables)
    ]
    _upsert(
        session, RoundDeliverableRow, ["campaign_id", "round_id", "deliverable_key"], deliverables
    )
    session.execute(
        sa.delete(RoundDeliverableRow)
        .filter_by(**where)
        .where(RoundDeliverableRow.deliverable_key.not_in([d.key for d in round_.deliverables]))
    )
    codes = [u.code for u in campaign.units_for(round_)]
    stored = set(
        session.scalars(sa.select(RoundUnitRow.unit_code).filter_by(**where))
    )  # inserting only the missing ones: most scans find none
    missing = [{**where, "unit_code": c} for c in codes if c not in stored]
    if missing:
        session.execute(upsert_insert(session, RoundUnitRow).on_conflict_do_nothing(), missing)
    session.execute(
        sa.delete(RoundUnitRow).filter_by(**where).where(RoundUnitRow.unit_code.not_in(codes))
    )
