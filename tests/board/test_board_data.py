"""The board's view model, from a seeded warehouse on SQLite and PostgreSQL (no Airflow running)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from board.seed import REJECTION_FINDING, REJECTION_SUMMARY, SEED_CAMPAIGN, seed_first_round
from campaign_ops.board.data import Links, build_board, phase_text
from campaign_ops.board.view import RunInfo
from campaign_ops.campaign import get_campaign
from campaign_ops.vocabulary import MAIL_STATUS_LABELS, ROUND_STATUS_LABELS

AFTER_ROUND_1 = dt.datetime(2023, 5, 20, 12, tzinfo=dt.UTC)


@pytest.fixture
def campaign():
    return get_campaign(SEED_CAMPAIGN)


def _cell(board, unit: str, round_id: str):
    line = next(u for u in board.units if u.code == unit)
    return next(c for c in line.cells if c.round_id == round_id)


def test_empty_warehouse_says_nothing_was_submitted(session: Session, campaign) -> None:
    board = build_board(campaign, session, now=AFTER_ROUND_1)
    assert board.data_note and board.data_note.startswith("尚无报送")
    assert [u.name for u in board.units][:2] == ["汉滨区局", "汉阴县局"]
    assert {c.style.label for u in board.units for c in u.cells} == {"尚无报送"}
    assert board.attention == []  # no invented alarms before any data exists


def test_seeded_round_shows_statuses_rates_reasons_and_mails(session: Session, campaign) -> None:
    seed_first_round(session, campaign)
    session.commit()
    runs = {
        f"{SEED_CAMPAIGN}__collect": [
            RunInfo(
                f"{SEED_CAMPAIGN}__collect",
                "manual__x+1",
                "failed",
                dt.datetime(2023, 5, 11, 1, tzinfo=dt.UTC),
                "/af/dags/x/runs/manual__x%2B1",
            )
        ]
    }
    board = build_board(campaign, session, now=AFTER_ROUND_1, runs=runs, links=Links("/af"))

    assert board.data_note is None
    assert _cell(board, "hanbin", "r1").style.label == "按时报送"
    assert _cell(board, "hanyin", "r1").style.label == "逾期报送"
    rejected = _cell(board, "shiquan", "r1")
    assert rejected.style.label == ROUND_STATUS_LABELS["rejected"]
    assert rejected.link == board.rejections[0].anchor
    assert _cell(board, "ningshan", "r1").style.label == "逾期未报"
    assert _cell(board, "ningshan", "r2").style.label == "待报送"  # r2 is not due yet

    r1 = board.rounds[0]
    assert (r1.required, r1.accepted, r1.on_time) == (11, 2, 1)
    assert r1.rate == "2/11（18%）"

    [rejection] = board.rejections
    assert rejection.unit == "石泉县局"
    assert rejection.summary == REJECTION_SUMMARY
    assert rejection.findings[0].message == REJECTION_FINDING

    assert {m.status for m in board.mails} == {
        MAIL_STATUS_LABELS["sent"],
        MAIL_STATUS_LABELS["uncertain"],
    }
    assert board.phase.startswith("动员部署")
    assert board.next_deadlines[0].title.startswith("报送截止：企业自查整改")
    assert board.dags[0].url == f"/af/dags/{SEED_CAMPAIGN}__collect"
    assert board.dags[0].runs[0].when == "2023-05-11 09:00"  # Beijing time

    attention = "\n".join(board.attention)
    assert "8 个单位逾期未报" in attention
    assert "1 份材料被退回" in attention
    assert "1 封邮件发送失败或状态不明" in attention
    assert "采集任务最近一次运行失败" in attention


def test_seeding_twice_changes_nothing(session: Session, campaign) -> None:
    seed_first_round(session, campaign)
    seed_first_round(session, campaign)
    session.commit()
    board = build_board(campaign, session, now=AFTER_ROUND_1)
    assert len(board.rejections) == 1 and len(board.mails) == 2


def test_unreachable_warehouse_still_shows_the_timeline(campaign) -> None:
    board = build_board(campaign, None, now=AFTER_ROUND_1, warehouse_error="OperationalError")
    assert "OperationalError" in (board.data_note or "")
    assert board.next_deadlines and board.units


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2023, 1, 1), "尚未开始（2023-05-09 启动）"),
        (dt.date(2023, 7, 1), "集中治理（阶段，2023-06-01～2023-11-30）"),
        (dt.date(2024, 3, 1), "已结束（2023-12-31 结束）"),
    ],
)
def test_phase_text(campaign, day: dt.date, expected: str) -> None:
    assert phase_text(campaign, day) == expected


def test_pages_render_the_board_in_chinese(session: Session, campaign) -> None:
    from campaign_ops.board.app import templates

    seed_first_round(session, campaign)
    session.commit()
    board = build_board(campaign, session, now=AFTER_ROUND_1, links=Links())
    page = (
        templates()
        .get_template("board_campaign.html")
        .render(board_root="/campaign-board", board=board, runs_note="")
    )
    assert 'data-unit="shiquan" data-round="r1"' in page
    assert f'href="#{board.rejections[0].anchor}"' in page
    assert REJECTION_FINDING in page and "需要处理" in page
    index = (
        templates()
        .get_template("board_index.html")
        .render(
            board_root="/campaign-board",
            boards=[board],
            broken=[],
            runs_note="",
            config_errors_url="",
        )
    )
    assert f'href="/campaign-board/c/{SEED_CAMPAIGN}"' in index
