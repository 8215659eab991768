"""What a reviewer is shown: the unit's figures beside its previous round and the city total."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign
    from campaign_ops.review.queue import ReviewItem


def brief(
    session: Session, campaign: Campaign, item: ReviewItem, board_url: str | None
) -> tuple[str, str]:
    raise NotImplementedError
