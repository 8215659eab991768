"""The board's words come from ``campaign_ops.vocabulary``, its legend lists every word a
cell can show, and a paused DAG of a live campaign is something a person must handle."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from board.seed import SEED_CAMPAIGN, seed_first_round
from campaign_ops.board.data import Links, build_board
from campaign_ops.board.view import cell_style, legend
from campaign_ops.campaign import get_campaign
from campaign_ops.dag_factory import dag_id
from campaign_ops.store.matrix import MatrixStatus
from campaign_ops.vocabulary import (
    MAIL_KIND_LABELS,
    MISSING_AFTER_DEADLINE,
    MISSING_BEFORE_DEADLINE,
    ROUND_STATUS_LABELS,
)

AFTER_ROUND_1 = dt.datetime(2023, 5, 20, 12, tzinfo=dt.UTC)
AFTER_THE_END = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def test_every_round_status_reads_as_the_vocabulary_says() -> None:
    for status in MatrixStatus:
        if status == MatrixStatus.missing:
            continue
        assert cell_style(status, overdue=False).label == ROUND_STATUS_LABELS[status.value]
    assert cell_style(MatrixStatus.missing, overdue=True).label == MISSING_AFTER_DEADLINE
    assert cell_style(MatrixStatus.missing, overdue=False).label == MISSING_BEFORE_DEADLINE


def test_a_status_the_board_has_no_colour_for_still_gets_its_words() -> None:
    style = cell_style("partial", overdue=True)  # the lead's new status, by its value
    assert style.label == ROUND_STATUS_LABELS["partial"]
    assert cell_style("some_future_status", overdue=False).css == "pending"


def test_the_legend_lists_every_word_a_cell_can_show() -> None:
    words = {s.label for s in legend()}
    expected = set(ROUND_STATUS_LABELS.values()) - {ROUND_STATUS_LABELS["missing"]}
    assert expected | {MISSING_AFTER_DEADLINE, MISSING_BEFORE_DEADLINE} <= words
    assert any(w.startswith("—") for w in words)  # and the round that asks nothing


def test_the_page_legend_and_mail_kinds_come_from_the_vocabulary(session: Session) -> None:
    from campaign_ops.board.app import templates

    campaign = get_campaign(SEED_CAMPAIGN)
    seed_first_round(session, campaign)
    session.commit()
    board = build_board(campaign, session, now=AFTER_ROUND_1, links=Links())
    page = (
        templates()
        .get_template("board_campaign.html")
        .render(board_root="/campaign-board", board=board, runs_note="")
    )
    legend_html = page[page.index('class="legend') : page.index('class="matrix"')]
    for word in ROUND_STATUS_LABELS.values():
        if word != ROUND_STATUS_LABELS["missing"]:
            assert word in legend_html
    assert {m.kind for m in board.mails} <= set(MAIL_KIND_LABELS.values())


def _paused(campaign_id: str) -> dict[str, bool]:
    return {
        dag_id(campaign_id, "collect"): False,
        dag_id(campaign_id, "remind"): True,
        dag_id(campaign_id, "consolidate"): False,
        dag_id(campaign_id, "review"): False,
    }


def test_a_paused_dag_of_a_live_campaign_needs_a_person() -> None:
    campaign = get_campaign(SEED_CAMPAIGN)
    board = build_board(campaign, None, now=AFTER_ROUND_1, paused=_paused(campaign.id))
    assert board.live
    [item] = [a for a in board.attention if "暂停" in a]
    assert "提醒任务已暂停" in item and "催报提醒" in item and "取消暂停" in item
    page_dags = {d.kind: d.paused for d in board.dags}
    assert page_dags == {"collect": False, "remind": True, "consolidate": False, "review": False}


def test_a_paused_review_dag_says_reviews_stop() -> None:
    campaign = get_campaign(SEED_CAMPAIGN)  # the 广告科 reviews county tables
    paused = {**_paused(campaign.id), dag_id(campaign.id, "remind"): False}
    paused[dag_id(campaign.id, "review")] = True
    board = build_board(campaign, None, now=AFTER_ROUND_1, paused=paused)
    [item] = [a for a in board.attention if "暂停" in a]
    assert item.startswith("审核任务已暂停") and "Required Actions" in item


def test_a_mailbox_airflow_cannot_read_needs_a_person_while_the_campaign_runs(
    monkeypatch,
) -> None:
    from campaign_ops.board.app import missing_connections

    campaign = get_campaign(SEED_CAMPAIGN)  # mails go to 市局邮箱 too
    monkeypatch.delenv("AIRFLOW_CONN_CAMPAIGN_OPS_MAILBOX", raising=False)
    missing = missing_connections([campaign])
    assert missing == {"campaign_ops_mailbox"}
    live = build_board(campaign, None, now=AFTER_ROUND_1, missing_connections=missing)
    [item] = [a for a in live.attention if "报送邮箱" in a]
    assert "aksjggjg@ankang-amr.example.invalid 未连接" in item and "campaign_ops_mailbox" in item
    over = build_board(campaign, None, now=AFTER_THE_END, missing_connections=missing)
    assert not [a for a in over.attention if "报送邮箱" in a]
    connection = '{"conn_type": "imap", "host": "imap.example.invalid", "login": "x"}'
    monkeypatch.setenv("AIRFLOW_CONN_CAMPAIGN_OPS_MAILBOX", connection)
    assert missing_connections([campaign]) == frozenset()


def test_a_finished_campaign_may_stay_paused() -> None:
    campaign = get_campaign(SEED_CAMPAIGN)
    board = build_board(campaign, None, now=AFTER_THE_END, paused=_paused(campaign.id))
    assert not board.live
    assert not [a for a in board.attention if "暂停" in a]


def test_units_still_partial_after_the_deadline_need_a_person() -> None:
    from campaign_ops.board.data import attention
    from campaign_ops.board.view import CampaignBoard, Cell, RoundView, UnitLine

    def board(passed: bool) -> CampaignBoard:
        partial = cell_style("partial", overdue=passed)
        b = CampaignBoard(id="x", title="t", authority="a", period="p", phase="ph")
        b.rounds = [RoundView("r1", "第一轮", "2023-05-10 18:00", passed, 2, 1, 1)]
        b.units = [
            UnitLine("a", "甲县局", (Cell("a", "r1", partial, "", None),)),
            UnitLine(
                "b", "乙县局", (Cell("b", "r1", cell_style("accepted_on_time", False), "", None),)
            ),
        ]
        return b

    [item] = attention(board(passed=True))
    assert "第一轮" in item and ROUND_STATUS_LABELS["partial"] in item and "甲县局" in item
    assert attention(board(passed=False)) == []  # before the deadline it is work in progress
