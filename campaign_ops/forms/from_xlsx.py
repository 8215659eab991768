"""``campaign-ops form-from-xlsx``: a form spec drafted from the table a bureau already has.

The bureau's attachment table (``xlsx_headers`` finds its parts) says most of what a form spec
needs: column labels, units of measure, merged group headers, fixed row labels or an open case
list, a 合计 row. What it does not say (value ranges, whether a figure is cumulative, which
figures must not exceed which) is guessed from the words and marked ``待核实`` with why, so a
person checks exactly those before the form is used. ``form_yaml`` writes the draft.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign_ops.forms.cleaning import norm_label
from campaign_ops.forms.known_forms import house_forms, house_keys, key_for, similar_forms
from campaign_ops.forms.xlsx_headers import (
    COUNT_UNITS,
    MONEY_UNITS,
    PERCENT_UNITS,
    UNITS,
    HeaderColumn,
    TableParts,
    find_parts,
    is_total,
)
from campaign_ops.forms.xlsx_rules import guess_cumulative, guess_rules
from campaign_ops.forms.xlsx_sheet import Sheet, read_sheet

NUMERIC = ("integer", "decimal")
SEQ_WORDS = {"序号", "编号", "序", "no", "no."}
REPORTER_WORDS = {
    *("填报单位", "报送单位", "单位名称", "查处单位", "办案单位", "所属单位"),
    *("县区", "区县", "县市区", "县(市、区)", "县(市区)", "地区"),
}
MEASURE_WORDS = {"计量单位", "单位"}
CASE_WORDS = ("案件名称", "当事人", "案由", "案号", "企业名称", "主体名称", "姓名", "线索名称")
TEXT_WORDS = (
    *("名称", "当事人", "内容", "情况", "措施", "备注", "说明", "地址", "案由", "案号", "类型"),
    *("领域", "渠道", "原因", "结果", "方式", "姓名", "职务", "电话", "手机", "单位", "部门"),
    *("负责人", "联系人", "事实", "依据", "问题", "进展", "成效", "经验", "做法", "平台", "网址"),
    "账号",
)
DATE_WORDS = ("日期", "时间", "时限")
MONEY_WORDS = ("罚没", "罚款", "金额", "货值", "款", "经费", "资金")
COUNT_END = ("数", "数量", "次数", "人数", "户数", "件数", "个数", "人次", "户次")
ORG_END = ("区", "县", "市", "局", "所", "镇", "乡", "街道", "分局", "委", "办", "中心", "队")


@dataclass
class Draft:
    """A drafted form: ``spec`` is the YAML's data; ``marks`` what a person must check."""

    source: Path
    spec: dict[str, Any]
    marks: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    parts: TableParts | None = None

    def mark(self, where: tuple[str, ...], why: str) -> None:
        self.marks.setdefault(where, []).append(why)

    @property
    def mark_count(self) -> int:
        return sum(len(v) for v in self.marks.values())


def draft_form(
    path: Path, form_id: str, known: dict[str, str] | None = None, sheet_name: str | None = None
) -> Draft:
    """Read the bureau's table at ``path`` (sheet ``sheet_name``, else the one with the table)
    and draft the form ``form_id``.

    ``known`` maps normalised labels to keys already used by other forms (default: every form
    in the forms folder), so 立案 is ``filed`` here as it is elsewhere.
    """
    sheet = read_sheet(path, sheet_name)
    parts = find_parts(sheet)
    forms = house_forms()
    known = house_keys(forms) if known is None else known
    d = Draft(Path(path), {}, parts=parts)
    spec = d.spec
    spec["id"] = form_id
    spec["title"] = parts.title or Path(path).stem
    if not parts.title:
        d.mark(("title",), "表格上方没有找到标题，暂用文件名")
    spec["version"] = 1
    spec["version_date"] = (sheet.saved_on or dt.date.today()).isoformat()
    d.mark(
        ("version_date",),
        ("取自表格文件的保存日期" if sheet.saved_on else "暂填今天")
        + "；请改为通知印发日期（模板上印为“X年X月X日版”）",
    )
    spec["description"] = None
    roles = _roles(sheet, parts, d)
    body = [r for r in parts.body if not _total_row(sheet, r, parts)]
    totals = [r for r in parts.body if _total_row(sheet, r, parts)]
    label_col = roles.get("label")
    per_unit = roles.get("per_unit") is not None
    if per_unit:
        _per_unit(d, sheet, parts, roles["per_unit"])
    elif label_col is not None:
        _fixed_rows(d, sheet, parts, label_col, body, roles, known)
    else:
        _list_layout(d, roles, body)
    if len(totals) > 1 and not per_unit:
        d.mark(("total_row",), f"原表有 {len(totals)} 个合计/小计行，只保留一个合计行")
    if totals and not per_unit:
        spec["total_row"] = {"key": "total", "label": _total_label(sheet, totals[0], parts)}
        if body and totals[0] < body[0]:
            d.mark(("total_row",), "原表合计行在各行之上；模板的合计行在最下方")
    data_cols = [c for c in parts.columns if c.index in roles["data"]]
    _columns(d, sheet, parts, data_cols, body, totals, known)
    if spec["layout"] == "list" and all(c["type"] in NUMERIC for c in spec["columns"]):
        _one_row(d, roles.get("reporter"))
    if roles["seq"] is not None:
        seq = roles["seq"].text
        d.dropped.append(
            f"{seq}（模板第一列即{seq}）"
            if spec["layout"] == "list"
            else f"{seq}（模板不印{seq}，各行按名称识别）"
        )
    _groups(d)
    guess_rules(d)
    guess_cumulative(d, parts.notes)
    spec["notes"] = [_note_text(n) for n in parts.notes if _note_text(n)]
    similar_forms(d, forms)
    return d


