"""Intake events: what happened to every file a scan saw.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "intake_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=True),
        sa.Column("round_id", sa.String(length=64), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('not_ready', 'duplicate', 'unidentified', 'refused', 'rejected', "
            "'accepted')",
            name=op.f("ck_intake_events_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_intake_events_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_events")),
        sa.UniqueConstraint(
            "campaign_id",
            "source",
            "path",
            "sha256",
            name=op.f("uq_intake_events_campaign_id_source_path_sha256"),
        ),
    )
    op.create_index(
        op.f("ix_intake_events_campaign_id"), "intake_events", ["campaign_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_intake_events_campaign_id"), table_name="intake_events")
    op.drop_table("intake_events")
