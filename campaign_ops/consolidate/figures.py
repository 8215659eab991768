"""Read a round (or the campaign to date) back from the merged tables, shaped for a report.

The report, the mail summary and the tests all read figures through here, from the tables the
SQL built, so what a leader reads in the attachment is what an analyst finds in the tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.campaign import Campaign, Round
from campaign_ops.consolidate.dictionary import ALL_UNITS, ROW_COUNT, total_row_key
from campaign_ops.forms.spec import FormSpec, Layout, load_form
from campaign_ops.vocabulary import FORM_STATUS_LABELS, ROUND_STATUS_LABELS

Cell = tuple[str, str]  # (row_key, column_key)

__all__ = ["FORM_STATUS_LABELS", "Change", "FormFigures", "ReportData", "round_data"]


@dataclass(frozen=True)
class ReportColumn:
    """One figure column of a report table: where its number lives and how it is headed."""

    cell: Cell
    label: str
    unit: str | None
    group: str | None
    decimal: bool = False


def report_columns(form: FormSpec) -> list[ReportColumn]:
    """The columns of a form's one-row-per-unit table.

    A form with a 合计 row shows each unit's 合计 (with the spec's group headers); a fixed form
    without one (its rows have different units of measure) shows every row × column, each row
    a group; a list form shows how many rows were filled in and the sums of its numbers."""
    numeric = [c for c in form.columns if c.numeric]
    total = total_row_key(form)
    out: list[ReportColumn] = []
    if form.layout == Layout.list and total:
        out.append(ReportColumn((total, ROW_COUNT), "填报条数", "条", None))
    if total:
        for c in numeric:
            group = form.group_of(c.key)
            out.append(
                ReportColumn(
                    (total, c.key),
                    c.label,
                    c.unit,
                    group.label if group and form.layout == Layout.fixed else None,
                    c.type.value == "decimal",
                )
            )
        return out
    for r in form.rows:
        for c in numeric:
            out.append(
                ReportColumn(
                    (r.key, c.key), c.label, r.unit or c.unit, r.label, c.type == "decimal"
                )
            )
    return out


@dataclass
class UnitLine:
    code: str
    name: str
    full_name: str
    status: str  # merged_units.status, or for a summary: accepted when any round counted
    on_time: bool | None
    version: int | None
    values: dict[Cell, float | None] = field(default_factory=dict)

    @property
    def reported(self) -> bool:
        return self.status == "accepted"

    @property
    def status_label(self) -> str:
        return ROUND_STATUS_LABELS.get(self.status_key) or FORM_STATUS_LABELS.get(
            self.status, self.status
        )

    @property
    def status_key(self) -> str:
        """The status as campaign_ops.vocabulary keys it: accepted splits into on time / late
        when the round has a deadline."""
        if self.status == "accepted" and self.on_time is not None:
            return "accepted_on_time" if self.on_time else "accepted_late"
        return self.status


@dataclass(frozen=True)
class Change:
    """One figure against the previous round, like with like: summed over the units that
    reported it in both rounds (``units`` of them), so a unit rejected or missing in either
    round moves neither side."""

    value: float
    previous: float
    units: int

    @property
    def change(self) -> float:
        return self.value - self.previous


@dataclass
class FormFigures:
    form: FormSpec
    columns: list[ReportColumn]
    units: list[UnitLine]
    totals: dict[Cell, float | None]
    changes: dict[Cell, Change] = field(default_factory=dict)
    previous_round: str | None = None
    rows: list[tuple[str, dict[str, float | str | None]]] = field(default_factory=list)

    @property
    def previous(self) -> dict[Cell, float | None]:
        """For callers that print the 合计 beside its change (the mail summary): the figure
        that, taken from this round's 合计, gives the like-with-like change. Prefer
        ``changes``, which also says how many units were compared."""
        out: dict[Cell, float | None] = {}
        for cell, ch in self.changes.items():
            now = self.totals.get(cell)
            out[cell] = None if now is None else now - ch.change
        return out

    @property
    def compared_units(self) -> tuple[int, int] | None:
        """Fewest and most units compared with the previous round, over the figures."""
        counts = [ch.units for ch in self.changes.values()]
        return (min(counts), max(counts)) if counts else None

    @property
    def reported(self) -> list[UnitLine]:
        return [u for u in self.units if u.reported]

    def with_status(self, *statuses: str) -> list[UnitLine]:
        return [u for u in self.units if u.status in statuses]

    @property
    def not_counted(self) -> list[UnitLine]:
        """Units asked for this form whose figures are not in the 合计, with the reason."""
        return [u for u in self.units if not u.reported]


@dataclass
class RoundRate:
    round_id: str
    title: str
    deadline: str
    expected: int
    actual: int
    on_time: int
    reporting_rate: float
    on_time_rate: float


@dataclass
class ReportData:
    """Everything one report shows; ``round`` is None for the campaign summary."""

    campaign: Campaign
    round: Round | None
    forms: list[FormFigures]
    rates: list[RoundRate]  # rounds up to this one
    matrix: dict[tuple[str, str], str]  # (unit, round) → status (campaign_ops.status)
    phases: dict[str, list[tuple[str, dict[Cell, float | None]]]] = field(default_factory=dict)
    progress: dict[str, list[tuple[str, float | None]]] = field(default_factory=dict)

    @property
    def rounds(self) -> list[Round]:
        shown = {r.round_id for r in self.rates}
        return [r for r in self.campaign.rounds if r.id in shown]

    @property
    def rate(self) -> RoundRate | None:
        if self.round is None:
            return None
        return next((r for r in self.rates if r.round_id == self.round.id), None)

    def fingerprint(self) -> str:
        """Changes exactly when a figure or a unit's standing in this report changes."""
        parts = []
        for f in self.forms:
            for u in f.units:
                parts.append((f.form.id, u.code, u.status, u.version, sorted(u.values.items())))
        return hashlib.sha256(repr(parts).encode()).hexdigest()


