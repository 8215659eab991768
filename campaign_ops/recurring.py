"""Recurring rounds: "每月21日前报送", "每周三15:00前", "每季度末", "每半月" written once as a rule.

A rule is an item of ``rounds:`` with ``every`` instead of ``deadline``. It is expanded into
ordinary dated rounds with stable ids (``m2024-05``) when the campaign loads, so the timeline,
reminders, reports, intake and the board see plain rounds and never a rule. A day the month
does not have (31 in June) is that month's last day: circulars that say "每月31日前" mean the
month's end, and skipping a month would silently drop a report.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationError, field_validator, model_validator

from campaign_ops.rounds import Deliverable, Round
from campaign_ops.specfile import Loc, Problem, position
from campaign_ops.units import ClockTime, Code, Strict

Every = Literal["week", "half_month", "month", "quarter"]
DayOfMonth = Annotated[int, Field(ge=1, le=31)]
RulePrefix = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=20)]

EVERY_LABELS = {"week": "每周", "half_month": "每半月", "month": "每月", "quarter": "每季度"}
PREVIOUS_LABELS = {"week": "周", "half_month": "半月", "month": "月", "quarter": "季度"}
WEEKDAYS = "一二三四五六日"
QUARTERS = "一二三四"
MAX_ROUNDS_PER_RULE = 200  # three years of weekly reports (157) fit; more is a mistake in the rule
DEFAULT_TIME: str = Round.model_fields["deadline_time"].default

# The field of a rule that decides each field of the rounds it expands into.
ROUND_FIELD_SOURCE = {"deadline": "days", "deadline_time": "time"}


class RecurringRound(Strict):
    """A rule that stands for many rounds: when (``every``, ``days``, ``time``, ``from``–``until``)
    and what is due (``deliverables``, ``units``, ``cumulative`` exactly as in a dated round)."""

    every: Every
    id: RulePrefix = Field(description="展开后轮次编号的前缀，例如 m → m2024-05")
    title: str = Field(description="展开后的标题前加期间，例如 2024年5月月度统计表")
    days: tuple[DayOfMonth | Literal["last"], ...] | None = Field(
        default=None,
        description="每月/每季度/每半月：几号（last=月末；每季度指季末月）；每周：星期几（1=周一…7=周日）",
    )
    time: ClockTime = DEFAULT_TIME
    from_: dt.date | None = Field(default=None, alias="from", description="缺省为行动开始日期")
    until: dt.date | None = Field(default=None, description="缺省为行动结束日期")
    deliverables: tuple[Deliverable, ...] = Field(min_length=1)
    covers: Literal["current", "previous"] = Field(
        default="current",
        description="current：报本期（每月21日报本月）；previous：报上一期（每月2日前报上月）",
    )
    units: tuple[Code, ...] | None = None
    cumulative: bool = True

    @field_validator("days")
    @classmethod
    def _distinct(cls, v: tuple | None) -> tuple | None:
        if v is not None and len(set(v)) != len(v):
            raise ValueError("days 中有重复的日子，请删去重复项")
        return v

    @model_validator(mode="after")
    def _days_fit_every(self) -> RecurringRound:
        days = self.days
        if self.every == "week":
            if not days:
                raise ValueError("每周报送要用 days 写明星期几（1=周一 … 7=周日），例如 days: [3]")
            if any(d == "last" or not 1 <= d <= 7 for d in days):
                raise ValueError(
                    f"每周报送的 days 是星期几，只能是 1～7（1=周一 … 7=周日），现在是 {list(days)}"
                )
        elif self.every == "half_month" and self.covers == "previous":
            raise ValueError("每半月报送按上、下半月各报本期，不能写 covers: previous，请删去")
        elif self.every == "half_month" and days is not None and len(days) != 2:
            raise ValueError(
                '每半月报送要在 days 写两个日子（上半月、下半月各一个），例如 days: [15, "last"]'
            )
        elif days is not None and not days:
            raise ValueError('days 不能为空；月末请写 days: ["last"]')
        return self

    @property
    def day_list(self) -> tuple[int | Literal["last"], ...]:
        """The days as written, or the default of ``every``: month/quarter end, 15th and end."""
        if self.days:
            return tuple(sorted(self.days, key=lambda d: 99 if d == "last" else d))
        return (15, "last") if self.every == "half_month" else ("last",)

    @property
    def phrase(self) -> str:
        """The rule as a circular says it: 每月21日15:00前, 每周三18:00前, 每季度末18:00前,
        每月2日18:00前（报上月）."""
        if self.covers == "previous":
            return f"{self._when}（报上{PREVIOUS_LABELS[self.every]}）"
        return self._when

    @property
    def _when(self) -> str:
        days = self.day_list
        if self.every == "week":
            when = "、".join(f"周{WEEKDAYS[int(d) - 1]}" for d in days)
            return f"每{when}{self.time}前"
        named = "、".join("月末" if d == "last" else f"{d}日" for d in days)
        if self.every == "quarter" and self.covers == "previous":
            return f"每季度首月{named}{self.time}前"
        if self.every == "quarter":
            named = "末" if days == ("last",) else f"末月{named}"
            return f"每季度{named}{self.time}前"
        if self.every == "half_month":
            return f"每半月（{named}）{self.time}前"
        return f"每{'月末' if days == ('last',) else '月' + named}{self.time}前"

    def deadlines(self, start: dt.date, end: dt.date) -> list[Expanded]:
        """Every dated round of the rule within ``from``–``until`` (default: ``start``–``end``)."""
        first, last = self.from_ or start, self.until or end
        return [e for e in self._candidates(first, last) if first <= e.deadline <= last]

    def _candidates(self, first: dt.date, last: dt.date) -> Iterator[Expanded]:
        """Each period's deadlines; with ``covers: previous`` a period's report falls due in
        the period after it (the days are then days of that next month, of the next quarter's
        first month, or weekdays of the next week)."""
        if self.every == "week":
            yield from self._weekly(first, last)
            return
        later = self.covers == "previous"
        several = len(self.day_list) > 1 and self.every != "half_month"
        step = 3 if self.every == "quarter" else 1
        for year, month in _months(_shift(first, -step), last):
            if self.every == "quarter" and month % 3:
                continue
            if later and _day_in(year, month, "last") < first:
                continue  # a period wholly before the rule starts is nobody's to report on
            due_year, due_month = _add_months(year, month, 1) if later else (year, month)
            for n, day in enumerate(self.day_list):
                date = _day_in(due_year, due_month, day)
                if self.every == "quarter":
                    q = month // 3
                    rid, period = f"{year}-{q}", f"{year}年第{QUARTERS[q - 1]}季度"
                elif self.every == "half_month":
                    rid = f"{year}-{month:02d}{'ab'[n]}"
                    period = f"{year}年{month}月{'上下'[n]}半月"
                else:
                    rid, period = f"{year}-{month:02d}", f"{year}年{month}月"
                if several:
                    rid, period = f"{rid}-{date.day:02d}", f"{period}（{date.day}日）"
                yield Expanded(f"{self.id}{rid}", f"{period}{self.title}", date)

    def _weekly(self, first: dt.date, last: dt.date) -> Iterator[Expanded]:
        several = len(self.day_list) > 1
        later = 7 if self.covers == "previous" else 0
        monday = first - dt.timedelta(days=first.weekday() + later)
        while monday <= last:
            year, week, _ = monday.isocalendar()
            if later and monday + dt.timedelta(days=6) < first:
                monday += dt.timedelta(days=7)
                continue
            for weekday in self.day_list:
                date = monday + dt.timedelta(days=later + int(weekday) - 1)
                rid, period = f"{year}-{week:02d}", f"{year}年第{week}周"
                if several:
                    rid, period = f"{rid}-{weekday}", f"{period}（周{WEEKDAYS[int(weekday) - 1]}）"
                yield Expanded(f"{self.id}{rid}", f"{period}{self.title}", date)
            monday += dt.timedelta(days=7)

    def round_data(self, e: Expanded) -> dict:
        """One expanded round as a dated round's data (validated like any written round)."""
        data: dict = {
            "id": e.id,
            "title": e.title,
            "deadline": e.deadline,
            "deadline_time": self.time,
            "deliverables": [d.model_dump(exclude_defaults=True) for d in self.deliverables],
            "cumulative": self.cumulative,
            "rule": self.phrase,
        }
        if self.units is not None:
            data["units"] = list(self.units)
        return data


