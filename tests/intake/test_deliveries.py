"""Deliveries as a bureau sees them, through ``campaign-ops ingest``, ``status`` and
``assign``: another unit's identical file, a late narrative without a date, partial delivery,
and receipts that say what each file counted for."""

from __future__ import annotations

import datetime as dt
import json
import os
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign_ops.cli import main

CAMPAIGN = "ankang-2023-internet-ads"
TZ = dt.timezone(dt.timedelta(hours=8))
NOTHING = "本期无典型案例。".encode()


@pytest.fixture
def drop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse_url: str) -> Path:
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    return tmp_path / "incoming"


def put(drop: Path, path: str, data: bytes, at: dt.datetime) -> None:
    target = drop / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    os.utime(target, (at.timestamp(), at.timestamp()))


def ingest(drop: Path, capsys) -> str:
    assert main(["ingest", CAMPAIGN, "--source", str(drop)]) == 0
    return capsys.readouterr().out


def status(capsys, round_id: str) -> dict[str, dict]:
    assert main(["status", CAMPAIGN, "--round", round_id, "--json"]) == 0
    (r,) = json.loads(capsys.readouterr().out)["rounds"]
    return {u["unit"]: u for u in r["units"]}


def receipts(home: Path) -> list:
    parse = BytesParser(policy=policy.default).parsebytes
    return [parse(p.read_bytes()) for p in sorted(home.glob("outbox/**/receipt-*.eml"))]


