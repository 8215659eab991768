"""The reviewer sees the unit's figures beside its previous round and the city total, what
each option does, and a link to the campaign's board page."""

from __future__ import annotations

from campaign_ops.consolidate.seeding import known_values
from campaign_ops.review.queue import review_brief, reviews_open

from .conftest import seed

FORM = "ankang-work-stats"


def test_brief_puts_the_unit_beside_its_last_round_and_the_city(session, campaign) -> None:
    seed(session, campaign, "r1", units=2, seed=0)
    seed(session, campaign, "r3", units=2, seed=1)
    unit = campaign.units[0]
    item = next(
        i
        for i in reviews_open(session, campaign)
        if i.round_id == "r3" and i.unit_code == unit.code and i.deliverable == FORM
    )
    subject, body = review_brief(session, campaign, item, "http://airflow.example/board/")
    assert subject.startswith(f"请审核：{unit.name}") and "《工作情况统计表》" in subject

    now, before = known_values(FORM, 100), known_values(FORM, 0)
    other = known_values(FORM, 101)
    row = "training_sessions"
    expected = [
        now[row]["current"],
        before[row]["current"],
        now[row]["current"] + other[row]["current"],
    ]
    line = next(x for x in body.splitlines() if x.startswith("| 举办《办法》学习培训（本期数）"))
    assert [float(c.replace(",", "")) for c in line.strip("| ").split(" | ")[1:]] == expected
    assert "本单位上一轮（" + campaign.round("r1").title in body
    assert "已接收 2 个单位" in body
    assert "**通过**" in body and "**退回修改**：必须在“理由”中写明" in body
    assert f"(http://airflow.example/board/c/{campaign.id})" in body


def test_a_list_form_shows_rows_filled_and_totals(session, campaign) -> None:
    seed(session, campaign, "r1", units=1)
    item = next(i for i in reviews_open(session, campaign) if i.deliverable == "ankang-ad-cases")
    _, body = review_brief(session, campaign, item, None)
    rows = len(known_values("ankang-ad-cases", 0))
    assert f"| 填报条数 | {rows} | {rows} |" in body and "罚没款" in body
    assert "本单位上一轮" not in body  # the first round has none
    assert "看板" not in body  # no board address given: no link
