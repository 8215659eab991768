"""One raw message → the files intake can take, the parts it cannot, and who sent it.

Pure: no network, no database. Mail from county bureaus comes from Foxmail, Outlook, 网易 and
QQ webmail and old OA systems, so names arrive in GBK (raw or RFC 2047), split by RFC 2231,
inside winmail.dat, zip archives and forwarded messages. ``parse_mail`` never raises on bad
input: whatever it cannot take becomes a ``MailRefusal`` with a Chinese reason, so the caller
can record it and tell the unit.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import PurePosixPath

from campaign_ops.forms.safety import (
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_UNCOMPRESSED,
    RATIO_FLOOR,
)
from campaign_ops.intake.identify import MAX_DOCUMENT_BYTES
from campaign_ops.mailbox import tnef, unzip
from campaign_ops.mailbox.decode import (
    clean,
    decode_words,
    filename,
    header,
    safe_name,
    text_of,
    unescape_8bit,
    unfold,
)
from campaign_ops.mailbox.sniff import Unreadable, corrected_name, sniff


@dataclass(frozen=True)
class MailLimits:
    """How much of a message is read. The zip numbers are the workbook bomb limits."""

    # 网易/QQ 邮箱 carry attachments up to 50 MB; base64 makes that about 68 MB of message
    max_message_bytes: int = 70 * 1024 * 1024
    max_attachment_bytes: int = MAX_DOCUMENT_BYTES
    zip_max_uncompressed: int = MAX_UNCOMPRESSED
    zip_max_ratio: int = MAX_RATIO
    zip_ratio_floor: int = RATIO_FLOOR
    zip_max_members: int = MAX_MEMBERS
    max_depth: int = 5  # forwarded message / zip / winmail.dat wrappers around one file


@dataclass(frozen=True)
class MailFile:
    """One file intake should take, whatever wrapping it came in."""

    name: str  # decoded, readable file name (Chinese intact)
    data: bytes
    found_in: tuple[str, ...]  # the wrappers it came out of, e.g. ("转发：…eml", "材料.zip")
    note: str | None  # Chinese note for the receipt (e.g. a renamed .xlsx)


@dataclass(frozen=True)
class MailRefusal:
    """A part we could not take: recorded and shown, never dropped silently."""

    name: str
    reason: str  # Chinese, tells the unit what to do


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    sender: str | None  # address, lower-case
    sender_name: str | None
    subject: str  # decoded
    in_reply_to: str | None
    references: tuple[str, ...]
    date_header: datetime | None
    files: tuple[MailFile, ...]
    refusals: tuple[MailRefusal, ...]
    links: tuple[str, ...]  # URLs in the body (a mail that only carries a cloud-drive link)
    body_text: str  # plain text, decoded (for the unit name in the body/subject)
    size: int


WHOLE_MAIL = "整封邮件"  # MailRefusal.name when the message itself could not be read

# Parts that are not material: calendar invitations, contact cards, S/MIME signatures.
IGNORED_TYPES = {
    "text/calendar",
    "application/ics",
    "text/vcard",
    "text/x-vcard",
    "text/directory",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
    "message/delivery-status",
    "message/disposition-notification",
    "text/rfc822-headers",
}
IGNORED_SUFFIXES = {".ics", ".vcs", ".vcf", ".p7s", ".asc"}
MAX_MIME_NESTING = 40  # multipart inside multipart: real clients stay under ten
_LINK = re.compile(r"https?://[^\s<>\"'（）()，。；、【】「」]+", re.I)
_HREF = re.compile(r"""href\s*=\s*["']?(https?://[^"'\s>]+)""", re.I)
# Every pattern stops at the next "<": linear on any input, also a forged mail's 50 MB of "<".
_TAG = re.compile(r"<[^<>]*>")
_HIDDEN = re.compile(r"<(script|style|head)\b", re.I)
_BREAK = re.compile(r"<(?:br|/p|/div|/tr|/li|/h\d)\b[^<>]*>", re.I)
MAX_TEXT_CHARS = 200_000  # of one text part: a unit's mail says a few lines
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def parse_mail(raw: bytes, *, limits: MailLimits = MailLimits()) -> ParsedMail:
    """Everything intake needs from one message; never raises on bad input.

    Message-IDs keep their angle brackets (``<…@…>``), as In-Reply-To needs them.
    ``MailFile.found_in`` lists the wrappers outermost first: forwarded messages (by their
    file name or subject + ``.eml``), ``winmail.dat``, archives and the folders inside them.
    """
    head = _headers(raw)
    refusals: list[MailRefusal] = []
    if len(raw) > limits.max_message_bytes:
        mb, limit = len(raw) / 1024 / 1024, limits.max_message_bytes // 1024 // 1024
        refusals.append(
            MailRefusal(
                WHOLE_MAIL,
                f"邮件共 {mb:.1f} MB，超过 {limit} MB 的上限，系统没有读取其中的附件。"
                f"请把附件分成几封邮件发送（每封不超过 {limit} MB）；"
                "照片、视频较大时可上传网盘，在邮件中写明链接和提取码。",
            )
        )
        return _result(head, raw, _Walk(limits), refusals)
    walk = _Walk(limits)
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        walk.message(msg, (), 0)
    except Exception:  # the last guard of "never raises": one mail must not stop a scan
        refusals.append(
            MailRefusal(
                WHOLE_MAIL,
                "邮件格式有误，系统未能完整读取其中的附件。请重新发送一次；"
                "如仍不行，请把附件保存后添加到新邮件中发送。",
            )
        )
    return _result(head, raw, walk, refusals)


def _headers(raw: bytes) -> Message:
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=-1)
    return email.message_from_bytes(
        raw if end < 0 else raw[: end + 2], policy=email.policy.compat32
    )


