"""The Chinese summary of a draft: what was found (counts and dates) and the list of what a
person must check, in the words ops staff use."""

from __future__ import annotations

import datetime as dt

from campaign_ops.drafting.facts import Facts
from campaign_ops.drafting.forms import Due
from campaign_ops.drafting.reading import quote
from campaign_ops.drafting.units import UnitsDraft
from campaign_ops.vocabulary import TO_VERIFY


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def summary_zh(
    facts: Facts,
    units: UnitsDraft,
    rounds: list[tuple[str, list[Due]]],
    guesses: list[tuple[str, str]],
    campaign_id: str,
) -> str:
    """What was found and what needs a person (``guesses``: YAML path, why)."""
    out = [f"起草结果：专项行动 {campaign_id}"]
    title = facts.title.value if facts.title else "（未找到标题）"
    out.append(f"  标题：{title}")
    who = facts.authority.value if facts.authority else "（未找到发文机关）"
    number = facts.number.value if facts.number else "无"
    out.append(f"  发文机关：{who}；文号：{number}；发文日期：{_day(facts.issued.value)}")
    if facts.parent:
        out.append(f"  依据文件：{facts.parent.value}")
    out.append(f"  阶段 {len(facts.phases)} 个：")
    for p in facts.phases:
        out.append(f"    {p.name}：{_day(p.start)}—{_day(p.end)}")
    if facts.placeholder_round:
        out.append(f"  报送轮次：通知未写报送时限，暂设 1 个（{TO_VERIFY}）：")
    else:
        out.append(f"  报送轮次 {len(facts.rounds)} 个，按周期报送 {len(facts.rules)} 项：")
    for title_, dues in rounds:
        out.append(f"    {title_}（{len(dues)} 项材料）")
    if units.roster:
        levels = "、".join(units.levels) if units.levels else "全部层级"
        out.append(f"  报送单位：名册 {units.roster}（{levels}）共 {units.count} 个")
    else:
        out.append("  报送单位：未指定名册，暂列 1 个占位单位")
    out.append(f"  通知联系人 {len(facts.contacts)} 人；附件 {len(facts.attachments)} 个")
    for k, name in enumerate(facts.attachments, 1):
        out.append(f"    附件{k}：{name}")
    out.append("")
    if guesses:
        out.append(f"需要人工核实的 {len(grouped(guesses))} 处（YAML 中标有“# {TO_VERIFY}”）：")
        for k, (paths, why) in enumerate(grouped(guesses), 1):
            out.append(f"  {k}. {'、'.join(paths)}：{why}")
    else:
        out.append("没有需要人工核实的项。")
    if facts.unread:
        out.append(f"以下 {len(facts.unread)} 句要求报送，但时限未能识别，请补写轮次：")
        out += [f"  “{quote(sentence)}”" for sentence in facts.unread]
    return "\n".join(out)


def grouped(guesses: list[tuple[str, str]]) -> list[tuple[list[str], str]]:
    """One line per reason: the same guess in four rounds is one thing to check."""
    by_reason: dict[str, list[str]] = {}
    for path, why in guesses:
        paths = by_reason.setdefault(why, [])
        if path not in paths:
            paths.append(path)
    return [(paths, why) for why, paths in by_reason.items()]
