"""The demo's reviewer (``make demo``): after each collect run the campaign's first reviewer
decides every open review — approves, except one unit's case table in round 1, returned with a
reason (and the unit never corrects it), so the demo shows a 退回修改 on the board, in the
report's notes, in the digest and as a 退回修改通知 in the outbox. A campaign without review
is left alone."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign

RETURNED_UNIT = 6  # by position in the YAML: a unit that otherwise reports on time
RETURNED_ROUND = 0  # the first round
RETURN_REASON = "案件清单中罚没款合计与逐条相加不符，请逐条核对“罚没款”一栏（单位：万元）后重新报送"
THINKING_TIME = dt.timedelta(minutes=10)  # the reviewer decides shortly after the collect run


def review_after_collect(campaign: Campaign, moment: dt.datetime) -> int:
    """Decide every open review as the demo's reviewer; returns how many were decided."""
    if not campaign.review.required or not campaign.review.reviewers:
        return 0
    from campaign_ops.review.queue import decide, reviews_open
    from campaign_ops.review.returns import send_return_mails
    from campaign_ops.store.db import session_scope

    by = campaign.review.reviewers[0]
    returned = _returned_key(campaign)
    with session_scope() as session:
        items = reviews_open(session, campaign)
        for item in items:
            if item.key == returned and item.version == 1:
                decide(
                    session, campaign, item.key, "return", RETURN_REASON, by, moment + THINKING_TIME
                )
            else:
                decide(session, campaign, item.key, "approve", None, by, moment + THINKING_TIME)
    send_return_mails(campaign)
    return len(items)


def _returned_key(campaign: Campaign) -> str | None:
    round_ = campaign.rounds[RETURNED_ROUND]
    units = campaign.units_for(round_)
    forms = [d.key for d in round_.deliverables if d.form and campaign.review.applies(d)]
    if len(units) <= RETURNED_UNIT or not forms:
        return None
    return f"{round_.id}/{units[RETURNED_UNIT].code}/{forms[-1]}"
