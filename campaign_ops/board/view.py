"""The campaign board's view model: what a page shows, as plain values (cells and their
colours, rounds, rejections, mails, DAG runs), built by ``board.data``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from campaign_ops.store.matrix import MatrixStatus
from campaign_ops.vocabulary import (
    MISSING_AFTER_DEADLINE,
    MISSING_BEFORE_DEADLINE,
    ROUND_STATUS_LABELS,
)

if TYPE_CHECKING:
    from campaign_ops.review.board import ReviewPanel


@dataclass(frozen=True)
class CellStyle:
    label: str
    css: str  # class name in the board's stylesheet


# The colour of each round status; a status added to MatrixStatus later reads as "pending"
# (blue) until it gets a colour of its own, and its words come from the vocabulary anyway.
STATUS_CSS: dict[str, str] = {
    "accepted_on_time": "ok",
    "accepted_late": "late",
    "partial": "partial",
    "rejected": "rejected",
    "not_ready": "pending",
    "received": "pending",
    "awaiting_review": "review",
    "returned": "rejected",
}
PENDING_CSS = "pending"
NOT_ASKED = CellStyle("—", "none")
NOT_ASKED_NOTE = "本轮不要求"


def cell_style(status: MatrixStatus | str | None, overdue: bool) -> CellStyle:
    """How a matrix cell looks. ``missing`` reads differently before and after the deadline."""
    if status is None:
        return NOT_ASKED
    if status == MatrixStatus.missing:
        if overdue:
            return CellStyle(MISSING_AFTER_DEADLINE, "overdue")
        return CellStyle(MISSING_BEFORE_DEADLINE, "waiting")
    key = str(status)
    return CellStyle(ROUND_STATUS_LABELS.get(key, key), STATUS_CSS.get(key, PENDING_CSS))


def legend() -> list[CellStyle]:
    """The matrix legend, one entry per word a cell can show, in the vocabulary's order."""
    styles = [cell_style(s, False) for s in ROUND_STATUS_LABELS if s != MatrixStatus.missing]
    styles += [cell_style(MatrixStatus.missing, True), cell_style(MatrixStatus.missing, False)]
    return [*styles, CellStyle(f"{NOT_ASKED.label} {NOT_ASKED_NOTE}", NOT_ASKED.css)]


# ---- the view model ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    """One Airflow DAG run, as the board needs it."""

    dag_id: str
    run_id: str
    state: str
    when: dt.datetime | None  # logical date, or when it was queued for a manual run
    url: str


@dataclass(frozen=True)
class RunView:
    when: str  # in the campaign's time zone
    state: str
    url: str


@dataclass(frozen=True)
class DagView:
    dag_id: str
    kind: str
    kind_label: str
    url: str
    runs: tuple[RunView, ...]
    paused: bool | None = None  # None: Airflow has not registered the DAG (yet)

    @property
    def last_state(self) -> str | None:
        return self.runs[0].state if self.runs else None


@dataclass(frozen=True)
class Cell:
    unit_code: str
    round_id: str
    style: CellStyle
    detail: str  # tooltip: what is outstanding
    link: str | None  # anchor of the rejection's reasons


@dataclass(frozen=True)
class UnitLine:
    code: str
    name: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class RoundView:
    id: str
    title: str
    due: str  # the deadline in campaign time, e.g. 2023-05-10 18:00
    passed: bool
    required: int
    accepted: int
    on_time: int

    @property
    def rate(self) -> str:
        return _percent(self.accepted, self.required)

    @property
    def on_time_rate(self) -> str:
        return _percent(self.on_time, self.required)


@dataclass(frozen=True)
class FindingView:
    message: str
    where: str
    severity: str


@dataclass(frozen=True)
class RejectionView:
    anchor: str
    unit_code: str
    round_id: str
    unit: str
    round_title: str
    deliverable: str
    version: int
    received_at: str
    file_name: str
    summary: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True)
class MailView:
    when: str
    kind: str
    round_title: str
    recipient: str
    status: str
    needs_human: bool
    subject: str


@dataclass(frozen=True)
class DeadlineView:
    when: str
    title: str
    days_left: int
    note: str | None


@dataclass
class CampaignBoard:
    """Everything shown for one campaign."""

    id: str
    title: str
    authority: str
    period: str
    phase: str
    next_deadlines: list[DeadlineView] = field(default_factory=list)
    next_moments: list[tuple[str, str]] = field(default_factory=list)  # (label, when)
    rounds: list[RoundView] = field(default_factory=list)
    units: list[UnitLine] = field(default_factory=list)
    rejections: list[RejectionView] = field(default_factory=list)
    mails: list[MailView] = field(default_factory=list)
    dags: list[DagView] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    to_confirm: list[dict] = field(default_factory=list)  # rounds ops should confirm
    mailbox: list[str] = field(default_factory=list)  # mailed files waiting for ops (sentences)
    unread_mailboxes: list[str] = field(default_factory=list)  # no Connection: mail not read
    live: bool = True  # the campaign still has deadlines, reminders or reports ahead
    data_note: str | None = None  # why the matrix is empty, in Chinese
    review: ReviewPanel | None = None  # files waiting for a reviewer or returned (review policy)

    @property
    def has_submissions_data(self) -> bool:
        return self.data_note is None

    @property
    def overall_rate(self) -> str:
        passed = [r for r in self.rounds if r.passed]
        return _percent(sum(r.accepted for r in passed), sum(r.required for r in passed))


@dataclass(frozen=True)
class BrokenCampaign:
    """A campaign file that does not load: shown on the board with its message."""

    file_name: str
    message: str


def _percent(part: int, whole: int) -> str:
    if whole == 0:
        return "—"
    return f"{part}/{whole}（{round(100 * part / whole)}%）"
