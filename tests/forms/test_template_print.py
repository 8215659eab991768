"""Templates print legibly on A4 in LibreOffice: every seed campaign, every form.

Each template is printed by Calc to PDF and read back as word boxes (``pdftotext -bbox``):
pages are A4, the data sheet of a fixed table is one page and a case list repeats its header,
the 填表说明 sheet is exactly one page, no line is printed over another (the wrapped row-3
line used to cover 填报单位; the instructions' lines used to cover each other), and every
sentence is there in full (nothing cut at a cell or page edge).
"""

from __future__ import annotations

import re

import pytest
from calc_client import Calc, overlaps
from services.pdf_words import Page, pdf_pages

from campaign_ops.campaign import Campaign, load_campaigns
from campaign_ops.forms.instructions import instructions_title, sections, table_notes
from campaign_ops.forms.spec import Layout, all_forms, load_form
from campaign_ops.forms.template import write_template

# The printed glyph box is about 1.3 × the font size: 9.5 pt is a 7.3 pt font (六号 is 7.5).
MIN_WORD_HEIGHT = 9.5


def _cases() -> list[tuple[str, str, str | None, str | None]]:
    """(name, form, campaign, round): each seed campaign's forms in its longest-titled round
    for its longest-named unit (the lines most likely to wrap), and each form's blank."""
    out = []
    for c in load_campaigns():
        if not isinstance(c, Campaign):
            continue
        round_ = max((r for r in c.rounds if r.forms), key=lambda r: len(r.title))
        out += [(f"{c.id}--{f}", f, c.id, round_.id) for f in round_.forms]
    out += [(f"blank--{f.id}", f.id, None, None) for f in all_forms()]
    return out


CASES = _cases()


Printed = dict[str, tuple[list[Page], dict]]


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    """Case name → (the pages Calc prints for its template, the template's campaign, round
    and unit); one soffice run prints them all."""
    campaigns = {c.id: c for c in load_campaigns() if isinstance(c, Campaign)}
    folder = tmp_path_factory.mktemp("print")
    files, context = [], {}
    for name, form_id, campaign_id, round_id in CASES:
        kw = {}
        if campaign_id:
            c = campaigns[campaign_id]
            round_ = c.round(round_id or "")
            unit = max(c.units_for(round_), key=lambda u: len(u.name))
            kw = {"campaign": c, "round_": round_, "unit": unit}
        files.append(write_template(load_form(form_id), folder / f"{name}.xlsx", **kw))
        context[name] = kw
    pdfs = Calc(folder / "profile").to_pdf(files, folder / "pdf")
    return {pdf.stem: (pdf_pages(pdf), context[pdf.stem]) for pdf in pdfs}


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _printed(text: str, page_text: str) -> bool:
    """All of ``text`` is on the page in order. Calc prints line by line across a row, so a
    cell's wrapped lines may have a neighbour's text between them; a cut text misses some."""
    rest = iter(page_text)
    return all(ch in rest for ch in _flat(text))


@pytest.mark.libreoffice
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_template_prints_on_a4_without_overlap(case, printed: Printed):
    name, form_id, _, _ = case
    form = load_form(form_id)
    pages, context = printed[name]
    for i, page in enumerate(pages, 1):
        assert sorted((round(page.width), round(page.height))) == [595, 842], f"第{i}页不是 A4"
        assert not overlaps(page), f"第{i}页有文字互相重叠：{overlaps(page)[:3]}"
        for w in page.words:
            assert w.x0 >= 0 and w.x1 <= page.width and w.y0 >= 0 and w.y1 <= page.height, (
                f"第{i}页“{w.text}”超出纸张"
            )
            assert w.height >= MIN_WORD_HEIGHT, f"第{i}页“{w.text}”字太小（{w.height:.1f} pt）"

    title = _flat(instructions_title(form))
    holding = [i for i, p in enumerate(pages) if title in p.joined]
    assert holding == [len(pages) - 1], "填表说明应单独占最后一页，且只占一页"
    data_pages, instructions = pages[:-1], pages[-1]
    if form.layout == Layout.fixed:
        assert len(data_pages) == 1, "固定行的表应打印在一页上"
    else:
        assert len(data_pages) <= 2
        for page in data_pages:  # the header repeats on every page of a long list
            assert _flat(form.columns[0].label) in page.joined

    data_text = "".join(p.joined for p in data_pages)
    expected = [form.title, *(c.label for c in form.columns), *table_notes(form)]
    expected += [r.label for r in form.rows]
    for text in expected:
        assert _printed(text, data_text), f"数据表缺少或截断了：{text}"
    if context:
        unit, round_ = context["unit"], context["round_"]
        assert _printed(unit.name, data_text) and _printed(round_.title, data_text)
        _title_lines_keep_their_rows(data_pages[0], form)
    for section in sections(
        form, context.get("campaign"), context.get("round_"), context.get("unit")
    ):
        assert _flat(section.title) in instructions.joined
        for label, text in section.lines:
            assert _printed(label, instructions.joined) and _printed(text, instructions.joined), (
                f"填表说明缺少或截断了：{label} {text}"
            )


def _title_lines_keep_their_rows(page: Page, form) -> None:
    """The 专项行动 / 报送轮次 lines sit between the 填报单位 line and the table's header: a
    wrapped line in a row too low for it spills over both."""

    def box(prefix: str):
        found = [w for w in page.words if w.text.startswith(prefix)]
        assert found, f"未打印“{prefix}”"
        return found[0]

    unit, header = box("填报单位"), box(form.row_header)
    for prefix in ("专项行动", "报送轮次"):
        line = box(prefix)
        assert unit.y1 <= line.y0 + 1 and line.y1 <= header.y0 + 1, f"“{prefix}”一行压住了上下行"