# ---- what each column is --------------------------------------------------------------------


def _roles(sheet: Sheet, parts: TableParts, d: Draft) -> dict[str, Any]:
    """序号, reporting-unit, unit-of-measure and row-label columns; the rest are data."""
    roles: dict[str, Any] = {"seq": None, "measure": None, "label": None, "per_unit": None}
    body = [r for r in parts.body if not _total_row(sheet, r, parts)]
    data: list[int] = []
    for col in parts.columns:
        name = norm_label(col.text)
        values = [sheet.text(r, col.index) for r in body if sheet.text(r, col.index)]
        if name in SEQ_WORDS and roles["seq"] is None:
            roles["seq"] = col
        elif name in MEASURE_WORDS and values and all(v in UNITS for v in values):
            roles["measure"] = col
        elif _reporter(col, name, values, first=not data):
            if sum(v.endswith(ORG_END) for v in values) >= 2:
                roles["per_unit"] = col
            else:
                roles["reporter"] = col
                d.dropped.append(f"{col.text}（报送单位：系统按文件来自哪个单位区分，无需填写）")
                d.mark(("columns",), f"原表的“{col.text}”列没有带入：若它不是报送单位本身，请补回")
        else:
            data.append(col.index)
    cases = any(any(w in norm_label(c.text) for w in CASE_WORDS) for c in parts.columns)
    if roles["per_unit"] is None and not cases and data:
        first = next(c for c in parts.columns if c.index == data[0])
        labels = [sheet.text(r, first.index) for r in body]
        texts = [t for t in labels if t and not _number(t)]
        if len(texts) >= 2 and len(texts) >= 0.6 * len([t for t in labels if t]):
            roles["label"] = first
            data = data[1:]
    roles["data"] = data
    return roles


def _reporter(col: HeaderColumn, name: str, values: list[str], first: bool) -> bool:
    if name in {norm_label(w) for w in REPORTER_WORDS}:
        return True
    return name == "单位" and (first or sum(v.endswith(ORG_END) for v in values) >= 2)


def _total_row(sheet: Sheet, r: int, parts: TableParts) -> bool:
    return any(is_total(sheet.text(r, c.index)) for c in parts.columns[:3])


def _total_label(sheet: Sheet, r: int, parts: TableParts) -> str:
    for c in parts.columns[:3]:
        if is_total(sheet.text(r, c.index)):
            return re.sub(r"\s+", "", sheet.text(r, c.index))
    return "合计"


def _number(text: str) -> bool:
    return bool(re.fullmatch(r"[+-]?\d+(?:\.\d+)?", text.replace(",", "")))


# ---- rows ------------------------------------------------------------------------------------


