"""A drafted form written as YAML a person reads and edits: the seed forms' layout (one item a
line), each guess followed by ``# 待核实：why``, and a Chinese summary of the draft."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from campaign_ops.forms.from_xlsx import Draft
from campaign_ops.vocabulary import TO_VERIFY

ORDER = [
    "id",
    "title",
    "version",
    "version_date",
    "description",
    "layout",
    "row_header",
    "rows",
    "total_row",
    "template_rows",
    "max_rows",
    "groups",
    "columns",
    "rules",
    "notes",
]
SECTION_NAMES = {
    "id": "表单编号",
    "rows": "行",
    "columns": "列",
    "groups": "表头分组",
    "total_row": "合计行",
    "rules": "规则",
    "title": "标题",
    "row_header": "行标题",
    "version_date": "版本日期",
}


def scalar(value: Any) -> str:
    """A YAML scalar that reads back as ``value`` inside a flow mapping, quoted only when
    plain text would be misread (a colon, a comma, a number-like label …)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    plain = text and not re.search(r"[,\[\]{}#:&*!|>'\"%@`\n]|^[\s\-?]|\s$", text)
    if plain:
        try:
            if yaml.safe_load(f"{{k: {text}}}") == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)


def flow(item: dict[str, Any]) -> str:
    parts = []
    for k, v in item.items():
        if isinstance(v, list | tuple):
            parts.append(f"{k}: [{', '.join(scalar(x) for x in v)}]")
        else:
            parts.append(f"{k}: {scalar(v)}")
    return "{" + ", ".join(parts) + "}"


def _comment(reasons: list[str]) -> str:
    return f"  # {TO_VERIFY}：{'；'.join(reasons)}" if reasons else ""


def to_yaml(draft: Draft) -> str:
    """The draft as the text of ``include/forms/<id>.yaml``."""
    spec, marks = draft.spec, draft.marks
    lines = [
        f"# 由《{draft.source.name}》起草（campaign-ops form-from-xlsx）。",
        f"# 标有“# {TO_VERIFY}”的地方是推断的，请对照原表核实后删去该注释；"
        "行和列的 key 是数据代码，可改为有意义的英文（改后不要再变）。",
    ]
    if draft.dropped:
        lines.append("# 未带入的列：" + "；".join(draft.dropped))
    for key in ORDER:
        value = spec.get(key)
        if value is None or value == [] or value == ():
            continue
        here = marks.get((key,), [])
        if isinstance(value, list):
            lines.append(f"{key}:{_comment(here)}")
            for i, item in enumerate(value):
                name = item["key"] if isinstance(item, dict) and "key" in item else str(i)
                sub = marks.get((key, name), [])
                text = flow(item) if isinstance(item, dict) else scalar(item)
                lines.append(f"  - {text}{_comment(sub)}")
        elif isinstance(value, dict):
            lines.append(f"{key}: {flow(value)}{_comment(here)}")
        else:
            lines.append(f"{key}: {scalar(value)}{_comment(here)}")
    return "\n".join(lines) + "\n"


def summary(draft: Draft, out_name: str) -> str:
    """What was found and what a person must check, in Chinese, for the terminal."""
    spec = draft.spec
    cols = spec["columns"]
    numeric = sum(c["type"] in ("integer", "decimal") for c in cols)
    if spec["layout"] == "fixed":
        rows = spec["rows"]
        shape = f"固定行表：{len(rows)} 行（{spec['row_header']}）"
        sub = sum("part_of" in r for r in rows)
        if sub:
            shape += f"，其中 {sub} 行为“其中”行"
    else:
        shape = f"清单表（一行一条，模板预留 {spec['template_rows']} 行）"
    lines = [
        f"已从 {draft.source.name} 起草表单 {spec['id']}《{spec['title']}》，写入 {out_name}：",
        f"  布局：{shape}" + ("，有合计行" if spec.get("total_row") else ""),
        f"  列：{len(cols)} 列，其中数字列 {numeric} 列",
    ]
    if spec["groups"]:
        lines[-1] += "；表头分组：" + "、".join(g["label"] for g in spec["groups"])
    if spec["rules"]:
        lines.append("  核对规则：" + "；".join(r["message"] for r in spec["rules"]))
    if draft.dropped:
        lines.append("  未带入：" + "；".join(draft.dropped))
    if spec["notes"]:
        lines.append(f"  填表说明：{len(spec['notes'])} 条（取自表下的说明）")
    if draft.marks:
        lines.append(f"需要人工核实 {draft.mark_count} 处（文件中标为“# {TO_VERIFY}”）：")
        same: dict[str, list[str]] = {}  # one line for a reason shared by several places
        for where, reasons in draft.marks.items():
            for why in reasons:
                same.setdefault(why, []).append(_where(draft, where))
        for n, (why, places) in enumerate(same.items(), 1):
            lines.append(f"  {n}. {'、'.join(places)}：{why}")
    else:
        lines.append("没有需要人工核实的推断。")
    return "\n".join(lines) + "\n"


def _where(draft: Draft, where: tuple[str, ...]) -> str:
    section = SECTION_NAMES.get(where[0], where[0])
    if len(where) == 1:
        return section
    if where[0] == "rules":
        return f"规则“{draft.spec['rules'][int(where[1])]['message']}”"
    items = {x["key"]: x for x in draft.spec.get(where[0], [])}
    label = items.get(where[1], {}).get("label", where[1])
    return f"{section}“{label}”"
