"""Pydantic's findings on a campaign file, said in Chinese with what to write instead.

Pydantic words its errors for programmers ("Input should be a valid tuple"); the people who
edit campaign files are the city bureau's ops staff. Every error type a campaign file can
trigger is translated here with the value expected; pydantic's own English never reaches them.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from enum import Enum

from pydantic import BaseModel

from campaign_ops.specfile import Loc, Problem, suggest
from campaign_ops.vocabulary import MAIL_KIND_LABELS

REPORT_SETTINGS = f"{MAIL_KIND_LABELS['report']}设置"

# Chinese names of fields, said after the field's own name: "缺少 deadline（截止日期）".
FIELD_LABELS = {
    "id": "编号",
    "code": "代码",
    "title": "标题",
    "name": "名称",
    "short_name": "简称",
    "authority": "发文机关",
    "issued_on": "发文日期",
    "sender": "发件人",
    "email": "邮箱",
    "ops": "市局工作人员",
    "units": "报送单位",
    "level": "单位层级",
    "contacts": "联系人",
    "phases": "阶段",
    "start": "开始日期",
    "end": "结束日期",
    "rounds": "报送轮次",
    "deadline": "截止日期",
    "deadline_time": "截止时刻",
    "deliverables": "报送材料",
    "kind": "类别",
    "form": "统计表编号",
    "reports": REPORT_SETTINGS,
    "recipients": "报告接收人",
    "drop_zone": "报送目录",
    "path": "目录",
    "responsible": "负责单位",
    "parent": "上级单位",
    "before_days": "提前提醒天数",
    "send_at": "发送时刻",
    "extra_dates": "另行汇总的日期",
    "timezone": "时区",
    "every": "周期",
    "days": "报送日",
    "time": "截止时刻",
    "from": "起始日期",
    "until": "结束日期",
    "units_from": "单位名册",
    "roster": "名册编号",
    "levels": "单位层级",
    "exclude": "排除的单位",
}

# Fields of a recurring rule (``every: month``) that a dated round does not have.
RULE_ONLY_FIELDS = ("days", "time", "from", "until", "covers")

# Another way to say what a missing field says, offered with it.
MISSING_ALTERNATIVES = {("units",): "，或用 units_from 引用单位名册（include/rosters/ 下的文件）"}

# What an item of each model is called, for "应为一个轮次（需有 …）".
MODEL_NOUNS = {
    "Campaign": "专项行动",
    "Contact": "联系人",
    "CircularContact": "通知联系人",
    "Unit": "报送单位",
    "Department": "部门",
    "Task": "任务",
    "Phase": "阶段",
    "Deliverable": "报送材料",
    "Round": "报送轮次",
    "ReminderPolicy": "提醒设置",
    "ReportPolicy": REPORT_SETTINGS,
    "DropZone": "报送目录设置",
    "Sender": "发件人",
    "RecurringRound": "周期报送轮次",
    "UnitsFrom": "单位名册引用",
    "Roster": "单位名册",
}

# Chinese meaning of enumerated values, shown beside the value to write.
VALUE_LABELS = {
    "province": "省级",
    "city": "市级",
    "county": "县（市）",
    "district": "区",
    "zone": "园区/示范区",
    "township": "乡镇",
    "department": "部门",
    "office": "科室",
    "statistics": "统计表",
    "progress_note": "阶段性工作进展情况",
    "typical_cases": "典型案例",
    "summary": "工作总结",
    "self_check_report": "企业自查整改书面报告",
    "photos_video": "图片视频资料",
    "contact": "联系人",
    "leader": "分管领导，逾期提醒抄送",
    "ops": "市局工作人员",
    "phase": "阶段",
    "stage": "年度",
    "folder": "本机目录",
    "smb": "共享盘",
    "per_unit": "每个单位一个文件夹",
    "per_round": "每轮一个文件夹",
    "per_round_unit": "每轮每单位一个文件夹",
    "flat": "全部放在一个文件夹",
    "campaign": "自行动开始累计",
    "week": "每周",
    "half_month": "每半月",
    "month": "每月",
    "quarter": "每季度",
    "last": "月末",
    "current": "报本期",
    "previous": "报上一期",
}

PATTERN_HINTS = {
    r"^[a-z0-9][a-z0-9_-]*$": "只能用小写字母、数字、- 和 _，并以字母或数字开头",
    r"^[a-z0-9][a-z0-9-]*$": "只能用小写字母、数字和 -，并以字母或数字开头（与文件名相同）",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "不是有效的邮箱地址，应写成“名字@域名”的形式",
    r"^([01]\d|2[0-3]):[0-5]\d$": '时刻应写成 24 小时制的“时:分”并加引号，例如 "18:00"',
}

_DATE_TYPES = {
    "date_type",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
    "datetime_parsing",
}


def not_a_mapping(data: object) -> str:
    """The whole file is empty, a list or a sentence, not “字段: 值” lines."""
    example = "请对照已有的专项行动配置文件，按“字段: 值”逐行填写"
    if data is None:
        return f"文件是空的，{example}"
    shape = "列表" if isinstance(data, list) else "一段文字"
    return f"文件内容应为“字段: 值”的写法，现在整个文件是{shape}，{example}"


def explain_all(errors: list[dict], root: type[BaseModel]) -> list[Problem]:
    """Pydantic's errors as Chinese problems, without the echoes of another error."""
    return [explain(e, root) for e in errors if not _echo(e)]


def _echo(err: dict) -> bool:
    """A list that is "too short" only because some of its items failed (reported apart)."""
    given, least = err.get("input"), (err.get("ctx") or {}).get("min_length", 0)
    return err["type"] == "too_short" and isinstance(given, list) and len(given) >= least


