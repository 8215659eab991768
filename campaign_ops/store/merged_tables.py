"""The consolidation's tables: the data dictionary, the merged figures, the reporting rates and
which reports went out.

Migrations create them (``0004``); ``include/sql/merge`` and ``consolidate.merge`` only fill
them, one campaign at a time. Every table but ``report_issues`` is derived data, rebuilt by each
refresh; ``report_issues`` records what was sent and decides when a report goes out as 更正版.
Column meanings: ``campaign_ops/consolidate/dictionary.py`` (and the generated 数据字典). Plain
SQL reads them, so they are Core tables; flags are 0/1 integers as that SQL expects.
"""

from __future__ import annotations

import sqlalchemy as sa

from campaign_ops.store.models import Base

_CAMPAIGN = sa.String(60)
_KEY = sa.String(64)  # round, form, unit, phase and period ids
_CELL = sa.String(200)  # row and column keys of merged figures
# A float of 8 bytes: DOUBLE PRECISION on PostgreSQL, REAL (SQLite's only float) on SQLite,
# where a warehouse from before migration 0004 has it spelt DOUBLE PRECISION (read back as REAL).
_FLOAT = sa.Double().with_variant(sa.REAL(), "sqlite")


def _table(name: str, *columns: sa.Column, key: tuple[str, ...]) -> sa.Table:
    return sa.Table(name, Base.metadata, *columns, sa.PrimaryKeyConstraint(*key))


def _c(name: str, type_: sa.types.TypeEngine, *, null: bool = False) -> sa.Column:
    return sa.Column(name, type_, nullable=null)


# ---- the data dictionary: the form specs and rounds of the YAML, for SQL to join ------------

dd_forms = _table(
    "dd_forms",
    _c("form_id", _KEY),
    _c("title", sa.Text()),
    _c("version", sa.Integer()),
    _c("layout", sa.String(10)),
    _c("row_header", sa.Text()),
    _c("total_row_key", sa.String(40), null=True),
    _c("total_row_label", sa.Text()),
    key=("form_id",),
)
dd_columns = _table(
    "dd_columns",
    _c("form_id", _KEY),
    _c("column_key", sa.String(40)),
    _c("position", sa.Integer()),
    _c("label", sa.Text()),
    _c("unit", sa.String(20), null=True),
    _c("type", sa.String(10)),
    _c("is_numeric", sa.Integer()),
    _c("cumulative", sa.Integer()),
    _c("group_label", sa.Text(), null=True),
    _c("derived", sa.Integer()),
    key=("form_id", "column_key"),
)
dd_rows = _table(
    "dd_rows",
    _c("form_id", _KEY),
    _c("row_key", sa.String(40)),
    _c("position", sa.Integer()),
    _c("label", sa.Text()),
    _c("unit", sa.String(20), null=True),
    _c("part_of", sa.String(40), null=True),
    _c("in_total", sa.Integer()),
    key=("form_id", "row_key"),
)
dd_round_forms = _table(
    "dd_round_forms",
    _c("campaign_id", _CAMPAIGN),
    _c("round_id", _KEY),
    _c("form_id", _KEY),
    _c("deliverable_key", _KEY),
    _c("round_position", sa.Integer()),
    _c("round_cumulative", sa.Integer()),
    _c("previous_round_id", _KEY, null=True),
    _c("phase_id", _KEY, null=True),
    _c("phase_name", sa.Text(), null=True),
    _c("phase_kind", sa.String(10), null=True),
    _c("period_id", _KEY),
    key=("campaign_id", "round_id", "form_id"),
)

# ---- the merged figures (include/sql/merge) ------------------------------------------------

