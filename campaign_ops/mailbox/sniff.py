"""What an attachment is by its bytes, not its name.

County clerks rename files to get them past mail filters or by mistake (``报表.xlsx`` saved as
``报表.doc``; WPS writes ``.xls`` names on ``.xlsx`` content), and intake decides by the
name's suffix. So the name is corrected to the content, with a note for the receipt.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath

from campaign_ops.forms.safety import OLE_MAGIC, ZIP_MAGIC

TNEF_MAGIC = b"\x78\x9f\x3e\x22"
RAR_MAGIC = b"Rar!\x1a\x07"
SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"


class Unreadable(Exception):
    """A wrapper (zip, winmail.dat) whose files cannot be taken; ``reason`` is for the unit."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Kind:
    """A content kind: its usual suffixes (the first is given to a misnamed file) and how a
    clerk calls it."""

    suffixes: tuple[str, ...]
    label: str  # 实为{label}
    treated_as: str  # 已按{treated_as}处理


KINDS: dict[str, Kind] = {
    "xlsx": Kind((".xlsx", ".xlsm"), "Excel 表格", "表格"),
    "docx": Kind((".docx", ".docm"), "Word 文档", "Word 文档"),
    "pptx": Kind((".pptx",), "PowerPoint 演示文稿", "演示文稿"),
    "ods": Kind((".ods",), "表格（.ods）", "表格"),
    "odt": Kind((".odt",), "文字文档（.odt）", "文档"),
    "pdf": Kind((".pdf",), "PDF 文件", "PDF 文件"),
    "doc": Kind((".doc", ".wps", ".dot"), "Word 97-2003 文档（.doc）", "Word 文档"),
    "xls": Kind((".xls", ".et"), "Excel 97-2003 表格（.xls）", "旧版表格"),
}


def sniff(data: bytes) -> str | None:
    """``xlsx``, ``docx``, … (``KINDS``), or a wrapper: ``zip``, ``rar``, ``7z``, ``tnef``;
    None when the bytes say nothing we act on (pictures, text, unknown)."""
    if data.startswith(ZIP_MAGIC) or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return None  # a password-protected workbook or document: intake says what to do
        if "WordDocument".encode("utf-16-le") in data:
            return "doc"
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            return "xls"
        return None
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(RAR_MAGIC):
        return "rar"
    if data.startswith(SEVEN_ZIP_MAGIC):
        return "7z"
    if data.startswith(TNEF_MAGIC):
        return "tnef"
    return None


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:80] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError, RuntimeError):
        return "zip"  # the unpacker says what is wrong with it
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if mimetype.endswith(b"opendocument.spreadsheet"):
        return "ods"
    if mimetype.endswith(b"opendocument.text"):
        return "odt"
    return "zip"


def corrected_name(name: str, kind: str | None) -> tuple[str, str | None]:
    """The name with the suffix its content has, and the note saying so (None if it fit)."""
    if kind not in KINDS:
        return name, None
    path = PurePosixPath(name)
    suffix = path.suffix.lower()
    spec = KINDS[kind]
    if suffix in spec.suffixes:
        return name, None
    if len(suffix) > 6 or " " in suffix:  # "关于….2023年5月" has no real suffix
        suffix, stem = "", name
    else:
        stem = path.stem if suffix else name
    written = f"文件名为 {suffix}" if suffix else "文件名没有扩展名"
    label = f" {spec.label}" if spec.label[0].isascii() else spec.label
    note = f"{written}，实为{label}，已按{spec.treated_as}处理"
    return stem + spec.suffixes[0], note
