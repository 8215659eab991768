"""The date grammar of circulars, one test per phrase shape (campaign_ops/drafting/dates.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from campaign_ops.drafting.dates import arabic, find_deadlines, find_rules, parse_span

D = dt.date
ISSUED = D(2023, 5, 9)  # 安市监函〔2023〕229号


def deadlines(text: str, issued: dt.date = ISSUED) -> list[dt.date]:
    return [d for g in find_deadlines(arabic(text), issued) for d in g.dates]


def span(text: str, issued: dt.date = ISSUED) -> tuple:
    s = parse_span(text, issued)
    assert s is not None, text
    return s.start, s.end


def test_chinese_numeral_date_is_read():
    assert arabic("二〇二四年十一月十二日") == "2024年11月12日"
    assert arabic("二○二三年五月九日") == "2023年5月9日"  # the circle some typists use for 〇


def test_numerals_that_are_not_dates_stay():
    assert arabic("十九届二中、三中全会，一是建立") == "十九届二中、三中全会，一是建立"


def test_full_width_digits_are_read():
    assert deadlines("１２月１０日前报送") == [D(2023, 12, 10)]


def test_day_without_year_is_in_the_issue_year():
    assert deadlines("12月10日前报送工作总结") == [D(2023, 12, 10)]


def test_month_before_the_issue_month_is_next_year():
    assert deadlines("3月10日前报送", issued=D(2023, 11, 20)) == [D(2024, 3, 10)]


def test_issue_month_itself_stays_in_the_issue_year():
    assert deadlines("5月20日前报送") == [D(2023, 5, 20)]


def test_four_deadlines_in_one_phrase():
    text = "请各县（市、区）局于5月10日、7月10日、9月10日、11月10日前报送阶段性工作进展情况"
    assert deadlines(text) == [D(2023, 5, 10), D(2023, 7, 10), D(2023, 9, 10), D(2023, 11, 10)]


def test_two_groups_in_one_sentence_stay_apart():
    text = "于5月10日、7月10日前报送统计表，12月10日前报送工作总结。"
    groups = find_deadlines(arabic(text), ISSUED)
    assert [g.dates for g in groups] == [(D(2023, 5, 10), D(2023, 7, 10)), (D(2023, 12, 10),)]


def test_month_end_is_the_last_day():
    assert deadlines("力争在10月底前形成一批调研成果") == [D(2023, 10, 31)]
    assert deadlines("2024年2月底前报送", issued=D(2024, 1, 5)) == [D(2024, 2, 29)]


def test_list_with_years_rolls_into_the_next_year():
    assert deadlines("2024年12月10日、2025年6月30日前") == [D(2024, 12, 10), D(2025, 6, 30)]
    assert deadlines("2024年11月10日、1月10日前报送") == [D(2024, 11, 10), D(2025, 1, 10)]


def test_deadline_with_clock_time():
    (group,) = find_deadlines(arabic("11月12日17:00前报送"), ISSUED)
    assert group.time == "17:00"
    (group,) = find_deadlines(arabic("十一月十二日十七时前报送"), ISSUED)
    assert (group.dates, group.time) == ((D(2023, 11, 12),), "17:00")


def test_deadline_spelled_with_chinese_numerals():
    assert deadlines("请于十二月十日前报送") == [D(2023, 12, 10)]


def test_from_today_is_the_issue_date():
    assert span("即日起至5月31日") == (ISSUED, D(2023, 5, 31))


def test_day_range():
    assert span("8月21日至10月6日") == (D(2023, 8, 21), D(2023, 10, 6))


def test_month_range_with_year_spans_whole_months():
    assert span("2024年5月至12月") == (D(2024, 5, 1), D(2024, 12, 31))
    assert span("2024年5月至2024年12月") == (D(2024, 5, 1), D(2024, 12, 31))


def test_month_range_with_dash():
    assert span("6月—11月") == (D(2023, 6, 1), D(2023, 11, 30))


def test_single_month_and_single_year():
    assert span("11月") == (D(2023, 11, 1), D(2023, 11, 30))
    assert span("2025年") == (D(2025, 1, 1), D(2025, 12, 31))


def test_open_range_has_no_end():
    assert span("10月07日至") == (D(2023, 10, 7), None)


def test_campaign_period_phrases():
    assert span("从2023年5月到12月") == (D(2023, 5, 1), D(2023, 12, 31))
    assert span("自即日起至11月") == (ISSUED, D(2023, 11, 30))
    assert span("2024年5月起至2026年12月结束") == (D(2024, 5, 1), D(2026, 12, 31))


def test_range_over_new_year():
    assert span("11月至次年2月".replace("次年", "")) == (D(2023, 11, 1), D(2024, 2, 29))


def test_phase_in_brackets():
    assert span("（即日起至8月20日）", issued=D(2023, 8, 7)) == (D(2023, 8, 7), D(2023, 8, 20))


def rules(text: str):
    return [(r.every, r.days, r.time) for r in find_rules(arabic(text))]


def test_every_month_on_a_day():
    assert rules("每月21日前报送") == [("month", (21,), None)]
    assert rules("每月2日前报送统计表") == [("month", (2,), None)]


def test_every_month_on_two_days():
    assert rules("每月13日、28日前报送") == [("month", (13, 28), None)]


def test_every_month_end():
    assert rules("每月底前报送") == [("month", ("last",), None)]


def test_every_quarter_end():
    assert rules("每季度末报送") == [("quarter", ("last",), None)]


def test_every_week_on_a_weekday_with_time():
    assert rules("每周三15:00前报送") == [("week", (3,), "15:00")]
    assert rules("每星期五下午下班前报送") == [("week", (5,), None)]


def test_every_half_month_is_a_guess():
    (rule,) = find_rules(arabic("每半月报送一次进展情况"))
    assert (rule.every, rule.days) == ("half_month", (15, "last"))
    assert rule.guess and "每半月" in rule.guess


def test_every_quarter_first_month_reports_the_previous_quarter():
    (rule,) = find_rules(arabic("每季度第一个月10日前报送上季度统计表"))
    assert (rule.every, rule.days, rule.covers) == ("quarter", (10,), "previous")


def test_every_month_in_chinese_numerals():
    assert rules("每月二十一日前报送") == [("month", (21,), None)]


def test_a_recurring_rule_is_no_dated_deadline():
    assert deadlines("每月21日前报送统计表") == []


@pytest.mark.parametrize("text", ["于5月至9月集中开展走访调研", "十九届二中、三中、四中全会精神"])
def test_no_deadline_in_ordinary_sentences(text):
    assert deadlines(text) == []


def test_deadline_with_weekday_in_brackets():
    assert deadlines("请于11月15日（周五）前报送") == [D(2023, 11, 15)]
    assert deadlines("5月10日（星期三）、7月10日（星期一）前报送") == [
        D(2023, 5, 10),
        D(2023, 7, 10),
    ]


def test_afternoon_clock_time():
    (group,) = find_deadlines(arabic("11月12日下午五点半前报送"), ISSUED)
    assert (group.dates, group.time) == ((D(2023, 11, 12),), "17:30")
    (group,) = find_deadlines(arabic("11月12日（周日）上午10:00前报送"), ISSUED)
    assert group.time == "10:00"
