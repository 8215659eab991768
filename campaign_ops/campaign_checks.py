"""The checks of a campaign file that look across fields: codes that must exist, ids that must
be unique, dates that must fit together.

They read the plain data, not the validated model, so that they run even when the schema
stage found errors elsewhere: a wrong field in one round must not hide a wrong unit code in
another. Anything malformed is skipped here; the schema stage reports it.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from campaign_ops.review.checks import review_problems
from campaign_ops.specfile import Loc, Problem, compose, position, suggest

REFERENCES, DATES = 1, 2  # stages after the schema (0), for ordering problems at one place


def check_campaign(data: dict, file_stem: str | None = None) -> list[Problem]:
    """Every cross-field problem of a campaign's data (empty when it all fits together)."""
    problems = _id_matches_file(data, file_stem)
    problems += _unique_ids(data)
    problems += _references(data)
    problems += _unique_deliverables(data)
    problems += _dates(data)
    problems += _timezone(data)
    problems += review_problems(data)
    return problems


def file_checks(data: dict, text: str | None, forms_dir: Path | None = None) -> list[Problem]:
    """What can still go wrong in a file that loads: missing statistics forms, a key written
    twice. Lint fails on them; loading only adds them to a file that fails anyway, so that
    the DAG page and lint list the same lines."""
    return form_problems(data, forms_dir) + repeated_keys(compose(text))


def _items(data: dict, key: str) -> list[tuple[int, dict]]:
    value = data.get(key)
    if not isinstance(value, list | tuple):
        return []
    return [(i, x) for i, x in enumerate(value) if isinstance(x, dict)]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _id_matches_file(data: dict, stem: str | None) -> list[Problem]:
    given = _text(data.get("id"))
    if stem is None or given is None or given == stem:
        return []
    fix = f"请把 id 改为 {stem}（或把文件改名为 {given}.yaml）"
    return [Problem(("id",), f"应与文件名一致：文件名是 {stem}.yaml，这里写的是 {given}，{fix}")]


def _unique_ids(data: dict) -> list[Problem]:
    problems: list[Problem] = []
    groups = (
        (("units", "departments"), "code", "单位/部门代码"),
        (("phases",), "id", "阶段编号"),
        (("rounds",), "id", "轮次编号"),
        (("tasks",), "id", "任务编号"),
    )
    for lists, key, what in groups:
        first: dict[str, tuple] = {}
        for name in lists:
            for i, item in _items(data, name):
                value = _text(item.get(key))
                if value is None:
                    continue
                if value in first:
                    other = position(first[value], data)
                    text = f"{what} {value} 与 {other} 重复，每项的{what}必须不同，请改成另一个"
                    problems.append(Problem((name, i, key), text, REFERENCES))
                else:
                    first[value] = (name, i)
    return problems


def _codes(data: dict, lists: tuple[str, ...]) -> list[str]:
    return [c for name in lists for _, item in _items(data, name) if (c := _text(item.get("code")))]


def _unknown(code: str, data: dict, lists: tuple[str, ...]) -> str:
    """「代码 hanbn 不在 units 中，是否应为 hanbin？」: the closest code, or the code of the unit
    whose 全称, 简称 or 别名 was written instead of its code."""
    names: dict[str, str] = {}
    for name in lists:
        for _, item in _items(data, name):
            if owner := _text(item.get("code")):
                aliases = item.get("aliases")
                spelled = [item.get("name"), item.get("short_name")]
                spelled += list(aliases) if isinstance(aliases, list | tuple) else []
                names.update({s: owner for s in spelled if isinstance(s, str)})
    where = " 或 ".join(lists)
    hint = suggest(code, _codes(data, lists), names) or f"请改为 {where} 中已有的代码"
    return f"代码 {code} 不在 {where} 中，{hint}"


def _references(data: dict) -> list[Problem]:
    problems: list[Problem] = []
    units = ("units",)
    known = set(_codes(data, units))
    for i, unit in _items(data, "units"):
        parent = unit.get("parent")
        if isinstance(parent, str) and parent not in known:
            text = "上级单位" + _unknown(parent, data, units)
            problems.append(Problem(("units", i, "parent"), text, REFERENCES))
    for i, round_ in _items(data, "rounds"):
        listed = round_.get("units")
        for j, code in enumerate(listed if isinstance(listed, list | tuple) else ()):
            if isinstance(code, str) and code not in known:
                text = "报送单位" + _unknown(code, data, units)
                problems.append(Problem(("rounds", i, "units", j), text, REFERENCES))
    owners = ("units", "departments")
    known = set(_codes(data, owners))
    for i, task in _items(data, "tasks"):
        listed = task.get("responsible")
        for j, code in enumerate(listed if isinstance(listed, list | tuple) else ()):
            if isinstance(code, str) and code not in known:
                text = "负责单位" + _unknown(code, data, owners)
                problems.append(Problem(("tasks", i, "responsible", j), text, REFERENCES))
    return problems


