"""Checks made on the raw bytes before any spreadsheet reader sees a file.

Neither python-calamine nor openpyxl protects itself from a zip bomb or a sheet that claims a
million rows, so the archive is measured here first: every member is actually inflated (with a
cap) rather than trusting the sizes the archive declares. Password-protected workbooks and old
``.xls`` files share the OLE signature; the encryption stream tells them apart.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from zlib_ng import zlib_ng as zlib  # zlib's API, inflating faster (bench/RESULTS.md)

from campaign_ops.forms.formulas import FormulaError, shift, split_ref
from campaign_ops.forms.submission import Refusal

MAX_FILE_BYTES = 20 * 1024 * 1024  # a county table is tens of KB; 20 MB leaves room for photos
MAX_UNCOMPRESSED = 60 * 1024 * 1024  # all members together, actually inflated
MAX_RATIO = 200  # inflated/compressed for members above RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
DEFLATE_MAX_RATIO = 1032  # deflate's own limit: 258 bytes from one 2-bit code at best
MAX_MEMBERS = 2000
MAX_ROWS = 5000
MAX_COLS = 300

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')
_CELL = re.compile(rb'<(?:\w+:)?c\s+r="([A-Z]+\d+)"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?>(.*?)</(?:\w+:)?f>", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]+</(?:\w+:)?v>")

ASK_RESAVE = "请用 Excel 或 WPS 打开下发的模板，填写后另存为 .xlsx 再报送"


@dataclass
class Inspection:
    """What the byte-level checks learned: the file kind and its uncached formulas."""

    kind: str  # "xlsx" (also .xlsm) or "csv"
    data: bytes
    # worksheet part name (xl/worksheets/sheet1.xml) → [(A1 ref, formula text)] for formula
    # cells saved without a value (written by tools other than Excel/WPS)
    uncached: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # the same for formula cells saved with a value (Excel, WPS, Calc): that value is what
    # the unit's program computed, which ``reader`` compares with the cells it is made of
    cached: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    has_macros: bool = False
    parts: dict[str, bytes] = field(default_factory=dict)  # workbook.xml and its rels


def inspect_file(path: Path, data: bytes | None = None) -> Inspection:
    """Refuse what must not be parsed; raise ``Refusal`` with a message for the unit."""
    path = Path(path)
    if data is None:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise Refusal(
                "not_ready", f"文件暂时无法读取（{exc.strerror}），系统会稍后重试。", path
            ) from None
        if size > MAX_FILE_BYTES:
            raise _too_big(path, size)
        data = path.read_bytes()
    if not data:
        raise Refusal(
            "not_ready",
            "文件是空的（0 字节），可能还在复制中；系统会稍后重试，如一直如此请重新报送。",
            path,
        )
    if len(data) > MAX_FILE_BYTES:
        raise _too_big(path, len(data))
    if data.startswith(OLE_MAGIC):
        raise _ole_refusal(path, data)
    if data.startswith(ZIP_MAGIC) or data.startswith(b"PK"):
        return _inspect_zip(path, data)
    if path.suffix.lower() in (".csv", ".txt"):
        return Inspection(kind="csv", data=data)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise Refusal(
            "not_ready",
            "文件内容不完整或已损坏，不是有效的 Excel 文件。"
            f"如刚刚上传，系统会稍后重试；否则{ASK_RESAVE}。",
            path,
        )
    raise Refusal(
        "unsupported",
        f"不支持 {path.suffix or '无扩展名'} 文件。{ASK_RESAVE}（部分表单也接受 CSV）。",
        path,
    )


def _too_big(path: Path, size: int) -> Refusal:
    mb = size / 1024 / 1024
    return Refusal(
        "too_large",
        f"文件有 {mb:.1f} MB，超过 {MAX_FILE_BYTES // 1024 // 1024} MB 的上限。"
        "统计表不需要插入图片或附件，"
        "请删除多余内容后重新保存为 .xlsx 报送；图片视频资料请另行报送。",
        path,
    )


def _ole_refusal(path: Path, data: bytes) -> Refusal:
    if (
        "EncryptionInfo".encode("utf-16-le") in data
        or "EncryptedPackage".encode("utf-16-le") in data
    ):
        return Refusal(
            "encrypted",
            "文件设置了打开密码，系统无法读取。请在 Excel/WPS 中打开文件，"
            "删除“文件—信息—保护工作簿—"
            "用密码进行加密”中的密码（WPS：文件—文档加密—密码加密，清空密码）后保存，再重新报送。",
            path,
        )
    return Refusal(
        "legacy_xls",
        "文件是旧版 Excel 97-2003 格式（.xls），系统只接受 .xlsx。请在 Excel/WPS 中打开，"
        "“另存为”选择“Excel 工作簿（*.xlsx）”后重新报送；最好直接使用下发的模板填写。",
        path,
    )


@dataclass(frozen=True)
class Member:
    """One entry of the archive's central directory."""

    name: str
    method: int
    compressed: int
    size: int  # declared uncompressed size
    offset: int  # of the local header


