"""The warehouse: SQLAlchemy models, Alembic migrations and small repository functions.

Framework-free (no Airflow imports). Every function takes a ``Session`` and never commits:
wrap calls in ``session_scope()`` (or your own transaction) so related writes land together.
Writes are idempotent on natural keys, so a task that runs twice does no harm.
"""

from campaign_ops.mailbox import records as _mailbox_records  # noqa: F401  (its tables)
from campaign_ops.store.archive import (
    FileRecord,
    known_content,
    record_file,
    record_files,
    sightings,
)
from campaign_ops.store.campaigns import sync_campaign
from campaign_ops.store.db import (
    create_engine,
    dispose_engines,
    get_engine,
    session_factory,
    session_scope,
    upgrade,
)
from campaign_ops.store.intake_log import (
    IntakeEvent,
    Outcome,
    log_outcome,
    log_outcomes,
)
from campaign_ops.store.ledger import (
    MailKey,
    already_sent,
    ledger_entry,
    mail_needing_attention,
    mark_failed,
    mark_sent,
    mark_uncertain,
    message_id_for,
    reserve,
)
from campaign_ops.store.matrix import MatrixCell, MatrixStatus, SubmissionMatrix, submission_matrix
from campaign_ops.store.models import IdentifiedBy, MailStatus, Severity, SubmissionStatus
from campaign_ops.store.submissions import (
    NewVersion,
    Recorded,
    latest_accepted,
    record_submission,
    record_versions,
    submission_versions,
)
from campaign_ops.store.values import (
    Finding,
    accepted_numbers,
    findings_of,
    record_all_findings,
    record_findings,
    store_all_values,
    store_values,
    values_of,
)
from campaign_ops.store.views import create_wide_view

__all__ = [
    "FileRecord",
    "Finding",
    "IdentifiedBy",
    "IntakeEvent",
    "MailKey",
    "MailStatus",
    "MatrixCell",
    "MatrixStatus",
    "NewVersion",
    "Outcome",
    "Recorded",
    "Severity",
    "SubmissionMatrix",
    "SubmissionStatus",
    "accepted_numbers",
    "already_sent",
    "create_engine",
    "create_wide_view",
    "dispose_engines",
    "findings_of",
    "get_engine",
    "known_content",
    "latest_accepted",
    "ledger_entry",
    "log_outcome",
    "log_outcomes",
    "mail_needing_attention",
    "mark_failed",
    "mark_sent",
    "mark_uncertain",
    "message_id_for",
    "record_all_findings",
    "record_file",
    "record_files",
    "record_findings",
    "record_submission",
    "record_versions",
    "reserve",
    "session_factory",
    "session_scope",
    "sightings",
    "store_all_values",
    "store_values",
    "submission_matrix",
    "submission_versions",
    "sync_campaign",
    "upgrade",
    "values_of",
]
