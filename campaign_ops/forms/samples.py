"""Plausible filled-in submissions, for tests, the benchmark and demos.

``sample_values`` draws numbers that satisfy a form's rules (breakdowns add up, 结案 ≤ 立案,
其中 ≤ 总数, cumulative figures grow from the previous round); ``fill_template`` types them
into a generated template the way a person would, optionally in one of the messy-but-valid
styles counties really send.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl.utils import get_column_letter

from campaign_ops.forms.layout import TemplateLayout
from campaign_ops.forms.spec import Column, ColumnType, FormSpec, Layout

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign, Round, Unit

Values = dict[str, dict[str, Any]]  # row key → column key → value

# The messy-but-valid ways people type numbers (see ``styled``).
STYLES = ("plain", "text", "fullwidth", "separators", "dashes")
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def sample_values(
    form: FormSpec, seed: int = 0, previous: Values | None = None, cases: int = 5
) -> Values:
    """Values for every input cell (fixed rows) or ``cases`` list rows, consistent with the
    form's rules; with ``previous``, cumulative columns never go down."""
    rng = random.Random(seed)
    if form.layout == Layout.list:
        return {f"r{i}": _case(form, rng, i) for i in range(1, cases + 1)}
    values: Values = {}
    for row in sorted(form.rows, key=lambda r: r.part_of is not None):
        line = {c.key: _number(c, rng) for c in form.columns if c.numeric}
        before = (previous or {}).get(row.key, {})
        for c in form.numeric_columns:
            if before.get(c.key) is not None:  # a round later: modest growth from before
                grown = before[c.key] * (1 + rng.uniform(0, 0.5)) + rng.randint(0, 3)
                line[c.key] = _round(c, grown)
        _apply_rules(form, line)
        if row.part_of:
            parent = values[row.part_of]
            line = {k: min(v, parent[k]) for k, v in line.items()}
        values[row.key] = line
    return {r.key: values[r.key] for r in form.rows}


def _round(col: Column, v: float) -> Any:
    return round(v) if col.type == ColumnType.integer else round(v, min(col.decimals, 2))


def _number(col: Column, rng: random.Random) -> Any:
    if col.type == ColumnType.integer:
        return rng.choice([0, rng.randint(0, 30), rng.randint(0, 300)])
    return round(rng.uniform(0, 50), 2)


def _apply_rules(form: FormSpec, line: dict[str, Any]) -> None:
    for _ in range(2):
        for rule in form.rules:
            if rule.kind == "sum_eq":
                line[rule.total] = sum(line[p] for p in rule.parts)
            elif rule.kind == "sum_le":
                line[rule.total] = max(line[rule.total], sum(line[p] for p in rule.parts))
        for rule in form.rules:
            if rule.kind == "le" and rule.left in line and line[rule.left] > line[rule.right]:
                line[rule.left] = line[rule.right]


def _case(form: FormSpec, rng: random.Random, i: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    filed = dt.date(2023, 5, 10) + dt.timedelta(days=rng.randint(0, 120))
    for col in form.columns:
        if col.type == ColumnType.text:
            out[col.key] = f"{col.label}{i}号"
        elif col.type == ColumnType.choice:
            out[col.key] = rng.choice(col.choices)
        elif col.type == ColumnType.date:
            out[col.key] = filed
        else:
            out[col.key] = _number(col, rng)
    # a case still open has no closing date and no fine yet
    if "status" in out and "closed_on" in out:
        if out["status"] == "已结案":
            out["closed_on"] = filed + dt.timedelta(days=rng.randint(1, 60))
        else:
            out["closed_on"] = None
            out["fines"] = None
    return out


def fill_template(
    template: Path, out: Path, form: FormSpec, values: Values, style: str = "plain"
) -> Path:
    """Type ``values`` into a generated template and save it as ``out``.

    Styles: ``plain`` (numbers as numbers), ``text`` (numbers stored as text), ``fullwidth``
    (１２３), ``separators`` (1,234), ``dashes`` (— and 无 for zero).
    """
    from openpyxl import load_workbook

    wb = load_workbook(template)
    ws = wb.worksheets[0]
    for ref, value in typed_cells(form, values, style).items():
        ws[ref] = value
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def typed_cells(form: FormSpec, values: Values, style: str = "plain") -> dict[str, Any]:
    """Cell reference → what a person types there in ``style``: the one place that maps
    values onto a template, shared by ``fill_template`` and the fast scale-fixture writer."""
    lay = TemplateLayout(form)
    columns = form.columns_by_key
    letters = {c.key: get_column_letter(lay.col(c.key)) for c in form.columns}
    rows = {row_key: lay.row(row_key) for row_key in values}
    return {
        f"{letters[col_key]}{rows[row_key]}": styled(value, columns[col_key], style)
        for row_key, line in values.items()
        for col_key, value in line.items()
    }


def styled(value: Any, col: Column, style: str) -> Any:
    """How a person might type ``value`` in a given style (still meaning the same number)."""
    if value is None or not col.numeric or style == "plain" or isinstance(value, str):
        return value  # a remark typed into a number cell stays as it was typed
    text = str(int(value)) if float(value).is_integer() else str(value)
    if style == "text":
        return text
    if style == "fullwidth":
        return text.translate(FULL_WIDTH)
    if style == "separators":
        return (
            f"{value:,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
        )
    if style == "dashes":
        return ("—", "无")[int(value) % 2] if value == 0 else value
    raise ValueError(f"unknown style {style}")


def campaign_using(form_id: str) -> tuple[Campaign, Round, Unit]:
    """A seed campaign that asks for ``form_id``, its first such round and its first unit."""
    from campaign_ops.campaign import Campaign, load_campaigns

    for campaign in load_campaigns():
        if not isinstance(campaign, Campaign):
            continue
        for round_ in campaign.rounds:
            if form_id in round_.forms:
                return campaign, round_, campaign.units_for(round_)[0]
    raise LookupError(f"没有专项行动使用表单 {form_id}")
