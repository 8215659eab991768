"""Unit rosters: a bureau's counties, districts, offices and departments, described once.

``include/rosters/<id>.yaml`` lists a bureau's reporting units (the campaign ``Unit`` shape:
codes, names, aliases, levels, parents, contacts). A campaign takes its units from a roster
with ``units_from: {roster: <id>, levels: [...], exclude: [...]}``; its own ``units:`` are then
additions. Every campaign of the bureau therefore uses the same codes, which the warehouse
tables and the merged reports are keyed on. ``LEVEL_PHRASES`` maps the way circulars address
units (各县（市、区）局, 各乡镇监管所, 各部门) to roster levels, for drafting a campaign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator

from campaign_ops.specfile import (
    Loc,
    Problem,
    SpecFileError,
    load_yaml_text,
    position,
    read_text,
    render,
    suggest,
)
from campaign_ops.units import Code, Department, Strict, Unit, UnitLevel

L = UnitLevel

# How circulars address the units a campaign goes to → the roster levels they mean. Longer
# phrases first where one contains another; ``levels_in`` takes the longest match.
LEVEL_PHRASES: dict[str, tuple[UnitLevel, ...]] = {
    "各县（市、区）局": (L.county, L.district, L.zone),
    "各县（市、区）市场监督管理局": (L.county, L.district, L.zone),
    "各县（市、区）市场监管局": (L.county, L.district, L.zone),
    "各县市区局": (L.county, L.district, L.zone),
    "各县区（园区）市场监督管理局": (L.county, L.district, L.zone),
    "各县区局": (L.county, L.district, L.zone),
    "各县（区）局": (L.county, L.district, L.zone),
    "各县局": (L.county,),
    "各区局": (L.district,),
    "各分局": (L.district,),
    "各园区": (L.zone,),
    "各开发区": (L.zone,),
    "各示范区": (L.zone,),
    "各乡镇监管所": (L.township,),
    "各市场监管所": (L.township,),
    "各市场监督管理所": (L.township,),
    "各监管所": (L.township,),
    "各基层所": (L.township,),
    "各部门": (L.department,),
    "各有关部门": (L.department,),
    "各相关部门": (L.department,),
    "各成员单位": (L.department,),
    "各科室": (L.office,),
    "市局机关相关科室": (L.office,),
    "机关各科室": (L.office,),
    "各市（州）局": (L.city,),
    "各市局": (L.city,),
    "各省、自治区、直辖市": (L.province,),
    "各省、自治区、直辖市及计划单列市、副省级市": (L.province, L.city),
    "各地工商": (L.province, L.city),
}

# The same phrases written with ASCII brackets (as text extracted from PDFs often is).
_ASCII = str.maketrans({"（": "(", "）": ")", "、": ","})


def levels_in(text: str) -> tuple[UnitLevel, ...]:
    """The roster levels a sentence addresses (empty when it names none), longest phrase
    first: 各县（市、区）局 wins over 各县局 hidden inside another phrase."""
    found: list[UnitLevel] = []
    plain = _normalise(text)
    for phrase in sorted(LEVEL_PHRASES, key=len, reverse=True):
        key = _normalise(phrase)
        if key in plain:
            plain = plain.replace(key, "\0")
            found += [lv for lv in LEVEL_PHRASES[phrase] if lv not in found]
    return tuple(found)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text.translate(_ASCII))


# ---- the roster file -----------------------------------------------------------------------


class Roster(Strict):
    """A bureau's reporting units (and partner departments), shared by its campaigns."""

    id: Code
    authority: str = Field(description="名册所属机关，例如 安康市市场监督管理局")
    units: tuple[Unit, ...] = Field(min_length=1)
    departments: tuple[Department, ...] = ()

    @model_validator(mode="after")
    def _codes_fit(self) -> Roster:
        problems = roster_problems(self.model_dump())
        if problems:
            raise ValueError("；".join(render(problems, self.model_dump())))
        return self

    def units_at(self, levels: tuple[UnitLevel, ...] | None = None) -> list[Unit]:
        """The roster's units of these levels (all of them when ``levels`` is None)."""
        return [u for u in self.units if levels is None or u.level in levels]


