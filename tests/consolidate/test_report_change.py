"""较上一轮增减 compares like with like: a unit rejected or missing in either round moves
neither side, and the report says how many units were compared."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from campaign_ops.consolidate.dictionary import ALL_UNITS
from campaign_ops.consolidate.merge import refresh
from campaign_ops.consolidate.seeding import known_values, put_submission
from campaign_ops.consolidate.summary import form_context, render_summary
from campaign_ops.forms.spec import load_form

from .conftest import REPORT_MOMENT
from .helpers import city_cell, report_file, unit_cell

CELL = ("training_sessions", "cumulative")  # 举办《办法》学习培训 · 累计数


def _second_round(campaign, first_rejected: bool = True) -> dict:
    """Round r3: everyone reports except that the first unit's file is rejected (it reported
    in r1); the unit missing in r1 reports now. Returns unit → accepted work-stats values."""
    from campaign_ops.store import session_scope

    accepted = {}
    with session_scope() as s:
        for i, unit in enumerate(campaign.units_for(campaign.round("r3"))):
            rejected = first_rejected and i == 0
            for form_id in ("ankang-work-stats", "ankang-ad-cases"):
                values = known_values(form_id, 700 + i)
                put_submission(s, campaign, "r3", unit.code, form_id, values, rejected=rejected)
                if not rejected and form_id == "ankang-work-stats":
                    accepted[unit.code] = values
    with session_scope() as s:
        refresh(s, campaign)
    return accepted


def test_the_change_counts_only_units_that_reported_in_both_rounds(ankang_r1, tmp_path: Path):
    campaign, first = ankang_r1
    later = _second_round(campaign)
    form = load_form("ankang-work-stats")
    before = first.accepted[form.id]
    both = sorted(set(before) & set(later))
    like = sum(unit_cell(form, later[u], CELL) - unit_cell(form, before[u], CELL) for u in both)
    unlike = city_cell(form, later, CELL) - city_cell(form, before, CELL)
    assert like != unlike, "the seeded rounds must tell the two comparisons apart"

    wb = load_workbook(report_file(campaign, "r3", tmp_path / "r3.xlsx"))
    ws = wb["工作情况统计表"]  # turned: a column per unit, then 合计 and the change
    header = [c.value for c in ws[4]]
    total_col, change_col = header.index("合计") + 1, header.index("较上一轮增减") + 1
    assert ws.cell(row=7, column=total_col).value == city_cell(form, later, CELL)
    assert ws.cell(row=7, column=change_col).value == like
    assert ws.cell(row=5, column=change_col).value == f"同口径 {len(both)} 个单位"
    notes = "\n".join(str(c.value) for c in ws["A"] if isinstance(c.value, str))
    assert "按同口径计算" in notes and "任一轮未报送或被退回的单位不计入" in notes
    assert f"同口径的 {len(both)} 个单位" in notes

    # the one-row-per-unit layout says it beside its change row: every unit in both rounds
    # gave a 填报条数, fewer a 罚没款 (it may be left blank), so the count is a range
    ws = wb["互联网广告案件查处情况统计表"]
    rows = {c.value: c.row for c in ws["A"] if c.value}
    count = ws.cell(row=rows["较上一轮增减"], column=ws.max_column).value
    assert count.startswith("同口径 ") and count.endswith(f"～{len(both)} 个单位")


def test_analysts_get_the_same_comparison_in_merged_changes(ankang_r1):
    from campaign_ops.store import session_scope

    campaign, first = ankang_r1
    later = _second_round(campaign)
    form = load_form("ankang-work-stats")
    before = first.accepted[form.id]
    both = set(before) & set(later)
    with session_scope() as s:
        row = s.execute(
            sa.text(
                "SELECT value, previous_value, change FROM merged_changes WHERE campaign_id = :c"
                " AND round_id = 'r3' AND form_id = :f AND unit_code = :all"
                " AND row_key = :r AND column_key = :k"
            ),
            {"c": campaign.id, "f": form.id, "all": ALL_UNITS, "r": CELL[0], "k": CELL[1]},
        ).one()
    now = sum(unit_cell(form, later[u], CELL) for u in both)
    then = sum(unit_cell(form, before[u], CELL) for u in both)
    assert tuple(row) == (now, then, now - then)


def test_the_mail_shows_the_same_change_as_the_attachment(ankang_r1):
    from campaign_ops.consolidate.figures import round_data
    from campaign_ops.store import session_scope

    campaign, first = ankang_r1
    later = _second_round(campaign)
    form = load_form("ankang-work-stats")
    before = first.accepted[form.id]
    both = set(before) & set(later)
    like = sum(unit_cell(form, later[u], CELL) - unit_cell(form, before[u], CELL) for u in both)
    with session_scope() as s:
        data = round_data(s, campaign, "r3")
    figures = data.forms[0]
    assert figures.changes[CELL].change == like
    assert figures.changes[CELL].units == len(both)
    # the mail's totals list gives 举办《办法》学习培训·累计数 with the same change
    line = next(t for t in form_context(figures)["totals"] if t["label"].endswith("累计数（期）"))
    assert line["change"] == f"{'+' if like >= 0 else ''}{int(like)}"
    _, text = render_summary(data, attachment="r3.xlsx", made_on=REPORT_MOMENT.date())
    assert line["change"] in text
