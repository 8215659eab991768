"""Decisions on SQLite and PostgreSQL: approve, return, the refusals, and that repeating a
decision changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign_ops.review.queue import ReviewRefused, decide, reviews_open
from campaign_ops.status import campaign_status
from campaign_ops.store.models import AuditEvent

from .conftest import NOW, REVIEWER, reviewed_campaign, seed


def _audit(session) -> list[tuple[str, str, str | None]]:
    rows = session.execute(
        sa.select(AuditEvent.actor, AuditEvent.action, AuditEvent.reason).order_by(AuditEvent.id)
    )
    return [tuple(r) for r in rows]


def test_open_reviews_are_the_accepted_statistics_in_campaign_order(session, campaign) -> None:
    seed(session, campaign, units=2)
    items = reviews_open(session, campaign)
    first, second = campaign.units[:2]
    assert [i.key for i in items] == [
        f"r1/{first.code}/ankang-work-stats",
        f"r1/{first.code}/ankang-ad-cases",
        f"r1/{second.code}/ankang-work-stats",
        f"r1/{second.code}/ankang-ad-cases",
    ]
    assert items[0].label == first.name and items[0].version == 1
    # the narratives (progress_note, typical_cases) are not in applies_to: they count at once
    assert not any("progress_note" in i.key for i in items)


def test_approve_then_again_is_a_no_op(session, campaign) -> None:
    seed(session, campaign, units=1)
    unit = campaign.units[0].code
    key = f"r1/{unit}/ankang-work-stats"
    first = decide(session, campaign, key, "approve", None, REVIEWER, NOW)
    again = decide(session, campaign, key, "approve", "再点一次", REVIEWER, NOW)
    session.commit()
    assert first.changed and not again.changed
    assert _audit(session) == [(REVIEWER, "review_approve", None)]
    assert key not in [i.key for i in reviews_open(session, campaign)]


def test_return_needs_a_reason_and_shows_in_status(session, campaign) -> None:
    seed(session, campaign, units=1)
    unit = campaign.units[0].code
    key = f"r1/{unit}/ankang-ad-cases"
    with pytest.raises(ReviewRefused, match="退回修改必须写明理由"):
        decide(session, campaign, key, "return", "  ", REVIEWER, NOW)
    decide(session, campaign, key, "return", "罚没款与案件数不符，请核对", REVIEWER, NOW)
    decide(session, campaign, key, "return", "罚没款与案件数不符，请核对", REVIEWER, NOW)
    session.commit()
    assert _audit(session) == [(REVIEWER, "review_return", "罚没款与案件数不符，请核对")]
    mine = next(u for u in campaign_status(session, campaign).round("r1").units if u.unit == unit)
    assert mine.status == "returned"
    assert mine.reason == "《互联网广告案件查处情况统计表》：罚没款与案件数不符，请核对"
    assert "ankang-ad-cases" in mine.outstanding


def test_awaiting_review_is_its_own_status_and_not_yet_reported(session, campaign) -> None:
    seed(session, campaign, units=1)
    unit = campaign.units[0].code
    r1 = campaign_status(session, campaign).round("r1")
    mine = next(u for u in r1.units if u.unit == unit)
    assert mine.status == "awaiting_review"
    assert r1.actual == 0  # only approved deliveries count as reported
    for form in ("ankang-work-stats", "ankang-ad-cases"):
        decide(session, campaign, f"r1/{unit}/{form}", "approve", None, REVIEWER, NOW)
    r1 = campaign_status(session, campaign).round("r1")
    assert next(u for u in r1.units if u.unit == unit).status == "accepted_on_time"
    assert r1.actual == 1 and r1.on_time == 1


def test_refusals_say_why(session, campaign) -> None:
    seed(session, campaign, units=1)
    unit = campaign.units[0].code
    key = f"r1/{unit}/ankang-work-stats"
    with pytest.raises(ReviewRefused, match="不是本行动的审核人"):
        decide(session, campaign, key, "approve", None, "someone-else", NOW)
    with pytest.raises(ReviewRefused, match="不要求审核"):
        decide(session, campaign, f"r1/{unit}/progress_note", "approve", None, REVIEWER, NOW)
    other = campaign.units[1].code
    with pytest.raises(ReviewRefused, match="没有可审核的材料"):
        decide(session, campaign, f"r1/{other}/ankang-work-stats", "approve", None, REVIEWER, NOW)
    with pytest.raises(ReviewRefused, match="第 1 版"):
        decide(session, campaign, key, "approve", None, REVIEWER, NOW, version=2)
    assert _audit(session) == []


def test_changing_a_decision_is_recorded_again(session, campaign) -> None:
    seed(session, campaign, units=1)
    key = f"r1/{campaign.units[0].code}/ankang-work-stats"
    decide(session, campaign, key, "return", "培训人数偏大", REVIEWER, NOW)
    changed = decide(session, campaign, key, "approve", None, REVIEWER, NOW)
    assert changed.changed
    assert [a for _, a, _ in _audit(session)] == ["review_return", "review_approve"]


def test_without_the_policy_nothing_waits(session) -> None:
    campaign = reviewed_campaign(required=False)
    seed(session, campaign, units=1)
    assert reviews_open(session, campaign) == []
    unit = campaign.units[0].code
    mine = next(u for u in campaign_status(session, campaign).round("r1").units if u.unit == unit)
    assert mine.status == "accepted_on_time" and mine.review == []


def test_the_time_to_decide_counts_working_days_from_arrival(session, campaign) -> None:
    import datetime as dt

    from campaign_ops.review.queue import decision_due, overdue_reviews

    seed(session, campaign, units=1)  # received 2023-05-10 16:00 Beijing, a Wednesday
    received = dt.datetime(2023, 5, 10, 8, tzinfo=dt.UTC)
    due = decision_due(campaign, received)
    assert due.isoformat() == "2023-05-16T00:00:00+08:00"  # Thu, Fri, Mon: 3 working days
    before = due - dt.timedelta(minutes=1)
    assert overdue_reviews(session, campaign, before) == []
    late = overdue_reviews(session, campaign, due)
    assert [(i.deliverable, at) for i, at in late] == [
        ("ankang-work-stats", due),
        ("ankang-ad-cases", due),
    ]