def roster_problems(data: dict) -> list[Problem]:
    """Codes written twice and parents that are not in the roster."""
    problems: list[Problem] = []
    first: dict[str, Loc] = {}
    for key in ("units", "departments"):
        for i, item in enumerate(data.get(key) or ()):
            code = item.get("code") if isinstance(item, dict) else None
            if not isinstance(code, str):
                continue
            if code in first:
                other = position(first[code], data)
                text = f"代码 {code} 与 {other} 重复，名册中每个单位的代码必须不同"
                problems.append(Problem((key, i, "code"), text, 1))
            else:
                first[code] = (key, i)
    codes = [u.get("code") for u in data.get("units") or () if isinstance(u, dict)]
    for i, unit in enumerate(data.get("units") or ()):
        parent = unit.get("parent") if isinstance(unit, dict) else None
        if isinstance(parent, str) and parent not in codes:
            hint = (
                suggest(parent, [c for c in codes if isinstance(c, str)])
                or "请改为名册中已有的代码"
            )
            problems.append(
                Problem(("units", i, "parent"), f"上级单位 {parent} 不在名册中，{hint}", 1)
            )
    return problems


class RosterFileError(SpecFileError):
    what = "单位名册"


def rosters_dir() -> Path:
    from campaign_ops.settings import settings

    return Path(settings().rosters_dir)


def roster_files(directory: Path | None = None) -> list[Path]:
    folder = Path(directory or rosters_dir())
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_"))


def roster_ids(directory: Path | None = None) -> list[str]:
    """The rosters that exist, by id (the file name without .yaml)."""
    return [p.stem for p in roster_files(directory)]


def load_roster(roster_id: str, directory: Path | None = None) -> Roster:
    """The roster ``include/rosters/<id>.yaml``: ``KeyError`` (Chinese, with the ids that
    exist) when there is none, ``RosterFileError`` listing every problem when it is broken."""
    from campaign_ops.campaign_errors import explain_all, not_a_mapping

    folder = Path(directory or rosters_dir())
    path = folder / f"{roster_id}.yaml"
    if not path.is_file():
        known = roster_ids(folder)
        hint = suggest(roster_id, known) or f"{folder} 下已有：{'、'.join(known) or '（无）'}"
        raise KeyError(f"没有单位名册 {roster_id}，{hint}")
    text = read_text(path, RosterFileError)
    data = load_yaml_text(text, path, RosterFileError)
    if not isinstance(data, dict):
        raise RosterFileError(path, render([Problem((), not_a_mapping(data))], data, text))
    problems = roster_problems(data)
    if data.get("id") != path.stem:
        text_ = f"应与文件名一致：请把 id 改为 {path.stem}"
        problems.append(Problem(("id",), text_, 1))
    try:
        roster = Roster.model_validate(data)
    except ValidationError as exc:
        found = explain_all(exc.errors(include_url=False), Roster)
        known = {p.loc for p in problems}
        problems = [p for p in found if p.loc not in known and p.loc != ()] + problems
    if problems:
        raise RosterFileError(path, render(problems, data, text))
    return roster


def lint_roster(path: Path) -> tuple[Roster | None, list[str]]:
    """``campaign-ops lint`` of a roster file: the roster, or its problems one line each."""
    path = Path(path)
    try:
        return load_roster(path.stem, path.parent), []
    except RosterFileError as exc:
        return None, exc.lines


# ---- a campaign's units from a roster ------------------------------------------------------


class UnitsFrom(Strict):
    """``units_from:`` of a campaign: which roster, which levels, which units left out."""

    roster: Code
    levels: tuple[UnitLevel, ...] | None = Field(
        default=None, description="只取这些层级的单位；缺省为名册中全部单位"
    )
    exclude: tuple[Code, ...] = Field(default=(), description="不参加本次行动的单位代码")

    @model_validator(mode="before")
    @classmethod
    def _roster_alone(cls, data: object) -> object:
        """``units_from: ankang`` is short for ``units_from: {roster: ankang}``."""
        return {"roster": data} if isinstance(data, str) else data

    @field_validator("levels")
    @classmethod
    def _not_empty(cls, v: tuple | None) -> tuple | None:
        if v is not None and not v:
            raise ValueError("levels 不能为空列表；要取名册中全部单位请删去 levels")
        return v


