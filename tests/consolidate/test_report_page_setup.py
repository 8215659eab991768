"""The report's page set-up as Excel, WPS and Calc read it (openpyxl), and a wide form with
many units printed in slices with the unit column repeated (LibreOffice)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from services.pdf_words import pdf_pages

from campaign_ops.campaign import get_campaign
from campaign_ops.consolidate.merge import refresh
from campaign_ops.consolidate.printing import BODY_PT, lines_needed, room_of, row_height
from campaign_ops.consolidate.report import CHART_SHEET, PHASE_SHEET, STATUS_SHEET
from campaign_ops.forms.layout import HEADER_ROW

from .helpers import report_file, seed_round
from .test_report_print import check_printed, print_to_pdf

A4 = 9  # openpyxl's paperSize for A4


def _rows_fit(ws: Worksheet) -> list[str]:
    """Rows shorter than their wrapped text needs (in the narrower of Excel and Calc)."""
    spans = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    short = []
    for row in ws.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or not (cell.alignment and cell.alignment.wrap_text):
                continue
            span = spans.get((cell.row, cell.column))
            last_col = span.max_col if span else cell.column
            rows = range(cell.row, (span.max_row if span else cell.row) + 1)
            size = float(cell.font.sz or BODY_PT)
            lines = lines_needed(cell.value, room_of(ws, cell.column, last_col), size)
            if lines == 1 and all(ws.row_dimensions[r].height is None for r in rows):
                continue  # one line in a row of default height: every client fits it
            need = row_height(lines, size)
            height = sum(ws.row_dimensions[r].height or 15 for r in rows)
            if height + 0.5 < need:
                short.append(f"{cell.coordinate} {cell.value[:12]}… {height} < {need}")
    return short


def test_every_sheet_has_an_a4_page_set_up(ankang_r1, tmp_path: Path):
    from campaign_ops.store import session_scope

    campaign, _ = ankang_r1
    with session_scope() as s:
        seed_round(s, campaign, "r3", seed=3)
    with session_scope() as s:
        refresh(s, campaign)
    for round_id in ("r3", None):
        wb = load_workbook(report_file(campaign, round_id, tmp_path / f"{round_id}.xlsx"))
        for ws in wb.worksheets:
            setup, where = ws.page_setup, f"{round_id} / {ws.title}"
            assert int(setup.paperSize) == A4, where
            assert setup.orientation in ("portrait", "landscape"), where
            if ws.sheet_properties.pageSetUpPr.fitToPage:
                # fitted to one page width, as many pages down as it takes
                assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), where
            assert "第 &P 页" in ws.oddFooter.center.text, where
            assert not _rows_fit(ws), f"{where}: rows clip their text: {_rows_fit(ws)[:3]}"
        # form sheets repeat their header rows on every page
        for ws in wb.worksheets[:2]:
            assert ws.print_title_rows.startswith(f"${HEADER_ROW}:"), ws.title
        charts = wb[CHART_SHEET]
        assert charts.page_setup.orientation == "landscape"
        assert not charts.sheet_properties.pageSetUpPr.fitToPage  # charts print at full size
        assert len(charts.row_breaks.brk) == len(charts._charts) - 1  # one chart a page
        assert wb[STATUS_SHEET].print_title_rows == "$3:$3"
    assert wb[PHASE_SHEET].page_setup.orientation == "portrait"  # figures down, phases across


@pytest.fixture
def wide_campaign(sqlite_home: Path, tmp_path: Path):
    """24 units asked for ankang's 工作情况统计表 (34 figures): too wide to print on one page
    at 9 pt either way round."""
    from campaign_ops.store import session_scope
    from campaign_ops.synthetic import campaign_dict, write_campaign

    folder = tmp_path / "campaigns"
    write_campaign(
        folder, campaign_dict("print-wide", units=24, rounds=2, forms=("ankang-work-stats",))
    )
    campaign = get_campaign("print-wide", folder)
    for i, r in enumerate(campaign.rounds):
        with session_scope() as s:
            seed_round(s, campaign, r.id, seed=i)
    with session_scope() as s:
        refresh(s, campaign)
    return campaign


@pytest.mark.libreoffice
def test_a_wide_form_prints_in_slices_with_the_unit_column_repeated(wide_campaign, tmp_path):
    from campaign_ops.consolidate.figures import report_data
    from campaign_ops.consolidate.report import write_report
    from campaign_ops.store import session_scope

    campaign = wide_campaign
    last = campaign.rounds[-1].id
    with session_scope() as s:
        data = report_data(s, campaign, last)
    xlsx = write_report(data, tmp_path / "wide.xlsx")
    ws = load_workbook(xlsx)["工作情况统计表"]
    assert ws["A4"].value == "填报单位"  # a row per unit
    assert ws.print_title_cols == "$A:$A"
    assert not ws.sheet_properties.pageSetUpPr.fitToPage  # full size, sliced
    breaks = [b.id for b in ws.col_breaks.brk]
    assert breaks, "no page breaks between column groups"
    # each slice ends with a whole indicator: its 本期数 and 累计数 stay together
    assert all(ws.cell(row=5, column=b).value.startswith("累计数") for b in breaks)

    pages = pdf_pages(print_to_pdf([xlsx], tmp_path / "pdf", tmp_path / "lo-profile")[xlsx.stem])
    check_printed(xlsx, pages, campaign.authority)
    # every slice: the header (its 填报单位 cell is in column A) and the units' names
    form_pages = [p for p in pages if "填报单位" in p.text]
    assert len(form_pages) >= 2 * (len(breaks) + 1)  # slices × two pages of 24 units
    names = {u.short_name for u in campaign.units}
    for page in form_pages:
        assert names & {w.text for w in page.words}, f"page {page.number} names no unit"
