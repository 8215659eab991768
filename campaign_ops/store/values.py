"""What a submission contained (cell values, long form) and what was wrong with it (findings)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from numbers import Real
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.store.models import (
    Severity,
    SubmittedValue,
    ValidationFinding,
)
from campaign_ops.store.views import ACCEPTED_VALUES

CellValue = float | int | Decimal | str | None


Cells = Iterable[tuple[str, str, CellValue]] | Mapping[tuple[str, str], CellValue]


def store_values(session: Session, submission_id: int, cells: Cells) -> int:
    """Store the parsed cells ``(row_key, column_key, value)`` of one submission, replacing
    any stored before; returns the count.

    Numbers go to ``value``, anything else that is not blank to ``text`` (a parser that could
    not read ``无`` or ``—`` as a number still keeps what the unit wrote); ``None`` and NaN are
    blank, never zero. Replacing makes a re-run harmless and a re-parse exact."""
    return store_all_values(session, {submission_id: cells})


def store_all_values(session: Session, cells_by_submission: Mapping[int, Cells]) -> int:
    """``store_values`` for many submissions in two statements; returns the cell count.
    (Delete + plain INSERT, not ON CONFLICT: drivers run an upsert's executemany one row per
    round trip, several times slower on PostgreSQL; see bench/RESULTS.md.)"""
    rows: list[tuple[int, str, str, float | None, str | None]] = []
    for submission_id, cells in cells_by_submission.items():
        triples = (
            ((r, c, v) for (r, c), v in cells.items()) if isinstance(cells, Mapping) else cells
        )
        mine = [
            (submission_id, str(r), str(c), float(v), None)  # most cells: a plain number
            if (v.__class__ is float and v == v) or v.__class__ is int
            else _row(submission_id, str(r), str(c), v)
            for r, c, v in triples
        ]
        _refuse_duplicates(mine)
        rows.extend(mine)
    ids = list(cells_by_submission)
    session.execute(sa.delete(SubmittedValue).where(SubmittedValue.submission_id.in_(ids)))
    if rows:
        _insert(session, rows)
    return len(rows)


_COLUMNS = ("submission_id", "row_key", "column_key", "value", "text")


def _insert(session: Session, rows: list[tuple]) -> None:
    """Plain tuples straight to the driver's executemany: SQLAlchemy's per-row parameter
    processing cost more than SQLite's own insert (see bench/RESULTS.md). The columns
    need no type conversion (floats, str, None), so nothing is lost by skipping it."""
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO {SubmittedValue.__tablename__} ({', '.join(_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(_COLUMNS))})",
        rows,
    )


def _refuse_duplicates(rows: list[tuple]) -> None:
    if len({(row[1], row[2]) for row in rows}) == len(rows):
        return
    seen: set[tuple[str, str]] = set()
    for row in rows:
        cell = (row[1], row[2])
        if cell in seen:
            raise ValueError(f"cell {cell} given twice for submission {row[0]}")
        seen.add(cell)


def _row(
    submission_id: int, row_key: str, column_key: str, value: CellValue
) -> tuple[int, str, str, float | None, str | None]:
    """Anything but a plain number (``store_all_values`` writes those itself)."""
    number: float | None = None
    text: str | None = None
    if isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, Real | Decimal):
        number = float(value)
        if math.isnan(number):  # NaN is blank
            number = None
    elif value is not None and str(value).strip():
        text = str(value)
    return submission_id, row_key, column_key, number, text


def values_of(session: Session, submission_id: int) -> dict[tuple[str, str], float | str | None]:
    """The stored cells of a submission: ``{(row_key, column_key): number, text or None}``."""
    result = session.execute(
        sa.select(
            SubmittedValue.row_key,
            SubmittedValue.column_key,
            SubmittedValue.value,
            SubmittedValue.text,
        ).where(SubmittedValue.submission_id == submission_id)
    )
    return {(r, c): v if v is not None else t for r, c, v, t in result}


def accepted_numbers(
    session: Session, campaign_id: str, round_id: str, deliverable_key: str, units: Iterable[str]
) -> dict[str, dict[str, dict[str, float]]]:
    """Unit → row → column → number of each unit's accepted submission of a deliverable in a
    round (blank and text cells left out), from the analysts' ``v_accepted_values``. One query
    for all the units, not one per unit: in a cumulative round every table is compared with
    its unit's previous one."""
    codes = sorted(set(units))
    a = ACCEPTED_VALUES.c
    out: dict[str, dict[str, dict[str, float]]] = {}
    for start in range(0, len(codes), 5000):  # bound the IN list
        rows = session.execute(
            sa.select(a.unit_code, a.row_key, a.column_key, a.value).where(
                a.campaign_id == campaign_id,
                a.round_id == round_id,
                a.deliverable_key == deliverable_key,
                a.unit_code.in_(codes[start : start + 5000]),
                a.value.is_not(None),
            )
        )
        for unit, row_key, column_key, value in rows:
            out.setdefault(unit, {}).setdefault(row_key, {})[column_key] = value
    return out


# ---- validation findings ------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One problem in a submission. ``message`` is shown to the unit, so write it in Chinese
    and say what to fix; ``code`` is the rule id for machines."""

    severity: Severity | str
    code: str
    message: str
    sheet: str | None = None
    row_label: str | None = None
    column_label: str | None = None
    value_found: str | None = None
    expected: str | None = None


def record_findings(
    session: Session, submission_id: int, findings: Iterable[Finding | Mapping[str, Any]]
) -> int:
    """Replace the findings of a submission with these; returns how many were stored.

    Validating the same content gives the same findings, so replacing (rather than appending)
    keeps a re-run task from doubling them."""
    return record_all_findings(session, {submission_id: findings})


def record_all_findings(
    session: Session, findings_by_submission: Mapping[int, Iterable[Finding | Mapping[str, Any]]]
) -> int:
    """``record_findings`` for many submissions in two statements."""
    ids = list(findings_by_submission)
    session.execute(sa.delete(ValidationFinding).where(ValidationFinding.submission_id.in_(ids)))
    rows = []
    for submission_id, findings in findings_by_submission.items():
        for position, f in enumerate(findings):
            data = asdict(Finding(**f) if isinstance(f, Mapping) else f)
            data["severity"] = Severity(data["severity"]).value
            for key in ("value_found", "expected"):
                if data.get(key) is not None:
                    data[key] = str(data[key])
            rows.append({**data, "submission_id": submission_id, "position": position})
    if rows:
        session.execute(sa.insert(ValidationFinding.__table__), rows)
    return len(rows)


def findings_of(session: Session, submission_id: int) -> list[ValidationFinding]:
    """The findings of a submission in the order they were reported."""
    return list(
        session.scalars(
            sa.select(ValidationFinding)
            .where(ValidationFinding.submission_id == submission_id)
            .order_by(ValidationFinding.position)
        )
    )
