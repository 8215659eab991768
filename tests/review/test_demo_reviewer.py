"""``make demo``'s reviewer: approves what comes in, returns one unit's case table once, and
a second pass decides nothing and mails nothing."""

from __future__ import annotations

import datetime as dt

from campaign_ops.review.demo_reviewer import RETURN_REASON, RETURNED_UNIT, review_after_collect
from campaign_ops.review.queue import reviews_open
from campaign_ops.status import campaign_status
from campaign_ops.store import session_scope

from .conftest import seed

AFTER_COLLECT = dt.datetime(2023, 5, 10, 11, 0, tzinfo=dt.UTC)


def test_the_demo_reviewer_approves_all_but_one_return(ankang, outbox) -> None:
    with session_scope() as s:
        seed(s, ankang, units=RETURNED_UNIT + 1)
    assert review_after_collect(ankang, AFTER_COLLECT) == 2 * (RETURNED_UNIT + 1)
    assert review_after_collect(ankang, AFTER_COLLECT) == 0
    with session_scope() as s:
        assert reviews_open(s, ankang) == []
        units = campaign_status(s, ankang).round("r1").units
    statuses = [u.status for u in units[: RETURNED_UNIT + 1]]
    assert statuses == ["accepted_on_time"] * RETURNED_UNIT + ["returned"]
    assert RETURN_REASON in units[RETURNED_UNIT].reason
    [mail] = list(outbox.rglob("returned-*.eml"))
    assert ankang.units[RETURNED_UNIT].code in mail.name
