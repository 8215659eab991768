"""The circular's calendar: the campaign period, its phases or yearly stages, the dated
reporting deadlines with what is due, and recurring deadlines (每月21日前).

A deadline only becomes a reporting round when its clause asks for something to be sent
(报送, 上报, 报市局…): "力争在10月底前形成一批调研成果" is a target, not a round.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from campaign_ops.drafting.dates import RANGE, Rule, Span, find_deadlines, find_rules, parse_span
from campaign_ops.drafting.reading import CJK


@dataclass(frozen=True)
class PhaseDraft:
    name: str
    kind: str  # phase | stage
    start: dt.date
    end: dt.date | None
    sentence: str
    guess: str | None = None


@dataclass(frozen=True)
class Item:
    """One thing due, as the circular names it: its kind in the model and its own words."""

    kind: str
    phrase: str


@dataclass(frozen=True)
class RoundDraft:
    deadline: dt.date
    time: str | None
    items: tuple[Item, ...]
    sentence: str
    said: str  # the deadline as written (5月10日、7月10日…前)
    yearly: bool = False  # 每年12月10日前: one round a year of the campaign


@dataclass(frozen=True)
class RuleDraft:
    rule: Rule
    items: tuple[Item, ...]
    sentence: str


SUBMIT = re.compile(
    r"报送|上报|报市|报区|报县|报省|报上级|报给|报至|报来|提交|抄送|报告|报局|交至|发送至"
)

_PHASE_IDS = {
    "动员部署": "deploy",
    "宣传发动": "deploy",
    "部署": "deploy",
    "自查自纠": "self-check",
    "集中整治": "rectify",
    "集中治理": "rectify",
    "排查整治": "rectify",
    "督导检查": "inspect",
    "巩固提升": "consolidate",
    "总结评估": "review",
    "总结进展成效": "review",
    "总结验收": "review",
    "总结": "review",
}


def phase_id(name: str, index: int, kind: str) -> str:
    """A stable id for a phase: the usual ones by name (deploy, rectify, review), else p1, p2…"""
    return _PHASE_IDS.get(name) or f"{'s' if kind == 'stage' else 'p'}{index + 1}"


def campaign_period(sentences: list[str], issued: dt.date) -> tuple[Span, str] | None:
    """The whole campaign's period: "从2023年5月到12月", "自即日起至11月",
    "自2024年5月起至2026年12月结束"."""
    for lead in (r"(?:从|自)", r"(?:决定|计划|拟)(?:于|在)"):  # "于5月至9月走访调研" is no period
        for s in sentences:
            for m in re.finditer(rf"{lead}\s*({RANGE.pattern})", s):
                span = parse_span(m[1], issued)
                if span and span.end:
                    return span, s
    return None


def phases(sentences: list[str], issued: dt.date) -> list[PhaseDraft]:
    """Named phases with their period in brackets — 动员部署（即日起至8月20日）, (一)开展集中治理
    (6月—11月) — and yearly stages: "2025年为深入推进年"."""
    found: list[PhaseDraft] = []
    seen: set[tuple] = set()
    for s in sentences:
        for m in re.finditer(rf"([{CJK}]{{2,14}})[(（]([^()（）]{{1,40}})[)）]", s):
            span = parse_span(m[2], issued)
            if span is None:
                continue
            name = re.sub(r"^(?:开展|进行|第[一二三四五六七八九十]+)", "", m[1])
            name = re.sub(r"阶段$", "", name) or m[1]
            _add(found, seen, PhaseDraft(name, "phase", span.start, span.end, s))
        m = re.match(rf"^(.{{2,30}}?)为([{CJK}]{{2,8}}年)[。；，,]?", s)
        if m:
            span = parse_span(m[1], issued)
            if span and span.end:
                _add(found, seen, PhaseDraft(m[2], "stage", span.start, span.end, s))
    return found


def _add(found: list[PhaseDraft], seen: set[tuple], phase: PhaseDraft) -> None:
    key = (phase.name, phase.start, phase.end)
    if key not in seen:  # a text copied twice (a web page's reprint) lists its phases twice
        seen.add(key)
        found.append(phase)


def dated_rounds(sentences: list[str], issued: dt.date) -> list[RoundDraft]:
    """Every deadline that asks for something to be sent, one round per date, with what is due
    (the same date asked twice — 12月10日 for the summary and for a report — is one round)."""
    by_date: dict[dt.date, RoundDraft] = {}
    for s in sentences:
        groups = find_deadlines(s, issued)
        for g in groups:
            before = re.split(r"[，,；;。]", s[: g.start])[-1]
            after = s[g.end : _next_start(s, g.end, issued)]
            if not SUBMIT.search(before + after):
                continue
            found = items(after, s) or items(before, s) or (Item("progress_note", _what(after)),)
            yearly = bool(re.search(r"每(?:一)?年(?:的)?\s*$", s[: g.start]))
            for day in g.dates:
                old = by_date.get(day)
                if old is None:
                    by_date[day] = RoundDraft(day, g.time, found, s, g.text, yearly)
                else:
                    merged = old.items + tuple(x for x in found if x not in old.items)
                    by_date[day] = RoundDraft(
                        day, old.time or g.time, merged, old.sentence, old.said
                    )
    return [by_date[d] for d in sorted(by_date)]


def every_year(rounds: list[RoundDraft], start: dt.date, end: dt.date) -> list[RoundDraft]:
    """每年12月10日前 in a campaign of several years: that day in each of its years."""
    by_date: dict[dt.date, RoundDraft] = {}
    for r in rounds:
        days = [r.deadline]
        if r.yearly:
            days = [d for d in _same_day_each_year(r.deadline, start, end)] or days
        for day in days:
            by_date.setdefault(day, replace(r, deadline=day))
    return [by_date[d] for d in sorted(by_date)]


def _same_day_each_year(day: dt.date, start: dt.date, end: dt.date) -> list[dt.date]:
    out = []
    for year in range(start.year, end.year + 1):
        try:
            candidate = day.replace(year=year)
        except ValueError:  # 2月29日 in a common year
            continue
        if start <= candidate <= end:
            out.append(candidate)
    return out


def recurring_rounds(sentences: list[str]) -> list[RuleDraft]:
    """Every recurring deadline (每月21日前报送…) that asks for something to be sent."""
    out: list[RuleDraft] = []
    seen: set[tuple] = set()
    for s in sentences:
        for rule in find_rules(s):
            # The rule ends at its day ("每月21日"); the "前" after it is not part of what is due.
            after = re.sub(r"^(?:之|以)?前", "", s[rule.end : _next_start(s, rule.end, None)])
            if not SUBMIT.search(after):
                continue
            key = (rule.every, rule.days, rule.time)
            if key in seen:
                continue
            seen.add(key)
            found = items(after, s) or (Item("progress_note", _what(after)),)
            out.append(RuleDraft(_covering(rule, after), found, s))
    return out


UNREAD_TIME = re.compile(
    r"每(?:个)?(?:月|周|星期|季度|季|半月|半年|年)|(?:日|号|底|末|初|旬|半年)(?:之|以)?前|定期"
)


def unread_requirements(sentences: list[str], issued: dt.date) -> list[str]:
    """Sentences that ask for something to be sent on a schedule the rules could not read
    (每季度第一个月10日前, 每月上旬前): listed for a person, never silently dropped."""
    out: list[str] = []
    for s in sentences:
        for clause in re.split(r"[，,；;]", s):
            if not SUBMIT.search(clause) or not UNREAD_TIME.search(clause):
                continue
            if find_deadlines(clause, issued) or find_rules(clause):
                continue
            if s not in out:
                out.append(s)
    return out


PREVIOUS = {"month": r"上(?:个)?月", "quarter": r"上(?:个|一)?季度", "week": r"上(?:一)?周"}


def _covering(rule: Rule, after: str) -> Rule:
    """每月2日前报送上月…: the report is on the period before (``covers: previous``); a rule due
    in a quarter's first month that does not say 上季度 is read so too, and marked."""
    said = PREVIOUS.get(rule.every)
    if said and re.match(rf"^[^，。；]*?{said}", after):
        return replace(rule, covers="previous")
    if rule.covers == "previous":
        why = "每季度首月报送，通知未写报哪一季度，按报上季度理解"
        return replace(rule, guess=rule.guess or why)
    return rule


