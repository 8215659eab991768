"""Attachments out of ``winmail.dat`` (TNEF), which Outlook sends instead of ordinary
attachments when a mail is written in "RTF" format.

Decoded with ``tnefparse`` (pure Python, no dependencies, the TNEF reader most projects use).
Its attachment names are read here rather than through ``TNEFAttachment.name``, which decodes
the 8-bit title as UTF-8 and fails on the GBK names Chinese Outlook writes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tnefparse.properties import MAPI_ATTACH_LONG_FILENAME
from tnefparse.tnef import TNEF

from campaign_ops.mailbox.decode import clean, text_of
from campaign_ops.mailbox.sniff import Unreadable

ASK_PLAIN_FORMAT = (
    "请在 Outlook 中把邮件格式改为 HTML 或纯文本"
    "（文件—选项—邮件—“使用此格式撰写邮件”），再重新发送附件"
)

BROKEN = f"Outlook 的 winmail.dat 文件已损坏，无法读取其中的附件。{ASK_PLAIN_FORMAT}。"
# Outlook writes a few dozen records (about six per attachment); tnefparse copies the rest of
# the stream for each record, so a forged stream of tiny records would take quadratic time.
MAX_RECORDS = 5000
ATTACHMENT_HIDDEN = 0x7FFE  # PidTagAttachmentHidden (not in tnefparse.properties)
logging.getLogger("tnefparse").setLevel(logging.CRITICAL)  # it logs every odd property


@dataclass(frozen=True)
class TnefFile:
    name: str
    data: bytes


def unpack(data: bytes) -> tuple[list[TnefFile], list[str]]:
    """The attachments, and the names of those that are embedded Outlook items (a mail or a
    contact inside the mail), which cannot be read. Raises ``Unreadable`` when broken."""
    if _records(data) > MAX_RECORDS:
        raise Unreadable(BROKEN)
    try:
        tnef = TNEF(data, do_checksum=True)
    except Exception:  # any malformed input: the library has no error type of its own
        raise Unreadable(BROKEN) from None
    files, embedded = [], []
    for n, att in enumerate(tnef.attachments, 1):
        name = _name(att, tnef.codepage) or f"附件{n}"
        if _hidden(att):
            continue  # a picture shown in the text (a signature logo), not an attached file
        if getattr(att, "embed", None) is not None:
            embedded.append(name)
        elif att.data:
            files.append(TnefFile(name, bytes(att.data)))
    if not files and not embedded and not any(o.good_checksum for o in tnef.objects):
        # not one intact record: noise, not a winmail.dat that only carries the mail's text
        raise Unreadable(BROKEN)
    return files, embedded


def _hidden(att: object) -> bool:
    """PidTagAttachmentHidden: Outlook's mark on pictures placed in the mail's text."""
    return any(p.name == ATTACHMENT_HIDDEN and p.data for p in getattr(att, "mapi_attrs", []))


def _name(att: object, codepage: str | None) -> str:
    for prop in getattr(att, "mapi_attrs", []):
        if prop.name == MAPI_ATTACH_LONG_FILENAME:
            value = prop.data
            if isinstance(value, list):
                value = value[0] if value else ""
            if isinstance(value, bytes):
                value = text_of(value, codepage)
            if value and clean(value.strip("\x00")):
                return clean(value.strip("\x00"))
    title = getattr(att, "_name", b"")
    if isinstance(title, bytes):
        title = text_of(title.rstrip(b"\x00"), codepage)
    return clean(title.strip("\x00"))


def _records(data: bytes) -> int:
    """How many records tnefparse would read (stopping past ``MAX_RECORDS``), counted the
    way it walks them: 11 bytes of frame around each record's declared length."""
    offset, count = 6, 0
    while offset + 12 < len(data) and count <= MAX_RECORDS:
        offset += min(
            len(data) - offset, int.from_bytes(data[offset + 5 : offset + 9], "little") + 11
        )
        count += 1
    return count