merged_units = _table(
    "merged_units",
    _c("campaign_id", _CAMPAIGN),
    _c("round_id", _KEY),
    _c("form_id", _KEY),
    _c("unit_code", _KEY),
    _c("unit_name", sa.Text()),
    _c("unit_short_name", sa.Text()),
    _c("unit_position", sa.Integer()),
    _c("status", sa.String(16)),
    _c("submission_id", sa.Integer(), null=True),
    _c("version", sa.Integer(), null=True),
    _c("on_time", sa.Integer(), null=True),
    _c("row_count", sa.Integer(), null=True),
    key=("campaign_id", "round_id", "form_id", "unit_code"),
)
merged_values = _table(
    "merged_values",
    _c("campaign_id", _CAMPAIGN),
    _c("round_id", _KEY),
    _c("form_id", _KEY),
    _c("unit_code", _KEY),
    _c("row_key", _CELL),
    _c("column_key", _CELL),
    _c("value", _FLOAT, null=True),
    _c("text", sa.Text(), null=True),
    _c("is_total", sa.Integer()),
    key=("campaign_id", "round_id", "form_id", "unit_code", "row_key", "column_key"),
)
merged_round_totals = _table(
    "merged_round_totals",
    _c("campaign_id", _CAMPAIGN),
    _c("round_id", _KEY),
    _c("form_id", _KEY),
    _c("row_key", _CELL),
    _c("column_key", _CELL),
    _c("value", _FLOAT, null=True),
    _c("units_counted", sa.Integer()),
    key=("campaign_id", "round_id", "form_id", "row_key", "column_key"),
)
merged_to_date = _table(
    "merged_to_date",
    _c("campaign_id", _CAMPAIGN),
    _c("scope", sa.String(8)),
    _c("period_id", _KEY),
    _c("form_id", _KEY),
    _c("unit_code", _KEY),
    _c("row_key", _CELL),
    _c("column_key", _CELL),
    _c("value", _FLOAT, null=True),
    _c("rounds_counted", sa.Integer()),
    key=("campaign_id", "scope", "period_id", "form_id", "unit_code", "row_key", "column_key"),
)
merged_changes = _table(
    "merged_changes",
    _c("campaign_id", _CAMPAIGN),
    _c("round_id", _KEY),
    _c("previous_round_id", _KEY),
    _c("form_id", _KEY),
    _c("unit_code", _KEY),
    _c("row_key", _CELL),
    _c("column_key", _CELL),
    _c("value", _FLOAT, null=True),
    _c("previous_value", _FLOAT, null=True),
    _c("change", _FLOAT, null=True),
    key=("campaign_id", "round_id", "form_id", "unit_code", "row_key", "column_key"),
)

# ---- reporting rates (written from campaign_ops.status) and the reports sent -----------------

reporting_rounds = _table(
    "reporting_rounds",
    _c("campaign_id", _CAMPAIGN),
    _c("round_id", _KEY),
    _c("title", sa.Text()),
    _c("deadline", sa.String(10)),
    _c("expected", sa.Integer()),
    _c("actual", sa.Integer()),
    _c("on_time", sa.Integer()),
    _c("reporting_rate", _FLOAT),
    _c("on_time_rate", _FLOAT),
    key=("campaign_id", "round_id"),
)
reporting_units = _table(
    "reporting_units",
    _c("campaign_id", _CAMPAIGN),
    _c("round_id", _KEY),
    _c("unit_code", _KEY),
    _c("unit_name", sa.Text()),
    _c("status", sa.String(20)),
    _c("status_label", sa.Text()),
    _c("submitted_at", sa.String(32), null=True),
    _c("version", sa.Integer(), null=True),
    key=("campaign_id", "round_id", "unit_code"),
)
reporting_unit_rates = _table(
    "reporting_unit_rates",
    _c("campaign_id", _CAMPAIGN),
    _c("unit_code", _KEY),
    _c("unit_name", sa.Text()),
    _c("expected", sa.Integer()),
    _c("actual", sa.Integer()),
    _c("on_time", sa.Integer()),
    _c("reporting_rate", _FLOAT),
    _c("on_time_rate", _FLOAT),
    key=("campaign_id", "unit_code"),
)
report_issues = _table(
    "report_issues",
    _c("campaign_id", _CAMPAIGN),
    _c("round_id", _KEY),
    _c("moment", sa.String(32)),
    _c("kind", sa.String(20)),
    _c("fingerprint", sa.String(64)),
    _c("path", sa.Text()),
    key=("campaign_id", "round_id", "moment", "kind"),
)
