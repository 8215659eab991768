"""Form specs: the single description of a statistics form (统计表).

A form is described once, in ``include/forms/<id>.yaml``; the Excel template, the parser's
label matching, the Great Expectations suite and the error report are all derived from it.
Labels are what county staff see, so every label, unit of measure and rule message is Chinese.

The YAML, in short (see the six seed forms for complete examples)::

    id: livestream-cases            # = file name; campaign rounds refer to it
    title: 直播电商违法案件查处情况统计表
    version: 1                      # bump when columns change: old templates are flagged
    version_date: 2023-05-09        # the version as units read it (“2023年5月9日版”)
    layout: fixed                   # fixed rows (领域, 违法类型…) or list (one case per row)
    row_header: 违法行为类型
    rows:                           # fixed layout only; part_of marks a 其中 row
      - {key: price, label: 价格欺诈及不按规定明码标价, aliases: [价格欺诈]}
    total_row: {key: total, label: 合计}     # 合计 = sum of the rows (其中 rows excluded)
    groups:                         # merged header cells above adjacent columns
      - {label: 案件查处, columns: [filed, closed]}
    columns:                        # type: integer | decimal | text | choice | date
      - {key: filed, label: 立案, unit: 件, max: 100000, cumulative: true}
    rules:                          # le: left ≤ right; sum_le / sum_eq: parts vs total
      - {kind: le, left: closed, right: filed, message: 结案数不能大于立案数}
    cross_round: {growth_warning_factor: 10, growth_warning_min: 10}

After editing a spec run ``python -m campaign_ops.forms.expectations`` and commit the suite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from campaign_ops.forms.cleaning import norm_label
from campaign_ops.specfile import SpecFileError, duplicates, read_yaml

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
FormId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnType(StrEnum):
    integer = "integer"
    decimal = "decimal"
    text = "text"
    choice = "choice"
    date = "date"


TYPE_LABELS = {
    ColumnType.integer: "非负整数",
    ColumnType.decimal: "数字",
    ColumnType.text: "文字",
    ColumnType.choice: "从下拉列表选择",
    ColumnType.date: "日期",
}


class Column(_Strict):
    """One column a unit fills in. ``unit`` is the unit of measure (件, 万元, 户次 …)."""

    key: Key
    label: str
    unit: str | None = None
    type: ColumnType = ColumnType.integer
    required: bool = True
    min: float | None = None
    max: float | None = None
    decimals: int = Field(default=2, ge=0, le=6)
    choices: tuple[str, ...] = ()
    max_length: int = Field(default=200, ge=1, le=2000)
    cumulative: bool = Field(
        default=False, description="累计数：下一轮报送时不得小于上一轮（跨轮规则）"
    )
    aliases: tuple[str, ...] = ()
    help: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Column:
        if self.type == ColumnType.choice and not self.choices:
            raise ValueError(f"列 {self.key} 类型为 choice，必须给出 choices")
        if self.type != ColumnType.choice and self.choices:
            raise ValueError(f"列 {self.key} 不是 choice 类型，不能有 choices")
        if self.cumulative and not self.numeric:
            raise ValueError(f"列 {self.key} 不是数字列，不能标为 cumulative")
        return self

    @property
    def numeric(self) -> bool:
        return self.type in (ColumnType.integer, ColumnType.decimal)

    @property
    def low(self) -> float | None:
        """Lower bound actually enforced: counts are never negative unless the spec says so."""
        if self.min is not None:
            return self.min
        return 0 if self.numeric else None

    @property
    def header(self) -> str:
        """Label as printed in a header cell, with its unit of measure."""
        return f"{self.label}（{self.unit}）" if self.unit else self.label

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


class Row(_Strict):
    """A fixed row (a 领域, a violation type, a work item). ``part_of`` marks a 其中 row."""

    key: Key
    label: str
    unit: str | None = Field(default=None, description="本行的计量单位（各行单位不同时使用）")
    part_of: Key | None = Field(default=None, description="“其中”行：所属的上级行，不计入合计")
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


class TotalRow(_Strict):
    key: Key = "total"
    label: str = "合计"
    aliases: tuple[str, ...] = ("总计",)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


class Group(_Strict):
    """A merged group header above several adjacent columns (e.g. 案件查处 over 立案/结案)."""

    label: str
    columns: tuple[Key, ...] = Field(min_length=1)


class Rule(_Strict):
    """A cross-field rule checked on every row.

    - ``le``: left ≤ right (e.g. 结案数 ≤ 立案数)
    - ``sum_le``: sum of parts ≤ total (其中 columns ≤ 总数)
    - ``sum_eq``: sum of parts = total (a breakdown that must add up)
    """

    kind: Literal["le", "sum_le", "sum_eq"]
    id: Key | None = None
    left: Key | None = None
    right: Key | None = None
    parts: tuple[Key, ...] = ()
    total: Key | None = None
    message: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Rule:
        if self.kind == "le" and not (self.left and self.right):
            raise ValueError("le 规则需要 left 和 right")
        if self.kind != "le" and not (self.parts and self.total):
            raise ValueError(f"{self.kind} 规则需要 parts 和 total")
        return self

    @property
    def rule_id(self) -> str:
        if self.id:
            return self.id
        if self.kind == "le":
            return f"{self.left}_le_{self.right}"
        return f"{'_'.join(self.parts)}_{self.kind}_{self.total}"

    @property
    def columns(self) -> tuple[str, ...]:
        if self.kind == "le":
            return (self.left or "", self.right or "")
        return (*self.parts, self.total or "")


class CrossRound(_Strict):
    """Rules between a unit's submission and its previous round's."""

    growth_warning_factor: float | None = Field(
        default=10, gt=1, description="本轮数值达到上一轮的多少倍时给出警告（不退回）"
    )
    growth_warning_min: float = Field(
        default=10, ge=0, description="本轮数值小于此数时不提示增长异常，避免 1→10 之类的噪声"
    )


class Layout(StrEnum):
    fixed = "fixed"  # a fixed list of rows (领域, 违法类型, 工作项目)
    list = "list"  # open-ended rows (a case list)


class FormSpec(_Strict):
    id: FormId
    title: str
    version: int = Field(ge=1)
    version_date: dt.date | None = Field(
        default=None,
        description="本版表单的发布日期：单位在模板上看到的版本（“2023年5月9日版”），不看编号",
    )
    description: str | None = None
    source: str | None = Field(
        default=None, description="依据的通知（../shared/seeds/ 下的文件名）"
    )
    layout: Layout
    row_header: str = Field(description="行标题列的表头，如“项目”“违法行为类型”“序号”")
    rows: tuple[Row, ...] = ()
    total_row: TotalRow | None = None
    template_rows: int = Field(default=30, ge=1, le=500, description="list 布局模板预留的空行数")
    max_rows: int = Field(default=500, ge=1, le=5000, description="list 布局最多接受的行数")
    groups: tuple[Group, ...] = ()
    columns: tuple[Column, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = ()
    cross_round: CrossRound = CrossRound()
    accept_csv: bool = Field(default=True, description="是否接受 CSV（GBK/GB18030 或 UTF-8）")
    notes: tuple[str, ...] = Field(default=(), description="填表说明，印在表下和说明页")

    @model_validator(mode="after")
    def _references(self) -> FormSpec:
        problems: list[str] = []
        cols = {c.key: c for c in self.columns}
        duplicates([c.key for c in self.columns], "列代码", problems)
        duplicates(
            [n for c in self.columns for n in {norm_label(x) for x in c.names}], "列名称", problems
        )
        if self.layout == Layout.fixed:
            if not self.rows:
                problems.append("fixed 布局必须列出 rows")
            row_keys = [r.key for r in self.rows] + ([self.total_row.key] if self.total_row else [])
            duplicates(row_keys, "行代码", problems)
            names = [n for r in self.rows for n in {norm_label(x) for x in r.names}]
            if self.total_row:
                names += list({norm_label(x) for x in self.total_row.names})
            duplicates(names, "行名称", problems)
            for r in self.rows:
                if r.part_of and r.part_of not in {x.key for x in self.rows if not x.part_of}:
                    problems.append(f"行 {r.key} 的 part_of={r.part_of} 不是本表的非“其中”行")
        elif self.rows:
            problems.append("list 布局不能列出固定的 rows")
        for rule in self.rules:
            for key in rule.columns:
                if key not in cols:
                    problems.append(f"规则 {rule.rule_id} 引用了不存在的列 {key}")
                elif rule.kind != "le" and not cols[key].numeric:
                    problems.append(f"规则 {rule.rule_id} 的列 {key} 不是数字列")
        duplicates([r.rule_id for r in self.rules], "规则编号", problems)
        order = [c.key for c in self.columns]
        for g in self.groups:
            idx = [order.index(k) for k in g.columns if k in cols]
            if len(idx) != len(g.columns):
                problems.append(f"表头分组“{g.label}”引用了不存在的列")
            elif idx != list(range(idx[0], idx[0] + len(idx))):
                problems.append(f"表头分组“{g.label}”的列必须相邻且按顺序排列")
        duplicates([k for g in self.groups for k in g.columns], "分组中的列", problems)
        if problems:
            raise ValueError("；".join(problems))
        return self

    # ---- derived views -------------------------------------------------------------------

    @cached_property
    def columns_by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    @cached_property
    def column_lookup(self) -> dict[str, str]:
        """Normalised column label or alias → column key (what the parser matches headers to)."""
        return {norm_label(n): c.key for c in self.columns for n in c.names}

    @cached_property
    def row_lookup(self) -> dict[str, str]:
        """Normalised row label or alias (合计 included) → row key."""
        names = {norm_label(n): r.key for r in self.rows for n in r.names}
        if self.total_row:
            names.update({norm_label(n): self.total_row.key for n in self.total_row.names})
        return names

    @cached_property
    def numeric_columns(self) -> list[Column]:
        return [c for c in self.columns if c.numeric]

    @property
    def row_units(self) -> bool:
        """True when rows carry their own unit of measure (a 计量单位 column is shown)."""
        return any(r.unit for r in self.rows)

    @cached_property
    def rows_by_key(self) -> dict[str, Row]:
        return {r.key: r for r in self.rows}

    @property
    def detail_rows(self) -> list[Row]:
        """Rows that add up to the 合计 row (其中 rows are already inside their parent)."""
        return [r for r in self.rows if not r.part_of]

    def group_of(self, key: str) -> Group | None:
        for g in self.groups:
            if key in g.columns:
                return g
        return None

    def row_label(self, key: str) -> str:
        if self.total_row and key == self.total_row.key:
            return self.total_row.label
        row = self.rows_by_key.get(key)
        return row.label if row else key

    @property
    def display_name(self) -> str:
        return f"{self.title}（{self.id} 第{self.version}版）"

    @property
    def version_label(self) -> str:
        """The version as a unit reads it: its date when the spec gives one, never the id."""
        if self.version_date:
            d = self.version_date
            return f"{d.year}年{d.month}月{d.day}日版"
        return f"第{self.version}版"

    def fingerprint(self) -> str:
        """Content hash of the spec: stored in the suite so drift is detectable. The version
        date is left out: it is printed on templates and changes nothing the suite checks."""
        data = self.model_dump(mode="json", exclude={"version_date"})
        blob = json.dumps(data, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


# ---- loading ------------------------------------------------------------------------------


class FormFileError(SpecFileError):
    """A form spec that cannot be used; the message names the file and what to fix."""

    what = "表单配置文件"


def forms_dir() -> Path:
    """``settings().forms_dir``, remembered per value of the environment variable (reading
    the settings costs more than parsing a small file)."""
    env = os.environ.get("CAMPAIGN_OPS_FORMS_DIR")
    if env not in _DIRS:
        from campaign_ops.settings import settings

        _DIRS[env] = Path(settings().forms_dir)
    return _DIRS[env]


_DIRS: dict[str | None, Path] = {}


def load_form_file(path: Path) -> FormSpec:
    path = Path(path)
    data = read_yaml(path, FormFileError)
    try:
        spec = FormSpec.model_validate(data)
    except ValidationError as exc:
        problems = [_explain(e) for e in exc.errors()]
        raise FormFileError(path, problems) from None
    if spec.id != path.stem:
        raise FormFileError(path, [f"id 应与文件名一致：文件名 {path.stem}，id {spec.id}"])
    return spec


def _explain(err: dict) -> str:
    where = ".".join(str(p) for p in err["loc"]) or "(顶层)"
    return f"{where}: {err['msg'].removeprefix('Value error, ')}"


_CACHE: dict[tuple[str, int], FormSpec] = {}


def load_form(form_id: str, directory: Path | None = None) -> FormSpec:
    """The form spec ``include/forms/<form_id>.yaml`` (cached per file modification time)."""
    # str paths and one stat: parsing asks for its form once per file
    path = os.path.join(directory or forms_dir(), f"{form_id}.yaml")
    try:
        key = (path, os.stat(path).st_mtime_ns)
    except OSError:
        folder = Path(directory or forms_dir())
        known = ", ".join(p.stem for p in sorted(folder.glob("*.yaml"))) or "(无)"
        raise KeyError(f"没有表单 {form_id}（{folder} 下已有：{known}）") from None
    if key not in _CACHE:
        _CACHE[key] = load_form_file(Path(path))
    return _CACHE[key]


def all_forms(directory: Path | None = None) -> list[FormSpec]:
    """Every form spec in the forms folder, sorted by id."""
    directory = Path(directory or forms_dir())
    return [load_form(p.stem, directory) for p in sorted(directory.glob("*.yaml"))]
