"""The date grammar of circulars: a small rule set of our own, one rule per phrase shape.

Circulars rarely write a full date. "5月10日前" belongs to the year of the issue date, unless
the month is before the issue month (a circular issued in November asking for "3月10日前" means
next March); "即日起" is the issue date; "10月底" is the month's last day; "2024年5月至12月"
spans whole months; "每月21日前" is a recurring rule, not a date. Chinese numerals
(二〇二四年十一月十二日) are made Arabic first with cn2an, only where they are part of a date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import cn2an

CN_DIGITS = "〇零○一二三四五六七八九十两"
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

# A point in time as circulars write it: 即日, 2024年5月10日, 5月10日, 10月底, 2024年5月, 2025年.
POINT = r"(?:即日|(?:\d{4}年)?\d{1,2}月(?:\d{1,2}[日号]|底|末)?|\d{4}年(?:底|末)?)"
# A deadline: a day or a month's end, optionally with its year and a clock time.
DAY = r"(?:\d{4}年)?\d{1,2}月(?:\d{1,2}[日号]|底|末)"
WEEKDAY_NOTE = r"(?:\s*[(（](?:星期|周)[一二三四五六日天][)）])?"  # 11月15日（周五）
CLOCK = (
    r"(?:\s*(?:上午|中午|下午|晚上)?\s*"
    r"(?:\d{1,2}[:：]\d{2}|\d{1,2}[时点](?:\d{1,2}分|半|整)?))"
)
DEADLINES = re.compile(
    rf"(?P<days>{DAY}{WEEKDAY_NOTE}(?:\s*[、和及,，]\s*{DAY}{WEEKDAY_NOTE})*)"
    rf"(?P<clock>{CLOCK})?\s*(?:之前|以前|前)"
)
RANGE = re.compile(
    rf"(?P<start>{POINT})\s*起?\s*(?:至|到|—|–|-|~|～)\s*(?P<end>{POINT})?\s*(?:止|结束)?"
)
_POINT_PARTS = re.compile(
    r"^(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?:(?P<d>\d{1,2})[日号]|(?P<end>底|末))?$"
)


def arabic(text: str) -> str:
    """The text with full-width digits and the Chinese numerals of dates made Arabic:
    二〇二四年十一月十二日 → 2024年11月12日 (other numerals, 十九届 or 一是, stay as they are)."""
    text = text.translate(_FULLWIDTH)
    text = re.sub(
        r"([〇零○一二三四五六七八九]{4})(?=年)",
        lambda m: str(cn2an.cn2an(m.group(1).replace("○", "〇"), "direct")),
        text,
    )
    text = re.sub(
        rf"(?<![{CN_DIGITS}])([{CN_DIGITS}]{{1,3}})(?=月|日|号)",
        lambda m: _small(m.group(1)),
        text,
    )
    # a clock time only right after a day (十二日十七时三十分), so "三点要求" stays as written
    text = re.sub(
        rf"(?<=[日号午上)）])([{CN_DIGITS}]{{1,3}})(?=[时点])",
        lambda m: _small(m.group(1), 23),
        text,
    )
    return re.sub(
        rf"(?<=\d[时点])([{CN_DIGITS}]{{1,3}})(?=分)", lambda m: _small(m.group(1), 59), text
    )


def _small(numeral: str, most: int = 31) -> str:
    try:
        value = int(cn2an.cn2an(numeral.replace("两", "二"), "smart"))
    except (ValueError, KeyError):
        return numeral
    return str(value) if 0 <= value <= most else numeral


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month (X月底)."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def year_for(month: int, issued: dt.date) -> int:
    """The year of a month written without one: the issue year, or the next year for a month
    before the issue month."""
    return issued.year + (1 if month < issued.month else 0)


@dataclass(frozen=True)
class Point:
    """A parsed point: the first and last day it can mean (a month spans its days)."""

    first: dt.date
    last: dt.date
    year_given: bool


def parse_point(text: str, issued: dt.date, year: int | None = None) -> Point | None:
    """One point: 即日 (the issue date), 5月10日, 10月底, 2024年5月, 2025年; ``year`` is the
    year to use when the text has none (the start of a range gives it to its end)."""
    text = text.strip()
    if text in ("即日", "即日起"):
        return Point(issued, issued, True)
    m = _POINT_PARTS.match(text.rstrip("起"))
    if not m or not (m["y"] or m["m"]):
        return None
    month = int(m["m"]) if m["m"] else None
    if m["y"]:
        y = int(m["y"])
    elif month is not None:
        y = year if year is not None else year_for(month, issued)
    else:
        return None
    try:
        if month is None:
            return Point(dt.date(y, 1, 1), dt.date(y, 12, 31), bool(m["y"]))
        if m["d"]:
            day = dt.date(y, month, int(m["d"]))
            return Point(day, day, bool(m["y"]))
        end = month_end(y, month)
        return Point(end if m["end"] else dt.date(y, month, 1), end, bool(m["y"]))
    except ValueError:
        return None


@dataclass(frozen=True)
class Span:
    """A period: a phase's or the whole campaign's. ``end`` is None for 10月7日至 (open)."""

    start: dt.date
    end: dt.date | None


def parse_span(text: str, issued: dt.date) -> Span | None:
    """A period as circulars write it: 即日起至5月31日, 8月21日至10月6日, 2024年5月至12月,
    6月—11月, 10月07日至 (no end), 11月 or 2025年 (a whole month or year)."""
    text = arabic(text).strip().strip("()（）")
    text = re.sub(r"^(?:从|自|于)", "", text)
    m = RANGE.fullmatch(text)
    if m:
        start = parse_point(m["start"], issued)
        if start is None:
            return None
        if not m["end"]:
            return Span(start.first, None)
        end = parse_point(m["end"], issued, year=_end_year(m["start"], m["end"], start))
        return Span(start.first, end.last) if end and end.last >= start.first else None
    point = parse_point(text.removesuffix("起"), issued)
    return Span(point.first, point.last) if point else None


def _end_year(start_text: str, end_text: str, start: Point) -> int | None:
    """The end of 2024年5月至12月 is in the start's year (or the next, for 11月至2月)."""
    if re.match(r"\d{4}年", end_text) or start_text.startswith("即日"):
        return None
    end_month = re.match(r"(\d{1,2})月", end_text)
    if not end_month:
        return None
    month = int(end_month.group(1))
    return start.first.year + (1 if month < start.first.month else 0)


