"""The unit × round board: who has handed in everything a round asks of them, on time or not.

Computed from the warehouse alone (``sync_campaign`` put the requirements there), so the
campaign board, the reminder DAG and the reports all agree on who is missing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.store.models import (
    RoundDeliverableRow,
    RoundRow,
    RoundUnitRow,
    Submission,
    SubmissionStatus,
    UnitRow,
)

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign


class MatrixStatus(StrEnum):
    accepted_on_time = "accepted_on_time"
    accepted_late = "accepted_late"
    awaiting_review = "awaiting_review"  # accepted, waiting for a reviewer (review policy)
    partial = "partial"  # some of what the round asks is accepted, the rest has not arrived
    rejected = "rejected"  # something the round asks for was refused and not yet replaced
    returned = "returned"  # a reviewer sent an accepted version back (退回修改)
    not_ready = "not_ready"  # a file is there but still being copied / empty
    received = "received"  # a file is there, not yet checked
    missing = "missing"  # something the round asks for has not arrived at all

    @property
    def complete(self) -> bool:
        return self in (MatrixStatus.accepted_on_time, MatrixStatus.accepted_late)


# When a round's deliverables are in different states, the cell shows the one that most needs
# the unit's attention; when only missing ones remain beside accepted ones, it is ``partial``.
_PRECEDENCE = (
    MatrixStatus.rejected,
    MatrixStatus.returned,
    MatrixStatus.not_ready,
    MatrixStatus.received,
)


@dataclass(frozen=True)
class MatrixCell:
    unit_code: str
    round_id: str
    status: MatrixStatus
    outstanding: tuple[str, ...]  # deliverable keys without an accepted version
    due_at: dt.datetime


@dataclass(frozen=True)
class SubmissionMatrix:
    campaign_id: str
    units: tuple[str, ...]  # in YAML order
    rounds: tuple[str, ...]  # in YAML order
    cells: dict[tuple[str, str], MatrixCell]  # (unit_code, round_id); only required pairs

    def status(self, unit_code: str, round_id: str) -> MatrixStatus | None:
        """None when the round asks nothing of this unit."""
        cell = self.cells.get((unit_code, round_id))
        return cell.status if cell else None

    def counts(self, round_id: str) -> Counter[MatrixStatus]:
        return Counter(c.status for (_, r), c in self.cells.items() if r == round_id)

    def units_with(self, round_id: str, *statuses: MatrixStatus) -> list[str]:
        """Unit codes of a round whose cell has one of ``statuses``, in YAML order."""
        return [
            u
            for u in self.units
            if (cell := self.cells.get((u, round_id))) and cell.status in statuses
        ]


def submission_matrix(session: Session, campaign: Campaign | str) -> SubmissionMatrix:
    """Status of every (unit, round) the campaign requires; ``campaign`` is a ``Campaign`` or
    its id. A round is complete for a unit only when every deliverable it asks of that unit has
    an accepted version; it is on time when each of those deliverables had a version received
    by the deadline that was accepted (a later correction does not make it late)."""
    campaign_id = campaign if isinstance(campaign, str) else campaign.id
    units = _active_units(session, campaign_id)
    rounds = _active_rounds(session, campaign_id)
    asked = _asked(session, campaign_id)
    required = _required(session, campaign_id)
    states = _deliverable_states(session, campaign_id)
    if not isinstance(campaign, str):
        states.update(_reviewed(session, campaign, states))

    cells: dict[tuple[str, str], MatrixCell] = {}
    for round_id, due_at in rounds.items():
        for unit in units:
            if (unit, round_id) not in required:
                continue
            per_key = {
                k: states.get((unit, round_id, k), MatrixStatus.missing) for k in asked[round_id]
            }
            cells[(unit, round_id)] = MatrixCell(
                unit_code=unit,
                round_id=round_id,
                status=_cell_status(list(per_key.values())),
                outstanding=tuple(k for k, s in per_key.items() if not s.complete),
                due_at=due_at,
            )
    return SubmissionMatrix(campaign_id, units, tuple(rounds), cells)


def _active_units(session: Session, campaign_id: str) -> tuple[str, ...]:
    query = sa.select(UnitRow.code).filter_by(campaign_id=campaign_id, active=True)
    return tuple(session.scalars(query.order_by(UnitRow.position)))


def _active_rounds(session: Session, campaign_id: str) -> dict[str, dt.datetime]:
    query = sa.select(RoundRow.round_id, RoundRow.due_at).filter_by(
        campaign_id=campaign_id, active=True
    )
    return {round_id: due for round_id, due in session.execute(query.order_by(RoundRow.position))}


def _asked(session: Session, campaign_id: str) -> dict[str, list[str]]:
    """Deliverable keys each round asks for, in YAML order."""
    asked: dict[str, list[str]] = defaultdict(list)
    query = sa.select(RoundDeliverableRow.round_id, RoundDeliverableRow.deliverable_key)
    query = query.filter_by(campaign_id=campaign_id).order_by(RoundDeliverableRow.position)
    for round_id, key in session.execute(query):
        asked[round_id].append(key)
    return asked


def _required(session: Session, campaign_id: str) -> set[tuple[str, str]]:
    """(unit_code, round_id) pairs the campaign requires."""
    query = sa.select(RoundUnitRow.unit_code, RoundUnitRow.round_id)
    return set(session.execute(query.filter_by(campaign_id=campaign_id)).tuples())


def _deliverable_states(
    session: Session, campaign_id: str
) -> dict[tuple[str, str, str], MatrixStatus]:
    """The state of each (unit, round, deliverable) that has at least one version."""
    versions: dict[tuple[str, str, str], list[Submission]] = defaultdict(list)
    for sub in session.scalars(
        sa.select(Submission).filter_by(campaign_id=campaign_id).order_by(Submission.version)
    ):
        versions[(sub.unit_code, sub.round_id, sub.deliverable_key)].append(sub)
    return {slot: _deliverable_status(subs) for slot, subs in versions.items()}


def _deliverable_status(subs: list[Submission]) -> MatrixStatus:
    counted = (SubmissionStatus.accepted, SubmissionStatus.superseded)
    if any(s.status == SubmissionStatus.accepted for s in subs):
        on_time = any(s.on_time for s in subs if s.status in counted)
        return MatrixStatus.accepted_on_time if on_time else MatrixStatus.accepted_late
    return MatrixStatus(subs[-1].status)  # the latest version: received, not_ready or rejected


def _reviewed(
    session: Session, campaign: Campaign, states: dict[tuple[str, str, str], MatrixStatus]
) -> dict[tuple[str, str, str], MatrixStatus]:
    """Accepted slots the review policy holds back: 待审核 until approved, 退回修改 when
    returned (``campaign_ops.review``; nothing when the campaign has no review)."""
    from campaign_ops.review.state import APPROVED, slot_reviews

    return {
        slot: MatrixStatus(review.status)
        for slot, review in slot_reviews(session, campaign).items()
        if review.status != APPROVED and slot in states
    }


def _cell_status(states: list[MatrixStatus]) -> MatrixStatus:
    if states and all(s.complete for s in states):
        if all(s == MatrixStatus.accepted_on_time for s in states):
            return MatrixStatus.accepted_on_time
        return MatrixStatus.accepted_late
    attention = next((s for s in _PRECEDENCE if s in states), None)
    if attention is not None:
        return attention
    delivered = [s for s in states if s.complete or s == MatrixStatus.awaiting_review]
    if states and len(delivered) == len(states):
        return MatrixStatus.awaiting_review  # the unit has done its part; a reviewer has not
    return MatrixStatus.partial if delivered else MatrixStatus.missing