# ---- reading ----------------------------------------------------------------------------------


def _q(session: Session, sql: str, **params) -> list[sa.Row]:
    return list(session.execute(sa.text(sql), params))


def round_data(session: Session, campaign: Campaign, round_id: str) -> ReportData:
    """One round as merged: every form it asks for, its rates and the status matrix so far."""
    round_ = campaign.round(round_id)
    forms = [_round_form(session, campaign, round_, f) for f in round_.forms]
    rates = _rates(session, campaign, until=round_)
    return ReportData(campaign, round_, forms, rates, _matrix(session, campaign))


def summary_data(session: Session, campaign: Campaign) -> ReportData:
    """The campaign to date: per form, each unit's figures over every round (cumulative
    columns at their latest), per phase or year stage, and the progress across rounds."""
    forms, phases, progress = [], {}, {}
    for form_id in campaign.forms:
        form = load_form(form_id)
        forms.append(_to_date_form(session, campaign, form))
        phases[form_id] = _phase_totals(session, campaign, form)
        progress[form_id] = _progress(session, campaign, form)
    rates = _rates(session, campaign, until=None)
    return ReportData(campaign, None, forms, rates, _matrix(session, campaign), phases, progress)


def _values(rows) -> dict[str, dict[Cell, float | None]]:
    out: dict[str, dict[Cell, float | None]] = {}
    for unit, row, col, value in rows:
        out.setdefault(unit, {})[(row, col)] = None if value is None else float(value)
    return out


def _round_form(session: Session, campaign: Campaign, round_: Round, form_id: str) -> FormFigures:
    form = load_form(form_id)
    p = {"c": campaign.id, "r": round_.id, "f": form_id}
    units = _q(
        session,
        "SELECT unit_code, unit_short_name, unit_name, status, on_time, version FROM merged_units"
        " WHERE campaign_id = :c AND round_id = :r AND form_id = :f ORDER BY unit_position",
        **p,
    )
    values = _values(
        _q(
            session,
            "SELECT unit_code, row_key, column_key, value FROM merged_values"
            " WHERE campaign_id = :c AND round_id = :r AND form_id = :f AND value IS NOT NULL",
            **p,
        )
    )
    totals = {
        (row, col): None if v is None else float(v)
        for row, col, v in _q(
            session,
            "SELECT row_key, column_key, value FROM merged_round_totals"
            " WHERE campaign_id = :c AND round_id = :r AND form_id = :f",
            **p,
        )
    }
    changes = {
        (row, col): Change(float(now), float(before), int(units))
        for row, col, now, before, units in _q(
            session,
            "SELECT c.row_key, c.column_key, c.value, c.previous_value, n.units"
            " FROM merged_changes c JOIN (SELECT row_key, column_key, COUNT(*) AS units"
            " FROM merged_changes WHERE campaign_id = :c AND round_id = :r AND form_id = :f"
            " AND unit_code <> :all AND previous_value IS NOT NULL"
            " GROUP BY row_key, column_key) n"
            " ON n.row_key = c.row_key AND n.column_key = c.column_key"
            " WHERE c.campaign_id = :c AND c.round_id = :r AND c.form_id = :f"
            " AND c.unit_code = :all AND c.previous_value IS NOT NULL",
            all=ALL_UNITS,
            **p,
        )
    }
    previous_round = _q(
        session,
        "SELECT previous_round_id FROM dd_round_forms"
        " WHERE campaign_id = :c AND round_id = :r AND form_id = :f",
        **p,
    )
    figures = FormFigures(
        form,
        report_columns(form),
        [
            UnitLine(
                code,
                name,
                full,
                status,
                None if ot is None else bool(ot),
                ver,
                values.get(code, {}),
            )
            for code, name, full, status, ot, ver in units
        ],
        totals,
        changes=changes,
        previous_round=previous_round[0][0] if previous_round else None,
    )
    if form.layout == Layout.list:
        figures.rows = _list_rows(session, campaign, round_.id, form)
    return figures


