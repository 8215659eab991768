"""The campaign mailbox: every mail received and each file in it; files that wait for ops.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

_BEFORE = "'not_ready', 'duplicate', 'unidentified', 'refused', 'rejected', 'accepted'"
_AFTER = _BEFORE + ", 'held'"


def _outcomes(values: str) -> None:
    with op.batch_alter_table("intake_events") as batch:
        batch.drop_constraint(op.f("ck_intake_events_outcome"), type_="check")
        batch.create_check_constraint(op.f("ck_intake_events_outcome"), f"outcome IN ({values})")


def upgrade() -> None:
    op.create_table(
        "mailbox_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(length=60), nullable=False),
        sa.Column("mailbox", sa.String(length=200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column("sender_name", sa.Text(), nullable=True),
        sa.Column("sender_unit", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("in_reply_to", sa.Text(), nullable=True),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("copy_of", sa.Integer(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("moved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["copy_of"], ["mailbox_mails.id"], name=op.f("fk_mailbox_mails_copy_of_mailbox_mails")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox_mails")),
        sa.UniqueConstraint(
            "campaign_id",
            "mailbox",
            "uidvalidity",
            "uid",
            name=op.f("uq_mailbox_mails_campaign_id_mailbox_uidvalidity_uid"),
        ),
    )
    op.create_index(
        op.f("ix_mailbox_mails_campaign_id"), "mailbox_mails", ["campaign_id"], unique=False
    )
    op.create_table(
        "mailbox_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("found_in", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("refusal", sa.Text(), nullable=True),
        sa.Column("confirmed_unit", sa.String(length=64), nullable=True),
        sa.Column("confirmed_by", sa.String(length=100), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mail_id"], ["mailbox_mails.id"], name=op.f("fk_mailbox_files_mail_id_mailbox_mails")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox_files")),
        sa.UniqueConstraint("mail_id", "position", name=op.f("uq_mailbox_files_mail_id_position")),
    )
    op.create_index(op.f("ix_mailbox_files_mail_id"), "mailbox_files", ["mail_id"], unique=False)
    _outcomes(_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM intake_events WHERE outcome = 'held'")
    _outcomes(_BEFORE)
    op.drop_index(op.f("ix_mailbox_files_mail_id"), table_name="mailbox_files")
    op.drop_table("mailbox_files")
    op.drop_index(op.f("ix_mailbox_mails_campaign_id"), table_name="mailbox_mails")
    op.drop_table("mailbox_mails")