def explain(err: dict, root: type[BaseModel]) -> Problem:
    """One pydantic error as a Chinese problem with its fix."""
    loc: Loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    given = err.get("input")
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "missing":
        also = MISSING_ALTERNATIVES.get(loc, "")
        return Problem(loc, f"缺少必填字段 {field}{_label(field)}，请补上{also}")
    if kind == "extra_forbidden":
        model = model_at(root, loc[:-1])
        if model is not None and model.__name__ == "Round" and field in RULE_ONLY_FIELDS:
            text = f"{field} 只用于周期报送：请加上 every（如 every: month），并删去 deadline"
            return Problem(loc, f"不认识的字段 {field}，{text}")
        known = [f.alias or n for n, f in model.model_fields.items()] if model else []
        hint = suggest(field, known) or (
            f"请删除它或改正拼写（这里可用的字段：{'、'.join(known)}）" if known else "请删除它"
        )
        return Problem(loc, f"不认识的字段 {field}，{hint}")
    if kind == "value_error":
        return Problem(loc, str(err["msg"]).removeprefix("Value error, "))
    return Problem(loc, _wrong_value(kind, ctx, given, field, root, loc))


def _wrong_value(
    kind: str, ctx: dict, given: object, field: str, root: type[BaseModel], loc: Loc
) -> str:
    """What is wrong with the value and what to write instead, per pydantic error type."""
    now = _shown(given)
    if kind in _DATE_TYPES:
        return f"{_bad_date(given)}，请写成 年-月-日，例如 2023-07-10"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        hint = PATTERN_HINTS.get(pattern, "格式不对")
        fix = _code_like(given) if "a-z0-9" in pattern else ""
        return f"{now}{hint}{'，' + fix if fix else ''}"
    if kind == "string_type":
        if field in ("deadline_time", "send_at", "time") and isinstance(given, int) and given >= 0:
            clock = f"{given // 60:02d}:{given % 60:02d}"
            return f'时刻要加引号，否则会被当成数字：请写成 "{clock}"'
        return f'{now}应为文字；数字或 是/否 当作文字时请加引号，例如 "{given}"'
    if kind == "string_too_long":
        return f"太长了，最多 {ctx.get('max_length')} 个字符"
    if kind in ("too_short",):
        return f"至少需要 {ctx.get('min_length', 1)} 项，现在是空的，请补上"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{now}应为整数，例如 30"
    if kind in ("bool_type", "bool_parsing"):
        return f"{now}应为 true（是）或 false（否）"
    if kind in ("tuple_type", "list_type", "iterable_type"):
        one = f"只有一项时也要写成列表：[{given}]" if isinstance(given, str | int) else ""
        return f"{now}应为列表（每项一行，以“- ”开头）{'，' + one if one else ''}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        model = model_at(root, loc)
        noun = MODEL_NOUNS.get(model.__name__, "一组字段") if model else "一组字段"
        need = [n for n, f in model.model_fields.items() if f.is_required()] if model else []
        have = f"，至少要有 {'、'.join(need)}" if need else ""
        return f"{now}应为一个{noun}（“字段: 值”的写法）{have}"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"{now}不能小于{'' if kind.endswith('equal') else '或等于'} {bound}"
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"{now}不能大于{'' if kind.endswith('equal') else '或等于'} {bound}"
    if kind in ("enum", "literal_error"):
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        shown = "、".join(f"{a}（{VALUE_LABELS[a]}）" if a in VALUE_LABELS else a for a in allowed)
        near = suggest(given, allowed)
        return f"{now}不是允许的取值，{near + '可选' if near else '只能是'}：{shown}"
    return f"{now}不符合要求，请对照已有的专项行动配置文件改正"


def _label(field: str) -> str:
    return f"（{FIELD_LABELS[field]}）" if field in FIELD_LABELS else ""


def _shown(given: object) -> str:
    """「现在是 …」 for a scalar the person wrote; nothing for a block they can see anyway."""
    if isinstance(given, dict | list | tuple):
        return ""
    if given is None:
        return "现在是空的，"
    text = str(given)
    return f"现在是“{text if len(text) <= 40 else text[:40] + '…'}”，"


def _bad_date(given: object) -> str:
    """Why a written date is no date: the day that does not exist, or the shape."""
    if isinstance(given, str):
        m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", given)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            if not 1 <= mo <= 12:
                return f"“{given}”不是有效日期：没有 {mo} 月"
            try:
                dt.date(y, mo, d)
            except ValueError:
                return f"“{given}”不是有效日期：{y}年{mo}月没有{d}日"
            return f"“{given}”的月和日要写两位数，例如 {y}-{mo:02d}-{d:02d}"
        if re.match(r"\s*\d{4}-\d{2}-\d{2}[ T]", given):
            return f"“{given}”带了时间，这里只写日期（截止时刻写在 deadline_time）"
        return f"“{given}”不是日期"
    return f"{_shown(given)}不是日期"


def _code_like(given: object) -> str:
    """A code spelled the way the pattern allows, offered as the fix."""
    if not isinstance(given, str):
        return ""
    fixed = re.sub(r"[^a-z0-9_-]+", "-", given.strip().lower()).strip("-_")
    return f"是否应为 {fixed}？" if fixed and fixed != given else ""


def model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that holds the data at ``loc`` (lists and optionals looked through)."""
    model: type[BaseModel] | None = root
    annotation: object = root
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None or part not in model.model_fields:
            return None
        annotation = model.model_fields[part].annotation
        model = _inner_model(annotation)
    return model


def _inner_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return None
    origin = typing.get_origin(annotation)
    if origin in (tuple, list, typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found:
                return found
    return None
