"""Where a bureau's table sits on its sheet: title lines, header rows, columns, body, notes.

Bureaus draw their attachment tables the same way: ``附件2``, a title line, a 填报单位/填报日期
line (sometimes ``金额单位：万元``), one or two header rows with merged group headers and units
of measure in brackets, perhaps a row numbering the columns (1 2 3 …), the body, a 合计 row,
then 注/填表说明 lines and 填表人/联系电话. This module finds those parts; ``from_xlsx`` decides
what they mean for the form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from campaign_ops.forms.xlsx_sheet import Sheet

# Units of measure found in header brackets: （件）（户次）（万元）…
COUNT_UNITS = (
    *("件", "起", "宗", "项", "单", "笔", "条", "条次", "篇", "份", "期", "张", "本", "册", "部"),
    *("户", "户次", "家", "家次", "个", "个次", "所", "处", "人", "人次", "名", "次", "场", "场次"),
    *("批", "批次", "辆", "台", "套", "只", "头", "吨", "公斤", "千克", "米", "平方米", "天"),
    "小时",
)
MONEY_UNITS = ("万元", "元", "亿元", "千元")
PERCENT_UNITS = ("%", "％", "‰")
UNITS = (*MONEY_UNITS, *PERCENT_UNITS, *COUNT_UNITS)

_UNIT_IN_HEADER = re.compile(
    r"^(?P<label>.*?)\s*[（(]\s*(?:单位\s*[:：]\s*)?(?P<unit>[^（）()]{1,5}?)\s*[）)]\s*$", re.S
)
_UNIT_AMONG = re.compile(
    r"^(?P<label>[^（(]+?)\s*[（(](?P<rest>[^（）()]+?)\s*[，,、；;/]\s*(?:单位[:：])?"
    r"(?P<unit>[^（）()，,、]{1,3})\s*[）)]$"
)
_UNIT_AFTER_SLASH = re.compile(r"^(?P<label>.*?)\s*[/／]\s*(?P<unit>[^/／]{1,3})$")
_TABLE_UNIT = re.compile(
    r"(?:金额|计量|数量)?单位\s*[:：]\s*(?P<unit>"
    + "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
    + ")"
)
_ATTACHMENT = re.compile(r"^附\s*件\s*[0-9一二三四五六七八九十]*(?:\s*[-－—]\s*\d+)?\s*[:：]?\s*")
_META = re.compile(
    r"填报单位|报送单位|填报日期|报送日期|填表日期|盖章|统计时间|统计期间|截止日期|截止时间"
    r"|表\s*号|制定机关|制表机关|批准机关|批准文号|有效期至|综合机关名称|编制单位|制表单位"
)
_NOTE_START = re.compile(r"^(?:注|备注|说明|填表说明|填报说明|附注)\s*[:：]|^注\s*\d|^注[:：]?$")
_SIGNATURE = re.compile(r"^(?:填报人|填表人|审核人|制表人|负责人|联系人|联系电话|单位负责人)")
_COLUMN_NUMBERS = re.compile(r"^(?:\d{1,2}|[甲乙丙丁戊己庚辛]|[A-Z])$")
TOTAL_WORDS = ("合计", "总计", "合 计", "总 计", "全市合计", "全县合计", "全区合计", "小计")


@dataclass(frozen=True)
class HeaderColumn:
    """One column of the bureau's table: its bottom header text split into label and unit,
    and the merged header(s) above it."""

    index: int  # 0-based sheet column
    text: str  # the header as printed, line breaks removed
    label: str
    unit: str | None
    groups: tuple[str, ...] = ()  # merged headers above, outermost first


@dataclass
class TableParts:
    """The parts of the sheet, as 0-based row numbers."""

    title: str
    attachment: str | None  # “附件2”
    meta_lines: list[str]
    table_unit: str | None  # “金额单位：万元” / “单位：件” above the table
    header_top: int
    header_bottom: int
    numbering_row: int | None  # a row numbering the columns (1 2 3 …), skipped
    columns: list[HeaderColumn]
    body: list[int]  # body rows, 合计 rows included
    notes: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)


def one_line(text: str) -> str:
    """A header typed on two lines (``立案数\\n（件）``) as one."""
    return re.sub(r"\s*\n\s*", "", text).strip()


def split_unit(text: str) -> tuple[str, str | None]:
    """``立案数（件）`` → (立案数, 件); a bracket that is not a unit stays in the label."""
    text = one_line(text)
    for pattern in (_UNIT_IN_HEADER, _UNIT_AFTER_SLASH):
        m = pattern.match(text)
        if m and m.group("unit").strip() in UNITS and m.group("label").strip():
            return m.group("label").strip(), m.group("unit").strip()
    m = _UNIT_AMONG.match(text)  # 立案数（累计，件）
    if m and m.group("unit") in UNITS:
        return f"{m.group('label')}（{m.group('rest')}）", m.group("unit")
    return text, None


def is_total(text: str) -> bool:
    t = re.sub(r"\s+", "", text)
    return t in {re.sub(r"\s+", "", w) for w in TOTAL_WORDS}


def find_parts(sheet: Sheet) -> TableParts:
    top = _header_top(sheet)
    title, attachment, meta, unit = _above(sheet, top)
    bottom = _header_bottom(sheet, top)
    numbering = bottom + 1 if _is_numbering(sheet, bottom + 1) else None
    columns = _columns(sheet, top, bottom)
    first_body = (numbering or bottom) + 1
    body, notes, signature = _body_and_notes(sheet, first_body, [c.index for c in columns])
    return TableParts(
        title, attachment, meta, unit, top, bottom, numbering, columns, body, notes, signature
    )


def _is_meta(texts: list[str]) -> bool:
    """A 填报单位：/表号：/单位：万元 line, not a header that happens to say 填报单位."""
    return any(
        (_META.search(t) and re.search(r"[:：]|盖章|年\s*月\s*日", t)) or _TABLE_UNIT.match(t)
        for t in texts
    )


def _header_top(sheet: Sheet) -> int:
    """The first row with two or more headers that is not a 填报单位/日期 line; boxed, when
    the table is drawn with borders (a title and its subtitle side by side are not)."""
    boxed_rows = {r for r, _ in sheet.bordered}
    candidates = []
    for r in range(sheet.n_rows):
        texts = [t for t in sheet.row_texts(r) if not _ATTACHMENT.fullmatch(t)]
        if len(texts) >= 2 and not _is_meta(texts):
            candidates.append((r, texts))
    for r, texts in candidates:
        figures = sum(bool(re.fullmatch(r"[\d.,]+", t)) for t in texts)
        if r in boxed_rows and figures * 2 < len(texts):  # not a body row boxed alone
            return r
    if candidates:
        return candidates[0][0]
    raise ValueError("没有找到表头：表格应有一行列标题（如 序号、项目、立案数（件）……）。")


def _above(sheet: Sheet, top: int) -> tuple[str, str | None, list[str], str | None]:
    """Title, 附件N, the 填报单位-type lines and a table-wide unit, from the rows above."""
    title, attachment, meta, unit = "", None, [], None
    for r in range(top):
        for text in sheet.row_texts(r):
            text = one_line(text)
            m = _ATTACHMENT.match(text)
            if m:
                attachment = m.group(0).strip(" ：:")
                text = text[m.end() :].strip()
                if not text:
                    continue
            for u in _TABLE_UNIT.finditer(text):
                if text[max(0, u.start() - 2) : u.start()] not in ("填报", "报送"):
                    unit = u.group("unit")
            if _is_meta([text]):
                meta.append(text)
            elif len(text) > len(title):
                title = text
    return title, attachment, meta, unit


def _header_bottom(sheet: Sheet, top: int) -> int:
    """The header's last row: as deep as the merged blocks starting in it reach, and one row
    under a row of group headers (merged across columns)."""
    bottom = top
    changed = True
    while changed:
        changed = False
        for r in range(top, bottom + 1):
            for c in range(sheet.n_cols):
                m = sheet.merge_at(r, c)
                if m and m[0] == r and m[2] > bottom:
                    bottom, changed = m[2], True
                if m and m[0] == r and m[3] > m[1] and r == bottom and sheet.text(r, c):
                    bottom, changed = r + 1, True  # a group header: its columns are below
    return bottom


def _is_numbering(sheet: Sheet, r: int) -> bool:
    texts = [sheet.text(r, c) for c in range(sheet.n_cols)]
    filled = [t for t in texts if t]
    return len(filled) >= 3 and all(_COLUMN_NUMBERS.match(t) for t in filled)


def _columns(sheet: Sheet, top: int, bottom: int) -> list[HeaderColumn]:
    out = []
    for c in range(sheet.n_cols):
        leaf = sheet.block(bottom, c)
        text = sheet.text(bottom, c)
        if not text:
            continue
        if leaf[1] != c:  # the leaf header spans columns: only its first one is a column
            continue
        groups = []
        r = leaf[0] - 1
        while r >= top:
            block = sheet.block(r, c)
            g = one_line(sheet.text(r, c))
            if g and g not in groups and g != one_line(text):
                groups.insert(0, g)
            r = block[0] - 1
        label, unit = split_unit(text)
        for i in reversed(range(len(groups)) if unit is None else ()):
            g_label, g_unit = split_unit(groups[i])  # 立案（件） over 本期, 累计
            if g_unit:
                groups[i], unit = g_label, g_unit
                break
        out.append(HeaderColumn(c, one_line(text), label, unit, tuple(groups)))
    return out


def _body_and_notes(
    sheet: Sheet, first: int, cols: list[int]
) -> tuple[list[int], list[str], list[str]]:
    """Body rows (with content or the table's borders) up to the first note or signature
    line; the notes and signature lines after it."""
    body: list[int] = []
    notes: list[str] = []
    signature: list[str] = []
    in_notes = False
    for r in range(first, sheet.n_rows):
        texts = [one_line(t) for t in sheet.row_texts(r)]
        head = texts[0] if texts else ""
        spans_table = bool(texts) and _spans(sheet, r, cols)
        if texts and (_SIGNATURE.match(head) or (_is_meta([head]) and spans_table)):
            signature.extend(texts)
            continue
        if in_notes or (texts and _NOTE_START.match(head)):
            if texts:
                in_notes = True
                notes.append(" ".join(texts))
            continue
        boxed = any((r, c) in sheet.bordered for c in cols)
        if texts and len(texts) == 1 and spans_table and not boxed and not is_total(head):
            in_notes = True  # a free line under the table, across it
            notes.append(head)
        elif texts or boxed:
            body.append(r)
    while body and not any(sheet.text(body[-1], c) for c in cols) and not _boxed(sheet, body[-1]):
        body.pop()
    return body, notes, signature


def _spans(sheet: Sheet, r: int, cols: list[int]) -> bool:
    """A single text merged across most of the table (how notes lines are typed)."""
    for c in cols:
        m = sheet.merge_at(r, c)
        if m and m[0] == r and m[3] - m[1] + 1 >= max(2, len(cols) // 2):
            return True
    return False


def _boxed(sheet: Sheet, r: int) -> bool:
    return any((r, c) in sheet.bordered for c in range(sheet.n_cols))
