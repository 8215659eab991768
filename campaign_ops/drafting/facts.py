"""Everything the drafter reads from one circular, settled so it fits the campaign model:
an issue date to resolve years from, phases that do not overlap and cover every deadline,
at least one round. Where a fact had to be settled rather than read, its ``guess`` says why.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from campaign_ops.drafting import heading as hd
from campaign_ops.drafting.dates import arabic, month_end
from campaign_ops.drafting.heading import Got
from campaign_ops.drafting.reading import CJK, clean, lines_of, quote, sentences
from campaign_ops.drafting.schedule import (
    Item,
    PhaseDraft,
    RoundDraft,
    RuleDraft,
    campaign_period,
    dated_rounds,
    every_year,
    phases,
    recurring_rounds,
    unread_requirements,
)
from campaign_ops.rosters import levels_in


@dataclass(frozen=True)
class Facts:
    issued: Got[dt.date]
    number: Got[str] | None
    authority: Got[str] | None
    title: Got[str] | None
    parent: Got[str] | None
    addressed: str
    contacts: list[hd.Contact]
    contacts_text: str
    contacts_guess: str | None
    attachments: list[str]
    attachments_text: str
    phases: list[PhaseDraft]
    rounds: list[RoundDraft]
    rules: list[RuleDraft]
    placeholder_round: str | None  # why a round was made up (the circular sets none)
    unread: list[str]  # sentences asking for reports on a schedule we could not read


def read_facts(text: str) -> Facts:
    """The facts of a circular's text."""
    raw_lines = lines_of(arabic(text))  # as written: contacts are separated by spaces
    text = clean(text)
    lines, sents = lines_of(text), sentences(text)
    issued = hd.issue_date(lines) or _issue_guess(text, sents)
    authority = hd.authority(lines, issued.sentence if not issued.guess else None)
    place = hd.place_of(authority.value) if authority else ""
    contacts, contacts_text, contacts_guess = hd.contacts(raw_lines)
    attachments, attachments_text = hd.attachments(lines)
    found_rounds = dated_rounds(sents, issued.value)
    rules = recurring_rounds(sents)
    period = campaign_period(sents, issued.value)
    settled = settle_phases(phases(sents, issued.value), period, found_rounds, issued.value)
    if issued.guess:  # "即日起" is the issue date, which had to be guessed
        why = "“即日起”即发文日，发文日期是推定的，请一并核实"
        settled = [
            replace(p, guess=p.guess or why) if p.start == issued.value else p for p in settled
        ]
    found_rounds = every_year(found_rounds, settled[0].start, settled[-1].end)
    placeholder = None
    if not found_rounds and not rules:
        end = settled[-1].end
        placeholder = "通知未写报送时限，暂设行动结束日报送工作总结，请按实际要求修改"
        found_rounds = [RoundDraft(end, None, (Item("summary", "工作总结"),), "", "")]
    settled = cover_rounds(settled, found_rounds)
    to = hd.addressees(lines)
    asking = [s for s in sents if levels_in(s)]  # "各乡镇监管所结合工作职责……"
    addressed = to.value if to else (asking[0] if asking else "")
    title = hd.title(lines, sents, place)
    if authority is None and title:
        authority = _authority_from(title)
    return Facts(
        issued=issued,
        number=hd.document_number(lines),
        authority=authority,
        title=title,
        parent=hd.parent_document(sents),
        addressed=addressed,
        contacts=contacts,
        contacts_text=quote(contacts_text),
        contacts_guess=contacts_guess,
        attachments=attachments,
        attachments_text=quote(attachments_text),
        phases=settled,
        rounds=found_rounds,
        rules=rules,
        placeholder_round=placeholder,
        unread=unread_requirements(sents, issued.value),
    )


def _authority_from(title: Got[str]) -> Got[str] | None:
    """A plan printed without its authority: the market regulator of the place in its title."""
    m = re.match(rf"^([{CJK}]{{1,8}}?[省市县区])", title.value)
    if not m:
        return None
    why = f"通知未署发文机关，按标题中的“{m[1]}”拟定为{m[1]}市场监督管理局"
    return Got(f"{m[1]}市场监督管理局", title.sentence, why)


