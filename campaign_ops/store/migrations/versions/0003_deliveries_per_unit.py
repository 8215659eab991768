"""Deliveries per unit, how a round was chosen, and the audit trail.

The same content may now be a delivery of several units (one row per slot and content, not one
per campaign and deliverable); each submission records how its round was chosen; decisions
people make about submissions (moving one to another round) go to ``audit_events``.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_BASES = "'named', 'only', 'earliest', 'latest', 'assigned'"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # Views on submissions (made by upgrade() before 0005 owned them, and wide views on
        # those) stop batch mode renaming the rebuilt table. 0005 creates the fixed ones again;
        # wide views are made again by their owner after upgrade().
        for name in sa.inspect(bind).get_view_names():
            op.execute(f'DROP VIEW IF EXISTS "{name}"')
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(
            op.f("uq_submissions_campaign_id_deliverable_key_sha256"), type_="unique"
        )
        batch.create_unique_constraint(
            "uq_submissions_slot_content",
            ["campaign_id", "round_id", "unit_code", "deliverable_key", "sha256"],
        )
        batch.add_column(
            sa.Column("round_basis", sa.String(length=16), nullable=False, server_default="named")
        )
        batch.add_column(sa.Column("round_candidates", sa.String(length=400), nullable=True))
        batch.create_check_constraint(
            op.f("ck_submissions_round_basis"), f"round_basis IN ({_BASES})"
        )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("unit_code", sa.String(length=64), nullable=True),
        sa.Column("round_id", sa.String(length=64), nullable=True),
        sa.Column("previous_round_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_audit_events_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        op.f("ix_audit_events_campaign_id"), "audit_events", ["campaign_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_events_campaign_id"), table_name="audit_events")
    op.drop_table("audit_events")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(op.f("ck_submissions_round_basis"), type_="check")
        batch.drop_column("round_candidates")
        batch.drop_column("round_basis")
        batch.drop_constraint("uq_submissions_slot_content", type_="unique")
        batch.create_unique_constraint(
            op.f("uq_submissions_campaign_id_deliverable_key_sha256"),
            ["campaign_id", "deliverable_key", "sha256"],
        )
