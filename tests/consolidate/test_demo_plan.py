"""``make demo``'s story, checked without running it: every kind of unit appears, and every
file lands before the collect run that should see it and the report that counts it."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from campaign_ops.campaign import get_campaign
from campaign_ops.demo import BROKEN, CORRECTED, DEMO_CAMPAIGN, LATE, SILENT, arrivals, schedule
from campaign_ops.store.campaigns import round_due_at
from campaign_ops.timeline import build_timeline


def test_the_demo_has_on_time_late_broken_corrected_and_silent_units():
    campaign = get_campaign(DEMO_CAMPAIGN)
    plan = arrivals(campaign)
    units = [u.code for u in campaign.units]
    by_unit = Counter(a.unit for a in plan)
    assert units[SILENT] not in by_unit
    for r in campaign.rounds:
        due = round_due_at(campaign, r)
        mine = [a for a in plan if a.round_id == r.id]
        assert all(a.at > due for a in mine if a.unit == units[LATE])
        assert all(a.at < due for a in mine if a.unit == units[0])
        if r.forms:
            assert any(a.broken for a in mine if a.unit == units[BROKEN])
            fixed = [a for a in mine if a.unit == units[CORRECTED] and a.deliverable in r.forms]
            assert any(a.broken for a in fixed) and any(not a.broken for a in fixed)


def test_every_report_moment_is_preceded_by_a_collect_run():
    campaign = get_campaign(DEMO_CAMPAIGN)
    runs = schedule(campaign)
    reports = build_timeline(campaign).report_moments()
    assert [m for m, kind in runs if kind == "consolidate"] == reports
    for moment in reports:
        before = [m for m, kind in runs if kind == "collect" and m < moment]
        assert moment - max(before) == dt.timedelta(minutes=30)
    assert Counter(kind for _, kind in runs)["remind"] == len(
        build_timeline(campaign).reminder_moments()
    )
