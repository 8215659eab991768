"""Recurring rounds as the circulars phrase them (每月21日前, 每周三15:00前, 每季度末, 每半月 …):
one rule in the campaign file, dated rounds with stable ids everywhere else, and lint lines at
the rule a person edits."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from campaign_ops.calendar_doc import dag_doc
from campaign_ops.campaign import Campaign, parse_campaign
from campaign_ops.campaign_lint import lint_file
from campaign_ops.cli import main
from campaign_ops.synthetic import campaign_dict
from campaign_ops.timeline import build_timeline

D = dt.date
NOTE = [{"kind": "progress_note"}]
MAY_1, DEC_31 = D(2024, 5, 1), D(2024, 12, 31)


def _data(*rounds: dict, start: D = MAY_1, end: D = DEC_31) -> dict:
    data = campaign_dict("recurring", units=2)
    data["issued_on"] = start.isoformat()
    data["phases"] = [{"id": "all", "name": "集中整治", "start": str(start), "end": str(end)}]
    data["rounds"] = list(rounds)
    return data


def _campaign(*rounds: dict, **period: D) -> Campaign:
    return parse_campaign(_data(*rounds, **period), Path("recurring.yaml"))


def _rule(every: str, **fields: object) -> dict:
    return {"every": every, "id": fields.pop("id", every[0]), "title": "统计表", **fields} | {
        "deliverables": NOTE
    }


def _rows(c: Campaign) -> list[tuple[str, str, D, str]]:
    return [(r.id, r.title, r.deadline, r.deadline_time) for r in c.rounds]


# ---- one test per phrase shape of the circulars --------------------------------------------


def test_monthly_by_the_21st():  # 每月21日前
    c = _campaign(_rule("month", days=[21], title="月度统计表"), start=D(2024, 5, 1))
    assert _rows(c)[:3] == [
        ("m2024-05", "2024年5月月度统计表", D(2024, 5, 21), "18:00"),
        ("m2024-06", "2024年6月月度统计表", D(2024, 6, 21), "18:00"),
        ("m2024-07", "2024年7月月度统计表", D(2024, 7, 21), "18:00"),
    ]
    assert len(c.rounds) == 8 and c.rounds[-1].id == "m2024-12"
    assert {r.rule for r in c.rounds} == {"每月21日18:00前"}


def test_monthly_by_the_2nd_starts_after_the_campaign_starts():  # 每月2日前
    c = _campaign(_rule("month", days=[2]), start=D(2024, 5, 28))
    assert [r.deadline for r in c.rounds][:2] == [D(2024, 6, 2), D(2024, 7, 2)]
    assert c.rounds[0].id == "m2024-06"


def test_by_the_2nd_for_the_previous_month():  # 每月2日前报送上月统计表
    c = _campaign(_rule("month", days=[2], covers="previous"), start=D(2024, 5, 28))
    assert _rows(c)[:2] == [
        ("m2024-05", "2024年5月统计表", D(2024, 6, 2), "18:00"),
        ("m2024-06", "2024年6月统计表", D(2024, 7, 2), "18:00"),
    ]
    assert c.rounds[-1].id == "m2024-11"  # December's report falls due after the campaign
    assert c.rounds[0].rule == "每月2日18:00前（报上月）"


def test_previous_quarter_and_previous_week():  # 每季度首月10日前报上季度；每周一报上周
    c = _campaign(_rule("quarter", days=[10], covers="previous"))
    assert [(r.id, r.deadline) for r in c.rounds] == [
        ("q2024-2", D(2024, 7, 10)),
        ("q2024-3", D(2024, 10, 10)),
    ]
    assert c.rounds[0].rule == "每季度首月10日18:00前（报上季度）"
    week = _rule("week", days=[1], covers="previous", until="2024-05-20")
    c = _campaign(week)
    assert [(r.id, r.deadline) for r in c.rounds] == [
        ("w2024-18", D(2024, 5, 6)),
        ("w2024-19", D(2024, 5, 13)),
        ("w2024-20", D(2024, 5, 20)),
    ]


def test_quarter_end():  # 每季度末
    c = _campaign(_rule("quarter", title="季度工作情况"))
    assert _rows(c) == [
        ("q2024-2", "2024年第二季度季度工作情况", D(2024, 6, 30), "18:00"),
        ("q2024-3", "2024年第三季度季度工作情况", D(2024, 9, 30), "18:00"),
        ("q2024-4", "2024年第四季度季度工作情况", D(2024, 12, 31), "18:00"),
    ]
    assert c.rounds[0].rule == "每季度末18:00前"


def test_every_wednesday_by_three_pm():  # 每周三15:00前
    rule = _rule("week", days=[3], time="15:00", title="周报", until="2024-05-31")
    c = _campaign(rule)
    assert _rows(c) == [
        ("w2024-18", "2024年第18周周报", D(2024, 5, 1), "15:00"),
        ("w2024-19", "2024年第19周周报", D(2024, 5, 8), "15:00"),
        ("w2024-20", "2024年第20周周报", D(2024, 5, 15), "15:00"),
        ("w2024-21", "2024年第21周周报", D(2024, 5, 22), "15:00"),
        ("w2024-22", "2024年第22周周报", D(2024, 5, 29), "15:00"),
    ]
    assert all(r.deadline.isoweekday() == 3 for r in c.rounds)
    assert c.rounds[0].rule == "每周三15:00前"


def test_the_13th_and_28th_of_every_month():  # 每月13日、28日前
    c = _campaign(_rule("month", days=[28, 13], until="2024-06-30"))
    assert _rows(c) == [
        ("m2024-05-13", "2024年5月（13日）统计表", D(2024, 5, 13), "18:00"),
        ("m2024-05-28", "2024年5月（28日）统计表", D(2024, 5, 28), "18:00"),
        ("m2024-06-13", "2024年6月（13日）统计表", D(2024, 6, 13), "18:00"),
        ("m2024-06-28", "2024年6月（28日）统计表", D(2024, 6, 28), "18:00"),
    ]


def test_every_half_month_defaults_to_the_15th_and_the_month_end():  # 每半月
    c = _campaign(_rule("half_month") | {"from": "2024-06-01", "until": "2024-07-31"})
    assert _rows(c) == [
        ("h2024-06a", "2024年6月上半月统计表", D(2024, 6, 15), "18:00"),
        ("h2024-06b", "2024年6月下半月统计表", D(2024, 6, 30), "18:00"),
        ("h2024-07a", "2024年7月上半月统计表", D(2024, 7, 15), "18:00"),
        ("h2024-07b", "2024年7月下半月统计表", D(2024, 7, 31), "18:00"),
    ]


def test_a_day_the_month_lacks_is_its_last_day():
    c = _campaign(_rule("month", days=[31]), start=D(2024, 1, 1), end=D(2024, 4, 30))
    assert [r.deadline for r in c.rounds] == [
        D(2024, 1, 31),
        D(2024, 2, 29),
        D(2024, 3, 31),
        D(2024, 4, 30),
    ]


def test_three_years_monthly_is_36_rounds_without_writing_them():
    rule = _rule("month", days=["last"], title="月报")
    c = _campaign(rule, start=D(2024, 1, 1), end=D(2026, 12, 31))
    assert len(c.rounds) == 36
    assert len({r.id for r in c.rounds}) == 36
    assert c.rounds[-1].deadline == D(2026, 12, 31)


def test_rules_and_dated_rounds_mix_in_deadline_order_and_survive_a_round_trip():
    dated = {"id": "final", "title": "工作总结", "deadline": "2024-07-05", "deliverables": NOTE}
    c = _campaign(dated, _rule("month", days=[21]), end=D(2024, 7, 31))
    assert [r.id for r in c.rounds] == ["m2024-05", "m2024-06", "final", "m2024-07"]
    assert c.rounds[2].rule is None
    again = Campaign.model_validate(c.model_dump())
    assert again.rounds == c.rounds and again.units == c.units


# ---- the expanded rounds are ordinary rounds for the timeline --------------------------------


def test_timeline_flags_holidays_and_reminds_for_expanded_rounds():
    rule = _rule("month", days=[1], title="月报", time="12:00")
    c = _campaign(rule, start=D(2024, 9, 1), end=D(2024, 11, 30))
    timeline = build_timeline(c)
    deadlines = {e.round: e for e in timeline.of_kind("deadline")}
    assert set(deadlines) == {"m2024-09", "m2024-10", "m2024-11"}
    assert deadlines["m2024-10"].non_working_day == "国庆节"
    assert deadlines["m2024-10"].time == "12:00"
    assert deadlines["m2024-10"].title == "报送截止：2024年10月月报"
    before = [e for e in timeline.of_kind("reminder") if e.round == "m2024-10"]
    assert {e.purpose for e in before} == {"before", "overdue"}
    # 3 days before 10-01 is Saturday 09-28 (a rest day; Sunday 09-29 is a swapped working
    # day): that reminder moves to Friday 09-27
    before_days = [e.date for e in before if e.purpose == "before"]
    assert before_days == [D(2024, 9, 24), D(2024, 9, 27), D(2024, 9, 30)]
    reports = [e for e in timeline.of_kind("report") if e.round == "m2024-10"]
    assert [e.date for e in reports] == [D(2024, 10, 8)]  # first working day after the holiday


# ---- lint: a wrong rule is reported once, at the rule, with what to do ----------------------


def _lint(tmp_path: Path, data: dict) -> list[str]:
    path = tmp_path / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    campaign, lines = lint_file(path)
    assert campaign is None
    return lines


def _line_of(tmp_path: Path, data: dict, needle: str) -> int:
    text = (tmp_path / f"{data['id']}.yaml").read_text("utf-8")
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("rule", "where", "says"),
    [
        ({"from": "2024-09-01", "until": "2024-06-30"}, "rounds[m].from", "晚于结束日期"),
        ({"from": "2024-01-01"}, "rounds[m].from", "不在行动期间 2024-05-01～2024-12-31"),
        ({"until": "2025-03-31"}, "rounds[m].until", "不在行动期间"),
        ({"days": [30, 31]}, "rounds[m].days", "同一天只报一次"),
        ({"days": [32]}, "rounds[m].days[1]", "只能是 1～31 的日子或 last（月末）"),
        ({"deadline": "2024-06-21"}, "rounds[m].deadline", "不写 deadline"),
        ({"every": "day"}, "rounds[m].every", "month（每月）、quarter（每季度）"),
        ({"every": "week", "days": [1, 2, 3, 4, 5, 6, 7]}, "rounds[m].every", "超过 200 轮"),
        ({"every": "week", "days": [8]}, "rounds[m]", "只能是 1～7"),
        ({"from": "2024-12-25", "days": [21]}, "rounds[m].days", "没有截止日期"),
    ],
)
def test_a_wrong_rule_is_reported_at_the_rule(tmp_path, rule, where, says):
    data = _data(_rule("month", days=[21]) | rule)
    lines = _lint(tmp_path, data)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"recurring.yaml:{where}（第"), lines
    assert says in lines[0]


def test_a_mistake_in_what_a_rule_asks_for_is_reported_once_at_the_rule(tmp_path):
    rule = _rule("month", days=[21], title="月度统计表")
    rule["deliverables"] = [{"kind": "statistics", "form": "no-such-form"}]
    rule["units"] = ["u0001", "u0009"]
    lines = _lint(tmp_path, _data(rule))
    assert len(lines) == 2, lines
    form, unit = sorted(lines)
    assert form.startswith("recurring.yaml:rounds[m].deliverables[1].form（第")
    assert "没有编号为 no-such-form 的统计表" in form
    assert unit.startswith("recurring.yaml:rounds[m].units[2]（第")
    assert "展开出的轮次 m2024-05：" in unit and "u0009" in unit


def test_expanded_ids_that_collide_with_a_written_round_name_both(tmp_path):
    dated = {"id": "m2024-06", "title": "六月", "deadline": "2024-06-25", "deliverables": NOTE}
    data = _data(dated, _rule("month", days=[21]))
    lines = _lint(tmp_path, data)
    assert len(lines) == 1, lines
    line = _line_of(tmp_path, data, "id: m\n")
    assert lines[0].startswith(f"recurring.yaml:rounds[m].id（第{line}行）：")
    assert "m2024-06 与 rounds[m2024-06] 重复" in lines[0] and "换一个 id 前缀" in lines[0]


def test_the_dag_page_names_each_rule_and_its_rounds():
    weekly = _rule("week", days=[3], time="15:00", title="周报", until="2024-06-30")
    c = _campaign(_rule("month", days=[21], title="月度统计表"), weekly)
    html = MarkdownIt().render(dag_doc(c, build_timeline(c), "remind"))
    assert "<strong>周期报送：</strong> 每周三15:00前（9 轮）；每月21日18:00前（8 轮）" in html
    assert "2024年第18周周报：阶段性工作进展情况 ⚠ 非工作日（劳动节）" in html


def test_validating_the_model_directly_expands_too_and_says_what_is_wrong_in_chinese():
    c = Campaign.model_validate(_data(_rule("quarter")))
    assert [r.id for r in c.rounds] == ["q2024-2", "q2024-3", "q2024-4"]
    backwards = _rule("quarter", until="2024-06-30") | {"from": "2024-09-01"}
    with pytest.raises(ValueError, match="rounds\\[q\\]\\.from：起始日期 2024-09-01 晚于结束日期"):
        Campaign.model_validate(_data(backwards))


def test_a_rule_without_every_is_told_to_add_it(tmp_path):
    rule = _rule("month", days=[21])
    del rule["every"]
    lines = _lint(tmp_path, _data(rule))
    days = [x for x in lines if x.startswith("recurring.yaml:rounds[m].days（第")]
    assert days and "请加上 every（如 every: month）" in days[0], lines
    rule = _rule("month", days=[21]) | {"untill": "2024-09-30"}
    (line,) = _lint(tmp_path, _data(rule))
    assert "不认识的字段 untill，是否应为 until？" in line


def test_lint_and_list_say_which_rules_gave_how_many_rounds(tmp_path, monkeypatch, capsys):
    data = _data(
        _rule("month", days=[2], covers="previous", title="月报"),
        _rule("quarter", title="季报"),
        start=D(2024, 1, 1),
        end=D(2026, 12, 31),
    )
    path = tmp_path / "recurring.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert main(["lint", str(path)]) == 0
    out = capsys.readouterr().out
    assert "（2 个单位，47 轮报送；35 轮按“每月2日18:00前（报上月）”展开；12 轮按“每季度末" in out
    monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(tmp_path))
    assert main(["list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["recurring"] == {"每月2日18:00前（报上月）": 35, "每季度末18:00前": 12}
    assert row["roster"] is None


def test_an_unquoted_time_is_read_back_as_the_clock_it_was(tmp_path):
    path = tmp_path / "recurring.yaml"
    text = yaml.safe_dump(_data(_rule("week", days=[3])), allow_unicode=True, sort_keys=False)
    path.write_text(text.replace("  days:\n", "  time: 15:00\n  days:\n", 1), encoding="utf-8")
    _, (line,) = lint_file(path)
    assert line.startswith("recurring.yaml:rounds[w].time（第") and '请写成 "15:00"' in line
