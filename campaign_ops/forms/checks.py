"""Every rule of a form as a list of checks: the one place both the GX suite and the report
wording come from.

Rules that span cells (totals, 其中 rows, breakdowns, previous round) are turned into derived
columns by ``frame`` and checked with built-in expectations on those columns: the same rule is
then visible in the committed suite, attributable to a file and row, and cheap on a batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from campaign_ops.forms.spec import Column, ColumnType, FormSpec, Layout
from campaign_ops.forms.text import _num, column_requirement, rule_text

Severity = Literal["error", "warning"]


# Frame columns every batch has, besides the form's own columns.
FILE = "__file"
ROW = "__row"
LABEL = "__label"
TOTAL_FLAG = "__total"
PARENT = "__parent"


def bad_col(key: str) -> str:
    return f"{key}__bad"


def frac_col(key: str) -> str:
    return f"{key}__frac"


def rule_col(rule_id: str) -> str:
    return f"__rule__{rule_id}"


def part_col(key: str) -> str:
    return f"{key}__part"


def total_col(key: str) -> str:
    return f"{key}__total"


def prev_col(key: str) -> str:
    return f"{key}__prev"


def shrink_col(key: str) -> str:
    return f"{key}__shrink"


def growth_col(key: str) -> str:
    return f"{key}__growth"


@dataclass(frozen=True)
class Check:
    """One expectation: which frame column it reads, what it expects, in words."""

    id: str
    kind: str
    expectation: str  # GX expectation class name
    kwargs: dict[str, Any]
    expected: str  # Chinese: what the cell should be
    columns: tuple[str, ...]  # spec column keys involved, first is the one reported
    severity: Severity = "error"
    rule: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def meta(self) -> dict[str, Any]:
        meta = {"check": self.id, "kind": self.kind, "columns": list(self.columns), "expected": self.expected}
        if self.rule:
            meta["rule"] = self.rule
        return meta


def checks_for(form: FormSpec) -> list[Check]:
    """All checks of a form, in a stable order (the suite's order)."""
    out: list[Check] = []
    for col in form.columns:
        out += _column_checks(col)
    for rule in form.rules:
        out.append(_rule_check(form, rule))
    if form.layout == Layout.fixed and any(r.part_of for r in form.rows):
        for col in form.numeric_columns:
            out.append(Check(
                id=f"{col.key}.part_of", kind="part_of",
                expectation="ExpectColumnValuesToBeBetween",
                kwargs={"column": part_col(col.key), "min_value": 0},
                expected=f"“其中”行的{col.label}不能大于所属行", columns=(col.key,),
            ))
    if form.total_row:
        for col in form.numeric_columns:
            tol = 0 if col.type == ColumnType.integer else round(0.5 * 10 ** -col.decimals, 8)
            what = "各行" if form.layout == Layout.fixed else "各条"
            out.append(Check(
                id=f"{col.key}.total", kind="total",
                expectation="ExpectColumnValuesToBeBetween",
                kwargs={"column": total_col(col.key), "min_value": -tol, "max_value": tol},
                expected=f"{form.total_row.label}应等于{what}{col.label}之和", columns=(col.key,),
            ))
    if form.layout == Layout.fixed:
        out += _cross_round_checks(form)
    return out


def _column_checks(col: Column) -> list[Check]:
    req = column_requirement(col).split("；")[1] if "；" in column_requirement(col) else ""
    out = [Check(
        id=f"{col.key}.readable", kind="readable",
        expectation="ExpectColumnValuesToBeNull", kwargs={"column": bad_col(col.key)},
        expected=req or "可识别的值", columns=(col.key,),
    )]
    if col.required:
        out.append(Check(
            id=f"{col.key}.required", kind="required",
            expectation="ExpectColumnValuesToNotBeNull",
            # the 合计 row may be left blank: it is computed from the rows
            kwargs={"column": col.key, "row_condition": f"{TOTAL_FLAG} == False",
                    "condition_parser": "pandas"},
            expected=f"必须填写（{req}）" + ("；没有的填 0，空白不等于 0" if col.numeric else ""),
            columns=(col.key,),
        ))
    if col.numeric:
        bounds: dict[str, Any] = {"column": col.key}
        if col.low is not None:
            bounds["min_value"] = col.low
        if col.max is not None:
            bounds["max_value"] = col.max
        out.append(Check(
            id=f"{col.key}.range", kind="range", expectation="ExpectColumnValuesToBeBetween",
            kwargs=bounds, expected=req, columns=(col.key,),
        ))
        places = 0 if col.type == ColumnType.integer else col.decimals
        out.append(Check(
            id=f"{col.key}.precision", kind="precision", expectation="ExpectColumnValuesToBeBetween",
            kwargs={"column": frac_col(col.key), "min_value": 0, "max_value": 0},
            expected="整数" if places == 0 else f"最多 {places} 位小数", columns=(col.key,),
            extra={"places": places},
        ))
    elif col.type == ColumnType.choice:
        out.append(Check(
            id=f"{col.key}.choice", kind="choice", expectation="ExpectColumnValuesToBeInSet",
            kwargs={"column": col.key, "value_set": list(col.choices)},
            expected="下拉列表中的一项：" + "、".join(col.choices), columns=(col.key,),
        ))
    elif col.type == ColumnType.text:
        out.append(Check(
            id=f"{col.key}.length", kind="length", expectation="ExpectColumnValueLengthsToBeBetween",
            kwargs={"column": col.key, "max_value": col.max_length},
            expected=f"不超过 {col.max_length} 字", columns=(col.key,),
        ))
    return out


def _rule_check(form: FormSpec, rule) -> Check:
    text = rule_text(form, rule)
    if rule.kind == "le":
        return Check(
            id=f"rule.{rule.rule_id}", kind="rule",
            expectation="ExpectColumnPairValuesAToBeGreaterThanB",
            kwargs={"column_A": rule.right, "column_B": rule.left, "or_equal": True,
                    "ignore_row_if": "either_value_is_missing"},
            expected=text, columns=(rule.left, rule.right), rule=rule.rule_id,
        )
    bounds: dict[str, Any] = {"column": rule_col(rule.rule_id), "min_value": 0}
    if rule.kind == "sum_eq":
        bounds["max_value"] = 0
    return Check(
        id=f"rule.{rule.rule_id}", kind="sum", expectation="ExpectColumnValuesToBeBetween",
        kwargs=bounds, expected=text, columns=(*rule.parts, rule.total), rule=rule.rule_id,
    )


def _cross_round_checks(form: FormSpec) -> list[Check]:
    out = []
    for col in form.numeric_columns:
        if col.cumulative:
            out.append(Check(
                id=f"{col.key}.not_shrinking", kind="shrink",
                expectation="ExpectColumnValuesToBeBetween",
                kwargs={"column": shrink_col(col.key), "min_value": 0},
                expected=f"{col.label}是累计数，不能小于上一轮报送的数", columns=(col.key,),
            ))
    factor = form.cross_round.growth_warning_factor
    if factor:
        for col in form.numeric_columns:
            out.append(Check(
                id=f"{col.key}.growth", kind="growth", severity="warning",
                expectation="ExpectColumnValuesToBeBetween",
                kwargs={"column": growth_col(col.key), "max_value": factor, "strict_max": True},
                expected=f"与上一轮相比不到 {_num(factor)} 倍（请核实是否多填了位数或单位用错）",
                columns=(col.key,), extra={"factor": factor},
            ))
    return out
