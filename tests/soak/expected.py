"""The soak's expected end state, worked out from the script alone.

The script is what the child process did: the runs of the calendar (moment, DAG kind) and
every file the units dropped, with the figures typed into it. From that, the campaign YAML and
the plain rules the README promises (a file is seen by the first collect run at or after it
lands; the newest accepted version counts; reminders go to units still owing something; a
report is revised when its round's figures changed since it went out) this module says what
the warehouse, the ledger, the mailbox and the reports must hold. It never reads what the
system wrote, so a bug cannot agree with itself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from consolidate.helpers import unit_cell

from campaign_ops.campaign import Campaign, Round, Unit
from campaign_ops.forms.spec import FormSpec, load_form
from campaign_ops.store.campaigns import round_due_at
from campaign_ops.timeline import build_timeline

Slot = tuple[str, str, str]  # unit, round, deliverable
Key = tuple[str, str, str, str]  # ledger kind, round ('' for none), recipient key, moment (UTC)
Values = dict[str, dict[str, Any]]


def utc_text(moment: dt.datetime) -> str:
    """A moment as the ledger and the ``X-Campaign-Ops-Key`` header write it."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class File:
    """One scripted file and the collect run that sees it."""

    at: dt.datetime
    unit: str
    round_id: str
    deliverable: str
    broken: bool
    path: str
    values: Values | None
    seen: dt.datetime  # the first collect run at or after ``at``

    @property
    def slot(self) -> Slot:
        return (self.unit, self.round_id, self.deliverable)


@dataclass(frozen=True)
class Mail:
    """An email the ledger must hold once and the SMTP server must have received once."""

    key: Key
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    subject_has: tuple[str, ...] = ()

    @property
    def recipients(self) -> set[str]:
        return {*self.to, *self.cc}


@dataclass(frozen=True)
class Report:
    """A report the consolidate DAG must build and mail at ``moment``."""

    moment: dt.datetime
    round_id: str | None  # None: the campaign summary
    revised: bool


