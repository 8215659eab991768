"""Circular structures the seeds do not show: a date in Chinese numerals at the end, phases
listed with their periods, recurring deadlines, an attachment table that has no form yet,
contacts on one line, no roster. Each drafted YAML must lint, and what it says must be what a
person reading the circular would write."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from campaign_ops import INCLUDE_DIR
from campaign_ops.campaign import load_campaign_file
from campaign_ops.campaign_lint import lint_file
from campaign_ops.drafting import build_draft, draft_from_text

from .seeds import SEEDS

CIRCULAR = """汉阴县市场监督管理局关于开展食品安全专项整治的通知
汉市监发〔2024〕12号
各县（市、区）市场监督管理局：
根据省局《关于开展食品安全专项整治的通知》（陕市监发〔2024〕88号）要求，现就开展食品安全专项整治通知如下。
一、时间安排
整治分三个阶段：动员部署阶段（即日起至5月31日）、集中整治阶段（6月1日至10月31日）、总结评估阶段（11月）。
二、工作要求
请各县（市、区）局每月5日前报送上月食品安全专项整治情况统计表，每周三15:00前报送工作进展情况，11月20日前报送工作总结。
联系人：张三，电话：0915-5212345，邮箱：zhangsan@example.com。
附件：1. 食品安全专项整治情况统计表
汉阴县市场监督管理局
二〇二四年四月二十日
"""


def _write(tmp_path: Path, text: str, name: str = "drafted") -> Path:
    out = tmp_path / f"{name}.yaml"
    out.write_text(text, encoding="utf-8")
    return out


def _circular(title: str, *body: str, issued: str) -> str:
    """A small circular of 某某市市场监督管理局: title, body lines, signature and date."""
    return "\n".join([title, *body, "某某市市场监督管理局", issued])


def _linted(tmp_path: Path, text: str, **options):
    """The draft of ``text`` and its campaign, after asserting the YAML lints."""
    draft = build_draft(text, campaign_id="drafted", **options)
    campaign, problems = lint_file(_write(tmp_path, draft.yaml_text))
    assert problems == [], draft.yaml_text
    return draft, campaign


def test_structured_circular_drafts_and_lints(tmp_path):
    draft = build_draft(CIRCULAR, roster="ankang", campaign_id="drafted")
    out = _write(tmp_path, draft.yaml_text)
    campaign, problems = lint_file(out)
    assert problems == [], draft.yaml_text
    assert campaign.issued_on == dt.date(2024, 4, 20)  # 二〇二四年四月二十日, at the end
    assert campaign.document_number == "汉市监发〔2024〕12号"
    assert campaign.authority == "汉阴县市场监督管理局"
    assert campaign.title == "汉阴县食品安全专项整治"
    assert "陕市监发〔2024〕88号" in campaign.parent_document
    phases = [(p.id, p.start, p.end) for p in campaign.phases]
    assert phases == [
        ("deploy", dt.date(2024, 4, 20), dt.date(2024, 5, 31)),
        ("rectify", dt.date(2024, 6, 1), dt.date(2024, 10, 31)),
        ("review", dt.date(2024, 11, 1), dt.date(2024, 11, 30)),
    ]
    contacts = [(c.name, c.phone, c.email) for c in campaign.circular_contacts]
    assert contacts == [("张三", "0915-5212345", "zhangsan@example.com")]


def test_recurring_deadlines_become_rules_that_expand(tmp_path):
    draft = build_draft(CIRCULAR, roster="ankang", campaign_id="drafted")
    data = yaml.safe_load(draft.yaml_text)
    rules = {r["every"]: r for r in data["rounds"] if "every" in r}
    assert rules["month"]["days"] == [5]
    assert rules["month"]["covers"] == "previous"  # 每月5日前报送上月…
    assert rules["week"]["days"] == [3] and rules["week"]["time"] == "15:00"
    # each deadline asks for its own things: the weekly progress, not the 11月20日 summary
    assert [d["kind"] for d in rules["week"]["deliverables"]] == ["progress_note"]
    campaign = load_campaign_file(_write(tmp_path, draft.yaml_text))
    monthly = [r for r in campaign.rounds if r.id.startswith("m")]
    assert [r.deadline for r in monthly] == [dt.date(2024, m, 5) for m in range(5, 12)]
    weekly = [r for r in campaign.rounds if r.id.startswith("w")]
    assert weekly and all(
        r.deadline.isoweekday() == 3 and r.deadline_time == "15:00" for r in weekly
    )
    assert dt.date(2024, 11, 20) in [r.deadline for r in campaign.rounds]


def test_a_table_with_no_form_yet_lints_and_says_how_to_make_it(tmp_path, monkeypatch):
    draft = build_draft(CIRCULAR, roster="ankang", campaign_id="drafted")
    marked = [f for f in draft.findings if f.guess and "form-from-xlsx" in f.guess]
    assert marked, "the missing form is marked"
    assert "drafted-form1" in marked[0].guess and "食品安全专项整治情况统计表" in marked[0].guess
    assert "- {kind: statistics" not in draft.yaml_text
    # doing what the mark says — make the form, change the line — gives a statistics round
    forms = tmp_path / "forms"
    shutil.copytree(INCLUDE_DIR / "forms", forms)
    spec = yaml.safe_load((forms / "ankang-work-stats.yaml").read_text(encoding="utf-8"))
    spec.update(id="drafted-form1", title="食品安全专项整治情况统计表")
    (forms / "drafted-form1.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), "utf-8")
    monkeypatch.setenv("CAMPAIGN_OPS_FORMS_DIR", str(forms))
    redrafted = build_draft(CIRCULAR, roster="ankang", campaign_id="drafted")
    assert "{kind: statistics, form: drafted-form1}" in redrafted.yaml_text
    assert not [f for f in redrafted.findings if f.guess and "form-from-xlsx" in (f.guess or "")]
    campaign, problems = lint_file(_write(tmp_path, redrafted.yaml_text))
    assert problems == []
    assert "drafted-form1" in campaign.forms


def test_without_a_roster_a_placeholder_unit_keeps_it_linting(tmp_path):
    draft = draft_from_text(CIRCULAR)
    out = _write(tmp_path, draft.yaml_text, draft.campaign_id)
    campaign, problems = lint_file(out)
    assert problems == []
    assert draft.campaign_id == "circular-2024-0420"
    assert [u.code for u in campaign.units] == ["unit-1"]
    assert campaign.units[0].level == "county"  # 各县（市、区）: the level the circular addresses
    unit = next(f for f in draft.findings if f.field == "units[0]")
    assert unit.guess and "--roster" in unit.guess
    assert "units[0]" in draft.summary_zh


def test_summary_lists_what_was_found_and_what_needs_a_person():
    draft = build_draft(CIRCULAR, roster="ankang", campaign_id="drafted")
    summary = draft.summary_zh
    assert "汉市监发〔2024〕12号" in summary and "2024年4月20日" in summary
    assert "阶段 3 个" in summary and "按周期报送 2 项" in summary
    assert "名册 ankang" in summary and "11 个" in summary
    assert "需要人工核实" in summary and "form-from-xlsx" in summary


def test_no_rounds_no_phases_still_lints(tmp_path):
    lines = ["某某市市场监督管理局关于加强广告监管的通知", "请各县局高度重视，认真落实。"]
    lines += ["某某市市场监督管理局", "2024年3月1日"]
    text = "\n".join(lines)
    draft = draft_from_text(text)
    campaign, problems = lint_file(_write(tmp_path, draft.yaml_text, draft.campaign_id))
    assert problems == []
    assert campaign.issued_on == dt.date(2024, 3, 1)
    guessed = {f.field for f in draft.findings if f.guess}
    assert {"rounds[0].deadline", "phases[0].start"} <= guessed


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed circulars not on this machine")
@pytest.mark.parametrize("cut", [3, 6, 9])
def test_part_of_a_circular_still_drafts_a_linting_campaign(cut, tmp_path):
    """A person pastes half a circular (the part they had open): a draft that lints, never
    a crash; what is missing is marked instead."""
    for seed in sorted(SEEDS.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        for part in (text[: len(text) * cut // 11], text[len(text) * cut // 11 :]):
            draft = build_draft(part, campaign_id="drafted")
            _, problems = lint_file(_write(tmp_path, draft.yaml_text))
            assert problems == [], (seed.name, cut)


def test_impossible_dates_are_no_dates(tmp_path):
    draft = build_draft("2024年13月45日印发。请于5月32日前报送总结。", campaign_id="drafted")
    _, problems = lint_file(_write(tmp_path, draft.yaml_text))
    assert problems == []
    assert any(f.field == "issued_on" and f.guess for f in draft.findings)


RECURRING = {
    "每月21日前": ("month", [21], lambda d: d.day == 21),
    "每月2日前": ("month", [2], lambda d: d.day == 2),
    "每季度末": (
        "quarter",
        ["last"],
        lambda d: d.month in (3, 6, 9, 12) and (d + dt.timedelta(1)).day == 1,
    ),
    "每周三15:00前": ("week", [3], lambda d: d.isoweekday() == 3),
    "每月13日、28日前": ("month", [13, 28], lambda d: d.day in (13, 28)),
    "每半月": ("half_month", [15, "last"], lambda d: d.day == 15 or (d + dt.timedelta(1)).day == 1),
    "每季度第一个月10日前": ("quarter", [10], lambda d: d.month in (1, 4, 7, 10) and d.day == 10),
}
GUESSED = {"每半月", "每季度第一个月10日前"}  # no days written; which quarter not written


@pytest.mark.parametrize("phrase", list(RECURRING))
def test_each_recurring_phrase_becomes_a_rule_the_model_expands(phrase, tmp_path):
    every, days, on_day = RECURRING[phrase]
    text = _circular(
        "某某市市场监督管理局关于开展价格监管专项行动的通知",
        f"行动自2024年1月起至2024年12月结束。请各县局{phrase}报送价格监管工作进展情况。",
        issued="2024年1月2日",
    )
    draft, campaign = _linted(tmp_path, text)
    (rule,) = [r for r in yaml.safe_load(draft.yaml_text)["rounds"] if "every" in r]
    assert (rule["every"], rule["days"]) == (every, days)
    deadlines = [r.deadline for r in campaign.rounds]
    assert len(deadlines) >= 3 and all(on_day(d) for d in deadlines)
    assert all(dt.date(2024, 1, 2) <= d <= dt.date(2024, 12, 31) for d in deadlines)
    guessed = any(f.guess and f.field.endswith(".every") for f in draft.findings)
    assert guessed == (phrase in GUESSED)


def test_a_recurring_table_is_named_without_the_deadlines_words(tmp_path):
    text = _circular(
        "某某市市场监督管理局关于开展价格监管专项行动的通知",
        "行动自2024年1月起至2024年12月结束。请各县局每月21日前报送工作情况统计表。",
        issued="2024年1月2日",
    )
    draft, _ = _linted(tmp_path, text)
    (rule,) = [r for r in yaml.safe_load(draft.yaml_text)["rounds"] if "every" in r]
    named = [rule["title"], *(d.get("title") or "" for d in rule["deliverables"])]
    assert rule["title"] == "工作情况统计表"
    assert not any(n.startswith("前") for n in named), named


def test_a_schedule_the_rules_cannot_read_is_listed_not_dropped(tmp_path):
    text = CIRCULAR.replace("11月20日前报送工作总结", "每月上旬报送上月工作总结")
    draft = build_draft(text, roster="ankang", campaign_id="drafted")
    _, problems = lint_file(_write(tmp_path, draft.yaml_text))
    assert problems == []
    (unread,) = [f for f in draft.findings if f.field == "rounds" and f.guess]
    assert "每月上旬" in unread.sentence and "未能识别" in unread.guess
    assert "每月上旬" in draft.summary_zh.split("时限未能识别")[-1]


def test_period_decided_with_yu_is_the_campaign_period(tmp_path):
    text = _circular(
        "某某市市场监督管理局关于开展价格监管专项行动的通知",
        "市局决定于2024年6月至12月在全市开展价格监管专项行动。各县局于7月至9月集中开展检查。",
        "请各县局12月10日前报送工作总结。",
        issued="2024年5月20日",
    )
    _, campaign = _linted(tmp_path, text)
    assert (campaign.start, campaign.end) == (dt.date(2024, 6, 1), dt.date(2024, 12, 31))


def test_every_year_gives_a_round_in_each_year_of_the_campaign(tmp_path):
    text = _circular(
        "某某市市场监督管理局关于开展直播电商三年提升行动的通知",
        "三年提升行动自2024年5月起至2026年12月结束。",
        "请各县局每年12月10日前报送年度工作总结和典型案例。",
        issued="2024年5月28日",
    )
    _, campaign = _linted(tmp_path, text)
    assert [r.deadline for r in campaign.rounds] == [dt.date(y, 12, 10) for y in (2024, 2025, 2026)]
    assert all(
        {d.key for d in r.deliverables} == {"summary", "typical_cases"} for r in campaign.rounds
    )


def test_red_head_circular_with_a_plan(tmp_path):
    """A 红头文件: "…局文件" above the 文号, the plan's title in 《》 with 实施方案."""
    text = "\n".join(
        [
            "石泉县市场监督管理局文件",
            "石市监发〔2024〕7号",
            "石泉县市场监督管理局关于印发《石泉县网络交易监管专项行动实施方案》的通知",
            "各市场监管所：",
            "现将《石泉县网络交易监管专项行动实施方案》印发给你们，请认真贯彻落实。",
            "请各所于2024年9月30日（周一）下午5点前报送工作总结。",
            "石泉县市场监督管理局",
            "2024年3月8日",
        ]
    )
    draft = build_draft(text, roster="ankang", campaign_id="drafted")
    campaign, problems = lint_file(_write(tmp_path, draft.yaml_text))
    assert problems == []
    assert campaign.title == "石泉县网络交易监管专项行动"
    assert campaign.authority == "石泉县市场监督管理局"
    assert campaign.document_number == "石市监发〔2024〕7号"
    (r,) = campaign.rounds
    assert (r.deadline, r.deadline_time) == (dt.date(2024, 9, 30), "17:00")
