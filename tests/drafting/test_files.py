"""Reading the circular in the file ops staff have: the same draft from .txt (UTF-8 or GB18030),
.docx (paragraphs and tables) and a PDF with a text layer; clear words for what we cannot read."""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from docx import Document
from services.pdf_words import require

from campaign_ops.drafting import CircularReadError, circular_text, draft_from_file, draft_from_text

from .seeds import SEEDS

ANKANG = SEEDS / "000_15b4e97cc9af4117.txt"
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="seed circulars not on this machine")


def _docx(lines: list[str], table: list[list[str]] | None = None) -> bytes:
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
        document.add_paragraph("附件：工作情况统计表")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_docx_made_from_a_seed_gives_the_same_draft(seed, tmp_path):
    text = seed.read_text(encoding="utf-8")
    path = tmp_path / seed.with_suffix(".docx").name
    path.write_bytes(_docx(text.split("\n")))
    from_docx = draft_from_file(path)
    from_text = draft_from_text(text, source_name=path.name)
    assert from_docx.yaml_text == from_text.yaml_text
    assert from_docx.findings == from_text.findings


def test_docx_table_rows_are_read_in_order():
    lines = [
        "某某市市场监督管理局关于开展广告专项整治的通知",
        "请各县局于6月30日前报送工作情况统计表。",
        "工作联系人：",
    ]
    table = [["区市场监管局", "赵志刚", "18955952972"], ["区委网信办", "汪志军", "13637201825"]]
    text = circular_text(_docx(lines, table), "通知.docx")
    assert "区市场监管局 赵志刚 18955952972" in text
    assert text.index("工作联系人") < text.index("赵志刚") < text.index("附件")
    draft = draft_from_text(text)
    assert '{name: 赵志刚, department: 区市场监管局, phone: "18955952972"}' in draft.yaml_text
    assert '{name: 汪志军, department: 区委网信办, phone: "13637201825"}' in draft.yaml_text


def test_gb18030_text_reads_like_utf8():
    text = ANKANG.read_text(encoding="utf-8")
    assert circular_text(text.encode("gb18030"), "通知.txt") == text
    assert circular_text(text.encode("utf-8-sig"), "通知.txt") == text


def test_old_word_files_are_refused_with_what_to_do():
    with pytest.raises(CircularReadError, match=r"另存为 \.docx"):
        circular_text(b"\xd0\xcf\x11\xe0", "通知.doc")
    with pytest.raises(CircularReadError, match="Word 文件"):
        circular_text(b"not a zip", "通知.docx")


def test_pdf_without_text_is_refused(tmp_path):
    require("pdftotext")  # make services installs it: fail, never skip
    blank = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    with pytest.raises(CircularReadError, match="扫描件"):
        circular_text(blank, "通知.pdf")


@pytest.mark.browser
def test_pdf_printed_from_the_circular_drafts_the_same_facts(tmp_path):
    """A PDF as a bureau publishes it (lines wrapped at the page edge) reads like the text."""
    require(str(CHROMIUM), "pdftotext")  # make services installs both: fail, never skip
    from playwright.sync_api import sync_playwright

    text = ANKANG.read_text(encoding="utf-8")
    body = "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n"))
    style = "body{font-family:'WenQuanYi Micro Hei';font-size:16pt} p{margin:0 0 4pt 0}"
    page_html = (
        f"<html><head><meta charset='utf-8'><style>{style}</style></head><body>{body}</body></html>"
    )
    pdf = tmp_path / "通知.pdf"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.set_content(page_html)
            page.pdf(path=str(pdf), format="A4")
        finally:
            browser.close()
    from_pdf = draft_from_file(pdf, roster="ankang")
    from_text = draft_from_text(text, roster="ankang", source_name=pdf.name)

    def facts(draft):
        return {(f.field, f.value, f.guess) for f in draft.findings}

    assert facts(from_pdf) == facts(from_text)


def test_word_list_numbers_are_read_for_attachments():
    """Attachments in a Word numbered list carry no "1." in their text; the list number is
    put back so "附件：" still lists each table."""
    document = Document()
    document.add_paragraph("某某市市场监督管理局关于开展广告专项整治的通知")
    document.add_paragraph("请各县局于6月30日前报送工作情况统计表和案件查处情况统计表。")
    document.add_paragraph("附件：")
    document.add_paragraph("工作情况统计表", style="List Number")
    document.add_paragraph("互联网广告案件查处情况统计表", style="List Number")
    buffer = io.BytesIO()
    document.save(buffer)
    text = circular_text(buffer.getvalue(), "通知.docx")
    assert "1. 工作情况统计表\n2. 互联网广告案件查处情况统计表" in text
    draft = draft_from_text(text, roster="ankang")
    assert "{kind: statistics, form: ankang-work-stats}" in draft.yaml_text
    assert "{kind: statistics, form: ankang-ad-cases}" in draft.yaml_text
