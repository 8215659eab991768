"""The 填表说明 of a template, written from the form spec so it cannot drift from it.

Every sentence here is either the spec's own ``notes`` or derived from the spec's columns,
rows, rules and layout: a form without a 合计 row gets no word about 合计 formulas, a case list
says how to add rows and that an empty list may be sent, a fixed table says blanks are sent
back. Nothing names an internal id or a command: county staff read it, in Excel or WPS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from campaign_ops.forms.spec import FormSpec, Layout
from campaign_ops.forms.text import column_requirement, plain_number, rule_text
from campaign_ops.vocabulary import MAIL_KIND_LABELS

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign, Round, Unit

NUMERALS = "一二三四五六七八九十"
SHEET_REFERENCE = "各栏的填写要求和系统核对的规则见“填表说明”工作表。"


@dataclass(frozen=True)
class Section:
    """A headed block of the instructions sheet: (label, text) lines, label may be empty."""

    title: str
    lines: tuple[tuple[str, str], ...]


def instructions_title(form: FormSpec) -> str:
    return f"《{form.title}》填表说明"


def sections(
    form: FormSpec,
    campaign: Campaign | None = None,
    round_: Round | None = None,
    unit: Unit | None = None,
) -> list[Section]:
    """The whole instructions sheet below its title, in reading order."""
    parts = [
        ("怎么填", _numbered(how_to_fill(form))),
        ("各栏填写要求", tuple((c.header, column_requirement(c)) for c in form.columns)),
        ("系统会核对", _numbered(checked_rules(form))),
        ("本表说明", _numbered(list(form.notes))),
        ("报送", _numbered(how_to_submit(form, campaign, unit))),
    ]
    out = [Section("", tuple(_about(form, campaign, round_, unit)))]
    for title, lines in (p for p in parts if p[1]):
        out.append(Section(f"{NUMERALS[len(out) - 1]}、{title}", lines))
    return out


def _numbered(texts: list[str]) -> tuple[tuple[str, str], ...]:
    return tuple(("", f"{i}. {t}") for i, t in enumerate(texts, 1))


def _about(form: FormSpec, campaign, round_, unit) -> list[tuple[str, str]]:
    lines = []
    if campaign:
        lines.append(("专项行动", f"{campaign.title}（{campaign.authority}）"))
    if round_:
        lines.append(("报送轮次", round_.title))
        d = round_.deadline
        lines.append(("截止日期", f"{d.year}年{d.month}月{d.day}日"))
    if unit:
        lines.append(("填报单位", unit.name))
    lines.append(("表单版本", f"{form.title}（{form.version_label}）"))
    return lines


def locked_parts(form: FormSpec) -> str:
    """What the template locks, in words (only parts this form's sheet has)."""
    parts = ["标题", "表头", "行名称" if form.layout == Layout.fixed else "序号"]
    if form.row_units:
        parts.append("计量单位")
    if form.total_row:
        parts.append(f"{form.total_row.label}行")
    return "、".join(parts)


def how_to_fill(form: FormSpec) -> list[str]:
    """What a unit does with the sheet, derived from its layout, columns and 合计 row."""
    required = [c.label for c in form.columns if c.required]
    optional = [c.label for c in form.columns if not c.required]
    out = [f"只在白色格子里填写；{locked_parts(form)}已锁定，不能改动。"]
    numeric_required = [c for c in form.columns if c.required and c.numeric]
    if form.layout == Layout.fixed:
        if numeric_required:
            out.append("空白不等于 0：没有发生的请填 0，不要留空；必填的格子留空，整份表会被退回。")
        if optional:
            out.append(f"{'、'.join(optional)}可以不填。")
    else:
        what = "每行填一条，从第 1 行起连续往下填"
        if optional:
            out.append(
                f"{what}；填了的行中{'、'.join(required)}必须填写，{'、'.join(optional)}可以不填。"
            )
        else:
            out.append(f"{what}；填了的行中每一栏都必须填写。")
        out.append(rows_past_the_end(form))
        out.append("没有可填的内容时，表格留空报送即可。")
    if form.total_row and form.numeric_columns:
        out.append(f"“{form.total_row.label}”行由公式自动计算，不用填写。")
    if form.numeric_columns:
        out.append("数字栏只填数字，不要带单位或文字。")
    return out


def rows_past_the_end(form: FormSpec) -> str:
    """What to do when a case list needs more rows than the template has. Rows inserted
    above the last numbered row fall inside the 合计 formula's range, so it still covers
    them; rows inserted right above the 合计 row would not be."""
    n = form.template_rows
    total = f"（不要选“{form.total_row.label}”行）" if form.total_row else ""
    sums = f"，{form.total_row.label}会自动包括新增的行" if form.total_row else ""
    return (
        f"表中预留了 {n} 行。不够时，右键单击第 {n} 行的行号{total}，在它上方插入空行"
        f"（Excel 选“插入”，WPS 和 LibreOffice 选“在上方插入行”）后接着填{sums}；"
        f"一张表最多 {form.max_rows} 行。"
    )


def checked_rules(form: FormSpec) -> list[str]:
    """Every rule the validation applies to this form, in words."""
    out = []
    if any(c.required for c in form.columns):
        out.append(
            "必填的格子都已填写" + ("（空白不等于 0）。" if form.layout == Layout.fixed else "。")
        )
    out.append("每个格子符合该栏的填写要求（见第二部分）。")
    out += [f"每一行：{rule_text(form, r)}。" for r in form.rules]
    for row in form.rows:
        if row.part_of:
            parent = form.rows_by_key[row.part_of].label
            out.append(f"“{row.label}”各栏不能大于“{parent}”。")
    if form.total_row and form.numeric_columns:
        what = "各明细行" if form.layout == Layout.fixed else "各行"
        out.append(f"“{form.total_row.label}”行等于{what}之和。")
    cumulative = [c.label for c in form.columns if c.cumulative]
    if cumulative:
        out.append(f"{'、'.join(cumulative)}为累计数，不得小于本单位上一轮报送的数。")
    factor = form.cross_round.growth_warning_factor
    if factor and form.numeric_columns:
        out.append(
            f"某项数值达到上一轮的 {plain_number(factor)} 倍及以上时，"
            "回执会提示核实（只提示，不退回）。"
        )
    return out


def how_to_submit(form: FormSpec, campaign: Campaign | None, unit: Unit | None = None) -> list[str]:
    """Saving, sending and the receipt; who to ask (the circular's contacts). A unit's own
    template is recognised by its hidden information, a blank one by its 填报单位 cell."""
    receipt = MAIL_KIND_LABELS["receipt"]
    who_sends = (
        "请在下发给本单位的这份文件里填写，不要把内容复制到别的表格：系统靠它识别报送单位和轮次。"
        if unit
        else "请在表头“填报单位”处填写本单位全称：系统据此识别报送单位。"
    )
    out = [
        who_sends,
        "保存为 .xlsx 格式直接报送，不要设置密码，不要另存为 .xls。",
        f"收到文件后，系统会发来{receipt}：写明已接收，或列出要修改的问题。"
        "修改后重新报送即可，以最后一次接收的文件为准。",
    ]
    if campaign and campaign.circular_contacts:
        who = "；".join(
            "".join(
                [
                    c.name,
                    f"（{c.department}）" if c.department else "",
                    f"，电话 {c.phone}" if c.phone else "",
                ]
            )
            for c in campaign.circular_contacts
        )
        out.append(f"有疑问请联系：{who}。")
    elif campaign:
        out.append(f"有疑问请联系{campaign.sender.name}。")
    return out


def table_notes(form: FormSpec) -> list[str]:
    """The short notes printed under the table: what matters while filling it in."""
    out = []
    if form.layout == Layout.list:
        out.append(rows_past_the_end(form))
    out += list(form.notes)
    out.append(SHEET_REFERENCE)
    return out