def _result(head: Message, raw: bytes, walk: _Walk, refusals: list[MailRefusal]) -> ParsedMail:
    sender_name, sender = _address(head, "from") or _address(head, "sender") or (None, None)
    body = "\n\n".join(walk.texts)
    body = "\n".join(line.rstrip() for line in body.replace("\r\n", "\n").split("\n")).strip()
    return ParsedMail(
        message_id=_first_id(header(head, "message-id")),
        sender=sender,
        sender_name=sender_name,
        subject=header(head, "subject") or "",
        in_reply_to=_first_id(header(head, "in-reply-to")),
        references=tuple(_MESSAGE_ID.findall(header(head, "references") or "")),
        date_header=_date(header(head, "date")),
        files=tuple(walk.files),
        refusals=tuple(walk.refusals + refusals),
        links=tuple(dict.fromkeys(walk.links)),
        body_text=body,
        size=len(raw),
    )


def _address(msg: Message, name: str) -> tuple[str | None, str] | None:
    """(display name, lower-case address) of a From/Sender header, raw 8-bit or encoded."""
    for key, value in msg.raw_items():
        if key.lower() != name:
            continue
        for display, address in getaddresses([unescape_8bit(unfold(value))]):
            if "@" in address:
                address, display = address.strip().lower(), clean(decode_words(display))
                return (display if display and display.lower() != address else None), address
    return None


