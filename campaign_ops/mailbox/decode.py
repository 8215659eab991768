"""Header text as county mail clients really write it, decoded to readable Chinese.

Python's ``email`` decodes by the label it is given, and Chinese mail lies about its labels:
Foxmail and Outlook label GBK text ``gb2312`` (and then use GBK-only characters such as 镕 or
喆), old OA systems send raw 8-bit GBK headers with no label at all, and encoded words are split
in the middle of a character. So every Chinese label is read as GB18030 (a superset of both),
adjacent encoded words are joined as bytes before decoding, and unlabelled bytes are tried as
UTF-8 first, then GB18030.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.message
import quopri
import re
import unicodedata
from email.message import Message

# Labels whose text is read as GB18030, which contains GB2312 and GBK.
_CHINESE = {
    "gb2312",
    "gbk",
    "x-gbk",
    "cp936",
    "ms936",
    "gb_2312-80",
    "euc-cn",
    "x-euc-cn",
    "gb18030",
}
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_SPACE_ONLY = re.compile(r"\s*")


def codec_for(label: str | None) -> str | None:
    """The Python codec to read text labelled ``label`` with; None if unknown."""
    if not label:
        return None
    label = label.strip().strip('"').lower().split("*")[0]  # RFC 2231 adds *language
    if label in _CHINESE:
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def text_of(data: bytes, label: str | None = None) -> str:
    """Bytes → text: by their label if it is known and fits, else UTF-8, else GB18030."""
    tried = [c for c in (codec_for(label), "utf-8", "gb18030") if c]
    for codec in dict.fromkeys(tried):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(tried[0], "replace")


def unescape_8bit(value: str) -> str:
    """A header value as ``email`` stores it (raw bytes as surrogates) → real text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return text_of(value.encode("ascii", "surrogateescape"))


def decode_words(value: str) -> str:
    """RFC 2047 encoded words → text, also where clients put them (inside quotes, in
    parameters); adjacent words of one charset are decoded together, since clients split
    a GBK character across two words."""
    value = unescape_8bit(value)
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[tuple[str | None, bytes]] = []  # adjacent encoded words not yet decoded
    pos, after_word = 0, False
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        pos = match.end()
        label, kind, text = match.groups()
        data = _word_bytes(kind.lower(), text)
        if data is None:  # not really an encoded word: keep it as written
            out.append(_flush(pending) + between + match.group(0))
            after_word = False
            continue
        codec = codec_for(label)
        joined = after_word and _SPACE_ONLY.fullmatch(between) is not None  # space dropped
        if pending and (not joined or pending[-1][0] != codec):
            out.append(_flush(pending))
        if not joined:
            out.append(between)
        pending.append((codec, data))
        after_word = True
    out.append(_flush(pending))
    out.append(value[pos:])
    return "".join(out)


def _flush(pending: list[tuple[str | None, bytes]]) -> str:
    if not pending:
        return ""
    codec = pending[0][0]
    data = b"".join(d for _, d in pending)
    pending.clear()
    return text_of(data, codec)


def _word_bytes(kind: str, text: str) -> bytes | None:
    try:
        if kind == "b":
            return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        return quopri.decodestring(text.replace("_", " ").encode("ascii"), header=True)
    except (binascii.Error, ValueError):
        return None


def header(msg: Message, name: str) -> str | None:
    """One header, decoded; None when the message has none."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return clean(decode_words(unfold(value)))
    return None


def unfold(value: str) -> str:
    """A folded header value on one line (RFC 5322: the line break goes, the space stays)."""
    return re.sub(r"\r?\n(?=[ \t])", "", value).replace("\r", "").replace("\n", "")


def clean(text: str) -> str:
    """No control characters, no runs of spaces: what a person reads."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def _param(msg: Message, header_name: str, param: str) -> str | None:
    """One parameter of a structured header, from its raw value (``email`` would turn raw
    GBK bytes into U+FFFD before we could see them)."""
    raw = None
    for key, value in msg.raw_items():
        if key.lower() == header_name:
            raw = value
            break
    if raw is None:
        return None
    holder = email.message.Message()
    holder[header_name] = unescape_8bit(unfold(raw))
    values = [v for k, v in holder.get_params([], header=header_name) if k.lower() == param]
    if not values:
        return None
    # Apple Mail and Outlook send both filename="plain" and filename*=…: the RFC 2231 one wins
    found = next((v for v in values if isinstance(v, tuple)), values[0])
    if isinstance(found, tuple):  # RFC 2231: (charset, language, %-decoded text as latin-1)
        label, _, text = found
        return text_of(text.encode("latin-1", "replace"), label or None)
    return decode_words(str(found))


def filename(part: Message) -> str | None:
    """The part's file name: Content-Disposition's, else Content-Type's ``name``."""
    for header_name, param in (("content-disposition", "filename"), ("content-type", "name")):
        try:
            name = _param(part, header_name, param)
        except (ValueError, TypeError, LookupError):
            name = None
        if name and clean(name):
            return clean(name)
    return None


def safe_name(name: str) -> str:
    """A file name only: no folders (old Outlook sends ``C:\\...\\表.xlsx``), no control
    characters, nothing that climbs out (``..``)."""
    base = re.split(r"[\\/]", clean(name))[-1].strip()
    return "" if base in (".", "..") else base