def text_of(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def test_two_units_sending_the_same_bytes_each_deliver(drop, capsys, tmp_path):
    day = dt.datetime(2023, 5, 8, 10, tzinfo=TZ)
    put(drop, "汉滨区局/典型案例.docx", NOTHING, day)
    put(drop, "汉阴县局/典型案例.docx", NOTHING, day)
    out = ingest(drop, capsys)
    assert "重复文件" not in out
    r1 = status(capsys, "r1")
    for unit in ("hanbin", "hanyin"):
        assert "typical_cases" not in r1[unit]["outstanding"], unit
    # each unit's receipt says the file counted for its own r1 typical cases, not "sent before"
    mails = {m["To"]: text_of(m) for m in receipts(tmp_path / "state")}
    assert len(mails) == 2
    for text in mails.values():
        assert "计入：第一次阶段性报送（5月10日前） · 典型案例" in text
        assert "相同" not in text

    # the same bytes again from the same unit, under another name: nothing new
    put(drop, "汉滨区局/典型案例（再次报送）.docx", NOTHING, day + dt.timedelta(hours=1))
    out = ingest(drop, capsys)
    assert "重复文件" in out
    assert status(capsys, "r1")["hanbin"]["version"] == 1


def test_a_late_narrative_counts_for_the_round_that_still_needs_it(drop, capsys, tmp_path):
    """宁陕县局 drops its r1 典型案例 after the r1 deadline, with no date in the name: it
    counts for r1 (late), r3 stays owed — and ops can move it with one command."""
    name = "宁陕县市场监督管理局/宁陕县市场监督管理局_典型案例.docx"
    put(drop, name, "宁陕县典型案例：……".encode(), dt.datetime(2023, 5, 20, 9, tzinfo=TZ))
    ingest(drop, capsys)
    assert "typical_cases" not in status(capsys, "r1")["ningshan"]["outstanding"]
    assert "typical_cases" in status(capsys, "r3")["ningshan"]["outstanding"]
    (receipt,) = receipts(tmp_path / "state")
    assert "计入：第一次阶段性报送（5月10日前） · 典型案例" in text_of(receipt)
    assert "如应计入其他轮次请告知市局" in text_of(receipt)

    # ops hear of it in their digest, with the command that moves it
    digest = _digest_text(dt.datetime(2023, 5, 22, 9, tzinfo=TZ), tmp_path)
    assert "需要确认计入轮次的材料（1 份）" in digest
    assert "宁陕县局《典型案例》：已计入“第一次阶段性报送（5月10日前）”" in digest
    assert "--round r3" in digest
    # and on the campaign board, under 需要处理
    attention = _board_attention(dt.datetime(2023, 5, 22, 9, tzinfo=TZ))
    assert any("宁陕县局的《典型案例》未写明轮次" in a and "--round r3" in a for a in attention)

    args = ["assign", CAMPAIGN, name, "--round", "r3", "--reason", "单位来电说明是第二次的案例"]
    assert main([*args, "--by", "wangruilan"]) == 0
    assert "改为计入“第二次阶段性报送（7月10日前）”" in capsys.readouterr().out
    assert "typical_cases" in status(capsys, "r1")["ningshan"]["outstanding"]
    assert "typical_cases" not in status(capsys, "r3")["ningshan"]["outstanding"]
    corrected = [m for m in receipts(tmp_path / "state") if "更正" in str(m["Subject"])]
    assert len(corrected) == 1
    assert "计入：第二次阶段性报送（7月10日前） · 典型案例" in text_of(corrected[0])

    # the audit trail says who, what and why; repeating the command changes and sends nothing
    assert main([*args, "--by", "wangruilan"]) == 0
    assert "无需改动" in capsys.readouterr().out
    assert len(receipts(tmp_path / "state")) == 2
    engine = sa.create_engine(os.environ["CAMPAIGN_OPS_DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT actor, previous_round_id, round_id, reason FROM audit_events")
        ).all()
    engine.dispose()
    assert rows == [("wangruilan", "r1", "r3", "单位来电说明是第二次的案例")]
    # confirmed by a person: no longer in the digest
    assert "需要确认计入轮次" not in _digest_text(dt.datetime(2023, 5, 22, 9, tzinfo=TZ), tmp_path)
    assert not any("未写明轮次" in a for a in _board_attention(dt.datetime(2023, 5, 22, tzinfo=TZ)))


def _board_attention(now: dt.datetime) -> list[str]:
    from campaign_ops.board.data import build_board
    from campaign_ops.campaign import get_campaign
    from campaign_ops.store import session_scope

    with session_scope(readonly=True) as s:
        return build_board(get_campaign(CAMPAIGN), s, now=now).attention


def _digest_text(moment: dt.datetime, tmp_path: Path) -> str:
    """The ops digest of an overdue-reminder moment, as ops read it."""
    from campaign_ops.campaign import get_campaign
    from campaign_ops.remind import draft_for, messages_due
    from campaign_ops.store import session_scope

    campaign = get_campaign(CAMPAIGN)
    with session_scope(readonly=True) as s:
        (digest,) = [m for m in messages_due(campaign, moment, s) if m.kind == "digest"]
    return draft_for(campaign, digest, tmp_path).text


def test_a_date_in_the_name_still_wins(drop, capsys):
    name = "宁陕县局/7月10日/典型案例.docx"
    put(drop, name, b"r3 cases", dt.datetime(2023, 5, 20, 9, tzinfo=TZ))
    ingest(drop, capsys)
    assert "typical_cases" in status(capsys, "r1")["ningshan"]["outstanding"]
    assert "typical_cases" not in status(capsys, "r3")["ningshan"]["outstanding"]


def test_a_unit_that_sent_part_of_a_round_is_partial(drop, capsys):
    put(drop, "汉滨区局/典型案例.docx", b"cases", dt.datetime(2023, 5, 8, 10, tzinfo=TZ))
    ingest(drop, capsys)
    hanbin = status(capsys, "r1")["hanbin"]
    assert hanbin["status"] == "partial"
    assert hanbin["outstanding"] == ["progress_note", "ankang-work-stats", "ankang-ad-cases"]
    assert main(["status", CAMPAIGN, "--round", "r1"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "汉滨区局" in x)
    assert "部分报送" in line and "尚缺：" in line and "典型案例" not in line.split("尚缺：")[1]


def test_assign_refuses_what_it_cannot_do(drop, capsys):
    put(drop, "汉滨区局/典型案例.docx", b"cases", dt.datetime(2023, 5, 8, 10, tzinfo=TZ))
    ingest(drop, capsys)
    # r2 asks only for the self-check report
    assert main(["assign", CAMPAIGN, "汉滨区局/典型案例.docx", "--round", "r2"]) == 1
    assert "不要求汉滨区局报送这项材料" in capsys.readouterr().err
    assert main(["assign", CAMPAIGN, "没有这个文件.docx", "--round", "r3"]) == 1
    assert "没有找到" in capsys.readouterr().err
