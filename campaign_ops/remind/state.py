"""What the warehouse says a unit still owes for a round, and why (rejection reasons).

Built on the store's submission matrix, so the board, the reminders and the reports agree on
who is missing what.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.campaign import Campaign, Deliverable, Round, Unit
from campaign_ops.mailbox.attention import mail_attention
from campaign_ops.review.board import review_digest
from campaign_ops.store.assign import confirmations_needed
from campaign_ops.store.matrix import MatrixStatus, SubmissionMatrix, submission_matrix
from campaign_ops.store.models import Submission, SubmissionStatus, ValidationFinding

MAX_FINDINGS_SHOWN = 10
# A reviewer holds these: the unit delivered, nothing to chase (a return has its own mail).
REVIEW_STATES = (MatrixStatus.awaiting_review, MatrixStatus.returned)


@dataclass(frozen=True)
class Outstanding:
    """A deliverable a unit still owes for a round, and why."""

    key: str
    label: str
    state: str  # missing | rejected | not_ready
    file: str | None = None
    summary: str | None = None
    findings: tuple[str, ...] = ()
    more_findings: int = 0

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "findings": list(self.findings)}


class DeliveryState:
    """The submission matrix plus, for each deliverable not yet accepted, its latest version
    (with the rejection reasons). Requirements come from the YAML, so a round the warehouse
    has not heard of yet counts as "nothing delivered" rather than "nothing required"."""

    def __init__(
        self,
        campaign: Campaign,
        matrix: SubmissionMatrix,
        latest: dict,
        findings: dict,
        to_confirm: list[dict[str, Any]] | None = None,
        review: dict[str, Any] | None = None,
    ):
        self.campaign = campaign
        self.matrix = matrix
        self._latest: dict[tuple[str, str, str], Submission] = latest
        self._findings: dict[int, list[ValidationFinding]] = findings
        self.to_confirm = to_confirm or []  # deliveries whose round ops should confirm
        self.review = review  # files waiting for review and returned (review policy), or None
        self.mailbox: list[str] = []  # mailed files waiting for ops (mailbox.attention)

    @classmethod
    def load(cls, session: Session, campaign: Campaign) -> DeliveryState:
        matrix = submission_matrix(session, campaign)
        latest: dict[tuple[str, str, str], Submission] = {}
        for sub in session.scalars(
            sa.select(Submission).filter_by(campaign_id=campaign.id).order_by(Submission.version)
        ):
            latest[(sub.unit_code, sub.round_id, sub.deliverable_key)] = sub
        rejected = [s.id for s in latest.values() if s.status == SubmissionStatus.rejected]
        findings: dict[int, list[ValidationFinding]] = defaultdict(list)
        if rejected:
            for f in session.scalars(
                sa.select(ValidationFinding)
                .where(ValidationFinding.submission_id.in_(rejected))
                .order_by(ValidationFinding.submission_id, ValidationFinding.position)
            ):
                findings[f.submission_id].append(f)
        to_confirm = confirmations_needed(session, campaign)
        review = review_digest(session, campaign)
        state = cls(campaign, matrix, latest, findings, to_confirm, review)
        state.mailbox = mail_attention(session, campaign)
        return state

    def status(self, unit: Unit, round_: Round) -> MatrixStatus:
        """The matrix cell, except that a unit still owing something counts as missing it
        even when another of its files waits to be checked (the matrix shows "received")."""
        status = self.matrix.status(unit.code, round_.id) or MatrixStatus.missing
        if status.complete or status in REVIEW_STATES:
            return status
        states = {o.state for o in self.outstanding(unit, round_)}
        for candidate in (MatrixStatus.rejected, MatrixStatus.not_ready):
            if candidate.value in states:
                return candidate
        if MatrixStatus.missing.value in states:
            return MatrixStatus.partial if status == MatrixStatus.partial else MatrixStatus.missing
        return MatrixStatus.received

    def outstanding(self, unit: Unit, round_: Round) -> list[Outstanding]:
        """What the unit must still (re)send for the round; empty when nothing is asked of it.
        Files waiting to be checked are not listed: the unit has done its part."""
        cell = self.matrix.cells.get((unit.code, round_.id))
        keys = set(cell.outstanding) if cell else {d.key for d in round_.deliverables}
        out = []
        for d in round_.deliverables:
            if d.key not in keys:
                continue
            sub = self._latest.get((unit.code, round_.id, d.key))
            state = sub.status if sub else "missing"
            if state in (SubmissionStatus.received, SubmissionStatus.accepted):
                continue
            out.append(self._describe(d.key, deliverable_label(d), state, sub))
        return out

    def _describe(self, key: str, label: str, state: str, sub: Submission | None) -> Outstanding:
        if sub is None or state not in (SubmissionStatus.rejected, SubmissionStatus.not_ready):
            return Outstanding(key, label, "missing")
        errors = [f for f in self._findings.get(sub.id, []) if f.severity == "error"]
        shown = [_finding_text(f) for f in errors[:MAX_FINDINGS_SHOWN]]
        return Outstanding(
            key,
            label,
            state,
            file=sub.archived_file.original_name if sub.archived_file else None,
            summary=sub.rejection_summary,
            findings=tuple(shown),
            more_findings=max(0, len(errors) - len(shown)),
        )


def deliverable_label(deliverable: Deliverable) -> str:
    """How an email names a deliverable; a statistics form by its title in 《》, so two
    统计表 of one round are told apart."""
    return f"《{deliverable.label}》" if deliverable.form else deliverable.label


def _finding_text(f: ValidationFinding) -> str:
    """``工作表“X”，“医疗”行，“立案数”栏：…``, worded like the intake receipts."""
    parts = (
        f.sheet and f"工作表“{f.sheet}”",
        f.row_label and f"“{f.row_label}”行",
        f.column_label and f"“{f.column_label}”栏",
    )
    where = "，".join(p for p in parts if p)
    text = f"{where}：{f.message}" if where else f.message
    if f.value_found:
        text += f"（填报值：{f.value_found}）"
    return text