@dataclass
class Expected:
    campaign: Campaign
    runs: list[tuple[dt.datetime, str]]
    files: list[File]
    mails: dict[Key, Mail] = field(default_factory=dict)
    reports: list[Report] = field(default_factory=list)

    # ---- the warehouse -----------------------------------------------------------------

    def versions(self, until: dt.datetime | None = None) -> dict[Slot, list[File]]:
        """Each slot's files in version order, as seen by the collect runs up to ``until``."""
        out: dict[Slot, list[File]] = defaultdict(list)
        for f in sorted(self.files, key=lambda f: (f.seen, f.at, f.path)):
            if until is None or f.seen <= until:
                out[f.slot].append(f)
        return dict(out)

    def submissions(self) -> set[tuple[str, str, str, int, str, bool, dt.datetime]]:
        """(unit, round, deliverable, version, status, on time, received at) of every file."""
        out = set()
        for slot, files in self.versions().items():
            accepted = [f for f in files if not f.broken]
            for version, f in enumerate(files, 1):
                if f.broken:
                    status = "rejected"
                else:
                    status = "accepted" if f is accepted[-1] else "superseded"
                due = self.due(f.round_id)
                out.add((*slot, version, status, f.at <= due, f.at.astimezone(dt.UTC)))
        return out

    def due(self, round_id: str) -> dt.datetime:
        return round_due_at(self.campaign, self.campaign.round(round_id))

    def counting(self, until: dt.datetime | None = None) -> dict[Slot, File]:
        """The file that counts per slot: the newest accepted version."""
        out = {}
        for slot, files in self.versions(until).items():
            good = [f for f in files if not f.broken]
            if good:
                out[slot] = good[-1]
        return out

    def outstanding(self, unit: Unit, round_: Round, until: dt.datetime | None = None) -> list[str]:
        """Deliverable keys the unit still owes for the round (rejected or never seen)."""
        counting = self.counting(until)
        return [d.key for d in round_.deliverables if (unit.code, round_.id, d.key) not in counting]

    def matrix(self) -> dict[tuple[str, str], str]:
        """unit × round → the status ``campaign-ops status`` must show at the end."""
        versions, counting = self.versions(), self.counting()
        out = {}
        for r in self.campaign.rounds:
            for u in self.campaign.units_for(r):
                slots = [(u.code, r.id, d.key) for d in r.deliverables]
                if all(s in counting for s in slots):
                    late = any(counting[s].at > self.due(r.id) for s in slots)
                    out[(u.code, r.id)] = "accepted_late" if late else "accepted_on_time"
                elif any(s in versions and s not in counting for s in slots):
                    out[(u.code, r.id)] = "rejected"
                else:
                    out[(u.code, r.id)] = "missing"
        return out

    def figures(
        self, round_id: str, form_id: str, until: dt.datetime | None = None
    ) -> dict[str, Values]:
        """unit → the figures of its counting version of a round's form."""
        return {
            unit: f.values or {}
            for (unit, r, d), f in self.counting(until).items()
            if r == round_id and d == form_id
        }

    def form_status(self, unit: str, round_id: str, form_id: str, until: dt.datetime) -> str:
        """A unit's line in a round report: 按时报送, 逾期报送, 退回待改 or 未报送."""
        slot = (unit, round_id, form_id)
        counting = self.counting(until).get(slot)
        if counting is not None:
            return "按时报送" if counting.at <= self.due(round_id) else "逾期报送"
        return "退回待改" if slot in self.versions(until) else "未报送"

    def to_date(self, form: FormSpec) -> dict[str, dict[tuple[str, str], float]]:
        """unit → campaign-to-date report cell: cumulative columns from the unit's latest
        round, other columns summed over its rounds (the README's rule)."""
        out: dict[str, dict[tuple[str, str], float]] = {}
        rounds = [r for r in self.campaign.rounds if form.id in r.forms]
        cells = report_cells(form)
        for u in self.campaign.units:
            mine = [self.figures(r.id, form.id).get(u.code) for r in rounds]
            mine = [v for v in mine if v is not None]
            if not mine:
                continue
            line: dict[tuple[str, str], float] = {}
            for cell in cells:
                col = form.columns_by_key[cell[1]]
                numbers = [unit_cell(form, v, cell) for v in mine]
                numbers = [n for n in numbers if n is not None]
                if numbers:
                    line[cell] = numbers[-1] if col.cumulative else sum(numbers)
            out[u.code] = line
        return out


def report_cells(form: FormSpec) -> list[tuple[str, str]]:
    """The (合计 row, column) cells a report shows per unit, in column order (forms with a
    合计 row: each numeric column of that row)."""
    assert form.total_row is not None, "the soak's forms all have a 合计 row"
    return [(form.total_row.key, c.key) for c in form.columns if c.numeric]


# ---- building the expectation ------------------------------------------------------------------


def expected_from(campaign: Campaign, script: dict) -> Expected:
    runs = [(dt.datetime.fromisoformat(r["moment"]), r["kind"]) for r in script["runs"]]
    collects = sorted(m for m, kind in runs if kind == "collect")
    files = []
    for d in script["dropped"]:
        at = dt.datetime.fromisoformat(d["at"])
        seen = next(m for m in collects if m >= at)
        files.append(
            File(
                at,
                d["unit"],
                d["round_id"],
                d["deliverable"],
                d["broken"],
                d["path"],
                d["values"],
                seen,
            )
        )
    exp = Expected(campaign, runs, files)
    for moment, kind in runs:
        if kind == "remind":
            _reminders(exp, moment)
        elif kind == "collect":
            _receipts(exp, moment)
        else:
            _reports(exp, moment)
    return exp


def _unit_to(unit: Unit) -> tuple[str, ...]:
    return tuple(unit.emails or unit.leader_emails)


def _add(exp: Expected, mail: Mail) -> None:
    assert mail.key not in exp.mails, f"the script expects {mail.key} twice"
    exp.mails[mail.key] = mail


