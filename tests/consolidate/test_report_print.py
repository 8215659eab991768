"""The consolidated report printed the way a bureau prints it: LibreOffice Calc → PDF on A4,
read back with ``pdftotext -bbox`` (each word's box in points).

What a reader would notice is asserted on every page of every sheet, for all six forms: the
page is A4; no text is smaller than 9 pt (小五) after the sheet is scaled to its page; no
word is printed over another (a clipped header line lands on the data under it, a wrapped
chart title on itself); nothing runs off the page; every sheet starts with its whole title,
every form sheet with its whole 编制单位 line; each chart is alone and whole on its page.

Text height: LibreOffice gives a word box 1.30 × the font size here (9 pt → 11.72 pt,
10 pt → 13.0, 11 pt → 14.3, 7.5 pt → 9.77; Latin and CJK alike), scaled with the page. So
"at least 9 pt" is "boxes at least 11.6 pt" (0.1 pt for rounding); the calibration sheet
rendered with the reports checks that this threshold passes 9 pt and fails 8.5 pt.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from services.pdf_words import Page, Word, pdf_pages, require

from campaign_ops.campaign import Campaign, get_campaign
from campaign_ops.consolidate.figures import report_data
from campaign_ops.consolidate.merge import refresh
from campaign_ops.consolidate.report import CHART_SHEET, write_report

from .conftest import REPORT_MOMENT
from .helpers import seed_round

MIN_WORD_PT = 11.6  # a 9 pt word's box, see the module docstring
A4_SIDES = (595.3, 841.9)
# campaign → its rounds to seed (each with its statistics forms); the last one is reported
PLAYED = {
    "ankang-2023-internet-ads": ("r1", "r3"),  # 工作情况统计表 (34 figures), 案件查处 (list)
    "fangxian-2023-livestream": ("r1", "r2"),  # 直播电商主体登记, 违法案件查处
    "saic-2016-internet-ads": ("r1", "r2"),  # 46 units
    "huangshan-2024-network-market": ("r1",),  # 10 figures in three groups
    "maanshan-2024-livestream": ("y2024", "h2025"),  # long round titles
}


def print_to_pdf(files: list[Path], out: Path, profile: Path) -> dict[str, Path]:
    """One soffice run for all files (its own profile, so concurrent runs do not clash)."""
    require("soffice")
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    pdfs = {f.stem: out / f"{f.stem}.pdf" for f in files}
    missing = [name for name, p in pdfs.items() if not p.exists()]
    assert not missing, f"LibreOffice printed no PDF for {missing}"
    return pdfs


def overlapping(words: tuple[Word, ...]) -> list[tuple[str, str]]:
    """Pairs of words printed over each other (more than a hairline both ways)."""
    out = []
    ordered = sorted(words, key=lambda w: w.y0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.y0 >= a.y1:
                break
            if min(a.x1, b.x1) - max(a.x0, b.x0) > 1 and min(a.y1, b.y1) - max(a.y0, b.y0) > 2:
                out.append((a.text, b.text))
    return out


def sheets_of(pages: list[Page], titles: list[str]) -> dict[str, list[Page]]:
    """The pages of each sheet: a sheet's first page starts with its title (row 1)."""
    out: dict[str, list[Page]] = {}
    current = None
    for page in pages:
        for title in titles:
            if title not in out and page.text.startswith(title):
                current = title
                out[title] = []
                break
        assert current is not None, f"page {page.number} comes before any sheet's title"
        out[current].append(page)
    return out


def _calibration(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    for row, size in enumerate((9, 8.5), 1):
        ws.cell(row=row, column=1, value=f"汉滨区局{size}").font = Font(size=size)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    wb.save(path)
    return path


def _seed(campaigns: dict[str, tuple[str, ...]]) -> list[Campaign]:
    from campaign_ops.store import session_scope

    out = []
    for campaign_id, rounds in campaigns.items():
        campaign = get_campaign(campaign_id)
        for i, round_id in enumerate(rounds):
            if campaign_id == "ankang-2023-internet-ads" and round_id == "r1":
                continue  # the ankang_r1 fixture played it
            with session_scope() as s:
                seed_round(s, campaign, round_id, seed=i)
        with session_scope() as s:
            refresh(s, campaign, as_of=REPORT_MOMENT)
        out.append(campaign)
    return out


def _write(campaign: Campaign, round_id: str | None, path: Path) -> Path:
    from campaign_ops.store import session_scope

    with session_scope() as s:
        data = report_data(s, campaign, round_id)
    return write_report(data, path, made_on=REPORT_MOMENT.date())


def check_printed(xlsx: Path, pages: list[Page], authority: str | None = None) -> None:
    """Every assertion of the module docstring, for one printed report."""
    wb = load_workbook(xlsx)
    titles = [next(c.value for c in ws[1] if c.value) for ws in wb.worksheets]
    by_sheet = sheets_of(pages, titles)
    for ws, title in zip(wb.worksheets, titles, strict=True):
        assert title in by_sheet, f"{xlsx.name}: sheet {ws.title} printed no page with its title"
        where = f"{xlsx.name} / {ws.title}"
        for page in by_sheet[title]:
            here = f"{where}, page {page.number}"
            sides = sorted((page.width, page.height))
            assert sides == pytest.approx(A4_SIDES, abs=1), f"{here}: not A4 ({sides})"
            small = [f"{w.text} ({w.height:.1f})" for w in page.words if w.height < MIN_WORD_PT]
            assert not small, f"{here}: text under 9 pt: {small[:6]}"
            clash = overlapping(page.words)
            assert not clash, f"{here}: text printed over text: {clash[:6]}"
            off = [w.text for w in page.words if w.x1 > page.width or w.y1 > page.height]
            assert not off, f"{here}: text off the page: {off[:6]}"
        unit_line = next((c.value for c in ws[2] if c.value), "")
        if authority and str(unit_line).startswith("编制单位"):
            first = by_sheet[title][0].text
            assert f"编制单位：{authority}（盖章）" in first, f"{where}: 编制单位 line cut"
    with zipfile.ZipFile(xlsx) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    chart_pages = by_sheet[titles[wb.sheetnames.index(CHART_SHEET)]]
    assert len(chart_pages) == len(charts), (
        f"{xlsx.name}: {len(charts)} charts on {len(chart_pages)} pages (one chart a page)"
    )


@pytest.mark.libreoffice
def test_every_sheet_of_every_form_prints_legibly_on_a4(ankang_r1, tmp_path: Path):
    campaigns = _seed(PLAYED)
    files = []
    for campaign in campaigns:
        last = PLAYED[campaign.id][-1]
        files.append(_write(campaign, last, tmp_path / f"{campaign.id}-{last}.xlsx"))
    ankang = campaigns[0]
    files.append(_write(ankang, None, tmp_path / f"{ankang.id}-summary.xlsx"))  # 分阶段汇总
    files.append(_calibration(tmp_path / "calibration.xlsx"))
    pdfs = print_to_pdf(files, tmp_path / "pdf", tmp_path / "lo-profile")

    nine, eight_half = (w.height for w in pdf_pages(pdfs["calibration"])[0].words)
    assert nine >= MIN_WORD_PT > eight_half, "the 9 pt threshold no longer matches LibreOffice"

    forms = set()
    for campaign, xlsx in zip([*campaigns, ankang], files, strict=False):
        check_printed(xlsx, pdf_pages(pdfs[xlsx.stem]), campaign.authority)
        forms |= {f for r in PLAYED[campaign.id] for f in campaign.round(r).forms}
    assert len(forms) == 6, "every form in include/forms is printed"
