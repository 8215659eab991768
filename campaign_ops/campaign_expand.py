"""A campaign file's shorthand made explicit, once, where the campaign loads.

``units_from`` becomes the roster's units (plus the file's own additions) and each recurring
rule in ``rounds:`` becomes its dated rounds. Everything after loading (timeline, reminders,
reports, intake, board, DAGs) sees ordinary units and rounds. Problems found in the expanded
data are moved back to the place in the file a person edits: a wrong form in round
``m2024-05`` is reported at the rule that produced it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from campaign_ops.recurring import ROUND_FIELD_SOURCE, expand_rounds, is_rule
from campaign_ops.rosters import resolve_units
from campaign_ops.specfile import Loc, Problem


@dataclass
class Expansion:
    """The campaign data with rosters and rules expanded, and the problems of the shorthand."""

    data: dict
    problems: list[Problem] = field(default_factory=list)
    round_origin: dict[int, int] = field(default_factory=dict)
    unit_origin: dict[int, int | None] = field(default_factory=dict)
    unit_codes: dict[int, str] = field(default_factory=dict)
    roster_departments: int = 0  # how many of the departments, first in the list, the roster gave

    def back_to_file(self, problems: list[Problem]) -> list[Problem]:
        """Problems of the expanded data, at the place of the file that produced them; one
        per place (36 rounds of one rule share its mistake)."""
        out: list[Problem] = []
        seen: set[Loc] = {p.loc for p in self.problems}
        if any(p.loc[:1] == ("rounds",) for p in self.problems):
            seen.add(("rounds",))  # "no rounds" only because a broken rule was left out
        if any(p.loc[:1] == ("units_from",) for p in self.problems):
            seen.add(("units",))  # "no units" only because the roster could not be used
        for p in problems:
            moved = self._moved(p)
            if moved.loc in seen:
                continue
            seen.add(moved.loc)
            out.append(moved)
        return out

    def _moved(self, p: Problem) -> Problem:
        loc = p.loc
        if len(loc) >= 2 and loc[0] == "rounds" and isinstance(loc[1], int):
            rule = self.round_origin.get(loc[1])
            if rule is None:
                return p
            shown = self.data["rounds"][loc[1]].get("id")
            rest = loc[2:]
            if rest and rest[0] in ROUND_FIELD_SOURCE:
                rest = (ROUND_FIELD_SOURCE[str(rest[0])], *rest[1:])
            return Problem(("rounds", rule, *rest), f"展开出的轮次 {shown}：{p.text}", p.stage)
        if len(loc) >= 2 and loc[0] == "units" and isinstance(loc[1], int):
            if loc[1] not in self.unit_origin:
                return p
            own = self.unit_origin[loc[1]]
            if own is None:
                code = self.unit_codes.get(loc[1], "")
                return Problem(("units_from",), f"名册中的单位 {code}：{p.text}", p.stage)
            return Problem(("units", own, *loc[2:]), p.text, p.stage)
        n = self.roster_departments
        if n and len(loc) >= 2 and loc[0] == "departments" and isinstance(loc[1], int):
            if loc[1] >= n:
                return Problem(("departments", loc[1] - n, *loc[2:]), p.text, p.stage)
            code = self.data["departments"][loc[1]].get("code", "")
            return Problem(("units_from",), f"名册中的部门 {code}：{p.text}", p.stage)
        return p


def expand_campaign(data: dict) -> Expansion:
    """``data`` with ``units_from`` resolved and recurring rounds expanded (a copy; the
    original stays as written, for positions and line numbers)."""
    out = dict(data)
    units = resolve_units(data)
    exp = Expansion(out, list(units.problems))
    if data.get("units_from") is not None:
        out["units"] = units.units
        out["departments"] = units.departments
        own = data.get("departments")
        exp.roster_departments = len(units.departments) - (
            len(own) if isinstance(own, list | tuple) else 0
        )
        exp.unit_origin = units.origin
        exp.unit_codes = {
            i: u.get("code", "") for i, u in enumerate(units.units) if isinstance(u, dict)
        }
    items = data.get("rounds")
    if isinstance(items, list | tuple) and any(is_rule(x) for x in items):
        rounds = expand_rounds(list(items), campaign_period(data), data)
        out["rounds"] = rounds.rounds
        exp.problems += rounds.problems
        exp.round_origin = rounds.origin
    return exp


def campaign_period(data: dict) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the campaign's phases, when every phase has both dates."""
    phases = data.get("phases")
    days: list[tuple[dt.date, dt.date]] = []
    for p in phases if isinstance(phases, list | tuple) else ():
        try:
            start, end = (_date(p.get(k)) for k in ("start", "end"))
        except (AttributeError, TypeError, ValueError):
            return None
        days.append((start, end))
    if not days:
        return None
    return min(s for s, _ in days), max(e for _, e in days)


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise TypeError(value)