_EOCD = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s6H3L5H2L")


def read_members(data: bytes) -> list[Member]:
    """The central directory, read directly (zipfile's reader costs more than the check).

    Falls back to ``zipfile`` for anything unusual (zip64, archive comments it can't find).
    """
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or len(data) < at + _EOCD.size:
        raise zipfile.BadZipFile("no end of central directory")
    _, _, _, _, count, cd_size, cd_offset, _ = _EOCD.unpack_from(data, at)
    if count == 0xFFFF or cd_offset == 0xFFFFFFFF or cd_offset + cd_size > at:
        return _members_via_zipfile(data)
    out, pos = [], cd_offset
    for _ in range(count):
        if data[pos : pos + 4] != b"PK\x01\x02":
            raise zipfile.BadZipFile("bad central directory")
        f = _CENTRAL.unpack_from(data, pos)
        flags, method, csize, usize, nlen, xlen, clen, offset = (
            f[3],
            f[4],
            f[8],
            f[9],
            f[10],
            f[11],
            f[12],
            f[16],
        )
        raw = data[pos + 46 : pos + 46 + nlen]
        name = raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        out.append(Member(name, method, csize, usize, offset))
        pos += 46 + nlen + xlen + clen
    return out


def _members_via_zipfile(data: bytes) -> list[Member]:
    with zipfile.ZipFile(BytesIO(data)) as zf:
        return [
            Member(i.filename, i.compress_type, i.compress_size, i.file_size, i.header_offset)
            for i in zf.infolist()
        ]


def _read_by_reader(name: str) -> bool:
    """Parts a spreadsheet reader inflates: these are measured by actually inflating them.

    Other parts (themes, pictures, document properties, macros) are never read by the parser;
    their declared sizes are checked, which is enough for parts nobody inflates.
    """
    if name == "[Content_Types].xml":
        return True
    if not name.startswith("xl/") or name == "xl/vbaProject.bin":
        return False
    skipped = ("xl/theme/", "xl/media/", "xl/drawings/", "xl/printerSettings/")
    return name.endswith((".xml", ".rels", ".bin")) and not name.startswith(skipped)