def _fixed_rows(
    d: Draft,
    sheet: Sheet,
    parts: TableParts,
    label_col: HeaderColumn,
    body: list[int],
    roles: dict[str, Any],
    known: dict[str, str],
) -> None:
    """Fixed rows from the label column: 其中 rows, row units, text the bureau filled in."""
    spec = d.spec
    spec["layout"] = "fixed"
    spec["row_header"] = label_col.text
    given = [
        c
        for c in parts.columns
        if c.index in roles["data"] and _given_text(sheet, body, c.index, label_col.index)
    ]
    second = _second_level(sheet, body, label_col, given)
    if second:
        given.remove(second)
        roles["data"].remove(second.index)
        spec["row_header"] = second.text
    for c in given:
        roles["data"].remove(c.index)
        d.dropped.append(f"{c.text}（原表已逐行写好的文字，已并入行名称的括号内）")
    labels = {r: sheet.text(r, label_col.index).replace("\n", "") for r in body}
    if second:
        items = {r: sheet.text(r, second.index).replace("\n", "") for r in body}
        unique = len(set(items.values())) == len(items)
        labels = {r: items[r] if unique else f"{labels[r]}·{items[r]}" for r in body}
        d.mark(
            ("rows",),
            f"原表的行分两级（{label_col.text}、{second.text}）："
            + ("以第二级为行名称，第一级未带入模板" if unique else "两级合为“一级·二级”"),
        )
    rows: list[dict[str, Any]] = []
    parent = None
    for r in body:
        label = labels[r]
        if not label:
            continue
        extra = [f"{c.label}：{sheet.text(r, c.index)}" for c in given if sheet.text(r, c.index)]
        full = f"{label}（{'；'.join(extra)}）" if extra else label
        row: dict[str, Any] = {
            "key": key_for(label, known, "row", len(rows) + 1, rows),
            "label": full,
        }
        if roles["measure"] is not None and (u := sheet.text(r, roles["measure"].index)):
            row["unit"] = u
        if re.match(r"^\s*其中", label) and parent:
            row["part_of"] = parent
        else:
            parent = row["key"]
        rows.append(row)
    spec["rows"] = rows
    _distinct(d, "rows")
    if len(rows) < 2:
        d.mark(("rows",), "只找到一行，请核对是否应为案件清单（一案一行）")


def _distinct(d: Draft, section: str) -> None:
    """Labels the parser can tell apart: a repeated one (“其中：线上” under two rows, two 备注
    columns) gets its parent's name or a number after “·”."""
    items = d.spec[section]
    by_key = {x["key"]: x for x in items}
    seen: dict[str, int] = {}
    for x in items:
        name = norm_label(x["label"])
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 1:
            continue
        parent = by_key.get(x.get("part_of") or "")
        tail = norm_label(parent["label"]) if parent else str(seen[name])
        x["label"] = f"{x['label']}·{tail}"
        d.mark((section, x["key"]), f"原表有同名的“{name}”，已改为“{x['label']}”以便区分")


def _second_level(
    sheet: Sheet, body: list[int], label_col: HeaderColumn, given: list[HeaderColumn]
) -> HeaderColumn | None:
    """The column right of a label column merged over several rows (类别 → 项目)."""
    merged = any((m := sheet.merge_at(r, label_col.index)) and m[2] > m[0] for r in body)
    nxt = next((c for c in given if c.index == label_col.index + 1), None)
    return nxt if merged else None


def _given_text(sheet: Sheet, body: list[int], c: int, label_c: int) -> bool:
    """A column the bureau filled in for every labelled row (责任单位, 完成时限 …)."""
    rows = [r for r in body if sheet.text(r, label_c)]
    vals = [sheet.text(r, c) for r in rows]
    return len(rows) >= 2 and all(v and not _number(v) for v in vals)


def _per_unit(d: Draft, sheet: Sheet, parts: TableParts, col: HeaderColumn) -> None:
    d.spec["layout"] = "fixed"
    d.spec["row_header"] = col.text
    body = [r for r in parts.body if not _total_row(sheet, r, parts)]
    names = list(dict.fromkeys(t for r in body if (t := sheet.text(r, col.index))))
    # a unit sending back the circular's table with only its own row left is still read
    d.spec["rows"] = [{"key": "this_unit", "label": "本单位", "aliases": names}]
    d.dropped.append(f"{col.text} 列下的各单位（每个单位只填本单位的一行）")
    d.mark(
        ("rows",),
        f"原表每行是一个{col.text}（汇总表）：系统里每个单位只填自己的一行，汇总表由系统生成",
    )


def _one_row(d: Draft, reporter: HeaderColumn | None) -> None:
    """Only figures and no row names (单位名称 | 立案数 | 结案数): each unit fills one row."""
    spec = d.spec
    for key in ("template_rows", "max_rows", "total_row"):
        spec.pop(key, None)
    spec["layout"] = "fixed"
    spec["row_header"] = reporter.text if reporter else "填报单位"
    spec["rows"] = [{"key": "this_unit", "label": "本单位"}]
    d.mark(("rows",), "原表只有数字列、没有行名称：每个单位填一行（本单位）")


def _list_layout(d: Draft, roles: dict[str, Any], body: list[int]) -> None:
    d.spec["layout"] = "list"
    seq = roles["seq"]
    d.spec["row_header"] = seq.text if seq else "序号"
    if not seq:
        d.mark(("row_header",), "原表没有序号列；模板第一列为序号")
    d.spec["template_rows"] = min(max(len(body), 10), 200)
    d.spec["max_rows"] = 500


# ---- columns ---------------------------------------------------------------------------------


