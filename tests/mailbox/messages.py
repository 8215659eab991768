"""Mail as county bureaus' clients really write it, byte for byte.

Python's email package writes standard-conforming mail; the mail we receive is not. So the
shapes here are composed as raw bytes, the way Foxmail (``gb2312`` labels on GBK text),
Outlook (``winmail.dat``, encoded words split inside a character), 网易/QQ webmail (``GBK``
encoded words), Thunderbird and Apple Mail (RFC 2231 names) and old OA systems (raw 8-bit GBK
headers) write them. The mailbox integration tests deliver the same messages over IMAP.
"""

from __future__ import annotations

import base64
import io
import struct
import zipfile
from collections.abc import Sequence

import openpyxl

HANBIN = "hanbin@ankang-amr.example.invalid"
BUREAU = "aksjggjg@ankang-amr.example.invalid"
# GBK-only characters (not in GB2312): what a "gb2312" label cannot hold but Foxmail sends.
GBK_ONLY_NAME = "汉滨区局（王镕喆）报表.xlsx"


# ---------------------------------------------------------------- files
def xlsx_bytes(title: str = "汉滨区市场监督管理局") -> bytes:
    """A small real workbook (what a unit's table is, as far as the mail is concerned)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "统计表"
    ws["A1"], ws["B1"], ws["A2"], ws["B2"] = "填报单位", title, "检查网站数", 12
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def docx_bytes() -> bytes:
    return _zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )


def _zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes], *, encoding: str = "utf-8") -> bytes:
    """A zip archive; ``encoding="gbk"`` writes names as Windows' own 压缩(zipped)文件夹 and
    WinRAR do on a Chinese system: GBK bytes, no UTF-8 flag."""
    if encoding == "utf-8":
        return _zip_of(members)
    placeholders = {}
    plain = {}
    for n, (name, data) in enumerate(members.items()):
        raw = name.encode(encoding)
        stand_in = chr(ord("A") + n).encode() * len(raw)
        placeholders[stand_in] = raw
        plain[stand_in.decode("ascii")] = data
    packed = _zip_of(plain)
    for stand_in, raw in placeholders.items():  # same length: offsets stay right
        assert packed.count(stand_in) == 2, "a name's stand-in must be unique in the archive"
        packed = packed.replace(stand_in, raw)
    return packed


def rar_bytes() -> bytes:
    return b"Rar!\x1a\x07\x01\x00" + b"\x00" * 64


def seven_zip_bytes() -> bytes:
    return b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 64


def winmail_dat(
    files: Sequence[tuple[str, bytes]], *, long_names: bool = True, hidden: Sequence[str] = ()
) -> bytes:
    """A TNEF stream as Chinese Outlook writes it (OEM code page 936, GBK titles, and the
    long file name as a Unicode MAPI property)."""

    def attr(level: int, kind: int, ident: int, data: bytes) -> bytes:
        checksum = sum(data) & 0xFFFF
        return (
            struct.pack("<BHHI", level, ident, kind, len(data)) + data + struct.pack("<H", checksum)
        )

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += attr(1, 0x0008, 0x9006, struct.pack("<I", 0x00010000))  # TNEF version
    out += attr(1, 0x0006, 0x9007, struct.pack("<II", 936, 0))  # OEM code page
    out += attr(1, 0x0007, 0x8008, b"IPM.Microsoft Mail.Note\x00")
    for name, data in files:
        out += attr(2, 0x0006, 0x9002, b"\x01\x00\xff\xff\xff\xff" + b"\x00" * 8)  # renddata
        out += attr(2, 0x0001, 0x8010, name.encode("gbk", "replace")[:250] + b"\x00")
        out += attr(2, 0x0006, 0x800F, data)
        if long_names:
            value = (name + "\x00").encode("utf-16-le")
            padded = value + b"\x00" * (-len(value) % 4)
            props = struct.pack("<HH", 0x001F, 0x3707) + struct.pack("<II", 1, len(value)) + padded
            count = 1
            if name in hidden:  # PidTagAttachmentHidden: a picture in the text
                props += struct.pack("<HHHH", 0x000B, 0x7FFE, 1, 0)
                count += 1
            out += attr(2, 0x0006, 0x9005, struct.pack("<I", count) + props)
    return out


# ---------------------------------------------------------------- header text
def b_word(text: str, charset: str = "GBK") -> str:
    codec = "gbk" if charset.lower() in ("gb2312", "gbk") else charset
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def split_b_words(text: str, charset: str = "gb2312", chunk: int = 7) -> str:
    """Encoded words cut every ``chunk`` bytes, in the middle of a character if it falls
    there (Outlook cuts long names by bytes)."""
    raw = text.encode("gbk")
    words = [
        f"=?{charset}?B?{base64.b64encode(raw[i : i + chunk]).decode()}?="
        for i in range(0, len(raw), chunk)
    ]
    return "\r\n\t".join(words)


def rfc2231(param: str, text: str, charset: str = "UTF-8", pieces: int = 3) -> str:
    """``filename*0*=UTF-8''…; filename*1*=…`` as Thunderbird writes long names."""
    codec = "gbk" if charset.lower() in ("gb2312", "gbk") else charset
    quoted = "".join(f"%{b:02X}" for b in text.encode(codec))
    size = -(-len(quoted) // pieces)
    size += -size % 3  # never cut a %XX in two
    chunks = [quoted[i : i + size] for i in range(0, len(quoted), size)]
    first = f"{param}*0*={charset}''{chunks[0]}"
    rest = [f"{param}*{n}*={c}" for n, c in enumerate(chunks[1:], 1)]
    return ";\r\n ".join([first, *rest])


# ---------------------------------------------------------------- MIME parts
def part(
    headers: Sequence[tuple[str, str | bytes]], body: bytes, *, encode: str = "base64"
) -> bytes:
    """One MIME part; ``bytes`` header values are written as they are (raw 8-bit)."""
    lines = [_header_line(k, v) for k, v in headers]
    if encode == "base64":
        lines.append(b"Content-Transfer-Encoding: base64")
        text = base64.encodebytes(body).replace(b"\n", b"\r\n")
    else:
        lines.append(b"Content-Transfer-Encoding: " + encode.encode())
        text = body
    return b"\r\n".join(lines) + b"\r\n\r\n" + text


def attachment(
    name_params: str | bytes,
    data: bytes,
    *,
    ctype: str = "application/octet-stream",
    disposition: str = "attachment",
    extra: Sequence[tuple[str, str | bytes]] = (),
) -> bytes:
    """An attached file; ``name_params`` is written into both headers as given, e.g.
    ``'"=?gb2312?B?…?="'`` (Foxmail), or raw GBK bytes (OA systems), or an RFC 2231 list
    (pass ``str`` starting with ``*``)."""
    if isinstance(name_params, str) and name_params.startswith("*"):
        type_value = f"{ctype};\r\n " + rfc2231("name", name_params[1:])
        disp_value = f"{disposition};\r\n " + rfc2231("filename", name_params[1:])
        return part(
            [("Content-Type", type_value), ("Content-Disposition", disp_value), *extra], data
        )
    if isinstance(name_params, bytes):
        type_b = ctype.encode() + b';\r\n name="' + name_params + b'"'
        disp_b = disposition.encode() + b';\r\n filename="' + name_params + b'"'
        return part([("Content-Type", type_b), ("Content-Disposition", disp_b), *extra], data)
    return part(
        [
            ("Content-Type", f"{ctype};\r\n name={name_params}"),
            ("Content-Disposition", f"{disposition};\r\n filename={name_params}"),
            *extra,
        ],
        data,
    )


def text_part(text: str, charset: str = "gb2312", subtype: str = "plain") -> bytes:
    codec = "gbk" if charset.lower() in ("gb2312", "gbk") else charset
    return part([("Content-Type", f"text/{subtype}; charset={charset}")], text.encode(codec))


def multipart(parts: Sequence[bytes], subtype: str = "mixed", boundary: str | None = None) -> bytes:
    """A multipart body part (headers included) holding ``parts``."""
    boundary = boundary or f"----=_NextPart_{subtype}_{len(parts)}_{sum(map(len, parts))}"
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    body += b"--" + boundary.encode() + b"--\r\n"
    return f'Content-Type: multipart/{subtype};\r\n\tboundary="{boundary}"\r\n\r\n'.encode() + body


def forwarded(inner: bytes, name: str | None = None) -> bytes:
    """A whole message attached as ``message/rfc822`` (Outlook/Foxmail "作为附件转发")."""
    disposition = f'attachment; filename="{b_word(name)}"' if name else "inline"
    headers = f"Content-Type: message/rfc822\r\nContent-Disposition: {disposition}\r\n\r\n"
    return headers.encode() + inner


def message(
    body: bytes,
    *,
    subject: str | bytes = "汉滨区局报送材料",
    sender: str | bytes | None = None,
    message_id: str = "<20230510093000.1234@ankang-amr.example.invalid>",
    extra: Sequence[tuple[str, str | bytes]] = (),
    mailer: str = "Foxmail 7.2.25.254[cn]",
) -> bytes:
    """A whole message around ``body`` (a part from ``multipart``/``part``, headers included).
    ``str`` subjects are written as Foxmail does (``=?gb2312?B?…?=``), ``bytes`` as raw 8-bit."""
    if isinstance(subject, str):
        subject = b_word(subject, "gb2312") if not subject.isascii() else subject
    sender = sender if sender is not None else f'"{b_word("汉滨区局", "gb2312")}" <{HANBIN}>'
    head = [
        ("From", sender),
        ("To", BUREAU),
        ("Subject", subject),
        ("Date", "Wed, 10 May 2023 09:30:00 +0800"),
        ("Message-ID", message_id),
        ("X-Mailer", mailer),
        ("MIME-Version", "1.0"),
        *extra,
    ]
    return b"\r\n".join(_header_line(k, v) for k, v in head) + b"\r\n" + body


def _header_line(name: str, value: str | bytes) -> bytes:
    return name.encode() + b": " + (value if isinstance(value, bytes) else value.encode("ascii"))