@dataclass(frozen=True)
class DeadlineGroup:
    """The deadlines of one "…前" phrase (5月10日、7月10日前 → two) and where it stands."""

    dates: tuple[dt.date, ...]
    time: str | None
    start: int
    end: int
    text: str


def find_deadlines(sentence: str, issued: dt.date) -> list[DeadlineGroup]:
    """Every "…前" deadline phrase of a sentence (already ``arabic``): a list of days shares one
    year rule; a day without a year after one with a year keeps that year."""
    groups = []
    for m in DEADLINES.finditer(sentence):
        dates: list[dt.date] = []
        year: int | None = None
        for piece in re.findall(DAY, m["days"]):
            if re.match(r"\d{4}年", piece):
                year = int(piece[:4])
            elif year is not None and dates:
                month = int(re.match(r"(\d{1,2})月", piece).group(1))
                year = dates[-1].year + (1 if month < dates[-1].month else 0)
            point = parse_point(piece, issued, year=year)
            if point:
                dates.append(point.last)
        if dates:
            groups.append(DeadlineGroup(tuple(dates), clock(m["clock"]), m.start(), m.end(), m[0]))
    return groups


def clock(text: str | None) -> str | None:
    """15:00, 15：00, 15时, 9点30分, 下午5点半 → "HH:MM"; None when absent or not a time."""
    if not text:
        return None
    m = re.search(r"(\d{1,2})(?:[:：](\d{2})|[时点](?:(\d{1,2})分|(半))?)", text)
    if not m:
        return None
    hour, minute = int(m[1]), int(m[2] or m[3] or (30 if m[4] else 0))
    if re.search(r"下午|晚上", text) and hour < 12:  # 下午5点 is 17:00
        hour += 12
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}


@dataclass(frozen=True)
class Rule:
    """A recurring deadline (每月21日前): the ``every``/``days``/``time`` of a recurring round.
    ``guess`` says why a person must check it (每半月 names no days)."""

    every: str  # week | half_month | month | quarter
    days: tuple[int | str, ...]
    time: str | None
    start: int
    end: int
    text: str
    guess: str | None = None
    covers: str = "current"  # previous: 每月2日前报上月, 每季度首月10日前报上季度


_DAYS = r"\d{1,2}[日号](?:\s*[、和及,，]\s*\d{1,2}[日号])*"
RULES = (
    ("half_month", re.compile(rf"每半(?:个)?月(?:(?P<days>{_DAYS})|(?P<end>末|底))?")),
    ("quarter", re.compile(rf"每(?:个)?季度(?:首月|第一个月|初)(?P<first>{_DAYS})")),
    (
        "quarter",
        re.compile(rf"每(?:个)?季度(?:(?:末|最后一个月)(?P<days>{_DAYS})?|(?P<end>末|底))"),
    ),
    ("month", re.compile(rf"每(?:个)?月(?:(?P<days>{_DAYS})|(?P<end>末|底))")),
    ("week", re.compile(r"每(?:周|星期)(?P<wd>[一二三四五六日天])")),
)


def find_rules(sentence: str) -> list[Rule]:
    """Every recurring deadline of a sentence (already ``arabic``): 每月21日前, 每月13日、28日前,
    每季度末, 每周三15:00前, 每半月."""
    found: list[Rule] = []
    taken: list[range] = []
    for every, pattern in RULES:
        for m in pattern.finditer(sentence):
            if any(m.start() in r for r in taken):
                continue
            taken.append(range(m.start(), m.end()))
            tail = re.match(rf"{CLOCK}?", sentence[m.end() :])
            time = clock(tail.group(0)) if tail else None
            end = m.end() + (len(tail.group(0)) if tail else 0)
            days, guess = _rule_days(every, m)
            covers = "current"
            if m.groupdict().get("first"):  # due in the next quarter's first month
                covers = "previous"
            text = sentence[m.start() : end]
            found.append(Rule(every, days, time, m.start(), end, text, guess, covers))
    return sorted(found, key=lambda r: r.start)


def _rule_days(every: str, m: re.Match) -> tuple[tuple[int | str, ...], str | None]:
    g = m.groupdict()
    if every == "week":
        return (WEEKDAYS[g["wd"]],), None
    if g.get("days") or g.get("first"):
        return tuple(int(d) for d in re.findall(r"\d{1,2}", g.get("days") or g["first"])), None
    if g.get("end") or every == "quarter":
        return ("last",), None
    return (15, "last"), "通知只写“每半月”，未写具体日期，暂按每月15日和月末"