def _issue_guess(text: str, sents: list[str]) -> Got[dt.date]:
    """A circular printed without its date (a reprint, a draft): the first full date it
    names, else the first month its calendar uses in the year it names."""
    for full in re.finditer(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text):
        try:
            day = dt.date(int(full[1]), int(full[2]), int(full[3]))
        except ValueError:  # 2024年13月45日: a typo, not a date
            continue
        why = f"通知未印发文日期，暂取正文提到的第一个日期{full[0]}，请按原件改正"
        return Got(day, _sentence_with(sents, full[0]), why)
    years = hd.years_mentioned(text)
    year = max(set(years), key=years.count) if years else dt.date.today().year
    provisional = dt.date(year, 1, 1)
    dates = [p.end for p in phases(sents, provisional) if p.end]
    dates += [p.start for p in phases(sents, provisional) if p.start != provisional]
    dates += [r.deadline for r in dated_rounds(sents, provisional)]
    first = min(dates, default=provisional)
    day = first.replace(day=1)
    why = (
        f"通知未印发文日期（“即日起”即发文日），暂取{day.year}年{day.month}月{day.day}日"
        f"（年份取正文中的“{year}”，月份取日程中最早的月份），请按原件改正"
    )
    return Got(day, "", why)


def _sentence_with(sents: list[str], words: str) -> str:
    return quote(next((s for s in sents if words in s), ""), words)


def settle_phases(
    named: list[PhaseDraft],
    period: tuple | None,
    rounds: list[RoundDraft],
    issued: dt.date,
) -> list[PhaseDraft]:
    """Phases the model accepts: none before the issue date, an end for an open one, no
    overlaps; one phase for the whole period when the circular names none."""
    deadlines = [r.deadline for r in rounds]
    if not named:
        if period:
            span, sentence = period
            start = max(span.start, issued)
            why = "通知未分阶段，整个行动期间作为一个阶段，可按需要拆分"
            return [PhaseDraft("专项行动", "phase", start, span.end, sentence, why)]
        end = max(deadlines, default=dt.date(issued.year, 12, 31))
        why = f"通知未写行动期间，暂定为发文日至{end.month}月{end.day}日，请按实际修改"
        return [PhaseDraft("专项行动", "phase", issued, end, "", why)]
    out: list[PhaseDraft] = []
    for p in sorted(named, key=lambda p: p.start):
        if p.start < issued <= (p.end or issued):
            p = replace(p, start=issued)  # "2024年5月至12月", issued 5月28日: from the issue date
        if p.end is None:
            end = max(
                [d for d in deadlines if d >= p.start],
                default=month_end(p.start.year, p.start.month),
            )
            why = f"原文只写了开始日期，未写结束日期，暂取{end.month}月{end.day}日"
            p = replace(p, end=end, guess=why)
        if out and p.start <= out[-1].end:
            before = out[-1]
            cut = p.start - dt.timedelta(days=1)
            if cut < before.start:
                continue
            why = (
                f"原文“{before.name}”与“{p.name}”时间重叠，阶段不能重叠，"
                f"“{before.name}”暂截至{cut.month}月{cut.day}日"
            )
            out[-1] = replace(before, end=cut, guess=why)
        out.append(p)
    return out


def cover_rounds(settled: list[PhaseDraft], rounds: list[RoundDraft]) -> list[PhaseDraft]:
    """Stretch the first or last phase so every deadline falls within the campaign."""
    if not rounds:
        return settled
    first, last = min(r.deadline for r in rounds), max(r.deadline for r in rounds)
    out = list(settled)
    if last > out[-1].end:
        why = f"报送时限{last.month}月{last.day}日晚于原文阶段的结束日期，阶段延至该日"
        out[-1] = replace(out[-1], end=last, guess=why)
    if first < out[0].start:
        why = f"报送时限{first.month}月{first.day}日早于原文阶段的开始日期，阶段提前至该日"
        out[0] = replace(out[0], start=first, guess=why)
    return out
