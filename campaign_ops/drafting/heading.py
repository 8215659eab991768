"""What a circular says about itself: title, issuing authority, 文号, issue date, the parent
document it implements, the addressees, contacts and attachments.

Each reader returns ``Got``: the value, the sentence it came from, and why a person must check
it when it was inferred rather than read (``guess``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from campaign_ops.drafting.reading import CJK

T = TypeVar("T")


@dataclass(frozen=True)
class Got(Generic[T]):
    """A value read from the circular, its sentence, and why it is a guess (None: read plainly)."""

    value: T
    sentence: str
    guess: str | None = None


ORG = (
    r"(?:市场监督管理局|市场监管局|工商行政管理总局|工商行政管理局|监督管理总局|管理局|总局"
    r"|委员会|办公室|办公厅|人民政府|厅|局)"
)
DATE_LINE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
NUMBER = re.compile(rf"[{CJK}]{{1,10}}[〔\[［(（]\d{{4}}[〕\]］)）]\d{{1,4}}号")
AUTHORITY_LINE = re.compile(rf"^[{CJK}（）()]{{2,30}}{ORG}$")


def issue_date(lines: list[str]) -> Got[dt.date] | None:
    """The first line that is only a date (成文日期, printed under the authority's name)."""
    for i, line in enumerate(lines):
        m = DATE_LINE.match(line.replace(" ", ""))
        if m:
            try:
                day = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                continue
            before = lines[i - 1] if i else ""
            return Got(day, f"{before} {line}".strip())
    return None


def document_number(lines: list[str]) -> Got[str] | None:
    """文号: a line that is only a document number (安市监函〔2023〕229号); numbers quoted in
    the text are other documents'."""
    for line in lines[:15]:
        compact = line.replace(" ", "")
        if NUMBER.fullmatch(compact):
            return Got(_brackets(compact), line)
    return None


def _brackets(number: str) -> str:
    """文号 brackets written as [ ] or ( ) become the standard 〔 〕."""
    return re.sub(r"[\[［(（](\d{4})[\]］)）]", r"〔\1〕", number)


def authority(lines: list[str], issued_line: str | None) -> Got[str] | None:
    """The issuing authority: the name printed above the issue date, else a name line at the
    top, else the subject of "XX关于…的通知" or of "XX决定…"."""
    if issued_line:
        name = issued_line.split(" ")[0]
        if AUTHORITY_LINE.match(name):
            return Got(name, issued_line)
    for line in lines[:5]:
        if AUTHORITY_LINE.match(line.replace(" ", "")):
            return Got(line.replace(" ", ""), line)
    for line in lines[:5]:
        m = re.match(rf"^([{CJK}]{{2,30}}?{ORG})关于", line.replace(" ", ""))
        if m:
            return Got(m[1], line)
    for line in lines:
        m = re.search(rf"([{CJK}]{{2,20}}?(?:市场监管局|市场监督管理局))(?:决定|印发|制定)", line)
        if m:
            name = m[1].replace("市场监管局", "市场监督管理局")
            why = f"通知未署发文机关，取正文中的“{m[1]}”并写成全称" if name != m[1] else None
            return Got(name, line, why or "通知未署发文机关，取正文中决定开展行动的单位")
    return None


def place_of(authority_name: str) -> str:
    """The place in an authority's name: 安康市市场监督管理局 → 安康市 ('' for national ones)."""
    m = re.match(rf"^([{CJK}]{{1,12}}?[省市县区])(?=[{CJK}]*{ORG}$)", authority_name)
    return m[1] if m and not authority_name.startswith("国家") else ""


def title(lines: list[str], sentences: list[str], place: str) -> Got[str] | None:
    """The campaign's name: the plan a 印发 circular issues (《X方案》 → X), the subject of
    "关于做好X的通知", a plan's heading line (…方案), or what the text "决定开展"."""
    for line in lines[:12]:
        compact = line.replace(" ", "")
        m = re.search(r"关于印发《([^》]+)》的通知", compact)
        if m:
            return Got(_with_place(_plan_name(m[1]), place), line)
        m = re.search(r"关于(?:做好|开展|进一步做好|加强)?(.+?)的通知$", compact)
        if m and "印发" not in m[1]:
            return Got(_with_place(m[1], place), line)
    for line in lines[:12]:
        compact = re.sub(r"\s", "", line)
        heading = re.search(r"方案[(（]?(?:草案|试行)?[)）]?$", compact) and len(compact) <= 60
        if heading and not re.search(r"[，。,]", compact):
            return Got(_with_place(_plan_name(compact), place), line)
    for s in sentences:
        m = re.search(
            rf"(?:决定|组织)(?:在[{CJK}]{{1,12}})?开展([{CJK}、]{{4,40}}(?:工作|行动|整治))", s
        )
        if m:
            return Got(_with_place(m[1], place), s, "通知没有标题行，取正文“决定开展……”的行动名称")
    return None


def _plan_name(name: str) -> str:
    name = re.sub(r"[(（](?:草案|试行|征求意见稿)[)）]$", "", name)
    name = re.sub(rf"^[{CJK}]*?{ORG}(?=[{CJK}])", "", name)
    return re.sub(r"实施方案$|方案$", "", name) or name


def _with_place(name: str, place: str) -> str:
    """The place is added when the name does not say where (全市/全县 or a place name)."""
    if (
        not place
        or re.match(rf"^[{CJK}]{{1,8}}[省市县区]", name)
        or re.search(r"全[省市县区国]", name)
    ):
        return name
    if name.startswith("《"):
        return name
    return place + name


def parent_document(sentences: list[str]) -> Got[str] | None:
    """The document this circular implements: a quoted 《…通知/方案》 after 根据/按照/贯彻落实,
    with its 文号 when given; one with a 文号 wins over a law quoted earlier."""
    candidates = []
    for s in sentences[:40]:
        for m in re.finditer(
            rf"(?:根据|按照|贯彻落实|落实)([{CJK}等]{{0,20}}?)《([^》]+)》\s*(?:[(（]([^()（）]*?〔\d{{4}}〕\d+号)[)）])?",
            s,
        ):
            issuer, name, number = m[1], m[2], m[3]
            if not re.search(r"通知|方案|意见|部署", name):
                continue
            text = f"{issuer}《{name}》" + (f"（{number}）" if number else "")
            candidates.append((number is None, Got(text, s)))
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


def addressees(lines: list[str]) -> Got[str] | None:
    """The 主送 line: "各县（市、区）市场监督管理局、……：" near the top."""
    for line in lines[:12]:
        if re.match(r"^各.{2,120}[:：]$", line.replace(" ", "")):
            return Got(line.rstrip(":："), line)
    return None


@dataclass(frozen=True)
class Contact:
    """A contact printed in the circular (kept as information, never emailed)."""

    name: str
    department: str | None = None
    phone: str | None = None
    email: str | None = None


PHONE = re.compile(r"1[3-9]\d{9}|(?:0\d{2,3}-)?\d{7,8}")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_NAME = rf"[{CJK}]{{2,4}}"


def contacts(text_lines: list[str]) -> tuple[list[Contact], str, str | None]:
    """The circular's contacts, the text they came from, and a guess when names and phones
    were listed apart and paired by order."""
    start = next((i for i, line in enumerate(text_lines) if "联系人" in line), None)
    if start is None:
        return [], "", None
    block_lines = []
    for line in text_lines[start : start + 25]:
        if block_lines and re.match(r"^附件", line):
            break
        block_lines.append(line)
    block = "\n".join(block_lines)
    emails = EMAIL.findall(block)
    phones = PHONE.findall(EMAIL.sub("", block))
    pairs = re.findall(
        rf"([{CJK}]{{2,12}}(?:局|办|委|部|所|科|处|司|中心|分局))(?:[:：]\s*|\s+)({_NAME})(?![{CJK}])",
        block,
    )
    if pairs:
        people = [(dept, name) for dept, name in pairs]
    else:
        m = re.search(
            r"联系人[:：]\s*([^:：\n]+?)(?:[,，;；]?\s*(?:联系)?电话|[,，;；]?\s*邮箱|$)", block
        )
        names = re.findall(_NAME, m[1]) if m else []
        people = [(None, n) for n in names if n not in ("联系方式", "联系电话")]
    found = [
        Contact(
            name,
            dept,
            phones[i] if i < len(phones) else None,
            (emails[i] if i < len(emails) else emails[-1]) if emails else None,
        )
        for i, (dept, name) in enumerate(people)
    ]
    guess = None
    if len(found) > 1 and phones:
        guess = "姓名与电话分开列出，按先后顺序一一对应"
        if len(phones) != len(found):
            guess = f"列出{len(found)}位联系人、{len(phones)}个电话，按先后顺序对应，缺的留空"
    return found, " ".join(block_lines), guess


def attachments(lines: list[str]) -> tuple[list[str], str]:
    """The attachments' titles (附件：1. 工作情况统计表；2. …) and the text they came from."""
    for i, line in enumerate(lines):
        m = re.match(r"^附件\s*[:：]?\s*(.*)$", line)
        if not m:
            continue
        block = [m[1]] if m[1] else []
        for nxt in lines[i + 1 : i + 12]:
            if not re.match(r"^\d+\s*[.、．]", nxt):
                break
            block.append(nxt)
        items = re.split(r"(?:^|\s|[；;])\d+\s*[.、．]\s*", " ".join(block))
        titles = [re.sub(r"[；;。.\s]+$", "", t).strip() for t in items]
        titles = [t for t in titles if t]
        if titles:
            return titles, "附件：" + " ".join(block)
    return [], ""


def is_form(attachment: str) -> bool:
    """A table the units fill in (统计表, 情况表, 汇总表, 登记表, 报表), not a list or a plan."""
    return bool(re.search(r"(?:统计|情况|汇总|登记|报)表$", attachment))


def years_mentioned(text: str) -> list[int]:
    """The four-digit years the text names (2016年, 2024网络…), for a circular with no date."""
    return [int(y) for y in re.findall(r"(?<!\d)(20\d{2}|19\d{2})(?!\d)", text)]
