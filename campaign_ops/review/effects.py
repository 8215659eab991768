"""What follows decisions, for whoever records them (the Airflow task after a human-in-the-loop
answer, the ``review`` command): the return mails still due go out, and the merged tables are
refreshed so approved figures count and returned ones leave. Safe to repeat: the ledger keeps
each mail to one, and a refresh rebuilds the same tables from the same decisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign
    from campaign_ops.mail.send import Delivery


@dataclass(frozen=True)
class Settled:
    mails: list[Delivery]
    refreshed: bool


def after_decisions(
    campaign: Campaign, *, refresh: bool = True, as_of: dt.datetime | None = None
) -> Settled:
    from campaign_ops.consolidate.merge import refresh_campaign
    from campaign_ops.review.returns import send_return_mails

    mails = send_return_mails(campaign)
    if refresh:
        refresh_campaign(campaign, as_of=as_of)
    return Settled(mails, refresh)
