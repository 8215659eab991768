"""The analyst views, under migrations.

Until now ``upgrade()`` recreated ``v_submissions`` and ``v_accepted_values`` from
``include/sql/views`` at every call (every task), and every refresh rebuilt
``v_merged_round_totals`` and ``v_merged_values`` (``include/sql/merge/01_views.sql``). Their SQL
is fixed, so it lives here, created once; a warehouse that has them gets them again with the
same definition. Change a view with a new migration. Per-form wide views are not here: they
follow the form specs (``campaign_ops.store.views.create_wide_view``).

A later migration that alters a table these views read must drop the views first and create
them again after: on SQLite batch mode rebuilds the table, and SQLite refuses to rename a table
under a view that names it; on PostgreSQL a column a view uses cannot change type.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

VIEWS = {
    # The cells of the accepted version of each unit's statistics, in long form. Per-form wide
    # views (campaign_ops.store.views.create_wide_view) pivot this.
    "v_accepted_values": """
CREATE VIEW v_accepted_values AS
SELECT
    s.campaign_id,
    s.round_id,
    s.unit_code,
    u.name AS unit_name,
    u.position AS unit_position,
    s.deliverable_key,
    s.id AS submission_id,
    s.version,
    v.row_key,
    v.column_key,
    v.value,
    v.text
FROM submissions s
JOIN units u ON u.campaign_id = s.campaign_id AND u.code = s.unit_code
JOIN submitted_values v ON v.submission_id = s.id
WHERE s.status = 'accepted'
""",
    # Every version of every submission, with the unit's and round's names: the analysts'
    # starting point for "who sent what, when, and what became of it".
    "v_submissions": """
CREATE VIEW v_submissions AS
SELECT
    s.id AS submission_id,
    s.campaign_id,
    s.round_id,
    r.title AS round_title,
    r.due_at,
    s.unit_code,
    u.name AS unit_name,
    u.short_name AS unit_short_name,
    s.deliverable_key,
    d.label AS deliverable_label,
    s.version,
    s.status,
    s.received_at,
    s.on_time,
    s.identified_by,
    s.rejection_summary,
    s.sha256,
    f.original_name
FROM submissions s
JOIN rounds r ON r.campaign_id = s.campaign_id AND r.round_id = s.round_id
JOIN units u ON u.campaign_id = s.campaign_id AND u.code = s.unit_code
JOIN archived_files f ON f.sha256 = s.sha256
LEFT JOIN round_deliverables d
    ON d.campaign_id = s.campaign_id AND d.round_id = s.round_id
    AND d.deliverable_key = s.deliverable_key
""",
    # The merged tables with the forms' Chinese labels and units of measure joined in (from the
    # dd_* tables), so a query needs no form spec at hand.
    "v_merged_round_totals": """
CREATE VIEW v_merged_round_totals AS
SELECT
    t.campaign_id,
    t.round_id,
    t.form_id,
    f.title AS form_title,
    t.row_key,
    COALESCE(r.label, f.total_row_label) AS row_label,
    t.column_key,
    c.label AS column_label,
    c.group_label,
    COALESCE(r.unit, c.unit) AS unit,
    t.value,
    t.units_counted
FROM merged_round_totals t
JOIN dd_forms f ON f.form_id = t.form_id
JOIN dd_columns c ON c.form_id = t.form_id AND c.column_key = t.column_key
LEFT JOIN dd_rows r ON r.form_id = t.form_id AND r.row_key = t.row_key
""",
    "v_merged_values": """
CREATE VIEW v_merged_values AS
SELECT
    v.campaign_id,
    v.round_id,
    v.form_id,
    f.title AS form_title,
    v.unit_code,
    u.unit_name,
    u.unit_position,
    u.on_time,
    v.row_key,
    COALESCE(r.label, CASE WHEN v.is_total = 1 THEN f.total_row_label END) AS row_label,
    v.column_key,
    c.label AS column_label,
    c.group_label,
    COALESCE(r.unit, c.unit) AS unit,
    v.value,
    v.text
FROM merged_values v
JOIN merged_units u
    ON u.campaign_id = v.campaign_id AND u.round_id = v.round_id
    AND u.form_id = v.form_id AND u.unit_code = v.unit_code
JOIN dd_forms f ON f.form_id = v.form_id
JOIN dd_columns c ON c.form_id = v.form_id AND c.column_key = v.column_key
LEFT JOIN dd_rows r ON r.form_id = v.form_id AND r.row_key = v.row_key
""",
}


def upgrade() -> None:
    """On PostgreSQL CREATE OR REPLACE keeps the wide views built on ``v_accepted_values``;
    SQLite has no such statement (and does not check dependent views)."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, create in VIEWS.items():
        if postgresql:
            op.execute(create.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
        else:
            op.execute(f"DROP VIEW IF EXISTS {name}")
            op.execute(create)


def downgrade() -> None:
    """The code that went with 0004 and earlier made these views itself (``upgrade()`` from
    ``include/sql/views``, each refresh from ``01_views.sql``)."""
    cascade = " CASCADE" if op.get_bind().dialect.name == "postgresql" else ""
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}{cascade}")