@dataclass(frozen=True)
class Expanded:
    """One deadline of a rule: the round id, its title with the period, its date."""

    id: str
    title: str
    deadline: dt.date


def _months(first: dt.date, last: dt.date) -> Iterator[tuple[int, int]]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + n
    return index // 12, index % 12 + 1


def _shift(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` away from ``day``'s month."""
    year, month = _add_months(day.year, day.month, months)
    return dt.date(year, month, 1)


def _day_in(year: int, month: int, day: int | str) -> dt.date:
    """The day of the month, or the month's last day for "last" and for days it lacks."""
    end = calendar.monthrange(year, month)[1]
    return dt.date(year, month, end if day == "last" else min(int(day), end))


def is_rule(item: object) -> bool:
    """Whether a ``rounds:`` item is a recurring rule rather than a dated round."""
    return isinstance(item, dict) and "every" in item


# ---- expansion of a campaign's rounds ------------------------------------------------------


@dataclass
class RoundsExpansion:
    """The rounds as dated rounds, the problems of the rules (at the rule's place in the file)
    and, for each expanded round, the index of the rule it came from."""

    rounds: list
    problems: list[Problem]
    origin: dict[int, int]


def expand_rounds(
    items: list, period: tuple[dt.date, dt.date] | None, raw: dict
) -> RoundsExpansion:
    """Every item of ``rounds:`` with the rules replaced by their dated rounds. ``period`` is
    the campaign's first and last day (None while the phases are broken: rules then wait)."""
    out: list = []
    problems: list[Problem] = []
    origin: dict[int, int] = {}
    written = {
        x.get("id"): i for i, x in enumerate(items) if isinstance(x, dict) and not is_rule(x)
    }
    taken: dict[str, int] = {}
    for i, item in enumerate(items):
        if not is_rule(item):
            out.append(item)
            continue
        rule, found = _validate(item, ("rounds", i))
        problems += found
        if rule is None or period is None:
            continue
        dates, found = _rule_problems(rule, i, period)
        problems += found
        if found:
            continue
        for e in dates:
            other = written.get(e.id, taken.get(e.id))
            if other is not None:
                where = position(("rounds", other), raw)
                text = (
                    f"展开出的轮次编号 {e.id} 与 {where} 重复，请给这条周期规则换一个 id 前缀"
                    f"（现在是 {rule.id}）"
                )
                problems.append(Problem(("rounds", i, "id"), text, 1))
                break
            taken[e.id] = i
            origin[len(out)] = i
            out.append(rule.round_data(e))
    return _by_deadline(RoundsExpansion(out, problems, origin))


def _by_deadline(exp: RoundsExpansion) -> RoundsExpansion:
    """Rounds in deadline order (the order lists and tables show them in), when every
    deadline is a date; else as written, so a broken date is reported where it stands."""
    keys = []
    for item in exp.rounds:
        value = item.get("deadline") if isinstance(item, dict) else None
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            return exp
        keys.append(day)
    order = sorted(range(len(exp.rounds)), key=lambda k: keys[k])
    origin = {new: exp.origin[old] for new, old in enumerate(order) if old in exp.origin}
    return RoundsExpansion([exp.rounds[k] for k in order], exp.problems, origin)


def _validate(item: dict, at: Loc) -> tuple[RecurringRound | None, list[Problem]]:
    from campaign_ops.campaign_errors import explain_all

    if "deadline" in item:
        text = (
            "周期轮次（写了 every）不写 deadline：截止日由 days 和 time 决定；"
            "只报一次的轮次请删除 every"
        )
        return None, [Problem((*at, "deadline"), text)]
    try:
        return RecurringRound.model_validate(item), []
    except ValidationError as exc:
        found = explain_all(exc.errors(include_url=False), RecurringRound)
        out: dict[Loc, Problem] = {}
        for p in found:
            loc = p.loc
            if loc[:1] == ("days",) and len(loc) > 2:  # one line for "a day or last"
                given = item["days"][loc[1]]
                text = f"现在是“{given}”，报送日只能是 1～31 的日子或 last（月末）；每周是 1～7"
                p = Problem(loc[:2], text, p.stage)
            out.setdefault((*at, *p.loc), Problem((*at, *p.loc), p.text, p.stage))
        return None, list(out.values())


def _rule_problems(
    rule: RecurringRound, i: int, period: tuple[dt.date, dt.date]
) -> tuple[list[Expanded], list[Problem]]:
    """A rule that contradicts itself or the campaign: its dates, and what is wrong."""
    start, end = period
    where = ("rounds", i)
    span = f"行动期间 {start}～{end}（由 phases 决定）"
    problems = []
    if rule.from_ and rule.until and rule.from_ > rule.until:
        text = f"起始日期 {rule.from_} 晚于结束日期 until {rule.until}，请改正其中一个"
        problems.append(Problem((*where, "from"), text, 2))
    for key, day in (("from", rule.from_), ("until", rule.until)):
        if day is not None and not start <= day <= end:
            text = f"{day} 不在{span}内，请改到期间之内，或删去 {key} 以采用行动的起止日期"
            problems.append(Problem((*where, key), text, 2))
    if problems:
        return [], problems
    dates = rule.deadlines(start, end)
    label = EVERY_LABELS[rule.every]
    if not dates:
        span = f"{rule.from_ or start}～{rule.until or end}"
        text = f"这条{label}规则在 {span} 内没有截止日期，请检查 days、from 和 until"
        return [], [Problem((*where, "days"), text, 2)]
    if len(dates) > MAX_ROUNDS_PER_RULE:
        text = (
            f"这条{label}规则展开后有 {len(dates)} 轮，超过 {MAX_ROUNDS_PER_RULE} 轮的上限，"
            "请检查 every 和 days 是否写错，或用 from/until 缩短期间"
        )
        return [], [Problem((*where, "every"), text, 2)]
    seen: set[dt.date] = set()
    for e in dates:
        if e.deadline in seen:
            text = (
                f"days 中有两个日子在 {e.deadline.year}年{e.deadline.month}月 都落在 {e.deadline}"
                "（该月没有的日子按月末算），同一天只报一次，请删去其中一个"
            )
            return [], [Problem((*where, "days"), text, 2)]
        seen.add(e.deadline)
    return dates, []
