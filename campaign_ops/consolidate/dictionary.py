"""The data dictionary: what every consolidation table and column means, from the form specs.

Analysts read the merged tables without the YAML at hand, so the specs' Chinese labels,
units of measure and groups are written into ``dd_*`` tables beside the figures (joinable in
SQL) and into a ``数据字典.md`` that ``campaign-ops export`` puts next to the files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from campaign_ops.forms.spec import FormSpec, Layout
from campaign_ops.vocabulary import (
    FORM_STATUS_LABELS,
    ON_TIME_RATE,
    REPORTING_RATE,
    ROUND_STATUS_LABELS,
)

ROW_COUNT = "row_count"  # derived column of a list form's 合计 row: rows filled in
ALL_UNITS = "*"  # unit_code of the all-units figures in merged_to_date and merged_changes


def total_row_key(form: FormSpec) -> str | None:
    """The 合计 row's key: the spec's, ``total`` for a list form without one, None for a
    fixed form without one (its rows have different units of measure: no sum makes sense)."""
    if form.total_row:
        return form.total_row.key
    return "total" if form.layout == Layout.list else None


def total_row_label(form: FormSpec) -> str:
    return form.total_row.label if form.total_row else "合计"


def form_row(form: FormSpec) -> dict:
    return {
        "form_id": form.id,
        "title": form.title,
        "version": form.version,
        "layout": form.layout.value,
        "row_header": form.row_header,
        "total_row_key": total_row_key(form),
        "total_row_label": total_row_label(form),
    }


def column_rows(form: FormSpec) -> list[dict]:
    rows = [
        {
            "form_id": form.id,
            "column_key": c.key,
            "position": i,
            "label": c.label,
            "unit": c.unit,
            "type": c.type.value,
            "is_numeric": int(c.numeric),
            "cumulative": int(c.cumulative),
            "group_label": g.label if (g := form.group_of(c.key)) else None,
            "derived": 0,
        }
        for i, c in enumerate(form.columns)
    ]
    if form.layout == Layout.list:
        rows.append(
            {
                "form_id": form.id,
                "column_key": ROW_COUNT,
                "position": len(rows),
                "label": "填报条数",
                "unit": "条",
                "type": "integer",
                "is_numeric": 1,
                "cumulative": 0,
                "group_label": None,
                "derived": 1,
            }
        )
    return rows


def row_rows(form: FormSpec) -> list[dict]:
    return [
        {
            "form_id": form.id,
            "row_key": r.key,
            "position": i,
            "label": r.label,
            "unit": r.unit,
            "part_of": r.part_of,
            "in_total": int(r.part_of is None),
        }
        for i, r in enumerate(form.rows)
    ]


# ---- the tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TableDoc:
    name: str
    title: str
    grain: str
    columns: tuple[tuple[str, str], ...]


_KEYS = (
    ("campaign_id", "专项行动编号（include/campaigns/ 下的文件名）"),
    ("round_id", "报送轮次编号"),
    ("form_id", "统计表编号（include/forms/ 下的文件名）"),
    ("unit_code", "报送单位代码；'*' 表示全部单位合计"),
    ("row_key", "表内行代码（见 dd_rows；list 表为 r1、r2…；合计行见 dd_forms.total_row_key）"),
    ("column_key", "表内列代码（见 dd_columns）"),
)


def _keys(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple(k for k in _KEYS if k[0] in names)


TABLES: tuple[TableDoc, ...] = (
    TableDoc(
        "merged_units",
        "各单位各轮次各表的报送状态",
        "每轮次 × 统计表 × 应报单位一行",
        (
            *_keys("campaign_id", "round_id", "form_id", "unit_code"),
            ("unit_name / unit_short_name", "单位全称 / 简称"),
            ("unit_position", "单位在行动配置中的顺序（报表按此排序）"),
            (
                "status",
                "；".join(f"{k}={label}" for k, label in FORM_STATUS_LABELS.items())
                + "。只有 accepted 的数据计入汇总",
            ),
            ("submission_id / version", "采用的报送版本（同一单位多次报送时取最新通过校验的版本）"),
            ("on_time", "采用的版本是否在截止时间前收到（1/0）"),
            ("row_count", "list 表：填报的行数（如案件数）"),
        ),
    ),
    TableDoc(
        "merged_values",
        "各单位填报的数据（长表）",
        "每单位 × 行 × 列一行；只含已采用版本",
        (
            *_keys("campaign_id", "round_id", "form_id", "unit_code", "row_key", "column_key"),
            ("value", "数值；空白即未填，不等于 0"),
            ("text", "文字内容（非数字的单元格）"),
            ("is_total", "1=系统按各行重新计算的单位合计行（“其中”行不计入）"),
        ),
    ),
    TableDoc(
        "merged_round_totals",
        "各轮次全部单位合计",
        "每轮次 × 统计表 × 行 × 数字列一行",
        (
            *_keys("campaign_id", "round_id", "form_id", "row_key", "column_key"),
            ("value", "已报送单位的合计；未报送、被退回的单位不计入（也不按 0 计）"),
            ("units_counted", "该单元格有数值的单位数"),
        ),
    ),
    TableDoc(
        "merged_to_date",
        "截至目前累计（全行动、分阶段/年度）",
        "全行动：每统计表 × 单位（含 '*' 全部单位）× 行 × 数字列一行；分阶段：只有全部单位（'*'）",
        (
            ("scope", "campaign=全行动；phase=分阶段或年度"),
            ("period_id", "全行动为 '*'，分阶段为阶段编号（如 foundation=夯实基础年）"),
            *_keys("campaign_id", "form_id", "unit_code", "row_key", "column_key"),
            (
                "value",
                "累计数列（dd_columns.cumulative=1）取期间内最新一轮的数，其他列各轮相加；"
                "按阶段重新累计的行动，全行动数为各阶段最新数之和",
            ),
            ("rounds_counted", "计入的轮次数"),
        ),
    ),
    TableDoc(
        "merged_changes",
        "与上一轮比较",
        "每轮次 × 统计表 × 单位 × 行 × 数字列一行（有上一轮时）",
        (
            *_keys("campaign_id", "round_id", "form_id", "unit_code", "row_key", "column_key"),
            ("previous_round_id", "上一个报送同一统计表的轮次"),
            ("value / previous_value", "本轮 / 上一轮的数；上一轮未报送时为空"),
            ("change", "本轮减上一轮；任一方为空时为空"),
        ),
    ),
    TableDoc(
        "reporting_rounds",
        "各轮次报送率",
        "每轮次一行；口径与 campaign-ops status 相同",
        (
            *_keys("campaign_id", "round_id"),
            ("expected", "应报单位数"),
            ("actual", "已报齐单位数（本轮全部材料均已通过，按时或逾期）"),
            ("on_time", "按时报齐单位数"),
            (
                "reporting_rate / on_time_rate",
                f"{REPORTING_RATE} = actual/expected；{ON_TIME_RATE} = on_time/expected",
            ),
        ),
    ),
    TableDoc(
        "reporting_units",
        "各单位各轮次报送情况",
        "每轮次 × 应报单位一行",
        (
            *_keys("campaign_id", "round_id", "unit_code"),
            ("status / status_label", "、".join(ROUND_STATUS_LABELS.values())),
            ("submitted_at", "最近一次收到材料的时间（UTC）"),
            ("version", "最近的版本号"),
        ),
    ),
    TableDoc(
        "reporting_unit_rates",
        "各单位报送率",
        "每单位一行（截至目前已截止的轮次）",
        (
            *_keys("campaign_id", "unit_code"),
            ("expected / actual / on_time", "应报轮次数 / 报齐轮次数 / 按时报齐轮次数"),
            ("reporting_rate / on_time_rate", f"{REPORTING_RATE} / {ON_TIME_RATE}"),
        ),
    ),
    TableDoc(
        "v_merged_values / v_merged_round_totals（视图）",
        "带中文名称的各单位数据 / 各轮次合计",
        "同 merged_values / merged_round_totals，另含表名、行名、列名、分组和计量单位",
        (
            ("form_title / row_label / column_label", "表名 / 行名（合计行为“合计”）/ 列名"),
            ("group_label / unit", "合并表头（分组）/ 计量单位（行有单位时取行的）"),
            ("unit_name / on_time", "v_merged_values：单位名称 / 是否按时"),
        ),
    ),
    TableDoc(
        "dd_forms / dd_columns / dd_rows",
        "统计表说明（由表单配置生成）",
        "每表 / 每列 / 每行一行",
        (
            ("label / unit", "中文名称 / 计量单位"),
            ("group_label", "合并表头（分组）"),
            ("cumulative", "1=累计数列"),
            ("part_of / in_total", "“其中”行所属的行 / 是否计入合计"),
        ),
    ),
)


def dictionary_markdown(forms: Iterable[FormSpec], campaign_title: str | None = None) -> str:
    """The 数据字典 as Markdown: the tables, then each form's rows and columns."""
    lines = [f"# 数据字典{f'：{campaign_title}' if campaign_title else ''}", ""]
    lines += ["汇总数据由 include/sql/merge/ 中的 SQL 生成（SQLite 与 PostgreSQL 相同）。", ""]
    lines += ["空白不等于 0：未报送、被退回单位的数据不计入合计，在报告中列出单位名称。", ""]
    for t in TABLES:
        lines += [f"## {t.name}：{t.title}", "", f"粒度：{t.grain}", ""]
        lines += ["| 字段 | 含义 |", "| --- | --- |"]
        lines += [f"| {name} | {meaning} |" for name, meaning in t.columns]
        lines.append("")
    for form in forms:
        lines += [f"## 统计表 {form.id}：{form.title}（第{form.version}版）", ""]
        if form.description:
            lines += [form.description, ""]
        lines += [
            "| 列代码 | 名称 | 计量单位 | 分组 | 类型 | 累计数 |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for c in column_rows(form):
            lines.append(
                f"| {c['column_key']} | {c['label']} | {c['unit'] or ''} | "
                f"{c['group_label'] or ''} | {c['type']} | {'是' if c['cumulative'] else ''} |"
            )
        lines.append("")
        if form.rows:
            lines += ["| 行代码 | 名称 | 计量单位 | 其中（所属行） |", "| --- | --- | --- | --- |"]
            for r in row_rows(form):
                lines.append(
                    f"| {r['row_key']} | {r['label']} | {r['unit'] or ''} | {r['part_of'] or ''} |"
                )
            key = total_row_key(form)
            if key:
                lines.append(f"| {key} | {total_row_label(form)}（系统计算） | | |")
            lines.append("")
    return "\n".join(lines)


def write_dictionary(
    path: Path, forms: Iterable[FormSpec], campaign_title: str | None = None
) -> Path:
    path = Path(path)
    path.write_text(dictionary_markdown(forms, campaign_title), encoding="utf-8")
    return path
