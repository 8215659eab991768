"""The items a scan passes along: a file on its way (``Work``), what every file of a run shares
(``Scan``), and what became of a file (``FileOutcome``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from campaign_ops.campaign import Campaign, DeliverableKind, Round, Unit
from campaign_ops.intake.identify import UnitMatcher
from campaign_ops.intake.sources import Entry, Source
from campaign_ops.store.intake_log import Outcome

if TYPE_CHECKING:  # routing imports this module
    from campaign_ops.forms.findings import FileResult
    from campaign_ops.forms.submission import ParsedSubmission, Refusal
    from campaign_ops.intake.routing import Deliveries, RoundChoice


@dataclass
class FileOutcome:
    """What happened to one file, for receipts, logs and the DAG's XCom."""

    path: str
    outcome: str  # an ``Outcome`` value
    message: str
    sha256: str = ""
    unit: str | None = None
    round: str | None = None
    deliverable: str | None = None
    version: int | None = None
    on_time: bool | None = None
    submission_id: int | None = None
    received_at: str | None = None
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Work:
    """A file between reading and storing."""

    entry: Entry
    sha256: str
    received_at: dt.datetime
    unit: Unit | None = None
    round: Round | None = None
    round_choice: RoundChoice | None = None
    deliverable: str | None = None
    identified_by: str = "path"
    parsed: ParsedSubmission | None = None  # a table that was read
    refusal: Refusal | None = None  # a table that could not be read
    outcome: FileOutcome | None = None  # decided early (duplicate, unidentified, …)
    result: FileResult | None = None  # a table's validation

    def deliverable_label(self) -> str:
        """The deliverable's name as its round gives it (``典型案例``, a form's title)."""
        for d in self.round.deliverables if self.round else ():
            if d.key == self.deliverable:
                return d.label
        return DeliverableKind(self.deliverable).value

    def conclude(self, outcome: Outcome, message: str) -> None:
        """Settle this file without a submission (duplicate, unidentified, refused, …)."""
        self.outcome = FileOutcome(
            self.entry.path,
            Outcome(outcome).value,
            message,
            sha256=self.sha256,
            unit=self.unit.code if self.unit else None,
            round=self.round.id if self.round else None,
            deliverable=self.deliverable,
        )


@dataclass
class Scan:
    """What every file of one processing run shares."""

    campaign: Campaign
    source: Source
    now: dt.datetime
    previous_scan: dt.datetime | None
    processed: set[tuple[str, str]]  # (sha256, path) already given a final outcome
    deliveries: Deliveries  # what each unit has delivered, kept up to date by this run
    matcher: UnitMatcher
    keep: Callable[[bytes, str], object] | None  # archives a file's bytes (None: a preview)
    files: int = 0  # in this run
