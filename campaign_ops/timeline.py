"""Every dated event of a campaign, derived from its YAML and China's working-day calendar.

The timeline is the only place that turns a circular's dates into moments the system acts on:
the remind DAG is scheduled at ``reminder_moments``, the consolidate DAG at ``report_moments``,
and ``campaign-ops timeline`` prints the same list for people. Reminders never fall on a
weekend or public holiday (China's adjusted working days, from the ``holidays`` package); a
deadline on a non-working day is kept as the circular says and flagged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from campaign_ops.campaign import Campaign, Round

EventKind = Literal["phase_start", "phase_end", "deadline", "reminder", "report"]

# Order of events on the same day and time: a phase opens before anything happens in it,
# and closes after everything else of that day.
_KIND_ORDER = {"phase_start": 0, "reminder": 1, "deadline": 2, "report": 3, "phase_end": 4}


@dataclass(frozen=True)
class Event:
    """One dated thing on a campaign's calendar."""

    date: dt.date
    time: str | None
    kind: EventKind
    title: str
    round: str | None = None
    deliverables: list[str] | None = None
    phase: str | None = None
    purpose: str | None = None  # reminders: notice, phase, before, overdue; reports: round, final
    days: int | None = None  # reminders: days before (positive) or working days overdue
    non_working_day: str | None = None  # e.g. "国庆节" / "周六" when a deadline falls on one

    def at(self, tz: str) -> dt.datetime:
        """The moment this event happens, timezone-aware (midnight when it has no time)."""
        hh, mm = (int(x) for x in (self.time or "00:00").split(":"))
        return dt.datetime.combine(self.date, dt.time(hh, mm), tzinfo=ZoneInfo(tz))

    def as_json(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        return {k: v for k, v in data.items() if v is not None or k in ("time",)}


# ---- working days ------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _calendar(years: tuple[int, ...]):
    import holidays

    return holidays.country_holidays("CN", years=years, language="zh_CN")


def _cal(day: dt.date):
    return _calendar((day.year - 1, day.year, day.year + 1))


@lru_cache(maxsize=8192)
def is_working_day(day: dt.date) -> bool:
    """A day Chinese offices work, including weekend days made working by holiday swaps."""
    return _cal(day).is_working_day(day)


def why_not_working(day: dt.date) -> str | None:
    """The holiday's Chinese name or the weekday, when ``day`` is not a working day."""
    if is_working_day(day):
        return None
    name = _cal(day).get(day)
    if not name:
        return "周六" if day.weekday() == 5 else "周日"
    name = str(name).split(";")[0]
    if "调休" in name:  # a swapped rest day: name the holiday it belongs to
        for delta in range(1, 8):
            for near in (day - dt.timedelta(days=delta), day + dt.timedelta(days=delta)):
                holiday = _cal(near).get(near)
                if holiday and "调休" not in holiday:
                    base = str(holiday).split(";")[0].split("（")[0]
                    return f"{base}假期（调休休息日）"
    return name


def previous_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after ``day`` (n=0: ``day`` itself if working, else the next)."""
    if n == 0:
        while not is_working_day(day):
            day += dt.timedelta(days=1)
        return day
    count = 0
    while count < n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return day


# ---- the timeline ------------------------------------------------------------------------


@dataclass
class Timeline:
    campaign: Campaign
    events: list[Event] = field(default_factory=list)

    def of_kind(self, *kinds: EventKind) -> list[Event]:
        return [e for e in self.events if e.kind in kinds]

    def moments(self, *kinds: EventKind) -> list[dt.datetime]:
        """Distinct timezone-aware moments of the given kinds, sorted (DAG schedules)."""
        tz = self.campaign.timezone
        return sorted({e.at(tz) for e in self.of_kind(*kinds)})

    def reminder_moments(self) -> list[dt.datetime]:
        """When the remind DAG runs: mobilization notice, phase notices, reminders."""
        return self.moments("reminder")

    def report_moments(self) -> list[dt.datetime]:
        return self.moments("report")

    def events_at(self, moment: dt.datetime) -> list[Event]:
        tz = self.campaign.timezone
        return [e for e in self.events if e.time and e.at(tz) == moment]

    def as_json(self) -> list[dict]:
        return [e.as_json() for e in self.events]


def build_timeline(campaign: Campaign) -> Timeline:
    events: list[Event] = []
    events += _phase_events(campaign)
    for round_ in campaign.rounds:
        events.append(_deadline(round_))
        events += _pre_deadline_reminders(campaign, round_)
        events += _overdue_reminders(campaign, round_)
    events += _report_events(campaign)
    events.sort(key=lambda e: (e.date, e.time or "", _KIND_ORDER[e.kind], e.round or ""))
    return Timeline(campaign, events)


def _phase_events(c: Campaign) -> list[Event]:
    send_at = c.reminders.send_at
    out: list[Event] = []
    first = min(c.phases, key=lambda p: p.start)
    for p in sorted(c.phases, key=lambda p: p.start):
        label = "年度阶段" if p.kind == "stage" else "阶段"
        out.append(Event(p.start, None, "phase_start", f"{label}开始：{p.name}", phase=p.id))
        out.append(Event(p.end, None, "phase_end", f"{label}结束：{p.name}", phase=p.id))
        # The notice goes out at the first working moment of the phase.
        notice_day = add_working_days(p.start, 0)
        if p is first:
            title = f"动员部署通知：印发《{c.display_title}》日程及报表模板"
            purpose = "notice"
        else:
            title = f"阶段转换通知：进入“{p.name}”"
            purpose = "phase"
        out.append(Event(notice_day, send_at, "reminder", title, phase=p.id, purpose=purpose))
    return out


def _deadline(r: Round) -> Event:
    return Event(
        r.deadline,
        r.deadline_time,
        "deadline",
        f"报送截止：{r.title}",
        round=r.id,
        deliverables=[d.label for d in r.deliverables],
        non_working_day=why_not_working(r.deadline),
    )


def _round_opens(c: Campaign, r: Round) -> dt.date:
    """A round's reminders start after the campaign starts and after the previous deadline."""
    earlier = [x.deadline for x in c.rounds if x.deadline < r.deadline]
    return max([c.start, *[d + dt.timedelta(days=1) for d in earlier]])


def _pre_deadline_reminders(c: Campaign, r: Round) -> list[Event]:
    policy = c.reminders
    opens = _round_opens(c, r)
    seen: set[dt.date] = set()
    out: list[Event] = []
    for days in policy.before_days:
        day = r.deadline - dt.timedelta(days=days)
        if policy.working_days_only:
            day = previous_working_day(day)
        if day < opens or day in seen or day >= r.deadline:
            continue
        seen.add(day)
        out.append(
            Event(
                day,
                policy.send_at,
                "reminder",
                f"催报提醒：距“{r.title}”截止还有 {(r.deadline - day).days} 天",
                round=r.id,
                deliverables=[d.label for d in r.deliverables],
                purpose="before",
                days=(r.deadline - day).days,
            )
        )
    return out


def _overdue_reminders(c: Campaign, r: Round) -> list[Event]:
    policy = c.reminders
    out: list[Event] = []
    for i in range(1, policy.overdue_max_reminders + 1):
        n = i * policy.overdue_every_working_days
        day = add_working_days(r.deadline, n)
        escalate = n >= policy.escalate_after_working_days
        title = f"逾期催报：“{r.title}”已逾期 {n} 个工作日"
        if escalate:
            title += "（抄送分管领导）"
        out.append(
            Event(
                day,
                policy.send_at,
                "reminder",
                title,
                round=r.id,
                deliverables=[d.label for d in r.deliverables],
                purpose="overdue",
                days=n,
            )
        )
    return out


def _report_events(c: Campaign) -> list[Event]:
    policy = c.reports
    out = [
        Event(
            add_working_days(r.deadline, policy.after_deadline_working_days),
            policy.send_at,
            "report",
            f"汇总报告：{r.title}",
            round=r.id,
            purpose="round",
        )
        for r in c.rounds
    ]
    out += [
        Event(add_working_days(d, 0), policy.send_at, "report", "汇总报告（加报）", purpose="extra")
        for d in policy.extra_dates
    ]
    if policy.final_summary:
        out.append(
            Event(
                add_working_days(c.end, 1),
                policy.send_at,
                "report",
                f"行动总结汇总：{c.display_title}",
                purpose="final",
            )
        )
    return out


def escalates(campaign: Campaign, overdue_working_days: int) -> bool:
    """Whether an overdue reminder this late copies the unit's leader."""
    return overdue_working_days >= campaign.reminders.escalate_after_working_days
