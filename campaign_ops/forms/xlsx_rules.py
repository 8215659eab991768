"""The rules and 累计数 a drafted form guesses from its column names and the notes under the
bureau's table: 结案 ≤ 立案, 本期 ≤ 累计, 立案日期 ≤ 结案日期, 其中 columns within their total, and
the columns the notes call 累计数. A table never states them, so each is marked for review."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from campaign_ops.forms.cleaning import norm_label

if TYPE_CHECKING:
    from campaign_ops.forms.from_xlsx import Draft

# cumulative for the whole table: “数据为自行动开始至填报日的累计数”
WHOLE_TABLE_CUMULATIVE = re.compile(r"(?:数据|各项|以上|本表|均)[^。；;]*累计")
STOCK_WORDS = ("本期", "新增", "在册", "实有", "现有", "存量")
# left ≤ right between columns whose core labels are these
LE_PAIRS = (("结案", "立案"), ("本期", "累计"), ("本期新增", "累计"))
SUBTOTAL = re.compile(r"(?:合计|小计|总计)$")  # a group's own total column
DATE_PAIRS = (("立案日期", "结案日期"), ("开始日期", "结束日期"), ("受理日期", "办结日期"))


def guess_rules(d: Draft) -> None:
    """Rules the column names imply, each marked for review."""
    cols = d.spec["columns"]
    numeric = [c for c in cols if c["type"] in ("integer", "decimal")]
    rules: list[dict[str, Any]] = []

    def core(c: dict[str, Any]) -> str:
        return re.sub(r"(?:件数|数量|数|案件)$", "", norm_label(c["label"]))

    for small, big in LE_PAIRS:  # 结案 ≤ 立案, 结案本期 ≤ 立案本期, 立案本期 ≤ 立案累计
        for a in numeric:
            for b in numeric:
                ca = core(a)
                if small in ca and ca.replace(small, big, 1) == core(b):
                    rules.append(_le(a, b, f"{a['label']}不能大于{b['label']}"))
    by_label = {norm_label(c["label"]): c for c in cols if c["type"] == "date"}
    for early, late in DATE_PAIRS:
        if early in by_label and late in by_label:
            a, b = by_label[early], by_label[late]
            rules.append(_le(a, b, f"{b['label']}不能早于{a['label']}"))
    rules += _group_sums(d.spec["groups"], cols, numeric)
    rules += _part_columns(cols, numeric)
    d.spec["rules"] = rules
    for i, _ in enumerate(rules):
        d.mark(("rules", str(i)), "按列名推断的核对规则，请确认")


def _group_sums(groups: list[dict], cols: list[dict], numeric: list[dict]) -> list[dict]:
    """A “其中” group adds up to the column before it; a group holding a 合计/小计 column adds
    up to that column. A breakdown ending in 其他 is complete (=), else at most (≤)."""
    rules = []
    keys = [c["key"] for c in cols]
    for g in groups:
        members = [cols[keys.index(k)] for k in g["columns"]]
        first = keys.index(g["columns"][0])
        if g["label"] == "其中" and first:
            total, parts = cols[first - 1], members
        else:
            sub = [c for c in members if SUBTOTAL.search(norm_label(c["label"]))]
            if len(sub) != 1:
                continue
            total, parts = sub[0], [c for c in members if c is not sub[0]]
        if total in numeric and parts and all(p in numeric for p in parts):
            last = parts[-1]["label"]
            whole = bool(SUBTOTAL.search(total["label"])) or "其他" in last or "其它" in last
            rules.append(_sum("sum_eq" if whole else "sum_le", parts, total))
    return rules


def _sum(kind: str, parts: list[dict], total: dict) -> dict[str, Any]:
    names = "、".join(p["label"].removeprefix("其中").lstrip("：:") for p in parts)
    word = "之和应等于" if kind == "sum_eq" else ("之和不能大于" if len(parts) > 1 else "不能大于")
    return {
        "kind": kind,
        "parts": [p["key"] for p in parts],
        "total": total["key"],
        "message": f"{names}{word}{total['label']}",
    }


def _part_columns(cols: list[dict[str, Any]], numeric: list[dict[str, Any]]) -> list[dict]:
    """“其中：移送公安” columns right after their total: together no more than it."""
    rules, total, parts = [], None, []
    for c in [*cols, None]:
        if c is not None and c in numeric and re.match(r"^其中", c["label"]) and total:
            parts.append(c)
            continue
        if total and parts:
            rules.append(_sum("sum_le", parts, total))
        total, parts = (c if c in numeric else None), []
    return rules


def _le(a: dict[str, Any], b: dict[str, Any], message: str) -> dict[str, Any]:
    return {"kind": "le", "left": a["key"], "right": b["key"], "message": message}


def guess_cumulative(d: Draft, notes: list[str]) -> None:
    """Columns the notes call 累计数: all numeric ones (“数据为……累计数”) or those named in
    the sentence (“已建立监管台账和行政指导为……累计数”)."""
    whole = any(WHOLE_TABLE_CUMULATIVE.search(n) for n in notes)
    said = [s for n in notes for s in re.split(r"[。；;，,]", n) if "累计" in s]
    for c in d.spec["columns"]:
        label = c["label"]
        if c["type"] not in ("integer", "decimal") or c.get("cumulative"):
            continue
        if any(w in label for w in STOCK_WORDS):
            continue
        named = any(label in s or (len(label) >= 4 and label[2:] in s) for s in said)
        if named or whole:
            c["cumulative"] = True
            d.mark(("columns", c["key"]), "表下说明写明为累计数：下一轮报送不得小于上一轮")