def _inspect_zip(path: Path, data: bytes) -> Inspection:
    try:
        members = read_members(data)
    except (zipfile.BadZipFile, OSError, ValueError, struct.error):
        raise Refusal(
            "not_ready",
            f"文件不完整或已损坏，无法打开。如果刚刚上传，系统会稍后重试；否则{ASK_RESAVE}。",
            path,
        ) from None
    names = {m.name for m in members}
    if len(members) > MAX_MEMBERS:
        raise _bomb(path, f"包含 {len(members)} 个内部文件")
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise Refusal(
            "unsupported",
            f"这不是 Excel 工作簿（可能是 Word 文档或压缩包）。{ASK_RESAVE}。",
            path,
        )
    declared = sum(m.size for m in members)
    if declared > MAX_UNCOMPRESSED:
        raise _bomb(path, f"解压后有 {declared / 1024 / 1024:.0f} MB")
    inspection = Inspection(kind="xlsx", data=data, has_macros="xl/vbaProject.bin" in names)
    total = 0
    for m in members:
        if m.size > RATIO_FLOOR and m.size > MAX_RATIO * max(m.compressed, 1):
            raise _bomb(
                path, f"内部文件 {m.name} 压缩比异常（{m.size // max(m.compressed, 1)} 倍）"
            )
        if not _read_by_reader(m.name):
            continue
        content = _inflate(path, data, m, MAX_UNCOMPRESSED - total)
        total += len(content)
        if len(content) > m.size:
            raise _bomb(path, f"内部文件 {m.name} 的实际大小与声明不符")
        if len(content) > RATIO_FLOOR and len(content) > MAX_RATIO * max(m.compressed, 1):
            raise _bomb(path, f"内部文件 {m.name} 压缩比异常")
        if b"!" in content and (b"<!DOCTYPE" in content or b"<!ENTITY" in content):
            # Office never writes a DTD; one in a workbook part is an entity-expansion attack.
            # ("!" first: one byte is looked for at memory speed, and most parts have none.)
            raise Refusal(
                "unsafe_xml",
                f"文件内部含有 Excel 不会写入的 XML 实体定义（{m.name}），为安全起见不予读取。"
                f"{ASK_RESAVE}。",
                path,
            )
        if m.name.startswith("xl/worksheets/") and m.name.endswith(".xml"):
            _check_sheet(path, m.name, content, inspection)
        elif m.name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            inspection.parts[m.name] = content
    return inspection


def _bomb(path: Path, detail: str) -> Refusal:
    return Refusal(
        "zip_bomb",
        f"文件内部结构异常（{detail}），为安全起见不予读取。{ASK_RESAVE}；如果文件确由模板填写，"
        "请把它复制到新的工作簿中重新保存。",
        path,
    )


def _inflate(path: Path, data: bytes, member: Member, budget: int) -> bytes:
    """Inflate one member, never producing more than ``budget`` bytes."""
    offset = member.offset
    if data[offset : offset + 4] != ZIP_MAGIC:
        raise Refusal(
            "not_ready",
            f"文件不完整或已损坏。如刚刚上传，系统会稍后重试；否则{ASK_RESAVE}。",
            path,
        )
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_len + extra_len
    raw = data[start : start + member.compressed]
    if member.method == zipfile.ZIP_STORED:
        return raw
    if member.method != zipfile.ZIP_DEFLATED:
        raise Refusal("unsupported", f"文件使用了不常见的压缩方式，无法读取。{ASK_RESAVE}。", path)
    try:
        if len(raw) * DEFLATE_MAX_RATIO <= budget:  # cannot outgrow the budget: one call
            return zlib.decompress(raw, -15)
        inflater = zlib.decompressobj(-15)
        content = inflater.decompress(raw, budget + 1)
    except zlib.error:
        raise Refusal(
            "not_ready",
            f"文件内容已损坏。如刚刚上传，系统会稍后重试；否则{ASK_RESAVE}。",
            path,
        ) from None
    if len(content) > budget or inflater.unconsumed_tail:
        raise _bomb(path, f"解压后超过 {MAX_UNCOMPRESSED // 1024 // 1024} MB")
    return content


def _check_sheet(path: Path, part: str, xml: bytes, inspection: Inspection) -> None:
    m = _DIMENSION.search(xml, 0, 4096)
    if m and m.group(4):
        rows, cols = int(m.group(4)), _col_index(m.group(3).decode())
        if rows > MAX_ROWS or cols > MAX_COLS:
            ref = m.group(0).decode(errors="replace").split('"')[1]
            raise Refusal(
                "too_large",
                f"工作表的范围异常（{ref}，约 {rows} 行 {cols} 列），超过统计表的合理大小"
                f"（{MAX_ROWS} 行、{MAX_COLS} 列）。"
                "请删除表格下方和右侧多余的行列（或把表格复制到新工作簿）"
                "后重新保存报送。",
                path,
            )
    found = _formula_cells(xml)
    if found is None:  # namespace-prefixed cells are rare: they take the slow general path
        found = [], []
        for cell in _CELL.finditer(xml):
            inner = cell.group(2) or b""
            f = _FORMULA.search(inner)
            if f and f.group(1).strip():
                kept = found[1] if _VALUE.search(inner) else found[0]
                kept.append((cell.group(1).decode(), _text(f.group(1))))
    uncached, cached = found
    if b't="shared"' in xml:
        _shared_followers(xml, uncached, cached)
    if uncached:
        inspection.uncached[part] = uncached
    if cached:
        inspection.cached[part] = cached


