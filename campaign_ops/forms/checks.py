"""A form's rules as a short list of checks over a *long* frame (one frame row per cell).

Great Expectations 1.x has a fixed cost per expectation and run whatever the data size, so
a suite with one expectation per column and rule (70 for a ten-column form) cost more than
the parsing it checks. Instead every cell is one frame row carrying its own parameters (bounds,
required, choices) and the slack of every rule anchored on it; a dozen built-in expectations
then check every column and rule of every file of a batch in one run. The parameters come from
the spec, and the suite's ``meta.form`` records them, so any spec change shows up as suite drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from campaign_ops.forms.spec import ColumnType, FormSpec, Layout
from campaign_ops.forms.text import plain_number

Severity = Literal["error", "warning"]

# Frame columns (one frame row = one cell of one table row of one file; which one is known
# from its position, see ``frame.BatchFrame.locate``).
BAD = "unreadable"  # the text typed when it is not a valid value, else null
FILLED = "filled_if_required"  # null exactly where a required cell is blank
# Bounds are checked as slack (≥ 0 when the bound holds), like the rules: one column each,
# not the pair (value, bound), whose rows GX drops and copies the whole frame for first.
MIN = "min_slack"  # number − the column's lower bound
MAX = "max_slack"  # the column's upper bound − number
PRECISION = "precision_error"  # 1 when a number has more decimals than allowed
CHOICE = "choice"  # "form/column=text" for choice cells
LENGTH = "length_slack"  # the column's most characters − the text's
PART = "part_of_slack"  # parent row − this 其中 row
TOTAL = "total_error"  # reported 合计 − sum of rows, rounded to the column's precision
SHRINK = "shrink_slack"  # this round − previous round (cumulative columns)
GROWTH = "growth_ratio"  # this round ÷ previous round, where both are big enough to matter


def choice_tag(form: FormSpec, column: str) -> str:
    """Prefix of a choice cell's frame value: the form and column, so the choice sets of
    several forms can share one merged expectation without admitting each other's values."""
    return f"{form.id}/{column}="


def rule_slot(i: int) -> str:
    """Slack (≥ 0 when the rule holds) of the i-th rule anchored on a cell."""
    return f"rule_slack_{i}"


def rule_id_slot(i: int) -> str:
    return f"rule_id_{i}"


def rule_slots(form: FormSpec) -> int:
    """How many rules at most share an anchor column (le: left side; sums: the total)."""
    anchors: dict[str, int] = {}
    for rule in form.rules:
        anchor = rule.left if rule.kind == "le" else rule.total
        anchors[anchor or ""] = anchors.get(anchor or "", 0) + 1
    return max(anchors.values(), default=0)


@dataclass(frozen=True)
class Check:
    """One expectation of the suite, with its id, kind and the Chinese words for it."""

    id: str
    kind: str
    expectation: str
    kwargs: dict[str, Any]
    expected: str
    severity: Severity = "error"

    @property
    def meta(self) -> dict[str, Any]:
        return {"check": self.id, "kind": self.kind, "expected": self.expected}


def checks_for(form: FormSpec) -> list[Check]:
    """The suite of a form, in a stable order."""
    out = [
        Check(
            "cell.readable",
            "readable",
            "ExpectColumnValuesToBeNull",
            {"column": BAD},
            "每个单元格都是可识别的数字、日期或文字",
        ),
        Check(
            "cell.required",
            "required",
            "ExpectColumnValuesToNotBeNull",
            {"column": FILLED},
            "必填单元格都已填写（没有的填 0，空白不等于 0）",
        ),
    ]
    if form.numeric_columns:
        out += [
            Check(
                "cell.min",
                "min",
                "ExpectColumnValuesToBeBetween",
                {"column": MIN, "min_value": 0},
                "不小于本栏下限",
            ),
            Check(
                "cell.max",
                "max",
                "ExpectColumnValuesToBeBetween",
                {"column": MAX, "min_value": 0},
                "不大于本栏上限",
            ),
            Check(
                "cell.precision",
                "precision",
                "ExpectColumnValuesToBeBetween",
                {"column": PRECISION, "min_value": 0, "max_value": 0},
                "整数或规定位数的小数",
            ),
        ]
    choices = [
        choice_tag(form, c.key) + x
        for c in form.columns
        if c.type == ColumnType.choice
        for x in c.choices
    ]
    if choices:
        out.append(
            Check(
                "cell.choice",
                "choice",
                "ExpectColumnValuesToBeInSet",
                {"column": CHOICE, "value_set": choices},
                "下拉列表中的选项",
            )
        )
    if any(c.type == ColumnType.text for c in form.columns):
        out.append(
            Check(
                "cell.length",
                "length",
                "ExpectColumnValuesToBeBetween",
                {"column": LENGTH, "min_value": 0},
                "不超过规定字数",
            )
        )
    for i in range(1, rule_slots(form) + 1):
        out.append(
            Check(
                f"rule.{i}",
                "rule",
                "ExpectColumnValuesToBeBetween",
                {"column": rule_slot(i), "min_value": 0},
                "满足本表的核对规则",
            )
        )
    if form.layout == Layout.fixed and any(r.part_of for r in form.rows):
        out.append(
            Check(
                "row.part_of",
                "part_of",
                "ExpectColumnValuesToBeBetween",
                {"column": PART, "min_value": 0},
                "“其中”行不大于所属行",
            )
        )
    if form.total_row and form.numeric_columns:
        out.append(
            Check(
                "row.total",
                "total",
                "ExpectColumnValuesToBeBetween",
                {"column": TOTAL, "min_value": 0, "max_value": 0},
                f"{form.total_row.label}等于各行之和",
            )
        )
    if form.layout == Layout.fixed and any(c.cumulative for c in form.columns):
        out.append(
            Check(
                "round.not_shrinking",
                "shrink",
                "ExpectColumnValuesToBeBetween",
                {"column": SHRINK, "min_value": 0},
                "累计数不小于上一轮报送的数",
            )
        )
    factor = form.cross_round.growth_warning_factor
    if form.layout == Layout.fixed and factor and form.numeric_columns:
        out.append(
            Check(
                "round.growth",
                "growth",
                "ExpectColumnValuesToBeBetween",
                {"column": GROWTH, "max_value": factor, "strict_max": True},
                f"与上一轮相比不到 {plain_number(factor)} 倍",
                severity="warning",
            )
        )
    return out


def suite_parameters(form: FormSpec) -> dict[str, Any]:
    """What the frame puts on each cell, recorded in the suite so spec changes show as drift."""
    return {
        "columns": {
            c.key: {
                "label": c.label,
                "unit": c.unit,
                "type": c.type.value,
                "required": c.required,
                "min": c.low,
                "max": c.max,
                "decimals": c.decimals if c.type == ColumnType.decimal else 0,
                "choices": list(c.choices),
                "max_length": c.max_length if c.type == ColumnType.text else None,
                "cumulative": c.cumulative,
            }
            for c in form.columns
        },
        "rows": {r.key: {"label": r.label, "part_of": r.part_of} for r in form.rows},
        "total_row": form.total_row.label if form.total_row else None,
        "rules": [
            {
                "id": r.rule_id,
                "kind": r.kind,
                "left": r.left,
                "right": r.right,
                "parts": list(r.parts),
                "total": r.total,
            }
            for r in form.rules
        ],
        "growth_warning": [
            form.cross_round.growth_warning_factor,
            form.cross_round.growth_warning_min,
        ],
    }