def _unique_deliverables(data: dict) -> list[Problem]:
    problems: list[Problem] = []
    for i, round_ in _items(data, "rounds"):
        seen: dict[str, int] = {}
        for j, d in _items(round_, "deliverables"):
            key = _text(d.get("form")) or _text(d.get("kind"))
            if key is None:
                continue
            if key in seen:
                text = (
                    f"与 deliverables[{seen[key] + 1}] 重复（{key}），"
                    "同一轮次的同一材料只能列一次，请删除这一项"
                )
                problems.append(Problem(("rounds", i, "deliverables", j), text, REFERENCES))
            else:
                seen[key] = j
    return problems


def _day(value: object) -> dt.date | None:
    """A date the schema will accept, or None (the schema stage reports the others)."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" == value[7]:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _dates(data: dict) -> list[Problem]:
    problems: list[Problem] = []
    phases = []
    listed = data.get("phases")
    every_phase_known = isinstance(listed, list | tuple) and bool(listed)
    for i, phase in enumerate(listed if isinstance(listed, list | tuple) else ()):
        dated = isinstance(phase, dict)
        start = _day(phase.get("start")) if dated else None
        end = _day(phase.get("end")) if dated else None
        if start is None or end is None or end < start:
            every_phase_known = False
        if start is None or end is None:
            continue
        if end < start:
            text = f"结束日期 {end} 早于开始日期 {start}，请改正其中一个"
            problems.append(Problem(("phases", i, "end"), text, DATES))
            continue
        phases.append((start, end, i, _text(phase.get("name")) or f"第{i + 1}个阶段"))
    phases.sort()
    for (_, a_end, _, a_name), (b_start, _, j, b_name) in pairwise(phases):
        if b_start <= a_end:
            text = (
                f"阶段“{b_name}”从 {b_start} 开始，与阶段“{a_name}”（至 {a_end}）重叠，"
                f"请改为 {a_end + dt.timedelta(days=1)} 或更晚，或提前上一阶段的结束日期"
            )
            problems.append(Problem(("phases", j, "start"), text, DATES))
    if not every_phase_known:  # the campaign's period is unknown until the phases are fixed
        return problems
    first, last = phases[0][0], max(p[1] for p in phases)
    for i, round_ in _items(data, "rounds"):
        deadline = _day(round_.get("deadline"))
        if deadline is not None and not first <= deadline <= last:
            text = (
                f"截止日期 {deadline} 不在行动期间 {first}～{last} 内"
                "（期间由 phases 的起止日期决定），请改正截止日期或阶段的起止日期"
            )
            problems.append(Problem(("rounds", i, "deadline"), text, DATES))
    return problems


def _timezone(data: dict) -> list[Problem]:
    tz = data.get("timezone")
    if not isinstance(tz, str):
        return []
    try:
        ZoneInfo(tz)
        return []
    except (KeyError, ValueError):
        from zoneinfo import available_timezones

        hint = suggest(tz, sorted(available_timezones())) or "是否应为 Asia/Shanghai？"
        return [Problem(("timezone",), f"时区“{tz}”不存在，{hint}", DATES)]


def form_problems(data: dict, forms_dir: Path | None = None) -> list[Problem]:
    """Statistics deliverables whose form has no spec in the forms folder."""
    if forms_dir is None:
        from campaign_ops.settings import settings

        forms_dir = Path(settings().forms_dir)
    known = sorted(p.stem for p in Path(forms_dir).glob("*.yaml"))
    problems = []
    rounds = data.get("rounds")
    for i, round_ in enumerate(rounds if isinstance(rounds, list) else []):
        items = round_.get("deliverables") if isinstance(round_, dict) else None
        for j, item in enumerate(items if isinstance(items, list) else []):
            form = item.get("form") if isinstance(item, dict) else None
            if isinstance(form, str) and form and form not in known:
                hint = suggest(form, known) or f"已有的表单：{'、'.join(known) or '（无）'}"
                text = f"没有编号为 {form} 的统计表（表单目录中找不到），{hint}"
                problems.append(Problem(("rounds", i, "deliverables", j, "form"), text, REFERENCES))
    return problems


def repeated_keys(root: yaml.Node | None, loc: Loc = ()) -> list[Problem]:
    """A field written twice in one block: YAML keeps the later value without a word."""
    problems: list[Problem] = []
    if isinstance(root, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in root.value:
            line = key.start_mark.line + 1
            if key.value in first:
                text = (
                    f"字段 {key.value} 写了两次（第{first[key.value]}行和第{line}行），"
                    "只有后一个有效，请删除其中一个"
                )
                problems.append(Problem((*loc, key.value), text, REFERENCES))
            else:
                first[key.value] = line
            problems += repeated_keys(value, (*loc, key.value))
    elif isinstance(root, yaml.SequenceNode):
        for i, item in enumerate(root.value):
            problems += repeated_keys(item, (*loc, i))
    return problems
