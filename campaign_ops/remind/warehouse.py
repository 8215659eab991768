"""Before deciding: the warehouse must know the campaign's rounds and units."""

from __future__ import annotations

from campaign_ops.campaign import Campaign


def prepare_warehouse(campaign: Campaign) -> None:
    """Make sure the warehouse schema is current and knows this campaign's rounds and units
    (both idempotent), so the decision sees what each round requires."""
    from campaign_ops.store import session_scope, sync_campaign, upgrade

    upgrade()
    with session_scope() as s:
        sync_campaign(s, campaign)
