"""Who has reported: the submission matrix with DHIS2-style reporting figures.

One definition used everywhere — ``campaign-ops status``, the campaign board, the ops digest
and the consolidated report — so their numbers always agree:

- expected: units the round asks something of;
- actual: units that delivered everything the round asks of them (accepted, on time or late);
- on time: units whose deliverables were all received by the deadline and accepted;
- reporting rate = actual / expected; on-time rate = on time / expected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from campaign_ops.campaign import Campaign


@dataclass
class UnitStatus:
    unit: str
    name: str
    status: str
    submitted_at: str | None
    version: int | None
    outstanding: list[str]
    reason: str | None = None  # why a reviewer returned it (status ``returned``)
    review: list[dict] = field(default_factory=list)  # per reviewed deliverable (review.state)


@dataclass
class RoundStatus:
    round: str
    title: str
    deadline: str
    expected: int
    actual: int
    on_time: int
    reporting_rate: float
    on_time_rate: float
    units: list[UnitStatus]


@dataclass
class CampaignStatus:
    campaign: str
    rounds: list[RoundStatus]

    def as_json(self) -> dict:
        return asdict(self)

    def round(self, round_id: str) -> RoundStatus:
        for r in self.rounds:
            if r.round == round_id:
                return r
        raise KeyError(f"专项行动 {self.campaign} 没有轮次 {round_id}")


def campaign_status(session, campaign: Campaign) -> CampaignStatus:
    """The matrix for every round, with the figures above."""
    import sqlalchemy as sa

    from campaign_ops.review.state import review_by_unit_round
    from campaign_ops.store import submission_matrix, sync_campaign
    from campaign_ops.store.intake_log import waiting_files
    from campaign_ops.store.models import Submission

    sync_campaign(session, campaign)
    matrix = submission_matrix(session, campaign)
    reviews = review_by_unit_round(session, campaign)
    waiting = {(e.unit_code, e.round_id) for e in waiting_files(session, campaign.id)}
    latest: dict[tuple[str, str], tuple[dt.datetime, int]] = {}
    for unit, round_id, received_at, version in session.execute(
        sa.select(
            Submission.unit_code,
            Submission.round_id,
            sa.func.max(Submission.received_at),
            sa.func.max(Submission.version),
        )
        .where(Submission.campaign_id == campaign.id)
        .group_by(Submission.unit_code, Submission.round_id)
    ):
        latest[(unit, round_id)] = (received_at, version)

    rounds = []
    for r in campaign.rounds:
        units = []
        for u in campaign.units_for(r):
            cell = matrix.cells.get((u.code, r.id))
            status = cell.status.value if cell else "missing"
            if status == "missing" and (u.code, r.id) in waiting:
                status = "not_ready"
            at, version = latest.get((u.code, r.id), (None, None))
            review = reviews.get((u.code, r.id), [])
            returned = [x for x in review if x["status"] == "returned"]
            units.append(
                UnitStatus(
                    unit=u.code,
                    name=u.short_name,
                    status=status,
                    submitted_at=_iso(at) if at else None,
                    version=version,
                    outstanding=list(cell.outstanding) if cell else [d.key for d in r.deliverables],
                    reason="；".join(x["reason"] for x in returned) or None,
                    review=review,
                )
            )
        expected = len(units)
        actual = sum(u.status in ("accepted_on_time", "accepted_late") for u in units)
        on_time = sum(u.status == "accepted_on_time" for u in units)
        rounds.append(
            RoundStatus(
                round=r.id,
                title=r.title,
                deadline=r.deadline.isoformat(),
                expected=expected,
                actual=actual,
                on_time=on_time,
                reporting_rate=round(actual / expected, 4) if expected else 0.0,
                on_time_rate=round(on_time / expected, 4) if expected else 0.0,
                units=units,
            )
        )
    return CampaignStatus(campaign.id, rounds)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")