def _list_rows(
    session: Session, campaign: Campaign, round_id: str, form: FormSpec
) -> list[tuple[str, dict[str, float | str | None]]]:
    """A list form's rows (one per case), each with its unit's short name, in unit order."""
    rows = _q(
        session,
        "SELECT u.unit_short_name, v.row_key, v.column_key, v.value, v.text"
        " FROM merged_values v JOIN merged_units u ON u.campaign_id = v.campaign_id"
        " AND u.round_id = v.round_id AND u.form_id = v.form_id AND u.unit_code = v.unit_code"
        " WHERE v.campaign_id = :c AND v.round_id = :r AND v.form_id = :f AND v.is_total = 0"
        " ORDER BY u.unit_position",
        c=campaign.id,
        r=round_id,
        f=form.id,
    )
    out: dict[tuple[str, str], dict[str, float | str | None]] = {}
    for unit, row, col, value, text in rows:
        out.setdefault((unit, row), {})[col] = text if value is None else float(value)

    def order(key: tuple[str, str]) -> tuple[int, str]:
        digits = key[1].lstrip("r")
        return (int(digits) if digits.isdigit() else 0, key[1])

    units_order = list(dict.fromkeys(u for u, _ in out))
    ordered = sorted(out, key=lambda k: (units_order.index(k[0]), order(k)))
    return [(unit, out[(unit, row)]) for unit, row in ordered]


def _to_date_form(session: Session, campaign: Campaign, form: FormSpec) -> FormFigures:
    p = {"c": campaign.id, "f": form.id}
    values = _values(
        _q(
            session,
            "SELECT unit_code, row_key, column_key, value FROM merged_to_date"
            " WHERE campaign_id = :c AND scope = 'campaign' AND form_id = :f AND value IS NOT NULL",
            **p,
        )
    )
    totals = values.pop(ALL_UNITS, {})
    units = []
    for u in campaign.units:
        mine = values.get(u.code, {})
        status = "accepted" if mine else "missing"
        units.append(UnitLine(u.code, u.short_name, u.name, status, None, None, mine))
    return FormFigures(form, report_columns(form), units, totals)


def _phase_totals(
    session: Session, campaign: Campaign, form: FormSpec
) -> list[tuple[str, dict[Cell, float | None]]]:
    rows = _q(
        session,
        "SELECT period_id, row_key, column_key, value FROM merged_to_date WHERE campaign_id = :c"
        " AND scope = 'phase' AND form_id = :f AND unit_code = :all",
        c=campaign.id,
        f=form.id,
        all=ALL_UNITS,
    )
    by_phase = _values(rows)
    return [(p.name, by_phase[p.id]) for p in campaign.phases if p.id in by_phase]


def _progress(
    session: Session, campaign: Campaign, form: FormSpec
) -> list[tuple[str, float | None]]:
    """The headline figure (first report column) of all units, round by round."""
    columns = report_columns(form)
    if not columns:
        return []
    row, col = columns[0].cell
    found = dict(
        _q(
            session,
            "SELECT round_id, value FROM merged_round_totals WHERE campaign_id = :c"
            " AND form_id = :f AND row_key = :row AND column_key = :col",
            c=campaign.id,
            f=form.id,
            row=row,
            col=col,
        )
    )
    return [(r.title, found.get(r.id)) for r in campaign.rounds if form.id in r.forms]


def _rates(session: Session, campaign: Campaign, until: Round | None) -> list[RoundRate]:
    rows = {
        r[0]: RoundRate(*r)
        for r in _q(
            session,
            "SELECT round_id, title, deadline, expected, actual, on_time, reporting_rate,"
            " on_time_rate FROM reporting_rounds WHERE campaign_id = :c",
            c=campaign.id,
        )
    }
    out = []
    for r in campaign.rounds:
        if until is not None and r.deadline > until.deadline:
            continue
        if r.id in rows:
            out.append(rows[r.id])
    return out


def _matrix(session: Session, campaign: Campaign) -> dict[tuple[str, str], str]:
    return {
        (unit, round_id): status
        for unit, round_id, status in _q(
            session,
            "SELECT unit_code, round_id, status FROM reporting_units WHERE campaign_id = :c",
            c=campaign.id,
        )
    }


def report_data(session: Session, campaign: Campaign, round_id: str | None) -> ReportData:
    """A round's data, or the campaign summary when ``round_id`` is None."""
    return round_data(session, campaign, round_id) if round_id else summary_data(session, campaign)


def today_in(campaign: Campaign, moment: dt.datetime | None) -> dt.date:
    from zoneinfo import ZoneInfo

    return (moment or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(campaign.timezone)).date()
