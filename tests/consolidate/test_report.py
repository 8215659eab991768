"""The consolidated report as a user opens it: the bureau's layout, the right figures, every
missing or rejected unit named, and nothing in it that Excel would run."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import load_workbook

from campaign_ops.consolidate.figures import round_data
from campaign_ops.consolidate.merge import refresh
from campaign_ops.consolidate.report import STATUS_SHEET
from campaign_ops.consolidate.summary import render_summary
from campaign_ops.forms.spec import load_form

from .conftest import ANKANG, ANKANG_INJECTION, REPORT_MOMENT
from .helpers import city_cell, report_file, seed_round

CAMPAIGN = ANKANG
INJECTION = ANKANG_INJECTION


def test_form_sheet_has_the_bureau_layout_and_the_figures(ankang_r1, tmp_path: Path):
    campaign, played = ankang_r1
    wb = load_workbook(report_file(campaign, "r1", tmp_path / "r1.xlsx"))
    assert wb.sheetnames == [
        "工作情况统计表",
        "互联网广告案件查处情况统计表",
        "互联网广告案件查处情况统计表清单",
        STATUS_SHEET,
        "图表",
    ]
    ws = wb["工作情况统计表"]
    assert ws["A1"].value == "工作情况汇总表"
    assert ws["A2"].value == "编制单位：安康市市场监督管理局（盖章）"
    assert any(c.value == "制表日期：2023年5月11日" for c in ws[2])
    assert "第一次阶段性报送" in ws["A3"].value
    # 34 figures for 11 units: turned, as the county form reads (indicators down the side,
    # 本期数/累计数 under one merged 项目 cell, units of measure), a column per unit
    units = campaign.units_for(campaign.round("r1"))
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:B4", "A5:C5", "A6:A7"} <= merged
    assert (ws["A4"].value, ws["C4"].value) == ("项目", "计量单位")
    assert (ws["A6"].value, ws["B6"].value, ws["B7"].value, ws["C6"].value) == (
        "举办《办法》学习培训",
        "本期数",
        "累计数",
        "期",
    )
    names = [ws.cell(row=4, column=4 + i).value for i in range(len(units))]
    assert names == [u.short_name for u in units]
    total_col = 4 + len(units)
    assert ws.cell(row=4, column=total_col).value == "合计"
    form = load_form("ankang-work-stats")
    accepted = played.accepted["ankang-work-stats"]
    assert ws.cell(row=7, column=total_col).value == city_cell(
        form, accepted, ("training_sessions", "cumulative")
    )
    late = campaign.unit(next(iter(played.late))).short_name
    assert ws.cell(row=5, column=4 + names.index(late)).value == "逾期报送"
    assert ws.freeze_panes == "D6"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.print_title_rows == "$4:$5"
    # a form with few figures keeps a row per unit, with its group headers
    ws = wb["互联网广告案件查处情况统计表"]
    assert ws["A4"].value == "填报单位"
    rows = [ws.cell(row=5 + i, column=1).value for i in range(len(units))]
    assert rows == [u.short_name for u in units]
    assert ws.cell(row=5 + len(units), column=1).value == "合计"
    assert ws.freeze_panes == "B5"
    assert ws.print_title_rows == "$4:$4"


def test_missing_and_rejected_units_are_shown_and_named_never_zero(ankang_r1, tmp_path: Path):
    campaign, played = ankang_r1
    wb = load_workbook(report_file(campaign, "r1", tmp_path / "r1.xlsx"))
    ws = wb["互联网广告案件查处情况统计表"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(5, 5 + len(campaign.units))}
    status_col = ws.max_column
    for code in played.missing | played.rejected:
        unit = campaign.unit(code)
        r = rows[unit.short_name]
        label = "未报送" if code in played.missing else "退回待改"
        assert ws.cell(row=r, column=status_col).value == label
        assert [ws.cell(row=r, column=c).value for c in range(2, status_col)] == [None, None]
    notes = "\n".join(str(c.value) for c in ws["A"] if c.value)
    missing = campaign.unit(next(iter(played.missing))).short_name
    rejected = campaign.unit(next(iter(played.rejected))).short_name
    assert f"未报送（数据未计入合计）：{missing}" in notes
    assert f"报送材料被退回待改（数据未计入合计）：{rejected}" in notes
    late = campaign.unit(next(iter(played.late))).short_name
    assert ws.cell(row=rows[late], column=status_col).value == "逾期报送"


def test_submitted_text_that_looks_like_a_formula_stays_text(ankang_r1, tmp_path: Path):
    campaign, _ = ankang_r1
    path = report_file(campaign, "r1", tmp_path / "r1.xlsx")
    ws = load_workbook(path)["互联网广告案件查处情况统计表清单"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert cells[INJECTION].data_type == "s"
    assert cells["+86-123 @某公司"].data_type == "s"
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any("<f>" in z.read(n).decode() for n in sheets), "a formula in the report"


def test_status_sheet_is_colour_coded_and_charts_are_there(ankang_r1, tmp_path: Path):
    campaign, _ = ankang_r1
    path = report_file(campaign, "r1", tmp_path / "r1.xlsx")
    ws = load_workbook(path)[STATUS_SHEET]
    labels = {
        ws.cell(row=4 + i, column=1).value: ws.cell(row=4 + i, column=2)
        for i in range(len(campaign.units))
    }
    # the progress note is not in: by campaign_ops.status nobody has delivered all of round 1;
    # units whose tables are in are partly delivered
    assert {c.value for c in labels.values()} <= {"未报送", "退回待改", "部分报送"}
    assert "部分报送" in {c.value for c in labels.values()}
    rejected = next(c for c in labels.values() if c.value == "退回待改")
    assert rejected.fill.fgColor.rgb.endswith("F8CBAD")
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3  # one per form, and the reporting rates


def test_campaign_summary_has_to_date_figures_and_phases(ankang_r1, tmp_path: Path):
    from campaign_ops.store import session_scope

    campaign, _ = ankang_r1
    with session_scope() as s:
        seed_round(s, campaign, "r3", seed=5)
    with session_scope() as s:
        refresh(s, campaign)
    wb = load_workbook(report_file(campaign, None, tmp_path / "summary.xlsx"))
    assert "分阶段汇总" in wb.sheetnames
    ws = wb["工作情况统计表"]
    assert ws["A1"].value == "工作情况累计汇总表"
    assert "开始至今" in ws["A3"].value


def test_mail_summary_shows_totals_rate_and_who_is_missing(ankang_r1):
    from campaign_ops.store import session_scope

    campaign, played = ankang_r1
    with session_scope() as s:
        data = round_data(s, campaign, "r1")
    html, text = render_summary(data, attachment="r1.xlsx", made_on=REPORT_MOMENT.date())
    missing = campaign.unit(next(iter(played.missing))).short_name
    assert "报送率" in html and "0.0%" in html
    assert missing in html and missing in text
    assert 'bgcolor="#4472c4"' in html  # bars drawn with table cells
    assert "<script" not in html and "<img" not in html
    assert "&lt;" not in text  # the text part is not HTML-escaped


def test_status_sheet_gives_each_units_rates(ankang_r1, tmp_path: Path):
    campaign, _ = ankang_r1
    ws = load_workbook(report_file(campaign, "r1", tmp_path / "r1.xlsx"))[STATUS_SHEET]
    assert (ws["C3"].value, ws["D3"].value) == ("报送率", "按时报送率")
    assert ws["C4"].value == 0 and ws["C4"].number_format == "0.0%"


def test_a_round_without_statistics_reports_who_delivered(ankang_r1, tmp_path: Path):
    campaign, _ = ankang_r1
    wb = load_workbook(report_file(campaign, "r2", tmp_path / "r2.xlsx"))  # 企业自查整改书面报告
    assert wb.sheetnames == [STATUS_SHEET, "图表"]
    assert wb[STATUS_SHEET]["C3"].value.startswith("企业自查整改书面报告")


def test_status_words_come_from_the_vocabulary_so_a_new_status_just_works(
    ankang_r1, tmp_path: Path
):
    """部分报送 (the round status the store adds) reads and colours like the others."""
    from campaign_ops.consolidate.report import write_report
    from campaign_ops.store import session_scope
    from campaign_ops.vocabulary import ROUND_STATUS_LABELS

    campaign, _ = ankang_r1
    with session_scope() as s:
        data = round_data(s, campaign, "r1")
    unit = campaign.units[0]
    data.matrix[(unit.code, "r1")] = "partial"
    ws = load_workbook(write_report(data, tmp_path / "r1.xlsx"))[STATUS_SHEET]
    cell = next(
        c for c in ws["B"] if c.row > 3 and ws.cell(row=c.row, column=1).value == unit.short_name
    )
    assert cell.value == ROUND_STATUS_LABELS["partial"] == "部分报送"
    assert cell.fill.fgColor.rgb.endswith("FCE4D6")
    legend_row = next(c.row for c in ws["A"] if c.value == "图例：")
    legend = {c.value for r in (legend_row, legend_row + 1) for c in ws[r]}
    assert "部分报送" in legend
