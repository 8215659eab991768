"""Chinese wording shared by the template's instructions (``instructions``), the suite's notes
and the report."""

from __future__ import annotations

from campaign_ops.forms.spec import Column, ColumnType, FormSpec, Rule


def plain_number(x: float) -> str:
    """``5.0`` → ``5``, ``0.5`` → ``0.5``: numbers as a person writes them."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def column_requirement(col: Column) -> str:
    """What a cell of this column must contain, e.g. ``必填；0～100000 的整数（件）``."""
    parts = ["必填" if col.required else "选填"]
    unit = f"，单位：{col.unit}" if col.unit else ""
    if col.type == ColumnType.integer:
        high = f"～{plain_number(col.max)}" if col.max is not None else " 以上"
        parts.append(f"{plain_number(col.low or 0)}{high} 的整数{unit}")
    elif col.type == ColumnType.decimal:
        high = f"～{plain_number(col.max)}" if col.max is not None else " 以上"
        parts.append(f"{plain_number(col.low or 0)}{high} 的数，最多 {col.decimals} 位小数{unit}")
    elif col.type == ColumnType.choice:
        parts.append("从下拉列表中选择：" + "、".join(col.choices))
    elif col.type == ColumnType.date:
        parts.append("日期，如 2024-06-01")
    else:
        parts.append(f"文字，不超过 {col.max_length} 字")
    if col.cumulative:
        parts.append("累计数，不得小于上一轮报送数")
    if col.help:
        parts.append(col.help)
    return "；".join(parts)


def rule_text(form: FormSpec, rule: Rule) -> str:
    if rule.message:
        return rule.message
    label = lambda k: form.columns_by_key[k].label  # noqa: E731
    if rule.kind == "le":
        return f"{label(rule.left or '')}不能大于{label(rule.right or '')}"
    parts = "、".join(label(p) for p in rule.parts)
    op = "之和应等于" if rule.kind == "sum_eq" else "之和不能大于"
    return f"{parts}{op}{label(rule.total or '')}"