def _first_id(value: str | None) -> str | None:
    if not value:
        return None
    found = _MESSAGE_ID.search(value)
    return found.group(0) if found else value.strip() or None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class _Walk:
    """Goes through a message's parts, and through every wrapper a file came in."""

    def __init__(self, limits: MailLimits):
        self.limits = limits
        self.files: list[MailFile] = []
        self.refusals: list[MailRefusal] = []
        self.texts: list[str] = []
        self.links: list[str] = []
        self.unnamed = 0
        self.inflated = 0  # bytes out of archives so far, against zip_max_uncompressed

    def message(self, msg: Message, found_in: tuple[str, ...], depth: int) -> None:
        self.part(msg, found_in, depth)

    def part(
        self,
        part: Message,
        found_in: tuple[str, ...],
        depth: int,
        *,
        related: bool = False,  # inside multipart/related: pictures belong to the text
        plain_beside: bool = False,  # an HTML text whose plain version is read already
        nesting: int = 0,
    ) -> None:
        ctype = part.get_content_type()
        name = filename(part)
        if ctype in IGNORED_TYPES or _suffix(name) in IGNORED_SUFFIXES:
            return
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message):
                label = safe_name(name or "") or _eml_label(inner)
                self.nested(
                    label, found_in, depth, lambda d: self.message(inner, (*found_in, label), d)
                )
            return
        if part.is_multipart():
            if nesting > MAX_MIME_NESTING:
                self.refuse(
                    WHOLE_MAIL, "邮件结构嵌套过深，系统无法读取。请把附件添加到新邮件中发送。"
                )
                return
            if ctype == "multipart/report":  # a bounce: its copy of our own mail is not material
                return
            subs = [sub for sub in part.get_payload() if isinstance(sub, Message)]
            if ctype == "multipart/alternative":
                plain_beside = any(sub.get_content_type() == "text/plain" for sub in subs)
            for sub in subs:
                self.part(
                    sub,
                    found_in,
                    depth,
                    related=ctype == "multipart/related",
                    plain_beside=plain_beside,
                    nesting=nesting + 1,
                )
            return
        disposition = part.get_content_disposition()
        if ctype.startswith("text/") and not name and disposition != "attachment":
            self.body(part, ctype, links_only=plain_beside and ctype == "text/html")
            return
        inline_picture = related or part.get("content-id") is not None
        if ctype.startswith("image/") and disposition != "attachment" and inline_picture:
            return  # a signature or a picture in the text, not a file the unit attached
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            data = b""
        self.blob(safe_name(name or "") or self.name_for(ctype, data), data, found_in, depth)

    def body(self, part: Message, ctype: str, links_only: bool) -> None:
        """The text of a mail (or of a forwarded one) and the links in it. Of an HTML text
        with a plain version beside it, only the links: a link's address is often only in
        the HTML, under words like 百度网盘."""
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            return
        text = text_of(data, part.get_content_charset())[:MAX_TEXT_CHARS]
        if ctype == "text/html":
            self.links.extend(html.unescape(u) for u in _HREF.findall(text))
            text = _html_text(text)
        self.links.extend(u.rstrip(".,;:!?") for u in _LINK.findall(text))
        if not links_only:
            self.texts.append(text)

    def blob(self, name: str, data: bytes, found_in: tuple[str, ...], depth: int) -> None:
        """Any attachment's bytes: a wrapper is opened, a file is kept, the rest refused."""
        limits = self.limits
        if not data:
            self.refuse(name, "附件是空的（0 字节），可能上传未完成。请重新添加附件后发送。")
            return
        if len(data) > limits.max_attachment_bytes:
            mb, limit = len(data) / 1024 / 1024, limits.max_attachment_bytes // 1024 // 1024
            self.refuse(
                name,
                f"附件有 {mb:.1f} MB，超过 {limit} MB 的上限。统计表请删除多余内容后重新保存；"
                "照片、视频请压缩后分几封邮件发送，或上传网盘后在邮件中写明链接和提取码。",
            )
            return
        suffix, kind = _suffix(name), sniff(data)
        inside = (*found_in, name)
        if suffix == ".eml" and kind is None:
            msg = email.message_from_bytes(data, policy=email.policy.compat32)
            self.nested(name, found_in, depth, lambda d: self.message(msg, inside, d))
        elif kind == "tnef" or name.lower() == "winmail.dat":
            self.nested(name, found_in, depth, lambda d: self.winmail(name, data, inside, d))
        elif kind == "zip":
            self.nested(name, found_in, depth, lambda d: self.archive(name, data, inside, d))
        elif suffix == ".msg":
            self.refuse(
                name,
                "这是 Outlook 邮件文件（.msg），系统无法读取其中的附件。"
                "请在 Outlook 中直接转发原邮件，或把其中的附件另存后添加到新邮件中发送。",
            )
        elif kind in ("rar", "7z") or suffix in (".rar", ".7z"):
            label = "RAR" if kind == "rar" or suffix == ".rar" else "7z"
            self.refuse(
                name,
                f"系统无法打开 {label} 格式的压缩包。请改用 zip 格式压缩，"
                "或直接把 Excel 表格、Word/PDF 文件作为邮件附件发送。",
            )
        else:
            final, note = corrected_name(name, kind)
            self.files.append(MailFile(final, data, found_in, note))

    def nested(
        self, name: str, found_in: tuple[str, ...], depth: int, open_it: Callable[[int], None]
    ) -> None:
        if depth + 1 > self.limits.max_depth:
            self.refuse(
                name,
                f"附件套了 {depth + 1} 层以上（转发的邮件、压缩包层层嵌套），系统不再往下读取。"
                "请把其中的文件取出，直接作为附件发送。",
            )
            return
        open_it(depth + 1)

    def archive(self, name: str, data: bytes, inside: tuple[str, ...], depth: int) -> None:
        try:
            entries = unzip.unpack(
                data, self.limits, self.limits.zip_max_uncompressed - self.inflated
            )
        except Unreadable as problem:
            self.refuse(name, problem.reason)
            return
        self.inflated += sum(len(e.data) for e in entries)
        if not entries:
            self.refuse(name, f"压缩包是空的，没有任何文件。{unzip.SEND_PLAIN}。")
        for entry in entries:
            self.blob(entry.name, entry.data, inside + entry.folders, depth)

    def winmail(self, name: str, data: bytes, inside: tuple[str, ...], depth: int) -> None:
        try:
            files, embedded = tnef.unpack(data)
        except Unreadable as problem:
            self.refuse(name, problem.reason)
            return
        for item in embedded:
            self.refuse(
                item,
                "这是 Outlook 中作为附件插入的邮件或联系人，系统无法读取。"
                f"请把其中的文件直接作为附件发送；{tnef.ASK_PLAIN_FORMAT}。",
            )
        for item in files:
            self.blob(
                safe_name(item.name) or self.name_for("", item.data), item.data, inside, depth
            )

    def name_for(self, ctype: str, data: bytes) -> str:
        """A name for an attachment that came without one: 附件1.xlsx, …"""
        self.unnamed += 1
        kind = sniff(data)
        suffix = _TYPE_SUFFIX.get(ctype, "")
        if kind and kind in _KIND_SUFFIX:
            suffix = _KIND_SUFFIX[kind]
        return f"附件{self.unnamed}{suffix}"

    def refuse(self, name: str, reason: str) -> None:
        self.refusals.append(MailRefusal(name, reason))


