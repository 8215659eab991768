"""The campaign calendar: dates the system acts on, derived from a YAML and China's calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from campaign_ops.campaign import get_campaign, parse_campaign
from campaign_ops.synthetic import campaign_dict
from campaign_ops.timeline import add_working_days, build_timeline, is_working_day

SEEDS = [
    "ankang-2023-internet-ads",
    "saic-2016-internet-ads",
    "huangshan-2024-network-market",
    "fangxian-2023-livestream",
    "maanshan-2024-livestream",
]


def test_china_adjusted_working_days():
    assert is_working_day(dt.date(2023, 10, 7))  # Saturday made a working day
    assert not is_working_day(dt.date(2023, 10, 6))  # National Day holiday, a Friday
    assert not is_working_day(dt.date(2026, 10, 1))
    assert add_working_days(dt.date(2023, 9, 28), 1) == dt.date(2023, 10, 7)


def test_ankang_deadlines_are_the_circulars():
    timeline = build_timeline(get_campaign("ankang-2023-internet-ads"))
    deadlines = {e.date.isoformat(): e.deliverables for e in timeline.of_kind("deadline")}
    for day in ("2023-05-10", "2023-07-10", "2023-09-10", "2023-11-10"):
        assert "阶段性工作进展情况" in deadlines[day] and "典型案例" in deadlines[day]
        assert len([d for d in deadlines[day] if "统计表" in d]) == 2
    assert "工作总结" in deadlines["2023-12-10"]
    assert "企业自查整改书面报告" in deadlines["2023-06-10"]


@pytest.mark.parametrize("campaign_id", SEEDS)
def test_reminders_fall_on_working_days_before_their_deadline(campaign_id):
    campaign = get_campaign(campaign_id)
    timeline = build_timeline(campaign)
    deadlines = {r.id: r.deadline for r in campaign.rounds}
    reminders = timeline.of_kind("reminder")
    assert reminders, "every campaign has at least its mobilization notice"
    for e in reminders:
        assert is_working_day(e.date), f"{e.title} on {e.date}"
        if e.purpose == "before":
            assert e.date < deadlines[e.round]
        if e.purpose == "overdue":
            assert e.date > deadlines[e.round]


@pytest.mark.parametrize("campaign_id", SEEDS)
def test_first_day_opens_a_phase_and_each_phase_end_is_an_event(campaign_id):
    campaign = get_campaign(campaign_id)
    timeline = build_timeline(campaign)
    starts = {e.date for e in timeline.of_kind("phase_start")}
    ends = {e.date for e in timeline.of_kind("phase_end")}
    assert campaign.start in starts
    assert {p.end for p in campaign.phases} == ends
    assert timeline.events == sorted(timeline.events, key=lambda e: (e.date, e.time or ""))


def test_deadline_on_a_holiday_is_flagged_and_kept():
    data = campaign_dict(start=dt.date(2023, 8, 1), rounds=1, round_every_days=66)
    assert data["rounds"][0]["deadline"] == "2023-10-06"
    timeline = build_timeline(parse_campaign(data, Path("synthetic-campaign.yaml")))
    (deadline,) = timeline.of_kind("deadline")
    assert deadline.date == dt.date(2023, 10, 6)
    assert deadline.non_working_day and "国庆" in deadline.non_working_day
    # the "1 day before" reminder moves back over the holiday to the last working day
    before = [e for e in timeline.of_kind("reminder") if e.purpose == "before"]
    assert min(e.days for e in before) == 8  # 2023-09-28, the last working day before
    assert all(e.date <= dt.date(2023, 9, 28) for e in before)


def test_overdue_reminders_escalate_after_policy_days():
    data = campaign_dict(rounds=1)
    data["reminders"] = {"overdue_every_working_days": 2, "escalate_after_working_days": 4}
    timeline = build_timeline(parse_campaign(data, Path("synthetic-campaign.yaml")))
    overdue = [e for e in timeline.of_kind("reminder") if e.purpose == "overdue"]
    assert [e.days for e in overdue] == [2, 4, 6, 8, 10]
    assert ["抄送分管领导" in e.title for e in overdue] == [False, True, True, True, True]


def test_report_moments_follow_deadlines_on_working_days():
    campaign = get_campaign("ankang-2023-internet-ads")
    timeline = build_timeline(campaign)
    reports = timeline.of_kind("report")
    assert len(reports) == len(campaign.rounds) + 1  # one per round and the final summary
    assert all(is_working_day(e.date) for e in reports)
    by_round = {e.round: e.date for e in reports if e.round}
    assert by_round["r4"] == dt.date(2023, 9, 11)  # deadline Sunday 9/10 → Monday
    moments = timeline.report_moments()
    assert all(m.tzinfo is not None and m.utcoffset() == dt.timedelta(hours=8) for m in moments)