def _next_start(sentence: str, end: int, issued: dt.date | None) -> int:
    """Where the next deadline or rule of a sentence starts: what is due after one deadline
    ends there ("每周三前报送进展情况，11月20日前报送工作总结" asks two different things)."""
    day = issued or dt.date(2000, 1, 1)  # only positions matter here
    starts = [g.start for g in find_deadlines(sentence, day)] + [
        r.start for r in find_rules(sentence)
    ]
    return min((x for x in starts if x >= end), default=len(sentence))


# What is due, by the words circulars use; the order of the clause is kept.
_KINDS = (
    ("statistics", re.compile(r"统计表|情况表|汇总表|登记表|报表")),
    ("typical_cases", re.compile(r"典型案例|案例")),
    ("progress_note", re.compile(r"进展情况|工作进展|进展|工作情况|开展情况")),
    ("summary", re.compile(r"总结")),
    ("photos_video", re.compile(r"图片|视频|照片")),
    ("self_check_report", re.compile(r"书面报告|自查报告|整改报告")),
)
_VERBS = re.compile(r"^(?:请|要|并|于|各[^，。]*?局|分别|将|报送|上报|提交|形成|报)+")


def items(clause: str, sentence: str) -> tuple[Item, ...]:
    """The things a clause asks for: 阶段性工作进展情况、典型案例及工作情况统计表 → three."""
    clause = re.split(r"(?:报市|报区|报县|报省|报上级|抄送|报给|报至|交至|发送至)", clause)[0]
    out: list[Item] = []
    for piece in re.split(r"[、，,；;。]|以及|及|和|与|等", clause):
        phrase = _VERBS.sub("", piece.strip())
        phrase = re.sub(r"[(（][^()（）]*[)）]", "", phrase).strip()
        for kind, pattern in _KINDS:
            if pattern.search(phrase):
                if kind == "self_check_report" and "自查" not in sentence:
                    kind = "progress_note"
                if kind == "progress_note" and re.search(r"统计|表$", phrase):
                    continue
                item = Item(kind, phrase)
                if all(
                    x.kind != kind or (kind == "statistics" and x.phrase != phrase) for x in out
                ):
                    out.append(item)
                break
    return tuple(out)


def _what(after: str) -> str:
    words = re.sub(rf"[^{CJK}]", "", after)
    return words[:20] or "报送材料"