def _reminders(exp: Expected, moment: dt.datetime) -> None:
    c = exp.campaign
    events = [e for e in build_timeline(c).events_at(moment) if e.kind == "reminder"]
    when = utc_text(moment)
    with_notice = any(e.purpose == "notice" for e in events)
    chased = False
    for e in events:
        if e.purpose in ("notice", "phase"):
            for u in c.units:
                _add(exp, Mail((e.purpose, "", u.code, when), _unit_to(u)))
            continue
        chased = True
        if e.purpose == "before" and with_notice:
            continue  # the notice carries the calendar; no chaser on its day
        round_ = c.round(e.round or "")
        overdue = e.purpose == "overdue"
        escalated = overdue and (e.days or 0) >= c.reminders.escalate_after_working_days
        for u in c.units_for(round_):
            owed = exp.outstanding(u, round_, until=moment)
            if not owed:
                continue
            to = _unit_to(u)
            cc = tuple(m for m in u.leader_emails if m not in to) if escalated else ()
            kind = "overdue" if overdue else "reminder"
            subject = (u.short_name, f"尚缺 {len(owed)} 项材料")
            _add(exp, Mail((kind, round_.id, u.code, when), to, cc, subject))
    if chased:
        ops = tuple(o.email for o in c.ops if o.email)
        _add(exp, Mail(("digest", "", "ops", when), ops))


def _receipts(exp: Expected, moment: dt.datetime) -> None:
    seen: dict[str, list[File]] = defaultdict(list)
    for f in exp.files:
        if f.seen == moment:
            seen[f.unit].append(f)
    for code, files in seen.items():
        bad = sum(f.broken for f in files)
        verdict = f"{bad} 个文件需要修改后重新报送" if bad else "全部接收"
        subject = (f"收到 {len(files)} 个文件，{verdict}",)
        unit = exp.campaign.unit(code)
        _add(exp, Mail(("receipt", "", code, utc_text(moment)), _unit_to(unit), (), subject))


def _standing(exp: Expected, round_id: str, until: dt.datetime) -> tuple:
    """What a round's report shows: each unit's status, version and figures per form."""
    out = []
    versions = exp.versions(until)
    for form_id in exp.campaign.round(round_id).forms:
        for u in exp.campaign.units_for(exp.campaign.round(round_id)):
            files = versions.get((u.code, round_id, form_id), [])
            good = [i for i, f in enumerate(files, 1) if not f.broken]
            version = good[-1] if good else None
            values = files[version - 1].values if version else None
            out.append(
                (
                    form_id,
                    u.code,
                    exp.form_status(u.code, round_id, form_id, until),
                    version,
                    repr(values),
                )
            )
    return tuple(out)


def _reports(exp: Expected, moment: dt.datetime) -> None:
    c = exp.campaign
    events = [e for e in build_timeline(c).events_at(moment) if e.kind == "report"]
    if not events:
        return
    to = tuple(r.email for r in c.reports.recipients if r.email)
    when = utc_text(moment)
    now = set()
    for e in events:
        round_id = e.round if e.purpose == "round" else None
        ledger_round = round_id or ("final" if e.purpose == "final" else "extra")
        now.add(round_id)
        exp.reports.append(Report(moment, round_id, False))
        _add(exp, Mail(("report", ledger_round, "recipients", when), to))
    # a round reported before is sent again, revised, when what it shows has changed
    last: dict[str, dt.datetime] = {}
    for r in exp.reports:
        if r.round_id is not None and r.moment < moment:
            last[r.round_id] = r.moment
    for round_id, then in last.items():
        if round_id in now or _standing(exp, round_id, then) == _standing(exp, round_id, moment):
            continue
        exp.reports.append(Report(moment, round_id, True))
        _add(exp, Mail(("report_revised", round_id, "recipients", when), to, (), ("更正版",)))


def forms_of(campaign: Campaign, round_id: str | None) -> list[FormSpec]:
    ids = campaign.round(round_id).forms if round_id else campaign.forms
    return [load_form(f) for f in ids]