@dataclass
class UnitsResolution:
    """A campaign's units and departments with the roster's put first; the problems of
    ``units_from`` at its place in the campaign file; and where each unit came from
    (index in the resolved list → its index among the campaign's own ``units:``, or None for
    a roster unit)."""

    units: list
    departments: list
    problems: list[Problem] = field(default_factory=list)
    origin: dict[int, int | None] = field(default_factory=dict)


def resolve_units(data: dict, directory: Path | None = None) -> UnitsResolution:
    """The units a campaign's ``units_from`` and ``units`` stand for, together."""
    from campaign_ops.campaign_errors import explain_all

    own = data.get("units")
    own_depts = data.get("departments")
    raw = data.get("units_from")
    if raw is None:  # units as written (most campaigns; thousands of units in the benches)
        return UnitsResolution(own if own is not None else [], own_depts or [])
    own_units = list(own) if isinstance(own, list | tuple) else []
    depts = list(own_depts) if isinstance(own_depts, list | tuple) else []
    plain = UnitsResolution(own if own is not None else [], depts)
    plain.origin = {i: i for i in range(len(own_units))}
    try:
        spec = UnitsFrom.model_validate(raw)
    except ValidationError as exc:
        found = explain_all(exc.errors(include_url=False), UnitsFrom)
        plain.problems = [Problem(("units_from", *p.loc), p.text, p.stage) for p in found]
        return plain
    try:
        roster = load_roster(spec.roster, directory)
    except KeyError as exc:
        plain.problems = [Problem(("units_from", "roster"), str(exc.args[0]))]
        return plain
    except RosterFileError as exc:
        text = f"单位名册 {exc.path.name} 有错误，请先改正名册：" + "；".join(exc.problems)
        plain.problems = [Problem(("units_from", "roster"), text)]
        return plain
    problems: list[Problem] = []
    codes = [u.code for u in roster.units] + [d.code for d in roster.departments]
    for j, code in enumerate(spec.exclude):
        if code not in codes:
            hint = suggest(code, codes) or f"名册 {roster.id} 中没有这个代码"
            text = f"要排除的单位 {code} 不在名册 {roster.id} 中，{hint}"
            problems.append(Problem(("units_from", "exclude", j), text, 1))
    chosen = [u for u in roster.units_at(spec.levels) if u.code not in spec.exclude]
    if not chosen and not own_units:
        text = (
            f"名册 {roster.id} 中按 levels 和 exclude 筛选后没有报送单位，请检查 levels 和 exclude"
        )
        problems.append(Problem(("units_from",), text, 1))
    kept = {u.code for u in chosen}
    units = [_unit_data(u, kept) for u in chosen]
    origin: dict[int, int | None] = dict.fromkeys(range(len(units)))
    for i, item in enumerate(own_units):
        code = item.get("code") if isinstance(item, dict) else None
        if code in kept:
            text = (
                f"单位代码 {code} 已由名册 {roster.id} 提供，units 中不能再写一次；"
                "要改这个单位的信息请改名册，只在本次行动中不同时先用 exclude 排除再新增"
            )
            problems.append(Problem(("units", i, "code"), text, 1))
            continue
        origin[len(units)] = i
        units.append(item)
    roster_depts = [d.model_dump() for d in roster.departments if d.code not in spec.exclude]
    own_codes = {d.get("code") for d in depts if isinstance(d, dict)}
    departments = [d for d in roster_depts if d["code"] not in own_codes] + depts
    return UnitsResolution(units, departments, problems, origin)


def _unit_data(unit: Unit, kept: set[str]) -> dict:
    """A roster unit as campaign data; a parent the campaign leaves out is dropped (the
    township offices of a county may take part without the county bureau)."""
    data = unit.model_dump(exclude_defaults=True)
    if unit.parent and unit.parent not in kept:
        data.pop("parent", None)
    return data
