"""The consolidation's tables, under migrations.

Until now ``include/sql/merge/00_schema.sql`` created these tables at every refresh when they
were missing. A warehouse that already has them keeps them as they are — same definitions, and
``report_issues`` holds which reports were sent (it decides when a report goes out as 更正版) —
so each table is created only when missing.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

# 8-byte floats; REAL is SQLite's only float (what DOUBLE PRECISION there reads back as).
_FLOAT = sa.Double().with_variant(sa.REAL(), "sqlite")


def _create_if_missing(name: str, *columns: sa.SchemaItem) -> None:
    """Create a table unless an earlier refresh already made it (then it is adopted as is)."""
    if not sa.inspect(op.get_bind()).has_table(name):
        op.create_table(name, *columns)


def upgrade() -> None:

    _create_if_missing(
        "dd_columns",
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("column_key", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("is_numeric", sa.Integer(), nullable=False),
        sa.Column("cumulative", sa.Integer(), nullable=False),
        sa.Column("group_label", sa.Text(), nullable=True),
        sa.Column("derived", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("form_id", "column_key", name=op.f("pk_dd_columns")),
    )
    _create_if_missing(
        "dd_forms",
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("layout", sa.String(length=10), nullable=False),
        sa.Column("row_header", sa.Text(), nullable=False),
        sa.Column("total_row_key", sa.String(length=40), nullable=True),
        sa.Column("total_row_label", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("form_id", name=op.f("pk_dd_forms")),
    )
    _create_if_missing(
        "dd_round_forms",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("deliverable_key", sa.String(length=64), nullable=False),
        sa.Column("round_position", sa.Integer(), nullable=False),
        sa.Column("round_cumulative", sa.Integer(), nullable=False),
        sa.Column("previous_round_id", sa.String(length=64), nullable=True),
        sa.Column("phase_id", sa.String(length=64), nullable=True),
        sa.Column("phase_name", sa.Text(), nullable=True),
        sa.Column("phase_kind", sa.String(length=10), nullable=True),
        sa.Column("period_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign_id", "round_id", "form_id", name=op.f("pk_dd_round_forms")
        ),
    )
    _create_if_missing(
        "dd_rows",
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("part_of", sa.String(length=40), nullable=True),
        sa.Column("in_total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("form_id", "row_key", name=op.f("pk_dd_rows")),
    )
    _create_if_missing(
        "merged_changes",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("previous_round_id", sa.String(length=64), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=200), nullable=False),
        sa.Column("column_key", sa.String(length=200), nullable=False),
        sa.Column("value", _FLOAT, nullable=True),
        sa.Column("previous_value", _FLOAT, nullable=True),
        sa.Column("change", _FLOAT, nullable=True),
        sa.PrimaryKeyConstraint(
            "campaign_id",
            "round_id",
            "form_id",
            "unit_code",
            "row_key",
            "column_key",
            name=op.f("pk_merged_changes"),
        ),
    )
    _create_if_missing(
        "merged_round_totals",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=200), nullable=False),
        sa.Column("column_key", sa.String(length=200), nullable=False),
        sa.Column("value", _FLOAT, nullable=True),
        sa.Column("units_counted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign_id",
            "round_id",
            "form_id",
            "row_key",
            "column_key",
            name=op.f("pk_merged_round_totals"),
        ),
    )
    _create_if_missing(
        "merged_to_date",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("period_id", sa.String(length=64), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=200), nullable=False),
        sa.Column("column_key", sa.String(length=200), nullable=False),
        sa.Column("value", _FLOAT, nullable=True),
        sa.Column("rounds_counted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign_id",
            "scope",
            "period_id",
            "form_id",
            "unit_code",
            "row_key",
            "column_key",
            name=op.f("pk_merged_to_date"),
        ),
    )
    _create_if_missing(
        "merged_units",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("unit_name", sa.Text(), nullable=False),
        sa.Column("unit_short_name", sa.Text(), nullable=False),
        sa.Column("unit_position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("on_time", sa.Integer(), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint(
            "campaign_id", "round_id", "form_id", "unit_code", name=op.f("pk_merged_units")
        ),
    )
    _create_if_missing(
        "merged_values",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=200), nullable=False),
        sa.Column("column_key", sa.String(length=200), nullable=False),
        sa.Column("value", _FLOAT, nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("is_total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign_id",
            "round_id",
            "form_id",
            "unit_code",
            "row_key",
            "column_key",
            name=op.f("pk_merged_values"),
        ),
    )
    _create_if_missing(
        "report_issues",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("moment", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign_id", "round_id", "moment", "kind", name=op.f("pk_report_issues")
        ),
    )
    _create_if_missing(
        "reporting_rounds",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("deadline", sa.String(length=10), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("actual", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("reporting_rate", _FLOAT, nullable=False),
        sa.Column("on_time_rate", _FLOAT, nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "round_id", name=op.f("pk_reporting_rounds")),
    )
    _create_if_missing(
        "reporting_unit_rates",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("unit_name", sa.Text(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("actual", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("reporting_rate", _FLOAT, nullable=False),
        sa.Column("on_time_rate", _FLOAT, nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "unit_code", name=op.f("pk_reporting_unit_rates")),
    )
    _create_if_missing(
        "reporting_units",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("unit_name", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_label", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint(
            "campaign_id", "round_id", "unit_code", name=op.f("pk_reporting_units")
        ),
    )


def downgrade() -> None:
    """Nothing: the code of 0003 creates these tables itself when missing and takes them as it
    finds them (dropping them would lose ``report_issues``)."""
