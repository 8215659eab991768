"""A circular's text from the file ops staff have: .txt (UTF-8 or GB18030), .docx (paragraphs
and tables, in document order) or a .pdf with a text layer (poppler's ``pdftotext``).

Then the text is cleaned of what copying from Word, PDF or a web page leaves behind (bookmark
marks, spaces inside words at line wraps, a sentence broken over an empty line), and cut into
the lines and sentences the extractors read.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from campaign_ops.drafting.dates import arabic


class CircularReadError(ValueError):
    """A circular file we cannot read, with what to do about it (Chinese, for the user)."""


def circular_text(data: bytes, filename: str) -> str:
    """The circular's text (paragraphs and tables) from a file's bytes."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".docx":
        return docx_text(data)
    if suffix == ".pdf":
        return pdf_text(data)
    if suffix in (".doc", ".wps"):
        raise CircularReadError(
            f"{filename} 是旧版 Word 文件，请先用 WPS 或 Word 另存为 .docx，"
            "或另存为纯文本（.txt），再起草"
        )
    return decode_text(data)


def decode_text(data: bytes) -> str:
    """Plain text: UTF-8 (with or without BOM), else GB18030 (what Chinese Windows saves)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CircularReadError("文本文件既不是 UTF-8 也不是 GB18030 编码，请另存为 UTF-8 后再起草")


def docx_text(data: bytes) -> str:
    """A .docx's paragraphs and table rows in document order (a table row as its cells
    joined by spaces, so a contacts table reads like the contacts line of a circular)."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a file that is not .docx
        raise CircularReadError("无法打开这个 Word 文件（.docx），请确认文件完整后再试") from exc
    lines: list[str] = []
    count = 0  # Word's own list numbers are not in the text: "附件：1. …" needs them
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            count = count + 1 if _numbered(block) else 0
            text = block.text
            if count and not re.match(r"^\s*\d", text):
                text = f"{count}. {text}"
            lines.append(text)
            continue
        count = 0
        if isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:  # a merged cell repeats in every column it spans
                    if not cells or cell.text != cells[-1]:
                        cells.append(cell.text)
                lines.append(" ".join(c.strip() for c in cells if c.strip()))
    return "\n".join(lines)


def _numbered(paragraph: object) -> bool:
    """Whether Word numbers this paragraph itself (a list paragraph or a numbered style)."""
    ppr = paragraph._p.pPr  # type: ignore[attr-defined]
    if ppr is not None and ppr.numPr is not None:
        return True
    style = paragraph.style  # type: ignore[attr-defined]
    while style is not None:
        ppr = style.element.pPr
        if ppr is not None and ppr.numPr is not None:
            return True
        style = style.base_style
    return False


def pdf_text(data: bytes) -> str:
    """A PDF's text layer, read by poppler's pdftotext (installed with poppler-utils)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise CircularReadError(
            "读取 PDF 需要 pdftotext（poppler-utils），请安装后再试，或改用 .docx/.txt"
        )
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "circular.pdf"
        source.write_bytes(data)
        done = subprocess.run(
            [tool, "-enc", "UTF-8", str(source), "-"], capture_output=True, timeout=120
        )
    text = done.stdout.decode("utf-8", errors="replace")
    if done.returncode != 0 or len(re.sub(r"\s", "", text)) < 20:
        raise CircularReadError(
            "这个 PDF 没有可读取的文字（可能是扫描件），请改用通知的 .docx 或粘贴文字"
        )
    return text.replace("\f", "\n")


# ---- cleaning and cutting ------------------------------------------------------------------

CJK = r"\u3400-\u9fff"
_JOINS = rf"[{CJK}〔〕（）《》“”、，。；：()]"
# A title line (…工作方案(草案）, …的通知): no comma, ends like a document's name.
TITLE = re.compile(r"^[^，。,]*(?:方案|通知|意见|办法)(?:[(（][^()（）]{1,6}[)）])?$")
HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d+[.、．]|附件)"
)


def clean(text: str) -> str:
    """The text with Chinese date numerals made Arabic, Word bookmarks dropped and the spaces
    a PDF leaves inside words at line ends (黄市监函 〔2024〕61号) removed."""
    text = arabic(text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " "))
    text = re.sub(r"\[bookmark:[^\]]*\]", "", text)
    text = re.sub(rf"(?<={_JOINS}) +(?={_JOINS})", "", text)
    return re.sub(r"[*]{2}", "", text)  # markdown bold from converted documents


def lines_of(text: str) -> list[str]:
    """The non-empty lines, stripped."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def paragraphs(text: str) -> list[str]:
    """Lines joined back into paragraphs where a sentence was broken by a line end or an empty
    line (a long line with no closing punctuation, followed by a line that is no heading)."""
    out: list[str] = []
    for line in lines_of(text):
        if (
            out
            and len(out[-1]) >= 20
            and not re.search(r"[。；：:！？!?]$", out[-1])
            and not HEADING.match(line)
            and not TITLE.search(out[-1])
        ):
            out[-1] += line
        else:
            out.append(line)
    return out


def sentences(text: str) -> list[str]:
    """Every sentence, in order: paragraphs cut after 。；！？ (a heading is a sentence)."""
    out: list[str] = []
    for paragraph in paragraphs(text):
        out += [s.strip() for s in re.split(r"(?<=[。；;！？!?])", paragraph) if s.strip()]
    return out


def quote(sentence: str, around: str | None = None, width: int = 90) -> str:
    """The sentence as a one-line quotation, shortened around ``around`` when too long."""
    sentence = re.sub(r"\s+", " ", sentence).strip()
    if len(sentence) <= width:
        return sentence
    at = sentence.find(around) if around else -1
    if at < 0:
        return sentence[: width - 1] + "…"
    start = max(0, min(at - width // 3, len(sentence) - width))
    piece = sentence[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(sentence) else "")
