"""Only approved figures reach the merged tables and the report; the report names the units
whose figures still wait for review or were returned. On SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from openpyxl import load_workbook

from campaign_ops.consolidate.figures import round_data
from campaign_ops.consolidate.form_text import note_lines
from campaign_ops.consolidate.merge import refresh
from campaign_ops.consolidate.report import STATUS_SHEET, write_report
from campaign_ops.consolidate.seeding import known_values
from campaign_ops.review.queue import decide, reviews_open

from .conftest import NOW, REVIEWER, reviewed_campaign, seed

FORM = "ankang-work-stats"


def _merged(session, campaign) -> dict[str, str]:
    rows = session.execute(
        sa.text(
            "SELECT unit_code, status FROM merged_units "
            "WHERE campaign_id = :c AND round_id = 'r1' AND form_id = :f"
        ),
        {"c": campaign.id, "f": FORM},
    )
    return {unit: status for unit, status in rows}


def _total(session, campaign) -> float | None:
    return session.execute(
        sa.text(
            "SELECT value FROM merged_round_totals WHERE campaign_id = :c AND round_id = 'r1' "
            "AND form_id = :f AND row_key = 'training_sessions' AND column_key = 'current'"
        ),
        {"c": campaign.id, "f": FORM},
    ).scalar()


def test_only_approved_figures_are_merged_and_reported(session, campaign, tmp_path) -> None:
    seed(session, campaign, units=3)
    a, b, c = (u.code for u in campaign.units[:3])
    decide(session, campaign, f"r1/{a}/{FORM}", "approve", None, REVIEWER, NOW)
    decide(
        session, campaign, f"r1/{b}/{FORM}", "return", "培训场次与上期相比异常偏大", REVIEWER, NOW
    )
    refresh(session, campaign)
    session.commit()

    merged = _merged(session, campaign)
    assert (merged[a], merged[b], merged[c]) == ("accepted", "returned", "awaiting_review")
    approved = known_values(FORM, 0)["training_sessions"]["current"]
    assert _total(session, campaign) == approved  # only the approved unit's figure

    data = round_data(session, campaign, "r1")
    figures = next(f for f in data.forms if f.form.id == FORM)
    lines = note_lines(data, figures)
    names = {u.code: u.short_name for u in campaign.units}
    assert lines[0].startswith("合计为已报送并通过校验、审核的 1 个单位")
    assert f"报送材料待审核（数据未计入合计）：{names[c]}。" in lines
    assert f"报送材料经市局审核退回修改（数据未计入合计）：{names[b]}。" in lines

    book = load_workbook(write_report(data, tmp_path / "r1.xlsx"))
    notes = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value]
    assert any(v.endswith(f"报送材料待审核（数据未计入合计）：{names[c]}。") for v in notes)
    status = [[c.value for c in row] for row in book[STATUS_SHEET].iter_rows()]
    assert [names[b], "退回修改"] in [row[:2] for row in status], status


def test_a_new_version_of_a_returned_slot_waits_for_review_again(session, campaign) -> None:
    from campaign_ops.consolidate.seeding import put_submission

    seed(session, campaign, units=1)
    unit = campaign.units[0].code
    key = f"r1/{unit}/{FORM}"
    decide(session, campaign, key, "return", "请核对培训人数", REVIEWER, NOW)
    session.commit()
    values = known_values(FORM, 7)
    put_submission(session, campaign, "r1", unit, FORM, values, late=True, approved=False)
    session.commit()
    again = [i for i in reviews_open(session, campaign) if i.key == key]
    assert [i.version for i in again] == [2]
    refresh(session, campaign)
    assert _merged(session, campaign)[unit] == "awaiting_review"
    decide(session, campaign, key, "approve", None, REVIEWER, NOW, version=2)
    refresh(session, campaign)
    assert _merged(session, campaign)[unit] == "accepted"
    assert _total(session, campaign) == known_values(FORM, 7)["training_sessions"]["current"]


def test_without_review_every_accepted_figure_counts(session) -> None:
    campaign = reviewed_campaign(required=False)
    seed(session, campaign, units=2)
    refresh(session, campaign)
    assert set(_merged(session, campaign).values()) >= {"accepted"}
    values = [known_values(FORM, i)["training_sessions"]["current"] for i in range(2)]
    assert _total(session, campaign) == sum(values)
