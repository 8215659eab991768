"""The warehouse schema: what we received, what we made of it, and which emails went out.

Design rules: natural keys are unique constraints so a task that runs twice cannot
write twice; no file or submission is ever deleted (a resubmission is a new version, a rejected
file keeps its reasons); every timestamp is stored as UTC. Change the schema only together with
a migration in ``campaign_ops/store/migrations/versions`` (``tests/store/test_migrations.py``
fails on drift).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints let Alembic alter and drop them later (SQLite batch mode needs the names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike.

    SQLite has no time zones, so values are stored as naive UTC everywhere; a naive value handed
    in is refused rather than guessed (Beijing or UTC?)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        return None if value is None else _naive_utc(value)

    def bind_processor(self, dialect: sa.Dialect) -> Any:
        """On SQLite, straight to the text SQLAlchemy's ``DATETIME`` stores there
        (``2024-03-20 09:00:00.000000``: the same, so rows compare and sort as ever) in one C
        call: its own formatting took a third of writing an intake batch's file rows."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: dt.datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is not dt.UTC:  # most are already UTC: nothing to convert
                value = _naive_utc(value)
            return value.isoformat(" ", "microseconds")[:26]  # without "+00:00"

        return process

    def process_result_value(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def _naive_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass an aware datetime (e.g. tzinfo=UTC)")
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _enum_check(name: str, column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    values = ", ".join(f"'{e.value}'" for e in enum)
    return sa.CheckConstraint(f"{column} IN ({values})", name=name)


# ---- the campaign, as loaded from its YAML ---------------------------------------------------


class CampaignRow(Base):
    """One campaign; refreshed from its YAML by ``sync_campaign``."""

    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UnitRow(Base):
    """A reporting unit. Units dropped from the YAML stay (``active`` false): submissions
    may still point at them."""

    __tablename__ = "units"

    campaign_id: Mapped[str] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[str] = mapped_column(sa.String(20))
    parent_code: Mapped[str | None] = mapped_column(sa.String(64))
    position: Mapped[int] = mapped_column(default=0, doc="order in the YAML, for reports")
    active: Mapped[bool] = mapped_column(default=True)


class RoundRow(Base):
    """A reporting round and its deadline; ``due_at`` is the deadline as a UTC instant."""

    __tablename__ = "rounds"

    campaign_id: Mapped[str] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    round_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    deadline: Mapped[dt.date]
    deadline_time: Mapped[str] = mapped_column(sa.String(5), doc="HH:MM, campaign time zone")
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    cumulative: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class RoundDeliverableRow(Base):
    """What a round asks for: one row per deliverable key (form id or deliverable kind)."""

    __tablename__ = "round_deliverables"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["campaign_id", "round_id"],
            ["rounds.campaign_id", "rounds.round_id"],
            ondelete="CASCADE",
        ),
    )

    campaign_id: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    round_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    deliverable_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    form_id: Mapped[str | None] = mapped_column(sa.String(64))
    label: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)


class RoundUnitRow(Base):
    """Which units must report in a round (all units unless the YAML lists some)."""

    __tablename__ = "round_units"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["campaign_id", "round_id"],
            ["rounds.campaign_id", "rounds.round_id"],
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id", "unit_code"], ["units.campaign_id", "units.code"], ondelete="CASCADE"
        ),
    )

    campaign_id: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    round_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    unit_code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)


# ---- the content-addressed archive -----------------------------------------------------------


class ArchivedFile(Base):
    """A file's content, once, keyed by its sha256. Immutable: the first sighting's name,
    size and mtime are kept; later sightings live in ``file_sightings``."""

    __tablename__ = "archived_files"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    original_path: Mapped[str] = mapped_column(sa.Text)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    mtime: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def archive_relpath(self) -> str:
        """Where the bytes live under the archive folder (``ab/abcdef…``)."""
        return f"{self.sha256[:2]}/{self.sha256}"