_KIND_SUFFIX = {
    "xlsx": ".xlsx",
    "docx": ".docx",
    "pptx": ".pptx",
    "pdf": ".pdf",
    "doc": ".doc",
    "xls": ".xls",
    "zip": ".zip",
    "rar": ".rar",
    "7z": ".7z",
    "tnef": ".dat",
}
_TYPE_SUFFIX = {
    "text/plain": ".txt",
    "text/html": ".html",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "message/rfc822": ".eml",
}


def _suffix(name: str | None) -> str:
    return PurePosixPath(name).suffix.lower() if name else ""


def _eml_label(msg: Message) -> str:
    subject = header(msg, "subject")
    return safe_name(f"{subject}.eml") if subject else "转发的邮件.eml"


def _html_text(text: str) -> str:
    text = _BREAK.sub("\n", _without_hidden(text))
    lines = (clean(html.unescape(line)) for line in _TAG.sub("", text).splitlines())
    return "\n".join(line for line in lines if line)


def _without_hidden(text: str) -> str:
    """HTML without its <head>, <style> and <script> elements (their text is not read)."""
    lower, out, pos = text.lower(), [], 0
    while (found := _HIDDEN.search(text, pos)) is not None:
        out.append(text[pos : found.start()])
        end = lower.find(f"</{found.group(1).lower()}", found.end())
        if end < 0:
            return "".join(out)
        close = lower.find(">", end)
        pos = len(text) if close < 0 else close + 1
    out.append(text[pos:])
    return "".join(out)
