"""Unpacking a zip of tables sent by mail, in memory and within the workbook bomb limits.

Nothing is written to disk, so no member can land outside a folder; folder names inside the
archive are kept only as hints for identification (a unit's name is often the folder).
Windows' own "压缩(zipped)文件夹" and WinRAR on a Chinese system write names in GBK without
the UTF-8 flag, macOS writes UTF-8 without it: each name is tried as UTF-8, then GB18030.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING

from campaign_ops.mailbox.decode import clean, text_of
from campaign_ops.mailbox.sniff import Unreadable

if TYPE_CHECKING:
    from campaign_ops.mailbox.parse import MailLimits

SEND_PLAIN = "请直接把文件作为邮件附件发送，不要压缩"
PASSWORD = f"压缩包设置了密码，系统无法打开。请去掉密码重新压缩，或{SEND_PLAIN}。"
_JUNK = ("__MACOSX",)
_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class Entry:
    folders: tuple[str, ...]  # folders inside the archive, outermost first
    name: str
    data: bytes


def unpack(data: bytes, limits: MailLimits, budget: int) -> list[Entry]:
    """Every file of the archive; raises ``Unreadable`` when it must not be read.

    ``budget``: the bytes this mail's archives may still inflate to (a zip of zips shares
    one ``zip_max_uncompressed`` for the whole mail)."""
    try:
        zf = zipfile.ZipFile(BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, struct.error, EOFError):
        raise Unreadable(f"压缩包已损坏，无法打开。请重新压缩后再发送，或{SEND_PLAIN}。") from None
    if len(infos) > limits.zip_max_members:
        raise _bomb(f"包含 {len(infos)} 个文件，超过 {limits.zip_max_members} 个")
    declared = sum(i.file_size for i in infos)
    if declared > budget:
        raise _too_much(limits)
    entries, total = [], 0
    for info in infos:
        parts = _path_parts(info)
        if info.is_dir() or not parts or _is_junk(parts):
            continue
        if info.flag_bits & 0x1:
            raise Unreadable(PASSWORD)
        content = _inflate(zf, info, limits, budget - total)
        total += len(content)
        entries.append(Entry(tuple(parts[:-1]), parts[-1], content))
    return entries


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: MailLimits, budget: int) -> bytes:
    ratio = info.file_size // max(info.compress_size, 1)
    if info.file_size > limits.zip_ratio_floor and ratio > limits.zip_max_ratio:
        raise _bomb(f"内部文件压缩比异常（{ratio} 倍）")
    try:
        with zf.open(info) as member:
            content = member.read(budget + 1)
    except NotImplementedError:
        raise Unreadable(
            "压缩包使用了系统不支持的压缩或加密方式（如 AES 加密、Deflate64）。"
            f"请用 Windows 自带的“发送到—压缩(zipped)文件夹”重新压缩，或{SEND_PLAIN}。"
        ) from None
    except RuntimeError:  # zipfile: "File … is encrypted, password required"
        raise Unreadable(PASSWORD) from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, struct.error):
        raise Unreadable(
            f"压缩包内的文件已损坏，无法解压。请重新压缩后再发送，或{SEND_PLAIN}。"
        ) from None
    if len(content) > budget:
        raise _too_much(limits)
    if len(content) > info.file_size:
        raise _bomb("内部文件的实际大小与声明不符")
    return content


def _too_much(limits: MailLimits) -> Unreadable:
    """Over the inflation limit, which one mail's archives share."""
    return _bomb(f"一封邮件的压缩包解压后超过 {limits.zip_max_uncompressed // 1024 // 1024} MB")


def _bomb(detail: str) -> Unreadable:
    return Unreadable(f"压缩包内部结构异常（{detail}），为安全起见不予解压。{SEND_PLAIN}。")


def _path_parts(info: zipfile.ZipInfo) -> list[str]:
    """The member's path as readable names, without anything that climbs (``..``), roots
    (``/``, ``C:``) or is empty."""
    raw = _unicode_path(info)
    if raw is None:
        if info.flag_bits & 0x800:
            raw = info.orig_filename
        else:  # zipfile read the bytes as cp437: get them back and read them properly
            raw = text_of(info.orig_filename.encode("cp437", "replace"))
    parts = [clean(p) for p in raw.replace("\\", "/").split("/")]
    return [p for p in parts if p not in ("", ".", "..") and not p.endswith(":")]


def _unicode_path(info: zipfile.ZipInfo) -> str | None:
    """Info-ZIP's Unicode Path extra field (0x7075): the UTF-8 name beside a legacy one."""
    extra, pos = info.extra, 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        if tag == 0x7075 and len(body) > 5 and body[0] == 1:
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                return None
        pos += 4 + size
    return None


def _is_junk(parts: list[str]) -> bool:
    """macOS resource forks and Windows thumbnails: not files anyone sent on purpose."""
    return parts[0] in _JUNK or parts[-1].startswith("._") or parts[-1].lower() in _JUNK_NAMES