def _formula_cells(
    xml: bytes,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]] | None:
    """(A1 ref, formula) of the formula cells saved without a value (Excel writes
    ``<c r=".."><f>..</f><v></v></c>``) and of those saved with one; ``None`` if the sheet's
    elements carry a namespace prefix.

    One pass over the sheet's ``f>``: a sheet has few formulas and thousands of cells, so
    each formula's cell (the last ``<c`` before its ``</f>``) is matched where it is. Data
    validations' ``<formula1>`` do not count."""
    uncached: list[tuple[str, str]] = []
    cached: list[tuple[str, str]] = []
    at = xml.find(b"f>")
    while at >= 0:
        before = xml[at - 2 : at]
        if before[-1:] == b":":
            return None
        if before == b"</":
            start = max(xml.rfind(b"<c", 0, at), 0)
            cell = _UNCACHED.match(xml, start)
            if cell and cell.group(2).strip():
                uncached.append((cell.group(1).decode(), _text(cell.group(2))))
            elif not cell and (cell := _CACHED.match(xml, start)) and cell.group(2).strip():
                cached.append((cell.group(1).decode(), _text(cell.group(2))))
        at = xml.find(b"f>", at + 2)
    return uncached, cached


# a formula cell saved without its value: an empty or missing <v> right after the formula
_UNCACHED = re.compile(
    rb'<c\s+r="([A-Z]+\d+)"[^>]*>\s*<f(?:\s[^>]*)?>([^<]*)</f>\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)
# a shared formula's cell: the first holds the formula, the others only its index
_SHARED = re.compile(rb'<c\s+r="([A-Z]+\d+)"[^>]*>\s*<f\s([^>]*?)(?:/>|>([^<]*)</f>)\s*(<v>[^<])?')
_F_ATTR = re.compile(rb'(\w+)="([^"]*)"')


def _shared_followers(
    xml: bytes, uncached: list[tuple[str, str]], cached: list[tuple[str, str]]
) -> None:
    """Excel writes a formula repeated along a row once, in its first cell (``<f t="shared"
    ref="B11:K11" si="0">SUM(B6:B10)</f>``); the others say only ``<f t="shared" si="0"/>``.
    Each of those is listed too, with the first cell's formula moved to it."""
    first: dict[bytes, tuple[str, str]] = {}
    others: list[tuple[str, bytes, bool]] = []
    for m in _SHARED.finditer(xml):
        attrs = dict(_F_ATTR.findall(m.group(2)))
        if attrs.get(b"t") != b"shared" or b"si" not in attrs:
            continue
        ref, text = m.group(1).decode(), m.group(3)
        if text and text.strip():
            first[attrs[b"si"]] = (ref, _text(text))
        else:
            others.append((ref, attrs[b"si"], m.group(4) is not None))
    for ref, si, has_value in others:
        if si not in first:
            continue
        origin, formula = first[si]
        (r0, c0), (r, c) = split_ref(origin), split_ref(ref)
        try:
            moved = shift(formula, r - r0, c - c0)
        except FormulaError:
            continue
        (cached if has_value else uncached).append((ref, moved))


# a formula cell saved with its value
_CACHED = re.compile(rb'<c\s+r="([A-Z]+\d+)"[^>]*>\s*<f(?:\s[^>]*)?>([^<]*)</f>\s*<v>[^<]')


def _text(xml: bytes) -> str:
    return _unescape(xml.decode("utf-8", "replace"))


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n
