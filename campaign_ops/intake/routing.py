"""Which round a delivery counts for, and whether the unit already delivered it.

These are the rules ops and inheritors ask about most, so they live here, in one place:

1. A round the file names wins: the template's metadata, a folder equal to a round id, the
   round's deadline (``2023-05-10``, ``20230510``, ``5月10日``) or its title in a folder or
   file name.
2. Otherwise the earliest round whose window has opened and which still needs that
   deliverable from that unit. A round's window opens the day after the deadline of the
   previous round that asks the unit for the same deliverable (the first at the campaign's
   start). When several open rounds still need it, the earliest takes it and ops are asked to
   confirm (``campaign-ops assign`` moves it).
3. When no open round needs it any more, it is a new version for the latest open round (a
   correction); before the first window, the first round.

Deliveries are per unit: another unit's identical bytes are that unit's delivery. The same
bytes from the same unit for a slot it already has are a no-op, unless the file names another
round.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from campaign_ops.campaign import Campaign, Round, Unit
from campaign_ops.intake.identify import normalise
from campaign_ops.store.models import RoundBasis

Slot = tuple[str, str, str]  # (round, unit, deliverable)


@dataclass(frozen=True)
class RoundChoice:
    round: Round
    basis: RoundBasis
    candidates: tuple[str, ...] = ()  # the open rounds that still needed it (basis earliest)


@dataclass
class Deliveries:
    """What each unit has delivered so far: the slots that have a version that counts or is
    still being checked, and the contents each unit sent for each deliverable. Loaded once
    per scan and kept up to date as the scan routes files, so two files of one scan see each
    other."""

    filled: set[Slot] = field(default_factory=set)
    contents: dict[tuple[str, str, str], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )  # (unit, deliverable, sha256) → round ids

    def add(self, slot: Slot, sha256: str, fills: bool = True) -> None:
        round_id, unit, deliverable = slot
        self.contents[(unit, deliverable, sha256)].add(round_id)
        if fills:
            self.filled.add(slot)

    def rounds_with_content(self, unit: str, deliverable: str, sha256: str) -> set[str]:
        return self.contents.get((unit, deliverable, sha256), set())


def load_deliveries(session, campaign_id: str) -> Deliveries:
    """Every recorded submission of the campaign, as routing needs it (one query)."""
    import sqlalchemy as sa

    from campaign_ops.store.models import Submission, SubmissionStatus

    counting = {
        SubmissionStatus.accepted.value,
        SubmissionStatus.superseded.value,
        SubmissionStatus.received.value,
    }
    out = Deliveries()
    rows = session.execute(
        sa.select(
            Submission.round_id,
            Submission.unit_code,
            Submission.deliverable_key,
            Submission.sha256,
            Submission.status,
        ).where(Submission.campaign_id == campaign_id)
    )
    for round_id, unit, deliverable, sha, status in rows:
        out.add((round_id, unit, deliverable), sha, fills=status in counting)
    return out


# ---- a round the file names ---------------------------------------------------------------

_BRACKETS = re.compile(r"[（(].*?[）)]")


def _round_tokens(r: Round) -> list[str]:
    d = r.deadline
    tokens = [d.isoformat(), f"{d.year}{d.month:02d}{d.day:02d}", f"{d.month}月{d.day}日"]
    title = _BRACKETS.sub("", r.title).strip()
    if len(title) >= 4:  # a title without its "（5月10日前）"; too short a title says nothing
        tokens.append(title)
    return tokens


def round_from_path(campaign: Campaign, path: str) -> Round | None:
    """A round named in the path: a folder equal to its id, or its deadline date
    (``2023-05-10``, ``20230510``, ``5月10日``) or title in a folder or file name."""
    parts = PurePosixPath(path).parts
    for folder in parts[:-1]:
        for r in campaign.rounds:
            if normalise(folder) == normalise(r.id):
                return r
    text = normalise(path)
    hits = [r for r in campaign.rounds if any(normalise(t) in text for t in _round_tokens(r))]
    return hits[0] if len(hits) == 1 else None


# ---- a round by the unit's deliveries -----------------------------------------------------


def rounds_asking(campaign: Campaign, unit: Unit, deliverable: str) -> list[Round]:
    """The rounds that ask this unit for this deliverable, by deadline."""
    return [
        r
        for r in sorted(campaign.rounds, key=lambda r: r.deadline)
        if r.asks(unit.code) and any(d.key == deliverable for d in r.deliverables)
    ]


def window_opens(campaign: Campaign, asking: list[Round], r: Round) -> dt.date:
    """The first day a delivery for ``r`` can arrive: the day after the previous asking
    round's deadline, or the campaign's start."""
    i = asking.index(r)
    return asking[i - 1].deadline + dt.timedelta(days=1) if i else campaign.start


def choose_round(
    campaign: Campaign,
    unit: Unit,
    deliverable: str,
    arrived: dt.date,
    deliveries: Deliveries,
    named: Round | None = None,
) -> RoundChoice | None:
    """The round a delivery counts for (None: no round asks this unit for it)."""
    if named is not None and any(d.key == deliverable for d in named.deliverables):
        return RoundChoice(named, RoundBasis.named)
    asking = rounds_asking(campaign, unit, deliverable)
    if not asking:
        return None
    opened = [r for r in asking if window_opens(campaign, asking, r) <= arrived]
    needing = [r for r in opened if (r.id, unit.code, deliverable) not in deliveries.filled]
    if len(needing) == 1:
        return RoundChoice(needing[0], RoundBasis.only)
    if needing:
        return RoundChoice(needing[0], RoundBasis.earliest, tuple(r.id for r in needing))
    if opened:
        return RoundChoice(opened[-1], RoundBasis.latest)
    return RoundChoice(asking[0], RoundBasis.only)


def already_delivered(
    campaign: Campaign,
    deliveries: Deliveries,
    unit: Unit,
    deliverable: str,
    sha256: str,
    choice: RoundChoice,
) -> str | None:
    """The round for which this unit already sent these very bytes, when this file is
    nothing new (None: a delivery). A file that names a round is a delivery for that round
    unless that round already has these bytes."""
    sent = deliveries.rounds_with_content(unit.code, deliverable, sha256)
    if not sent:
        return None
    if choice.basis == RoundBasis.named:
        return choice.round.id if choice.round.id in sent else None
    return next(r.id for r in campaign.rounds if r.id in sent)