def _columns(
    d: Draft,
    sheet: Sheet,
    parts: TableParts,
    cols: list[HeaderColumn],
    body: list[int],
    totals: list[int],
    known: dict[str, str],
) -> None:
    """Each data column's label, unit, type, decimals and choices, with why where guessed."""
    out: list[dict[str, Any]] = []
    seen = [norm_label(c.label) for c in cols]
    for i, col in enumerate(cols, 1):
        label = col.label
        if seen.count(norm_label(label)) > 1 and col.groups:  # 本期 under 立案 and under 结案
            label = col.groups[-1] + label
        c: dict[str, Any] = {"key": key_for(label, known, "col", i, out), "label": label}
        where = ("columns", c["key"])
        if label != col.label:
            d.mark(where, f"原表几组下都有“{col.label}”，已加上组名“{col.groups[-1]}”")
        samples = [sheet.value(r, col.index) for r in body]
        samples = [v for v in samples if v not in (None, "")]
        summed = any((t, col.index) in sheet.formulas for t in totals)
        kind, unit, why = _kind(col, samples, sheet.choices.get(col.index), summed, d)
        unit = unit or col.unit
        table_unit = parts.table_unit if kind in ("integer", "decimal") and not unit else None
        if table_unit and (table_unit in MONEY_UNITS) == (kind == "decimal"):
            unit = table_unit
            why = f"计量单位取自表上方的“单位：{table_unit}”"
        if unit:
            c["unit"] = unit
        c["type"] = kind
        if kind == "decimal":
            c["decimals"] = 4 if unit in ("万元", "亿元") else 2
            if unit in PERCENT_UNITS:
                c["max"] = 100
        if kind == "choice":
            c["choices"] = list(sheet.choices.get(col.index) or ("是", "否"))
        if kind == "text" and any(w in col.label for w in ("备注", "说明")):
            c["required"] = False
        if why:
            d.mark(where, why)
        if "累计" in col.label and kind in ("integer", "decimal"):
            c["cumulative"] = True
        c["_groups"] = col.groups
        out.append(c)
    d.spec["columns"] = out
    _distinct(d, "columns")


def _kind(
    col: HeaderColumn, samples: list[Any], choices: tuple[str, ...] | None, summed: bool, d: Draft
) -> tuple[str, str | None, str | None]:
    """(type, unit, why-it-is-a-guess or None) of a data column."""
    label, unit = col.label, col.unit
    if choices:
        return "choice", None, None
    if unit in MONEY_UNITS or unit in PERCENT_UNITS:
        return "decimal", unit, None
    if unit in COUNT_UNITS:
        if any(isinstance(v, float) and not v.is_integer() for v in samples):
            return "decimal", unit, "示例数据有小数，按小数处理"
        return "integer", unit, None
    if any(w in label for w in DATE_WORDS) and "时限" not in label:
        return "date", None, None
    if label.startswith("是否"):
        return "choice", None, "“是否”列做成“是/否”下拉列表"
    if any(w in label for w in MONEY_WORDS):
        return "decimal", None, "金额列的表头没写单位（元还是万元？）"
    if samples:
        if all(isinstance(v, dt.date | dt.datetime) for v in samples):
            return "date", None, None
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in samples):
            if all(float(v).is_integer() for v in samples):
                return "integer", None, "表头没写计量单位，按示例数据定为整数"
            return "decimal", None, "表头没写计量单位，按示例数据定为小数"
    if summed:
        return "integer", None, "合计行对此列求和，按整数处理；表头没写计量单位"
    if any(w in label for w in TEXT_WORDS):
        return "text", None, None
    if label.endswith(COUNT_END) or d.spec.get("layout") == "fixed":
        return "integer", None, "表头没写计量单位，按整数处理"
    return "text", None, "看不出是数字还是文字，按文字处理"


def _groups(d: Draft) -> None:
    """Merged headers above adjacent columns; deeper headers are joined into one."""
    groups: list[dict[str, Any]] = []
    previous: tuple[str, ...] = ()
    for c in d.spec["columns"]:
        g = c.pop("_groups")
        if g and g == previous:
            groups[-1]["columns"].append(c["key"])
        elif g:
            label = "·".join(g)
            groups.append({"label": label, "columns": [c["key"]]})
            if len(g) > 1:
                d.mark(("groups",), f"原表有多层表头，已合为一层：“{label}”")
        previous = g
    d.spec["groups"] = groups


def _note_text(text: str) -> str:
    text = re.sub(r"^(?:注|备注|说明|填表说明|填报说明|附注)\s*[:：]?\s*", "", text.strip())
    return re.sub(r"^(?:\d+|[一二三四五六七八九十]+)\s*[、.．]\s*", "", text).strip()
