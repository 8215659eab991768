"""Refresh a campaign's merged tables: the SQL in ``include/sql/merge`` over the warehouse.

The figures are computed by SQL (one set of files, run unchanged on SQLite and PostgreSQL) so
analysts can read, rerun and trust them; Python only supplies what lives in YAML — the form
specs (``dd_*`` tables) and the campaign's rounds and phases — and the reporting rates, which
come from ``campaign_ops.status`` so every screen shows the same numbers. A refresh replaces
one campaign's rows in one transaction: readers see the old figures or the new, never half.
The tables and views are the migrations' (``campaign_ops/store/merged_tables.py``, migrations
0004 and 0005); this only fills them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops import INCLUDE_DIR
from campaign_ops.campaign import Campaign
from campaign_ops.consolidate import dictionary
from campaign_ops.forms.spec import load_form
from campaign_ops.review.merge_hold import hold_back_unreviewed

log = logging.getLogger(__name__)

MERGE_SQL_DIR = INCLUDE_DIR / "sql" / "merge"
# Serialises refreshes on PostgreSQL: campaigns share the dd_forms rows of common forms.
REFRESH_LOCK_KEY = 0x6D657267  # "merg"
MERGED_TABLES = (
    "merged_units",
    "merged_values",
    "merged_round_totals",
    "merged_to_date",
    "merged_changes",
    "reporting_rounds",
    "reporting_units",
    "reporting_unit_rates",
)
# After this file, units whose figures wait for review (or were returned) are held back.
UNITS_SQL = "10_merged_units.sql"
# With the Chinese labels and units of measure joined in (migration 0005).
MERGED_VIEWS = ("v_merged_round_totals", "v_merged_values")


@dataclass(frozen=True)
class RefreshResult:
    campaign: str
    rows: dict[str, int]
    seconds: dict[str, float]  # per step: each SQL file, the dictionary, the reporting rates

    def as_json(self) -> dict:
        return {"campaign": self.campaign, "rows": self.rows, "seconds": self.seconds}


def statements(path: Path) -> list[str]:
    """The statements of one SQL file (split at a ``;`` ending a line), comments kept."""
    text = path.read_text(encoding="utf-8")
    parts = re.split(r";[ \t]*(?:\r?\n|$)", text)
    return [p.strip() for p in parts if _has_code(p)]


def _has_code(sql: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in sql.splitlines())


def view_names() -> list[str]:
    """The analyst views over the merged tables (migration 0005 creates them)."""
    return list(MERGED_VIEWS)


def refresh(
    session: Session, campaign: Campaign, *, as_of: dt.datetime | None = None
) -> RefreshResult:
    """Rebuild every merged table of ``campaign``; ``as_of`` bounds the rounds counted in the
    per-unit reporting rates (default: now). The tables are the migrations' (``upgrade()``
    first); this only fills them. The caller commits."""
    from campaign_ops.store import sync_campaign

    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(REFRESH_LOCK_KEY)))
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        seconds[step] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    sync_campaign(session, campaign)
    _write_dictionary(session, campaign)
    lap("dictionary")
    params = {"campaign_id": campaign.id}
    for path in sorted(MERGE_SQL_DIR.glob("*.sql")):
        for stmt in statements(path):
            session.execute(sa.text(stmt), params)
        if path.name == UNITS_SQL:
            hold_back_unreviewed(session, campaign)
        lap(path.name)
    _write_reporting(session, campaign, as_of or dt.datetime.now(dt.UTC))
    lap("reporting (campaign_ops.status)")
    rows = {
        t: session.execute(
            sa.text(f"SELECT COUNT(*) FROM {t} WHERE campaign_id = :campaign_id"), params
        ).scalar_one()
        for t in MERGED_TABLES
    }
    log.info("专项行动 %s：汇总表已刷新 %s", campaign.id, rows)
    return RefreshResult(campaign.id, rows, seconds)


# ---- what lives in YAML ------------------------------------------------------------------------


def _replace(session: Session, table: str, where: dict, rows: list[dict]) -> None:
    condition = " AND ".join(f"{k} = :{k}" for k in where)
    session.execute(sa.text(f"DELETE FROM {table} WHERE {condition}"), where)
    if rows:
        names = list(rows[0])
        session.execute(
            sa.text(
                f"INSERT INTO {table} ({', '.join(names)}) "
                f"VALUES ({', '.join(':' + n for n in names)})"
            ),
            rows,
        )


def _write_dictionary(session: Session, campaign: Campaign) -> None:
    for form_id in campaign.forms:
        form = load_form(form_id)
        where = {"form_id": form.id}
        _replace(session, "dd_forms", where, [dictionary.form_row(form)])
        _replace(session, "dd_columns", where, dictionary.column_rows(form))
        _replace(session, "dd_rows", where, dictionary.row_rows(form))
    _replace(session, "dd_round_forms", {"campaign_id": campaign.id}, round_form_rows(campaign))


def round_form_rows(campaign: Campaign) -> list[dict]:
    """Each (round, form): its order, previous round with the same form, phase and the
    counting period of its cumulative figures."""
    rows = []
    ordered = sorted(enumerate(campaign.rounds), key=lambda p: (p[1].deadline, p[0]))
    for position, (_, r) in enumerate(ordered):
        phase = campaign.phase_on(r.deadline)
        for form_id in r.forms:
            earlier = [x for _, x in ordered[:position] if form_id in x.forms]
            period = phase.id if phase and campaign.cumulative_since == "phase" else "*"
            rows.append(
                {
                    "campaign_id": campaign.id,
                    "round_id": r.id,
                    "form_id": form_id,
                    "deliverable_key": form_id,
                    "round_position": position,
                    "round_cumulative": int(r.cumulative),
                    "previous_round_id": earlier[-1].id if earlier else None,
                    "phase_id": phase.id if phase else None,
                    "phase_name": phase.name if phase else None,
                    "phase_kind": phase.kind if phase else None,
                    "period_id": period,
                }
            )
    return rows


# ---- reporting rates: campaign_ops.status is the one definition -------------------------------


def _write_reporting(session: Session, campaign: Campaign, as_of: dt.datetime) -> None:
    from campaign_ops.status import campaign_status
    from campaign_ops.vocabulary import ROUND_STATUS_LABELS

    status = campaign_status(session, campaign)
    where = {"campaign_id": campaign.id}
    rounds, units = [], []
    per_unit: dict[str, dict] = {}
    due = {r.id: r.deadline for r in campaign.rounds}
    for r in status.rounds:
        rounds.append(
            {
                **where,
                "round_id": r.round,
                "title": r.title,
                "deadline": r.deadline,
                "expected": r.expected,
                "actual": r.actual,
                "on_time": r.on_time,
                "reporting_rate": r.reporting_rate,
                "on_time_rate": r.on_time_rate,
            }
        )
        counted = due[r.round] <= as_of.date()
        for u in r.units:
            units.append(
                {
                    **where,
                    "round_id": r.round,
                    "unit_code": u.unit,
                    "unit_name": u.name,
                    "status": u.status,
                    "status_label": ROUND_STATUS_LABELS.get(u.status, u.status),
                    "submitted_at": u.submitted_at,
                    "version": u.version,
                }
            )
            tally = per_unit.setdefault(
                u.unit, {"unit_name": u.name, "expected": 0, "actual": 0, "on_time": 0}
            )
            if counted:
                tally["expected"] += 1
                tally["actual"] += u.status in ("accepted_on_time", "accepted_late")
                tally["on_time"] += u.status == "accepted_on_time"
    rates = [
        {
            **where,
            "unit_code": code,
            **t,
            "reporting_rate": round(t["actual"] / t["expected"], 4) if t["expected"] else 0.0,
            "on_time_rate": round(t["on_time"] / t["expected"], 4) if t["expected"] else 0.0,
        }
        for code, t in per_unit.items()
    ]
    _replace(session, "reporting_rounds", where, rounds)
    _replace(session, "reporting_units", where, units)
    _replace(session, "reporting_unit_rates", where, rates)


def refresh_campaign(campaign: Campaign, *, as_of: dt.datetime | None = None) -> RefreshResult:
    """Migrate the warehouse if needed and refresh in a transaction of its own."""
    from campaign_ops.store import session_scope, upgrade

    upgrade()
    with session_scope() as session:
        return refresh(session, campaign, as_of=as_of)
