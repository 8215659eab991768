"""Initial warehouse schema: campaigns, archive, submissions, values, findings, mail ledger.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 07:06:27.211893
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "archived_files",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("original_path", sa.Text(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("mtime", sa.DateTime(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_archived_files")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "mail_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_key", sa.String(length=100), nullable=False),
        sa.Column("moment", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("recipients", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('reserved', 'sent', 'failed', 'uncertain')",
            name=op.f("ck_mail_ledger_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_ledger")),
        sa.UniqueConstraint(
            "campaign_id",
            "kind",
            "round_id",
            "recipient_key",
            "moment",
            name=op.f("uq_mail_ledger_campaign_id_kind_round_id_recipient_key_moment"),
        ),
    )
    op.create_table(
        "file_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime", sa.DateTime(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["archived_files.sha256"],
            name=op.f("fk_file_sightings_sha256_archived_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_sightings")),
        sa.UniqueConstraint(
            "source", "path", "sha256", name=op.f("uq_file_sightings_source_path_sha256")
        ),
    )
    op.create_index(op.f("ix_file_sightings_sha256"), "file_sightings", ["sha256"], unique=False)
    op.create_table(
        "rounds",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("deadline_time", sa.String(length=5), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("cumulative", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_rounds_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "round_id", name=op.f("pk_rounds")),
    )
    op.create_table(
        "units",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("parent_code", sa.String(length=64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_units_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "code", name=op.f("pk_units")),
    )
    op.create_table(
        "round_deliverables",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("deliverable_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id", "round_id"],
            ["rounds.campaign_id", "rounds.round_id"],
            name=op.f("fk_round_deliverables_campaign_id_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "round_id", "deliverable_key", name=op.f("pk_round_deliverables")
        ),
    )
    op.create_table(
        "round_units",
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id", "round_id"],
            ["rounds.campaign_id", "rounds.round_id"],
            name=op.f("fk_round_units_campaign_id_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id", "unit_code"],
            ["units.campaign_id", "units.code"],
            name=op.f("fk_round_units_campaign_id_unit_code_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "round_id", "unit_code", name=op.f("pk_round_units")
        ),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("deliverable_key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("identified_by", sa.String(length=16), nullable=False),
        sa.Column("rejection_summary", sa.Text(), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "identified_by IN ('metadata', 'path', 'unit_cell')",
            name=op.f("ck_submissions_identified_by"),
        ),
        sa.CheckConstraint(
            "status IN ('received', 'not_ready', 'rejected', 'accepted', 'superseded')",
            name=op.f("ck_submissions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id", "round_id"],
            ["rounds.campaign_id", "rounds.round_id"],
            name=op.f("fk_submissions_campaign_id_round_id_rounds"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id", "unit_code"],
            ["units.campaign_id", "units.code"],
            name=op.f("fk_submissions_campaign_id_unit_code_units"),
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["archived_files.sha256"], name=op.f("fk_submissions_sha256_archived_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint(
            "campaign_id",
            "deliverable_key",
            "sha256",
            name=op.f("uq_submissions_campaign_id_deliverable_key_sha256"),
        ),
        sa.UniqueConstraint(
            "campaign_id",
            "round_id",
            "unit_code",
            "deliverable_key",
            "version",
            name=op.f("uq_submissions_campaign_id_round_id_unit_code_deliverable_key_version"),
        ),
    )
    op.create_index(op.f("ix_submissions_sha256"), "submissions", ["sha256"], unique=False)
    op.create_index(
        "uq_submissions_one_accepted",
        "submissions",
        ["campaign_id", "round_id", "unit_code", "deliverable_key"],
        unique=True,
        sqlite_where=sa.text("status = 'accepted'"),
        postgresql_where=sa.text("status = 'accepted'"),
    )
    op.create_table(
        "submitted_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("row_key", sa.String(length=200), nullable=False),
        sa.Column("column_key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Numeric(asdecimal=False), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_submitted_values_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submitted_values")),
        sa.UniqueConstraint(
            "submission_id",
            "row_key",
            "column_key",
            name=op.f("uq_submitted_values_submission_id_row_key_column_key"),
        ),
    )
    op.create_table(
        "validation_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("sheet", sa.String(length=100), nullable=True),
        sa.Column("row_label", sa.String(length=200), nullable=True),
        sa.Column("column_label", sa.String(length=200), nullable=True),
        sa.Column("value_found", sa.Text(), nullable=True),
        sa.Column("expected", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "severity IN ('error', 'warning')", name=op.f("ck_validation_findings_severity")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_validation_findings_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validation_findings")),
    )
    op.create_index(
        op.f("ix_validation_findings_submission_id"),
        "validation_findings",
        ["submission_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_validation_findings_submission_id"), table_name="validation_findings")
    op.drop_table("validation_findings")
    op.drop_table("submitted_values")
    op.drop_index(
        "uq_submissions_one_accepted",
        table_name="submissions",
        sqlite_where=sa.text("status = 'accepted'"),
        postgresql_where=sa.text("status = 'accepted'"),
    )
    op.drop_index(op.f("ix_submissions_sha256"), table_name="submissions")
    op.drop_table("submissions")
    op.drop_table("round_units")
    op.drop_table("round_deliverables")
    op.drop_table("units")
    op.drop_table("rounds")
    op.drop_index(op.f("ix_file_sightings_sha256"), table_name="file_sightings")
    op.drop_table("file_sightings")
    op.drop_table("mail_ledger")
    op.drop_table("campaigns")
    op.drop_table("archived_files")