class FileSighting(Base):
    """A path seen holding a given content. One row per (source, path, sha256): seeing the same
    file again on the next scan only bumps ``last_seen_at`` and ``times_seen``."""

    __tablename__ = "file_sightings"
    __table_args__ = (sa.UniqueConstraint("source", "path", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(
        sa.String(200), doc="where the path lives: a campaign id, a share name or a folder"
    )
    path: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.ForeignKey("archived_files.sha256"), index=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    mtime: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    times_seen: Mapped[int] = mapped_column(default=1)


# ---- submissions and what was in them --------------------------------------------------------


class SubmissionStatus(StrEnum):
    received = "received"  # archived and identified, not yet checked
    not_ready = "not_ready"  # empty or half-copied: try again later, not the unit's fault
    rejected = "rejected"  # checked and refused; reasons in validation_findings
    accepted = "accepted"  # the version that counts
    superseded = "superseded"  # was accepted, then a newer version was accepted


class IdentifiedBy(StrEnum):
    metadata = "metadata"  # the template's hidden metadata sheet
    path = "path"  # the folder or file name
    unit_cell = "unit_cell"  # the 填报单位 cell on the sheet


class RoundBasis(StrEnum):
    """How a submission's round was chosen (``intake.routing``)."""

    named = "named"  # the template's metadata, or a date or round title in the file/folder name
    only = "only"  # the one open round that still needed it
    earliest = "earliest"  # the earliest of several open rounds that needed it: ops confirm
    latest = "latest"  # no open round needed it any more: a new version of the latest
    assigned = "assigned"  # ops chose the round (``campaign-ops assign``)


class Submission(Base):
    """One version of one deliverable from one unit for one round.

    ``version`` counts 1, 2, 3… per (campaign, round, unit, deliverable) in arrival order and
    never changes. Deliveries are per unit: the same content (sha256) is recorded once per
    slot, so two units that send identical bytes each deliver (the archive stores them once).
    At most one version per slot is ``accepted`` (a partial unique index enforces it)."""

    __tablename__ = "submissions"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "round_id", "unit_code", "deliverable_key", "version"),
        sa.UniqueConstraint(
            "campaign_id",
            "round_id",
            "unit_code",
            "deliverable_key",
            "sha256",
            name="uq_submissions_slot_content",
        ),
        _enum_check("round_basis", "round_basis", RoundBasis),
        sa.ForeignKeyConstraint(
            ["campaign_id", "round_id"], ["rounds.campaign_id", "rounds.round_id"]
        ),
        sa.ForeignKeyConstraint(["campaign_id", "unit_code"], ["units.campaign_id", "units.code"]),
        _enum_check("status", "status", SubmissionStatus),
        _enum_check("identified_by", "identified_by", IdentifiedBy),
        sa.Index(
            "uq_submissions_one_accepted",
            "campaign_id",
            "round_id",
            "unit_code",
            "deliverable_key",
            unique=True,
            sqlite_where=sa.text("status = 'accepted'"),
            postgresql_where=sa.text("status = 'accepted'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[str] = mapped_column(sa.String(60))
    round_id: Mapped[str] = mapped_column(sa.String(64))
    unit_code: Mapped[str] = mapped_column(sa.String(64))
    deliverable_key: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.ForeignKey("archived_files.sha256"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=SubmissionStatus.received.value)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    on_time: Mapped[bool]
    identified_by: Mapped[str] = mapped_column(sa.String(16))
    rejection_summary: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    round_basis: Mapped[str] = mapped_column(
        sa.String(16), default=RoundBasis.named.value, server_default=RoundBasis.named.value
    )
    round_candidates: Mapped[str | None] = mapped_column(
        sa.String(400), doc="comma-separated round ids that could have taken it (basis earliest)"
    )

    archived_file: Mapped[ArchivedFile] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return (
            f"<Submission {self.id} {self.campaign_id}/{self.round_id}/{self.unit_code}/"
            f"{self.deliverable_key} v{self.version} {self.status}>"
        )


class SubmittedValue(Base):
    """One cell of a submitted table, in long form: numbers in ``value``, anything that is not a
    number (a note, ``无``) in ``text``. Blank cells are simply absent or both NULL."""

    __tablename__ = "submitted_values"
    __table_args__ = (sa.UniqueConstraint("submission_id", "row_key", "column_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"))
    row_key: Mapped[str] = mapped_column(sa.String(200))
    column_key: Mapped[str] = mapped_column(sa.String(200))
    value: Mapped[float | None] = mapped_column(sa.Numeric(asdecimal=False))
    text: Mapped[str | None] = mapped_column(sa.Text)


class Severity(StrEnum):
    error = "error"
    warning = "warning"


class ValidationFinding(Base):
    """One problem found in a submission, worded in Chinese for the unit that sent it."""

    __tablename__ = "validation_findings"
    __table_args__ = (_enum_check("severity", "severity", Severity),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    severity: Mapped[str] = mapped_column(sa.String(8))
    code: Mapped[str] = mapped_column(sa.String(64), doc="machine-readable rule id")
    message: Mapped[str] = mapped_column(sa.Text)
    sheet: Mapped[str | None] = mapped_column(sa.String(100))
    row_label: Mapped[str | None] = mapped_column(sa.String(200))
    column_label: Mapped[str | None] = mapped_column(sa.String(200))
    value_found: Mapped[str | None] = mapped_column(sa.Text)
    expected: Mapped[str | None] = mapped_column(sa.Text)
    position: Mapped[int] = mapped_column(default=0, doc="order in which they were reported")


# ---- outgoing mail ---------------------------------------------------------------------------


class MailStatus(StrEnum):
    reserved = "reserved"  # a sender claimed it; sending now (or crashed while sending)
    sent = "sent"
    failed = "failed"  # definitely not delivered: may be retried
    uncertain = "uncertain"  # maybe delivered (connection lost after DATA): a human decides


class MailLedgerEntry(Base):
    """One email we decided to send, reserved *before* sending so a retried task cannot send it
    twice. The natural key is (campaign, kind, round, recipient group, moment); ``round_id`` is
    ``''`` for mail that belongs to no round, because NULLs never collide in a unique key."""

    __tablename__ = "mail_ledger"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "kind", "round_id", "recipient_key", "moment"),
        _enum_check("status", "status", MailStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[str] = mapped_column(sa.String(60))
    kind: Mapped[str] = mapped_column(sa.String(40))
    round_id: Mapped[str] = mapped_column(sa.String(64), default="")
    recipient_key: Mapped[str] = mapped_column(sa.String(100), doc="a unit code or a group name")
    moment: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(10), default=MailStatus.reserved.value)
    message_id: Mapped[str | None] = mapped_column(sa.String(255))
    recipients: Mapped[str | None] = mapped_column(sa.Text)
    subject: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=1)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


# ---- audit ---------------------------------------------------------------------------------


class AuditEvent(Base):
    """A decision a person made about the data (a submission moved to another round, …): who,
    when, what and why — never updated, never deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[str] = mapped_column(sa.String(60), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(40))
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submissions.id"))
    unit_code: Mapped[str | None] = mapped_column(sa.String(64))
    round_id: Mapped[str | None] = mapped_column(sa.String(64))
    previous_round_id: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str | None] = mapped_column(sa.Text)


# The consolidation's tables live in their own module; importing it here puts them on
# Base.metadata wherever the models are (migrations, the schema-drift test).
from campaign_ops.review import airflow_claims as _review_claims  # noqa: E402, F401
from campaign_ops.review import records as _review_records  # noqa: E402, F401
from campaign_ops.store import merged_tables as _merged_tables  # noqa: E402, F401
