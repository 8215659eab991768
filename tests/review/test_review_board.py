"""The board's campaign page counts the files waiting for review (待审核 N 份) and shows a
returned file's reason in its matrix cell and in the review list; the ops digest says the
same. Built from a seeded warehouse on SQLite and PostgreSQL (no Airflow running)."""

from __future__ import annotations

import datetime as dt

from campaign_ops.board.data import Links, build_board
from campaign_ops.review.queue import decide

from .conftest import NOW, REVIEWER, reviewed_campaign, seed

AFTER = dt.datetime(2023, 5, 12, 12, tzinfo=dt.UTC)
REASON = "培训人员数比上一轮少，累计数却增加，请核对"


def render(board) -> str:
    from campaign_ops.board.app import templates

    return (
        templates()
        .get_template("board_campaign.html")
        .render(board_root="/campaign-board", board=board, runs_note="")
    )


def _cell(board, unit: str, round_id: str):
    line = next(u for u in board.units if u.code == unit)
    return next(c for c in line.cells if c.round_id == round_id)


def test_the_campaign_page_counts_waiting_files_and_shows_the_reason(session, campaign) -> None:
    seed(session, campaign, units=2)
    first, second = (u.code for u in campaign.units[:2])
    decide(session, campaign, f"r1/{first}/ankang-work-stats", "return", REASON, REVIEWER, NOW)
    session.commit()
    board = build_board(campaign, session, now=AFTER, links=Links())

    assert board.review.awaiting == 3 and board.review.awaiting_text == "待审核 3 份"
    returned = _cell(board, first, "r1")
    assert returned.style.label == "退回修改" and returned.style.css == "rejected"
    assert REASON in returned.detail and returned.link == "review"
    assert "尚缺" not in _cell(board, second, "r1").detail  # delivered, only waiting
    waiting = _cell(board, second, "r1")
    assert waiting.style.label == "待审核" and waiting.style.css == "review"
    assert board.rounds[0].accepted == 0  # nothing approved yet: nothing reported

    page = render(board)
    assert "审核：待审核 3 份" in page
    rows = [r.split("</tr>")[0] for r in page.split(f'<tr data-unit="{first}" data-round="r1">')]
    assert any("退回修改" in r and REASON in r and REVIEWER in r for r in rows[1:])
    # the section of files that failed validation does not read as if nothing were returned
    assert "没有校验未通过、等待单位重报的材料（审核退回的材料见上方“审核”）" in page


def test_no_review_section_without_the_policy(session) -> None:
    campaign = reviewed_campaign(required=False)
    seed(session, campaign, units=1)
    session.commit()
    board = build_board(campaign, session, now=AFTER, links=Links())
    assert board.review is None
    assert "审核：" not in render(board)
    assert _cell(board, campaign.units[0].code, "r1").style.label == "按时报送"


def test_the_ops_digest_counts_waiting_files_and_lists_returns(session, campaign, tmp_path):
    from campaign_ops.remind.decide import messages_due
    from campaign_ops.remind.drafts import draft_for
    from campaign_ops.timeline import build_timeline

    seed(session, campaign, units=2)
    first, second = campaign.units[:2]
    decide(session, campaign, f"r1/{first.code}/ankang-work-stats", "return", REASON, REVIEWER, NOW)
    session.commit()
    overdue = next(
        e.at(campaign.timezone)
        for e in build_timeline(campaign).events
        if e.kind == "reminder" and e.round == "r1" and e.purpose == "overdue"
    )
    due = messages_due(campaign, overdue, session)
    digest = next(m for m in due if m.kind == "digest")
    assert not any(m.unit in (first.code, second.code) and m.round == "r1" for m in due)
    text = draft_for(campaign, digest, tmp_path).text
    assert "审核：待审核 3 份" in text
    assert f"待审核（1）：{second.short_name}" in text
    assert f"退回修改（1）：{first.short_name}" in text
    assert f"{first.short_name} “{campaign.round('r1').title}”《工作情况统计表》" in text
    assert REASON in text


def test_the_digest_names_files_waiting_past_the_time_to_decide(session, campaign, tmp_path):
    from campaign_ops.remind.decide import messages_due
    from campaign_ops.remind.drafts import draft_for
    from campaign_ops.review.queue import decision_due
    from campaign_ops.timeline import build_timeline

    seed(session, campaign, units=1)
    session.commit()
    unit = campaign.units[0]
    due = decision_due(campaign, dt.datetime(2023, 5, 10, 8, tzinfo=dt.UTC))
    moments = [
        e.at(campaign.timezone)
        for e in build_timeline(campaign).events
        if e.kind == "reminder" and e.round == "r1" and e.purpose == "overdue"
    ]
    before = max(m for m in moments if m < due)
    after = min(m for m in moments if m >= due)

    def digest_text(moment) -> str:
        digest = next(m for m in messages_due(campaign, moment, session) if m.kind == "digest")
        return draft_for(campaign, digest, tmp_path).text

    assert "超过审核期限" not in digest_text(before)
    text = digest_text(after)
    assert "超过审核期限（收到后 3 个工作日）仍未审核的材料（2 份）" in text
    assert f"  - {unit.short_name} “{campaign.round('r1').title}”《工作情况统计表》" in text
