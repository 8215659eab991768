"""The words around a form's table in the report: its title, the 编制单位 and date lines, and
the notes under it (also the mail summary's source for what was not counted and why)."""

from __future__ import annotations

import datetime as dt

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from campaign_ops.consolidate.cells import put
from campaign_ops.consolidate.figures import FormFigures, ReportData
from campaign_ops.consolidate.printing import fit_rows, room_of, text_width
from campaign_ops.forms.layout import ROUND_ROW, TITLE_ROW, UNIT_ROW
from campaign_ops.forms.spec import FormSpec
from campaign_ops.forms.template import CENTER, LEFT, merge_cells
from campaign_ops.mail.render import cn_date
from campaign_ops.vocabulary import EXPECTED, FORM_STATUS_LABELS

REVISED_MARK = "【更正版】"
RIGHT = Alignment(horizontal="right", vertical="center", wrap_text=True)
CHANGE_LABEL = "较上一轮增减"
NOTE_PT = 10.5  # 五号: still 9 pt and more on a page shrunk to 90 %
# Why a unit's figures are not in the 合计, by merged_units.status.
NOT_COUNTED_WHY = {
    "missing": FORM_STATUS_LABELS["missing"],
    "rejected": f"报送材料被{FORM_STATUS_LABELS['rejected']}",
    "not_ready": FORM_STATUS_LABELS["not_ready"],
    "received": FORM_STATUS_LABELS["received"],
    "awaiting_review": f"报送材料{FORM_STATUS_LABELS['awaiting_review']}",  # review policy
    "returned": f"报送材料经市局审核{FORM_STATUS_LABELS['returned']}",
}


def form_title(form: FormSpec, summary: bool) -> str:
    """``工作情况统计表`` → ``工作情况汇总表`` for a round, ``工作情况累计汇总表`` for the
    campaign to date (the scope line under the title says since when)."""
    stem = form.title.removesuffix("统计表").removesuffix("表")
    return f"{stem}{'累计' if summary else ''}汇总表"


def reported_text(figures: FormFigures) -> str:
    return f"{len(figures.reported)}/{len(figures.units)} 个单位{FORM_STATUS_LABELS['accepted']}"


def compared_text(figures: FormFigures) -> str:
    """How many units the change compares, e.g. ``同口径 8 个单位``."""
    span = figures.compared_units
    if span is None:
        return "无可比单位"
    low, high = span
    return f"同口径 {low} 个单位" if low == high else f"同口径 {low}～{high} 个单位"


def title_rows(
    ws: Worksheet,
    data: ReportData,
    title: str,
    width: int,
    made_on: dt.date,
    revised: bool,
    first: int = 1,
) -> None:
    """Title, 编制单位 / 制表日期 and scope over columns ``first``..``width`` (their widths
    set): the date goes right of the unit when both fit on the line, else under it. A sheet
    that repeats column A on every page starts them in column B, or each page would show
    their first characters in A."""
    c = data.campaign
    cell = put(ws, TITLE_ROW, first, (REVISED_MARK if revised else "") + title)
    cell.font, cell.alignment = Font(size=16, bold=True), CENTER
    merge_cells(ws, TITLE_ROW, first, TITLE_ROW, width)
    unit = f"编制单位：{c.authority}（盖章）"
    date = f"制表日期：{made_on.year}年{made_on.month}月{made_on.day}日"
    split = next(
        (
            s
            for s in range(first + 1, width + 1)
            if room_of(ws, first, s - 1) >= text_width(unit)
            and room_of(ws, s, width) >= text_width(date)
        ),
        None,
    )
    if split:
        put(ws, UNIT_ROW, first, unit).alignment = LEFT
        merge_cells(ws, UNIT_ROW, first, UNIT_ROW, split - 1)
        put(ws, UNIT_ROW, split, date).alignment = RIGHT
        merge_cells(ws, UNIT_ROW, split, UNIT_ROW, width)
    else:
        put(ws, UNIT_ROW, first, f"{unit}\n{date}").alignment = LEFT
        merge_cells(ws, UNIT_ROW, first, UNIT_ROW, width)
    parts = [f"专项行动：{c.title}"]
    if data.round is not None:
        r = data.round
        parts.append(f"报送轮次：{r.title}（截止日期 {cn_date(r.deadline)}）")
    else:
        parts.append("范围：行动开始至今各轮次")
    put(ws, ROUND_ROW, first, "　　".join(parts)).alignment = LEFT
    merge_cells(ws, ROUND_ROW, first, ROUND_ROW, width)
    fit_rows(ws, (TITLE_ROW, UNIT_ROW, ROUND_ROW))


def notes(
    ws: Worksheet,
    row: int,
    width: int,
    data: ReportData,
    figures: FormFigures,
    revised: bool,
    revision_note: str | None,
    first: int = 1,
) -> int:
    """The notes from ``row`` down, each over columns ``first``..``width``; returns the last
    row."""
    lines = note_lines(data, figures)
    if revised:
        lines.insert(
            0, f"本表为更正版：{revision_note or '上次报告发出后，有单位补报或更正了数据。'}"
        )
    texts = ["说明：", *(f"{n}. {t}" for n, t in enumerate(lines, 1))]
    for i, text in enumerate(texts):
        cell = put(ws, row + i, first, text)
        cell.alignment = LEFT
        cell.font = Font(size=NOTE_PT, color="333333", bold=i == 0)
        merge_cells(ws, row + i, first, row + i, width)
    fit_rows(ws, range(row, row + len(texts)))
    return row + len(texts) - 1


def note_lines(data: ReportData, figures: FormFigures) -> list[str]:
    """What the notes under a form's table say (also used by the mail summary)."""
    n, total = len(figures.reported), len(figures.units)
    if data.round is None:
        lines = [
            f"合计为 {n} 个报送过数据的单位之和；累计数列取各单位最近一轮的数，其他列为各轮之和。",
        ]
    else:
        lines = [
            f"合计为{FORM_STATUS_LABELS['accepted']}并通过校验"
            f"{'、审核' if data.campaign.review.required else ''}的 {n} 个单位"
            f"（共 {total} 个{EXPECTED}）之和；"
            "空白表示未填报，不按 0 计。"
        ]
    for status, what in NOT_COUNTED_WHY.items():
        names = [u.name for u in figures.with_status(status)]
        if names:
            lines.append(f"{what}（数据未计入合计）：{'、'.join(names)}。")
    if figures.previous_round and data.round is not None:
        title = data.campaign.round(figures.previous_round).title
        lines.append(
            f"{CHANGE_LABEL}按同口径计算：只比较本轮和上一轮（{title}）都报送了该项数据的单位"
            f"（{compared_text(figures).removeprefix('同口径 ')}），"
            f"任一轮{FORM_STATUS_LABELS['missing']}或被退回的单位不计入，所以它不等于两轮合计之差。"
        )
        if figures.columns and figures.columns[0].cell in figures.changes:
            col = figures.columns[0]
            ch = figures.changes[col.cell]
            name = f"{col.group}·{col.label}" if col.group else col.label
            lines.append(
                f"同口径的 {ch.units} 个单位，{name}由上一轮的 {_fmt(ch.previous)} 变为本轮的"
                f" {_fmt(ch.value)}（{'+' if ch.change >= 0 else ''}{_fmt(ch.change)}"
                f"{col.unit or ''}）。"
            )
    return lines


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"
