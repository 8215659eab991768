"""A campaign in the warehouse with known figures: who reported, late, rejected or not at all.

``seed_round`` plays one round of a seed campaign the way the city bureau sees it: most units
report on time, one late, one is rejected, one sends nothing; it returns what was put in so a
test can compare the report against plain sums.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from campaign_ops.campaign import Campaign
from campaign_ops.consolidate.dictionary import ROW_COUNT, total_row_key
from campaign_ops.consolidate.seeding import known_values, put_submission
from campaign_ops.forms.samples import Values
from campaign_ops.forms.spec import FormSpec


@dataclass
class Played:
    """What one round received: per form, the accepted values by unit, and who is where."""

    round_id: str
    accepted: dict[str, dict[str, Values]] = field(default_factory=dict)  # form → unit → values
    late: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)


def seed_round(
    session,
    campaign: Campaign,
    round_id: str,
    seed: int = 0,
    overrides: dict[tuple[str, str], Values] | None = None,
) -> Played:
    """Units in YAML order: the 2nd is late, the 3rd rejected, the last sends nothing.
    ``overrides`` gives the values of some (form, unit) instead of generated ones."""
    from campaign_ops.store import sync_campaign

    sync_campaign(session, campaign)
    round_ = campaign.round(round_id)
    units = campaign.units_for(round_)
    played = Played(round_id)
    played.late = {units[1].code}
    played.rejected = {units[2].code}
    played.missing = {units[-1].code}
    for form_id in round_.forms:
        played.accepted[form_id] = {}
        for i, unit in enumerate(units):
            if unit.code in played.missing:
                continue
            values = (overrides or {}).get((form_id, unit.code)) or known_values(
                form_id, seed * 1000 + i
            )
            rejected = unit.code in played.rejected
            put_submission(
                session,
                campaign,
                round_id,
                unit.code,
                form_id,
                values,
                late=unit.code in played.late,
                rejected=rejected,
            )
            if not rejected:
                played.accepted[form_id][unit.code] = values
    return played


def unit_cell(form: FormSpec, values: Values, cell: tuple[str, str]) -> float | None:
    """What one unit's figure for a report cell must be, computed by hand."""
    row, col = cell
    if row != total_row_key(form):
        v = values.get(row, {}).get(col)
        return None if v is None else float(v)
    if col == ROW_COUNT:
        return float(len(values))
    counted = {r.key for r in form.detail_rows} if form.rows else set(values)
    numbers = [line.get(col) for r, line in values.items() if r in counted]
    numbers = [n for n in numbers if n is not None]
    return float(sum(numbers)) if numbers else None


def city_cell(form: FormSpec, by_unit: dict[str, Values], cell) -> float | None:
    numbers = [unit_cell(form, v, cell) for v in by_unit.values()]
    numbers = [n for n in numbers if n is not None]
    return sum(numbers) if numbers else None


def report_file(
    campaign: Campaign, round_id: str | None, path: Path, moment: dt.datetime | None = None
) -> Path:
    """The report as the consolidate DAG writes it (deliver.build_report_file)."""
    from campaign_ops.consolidate.deliver import build_report_file
    from campaign_ops.store import session_scope

    from .conftest import REPORT_MOMENT

    with session_scope() as s:
        _, written = build_report_file(s, campaign, round_id, path, moment=moment or REPORT_MOMENT)
    return written


def unit_status(ws, name: str) -> str | None:
    """A unit's 报送情况 on a form sheet of the report, in either layout: a row per unit
    (name in column A, status in the last column) or turned (names across row 4, status
    under each in row 5)."""
    from campaign_ops.forms.layout import HEADER_ROW

    for cell in ws[HEADER_ROW]:
        if cell.value == name:
            return ws.cell(row=HEADER_ROW + 1, column=cell.column).value
    for cell in ws["A"]:
        if cell.value == name:
            return ws.cell(row=cell.row, column=ws.max_column).value
    return None


def merge(campaign: Campaign) -> None:
    """Refresh the merged tables, as the consolidate DAG does."""
    from campaign_ops.consolidate.merge import refresh
    from campaign_ops.store import session_scope

    with session_scope() as s:
        refresh(s, campaign)
