"""The campaign mailbox through the real collect DAG, against a real Dovecot, on SQLite and
PostgreSQL: each mail is a delivery, identified with its sender as a hint only; mails without
files, with only a link, from strangers or with refused parts are recorded and shown; receipts
answer in the unit's thread; the mailbox is never changed; a second run changes nothing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from campaign_ops.intake.archive_files import archive_path, sha256_of
from tests.mailbox.helpers import (
    LATE,
    ON_TIME,
    RUN_AT,
    body,
    mail_with,
    outcomes,
    receipts,
    run_collect,
    table,
    warehouse_state,
)
from tests.mailbox.messages import docx_bytes, rar_bytes

HANBIN = "hanbin@ankang-amr.example.invalid"
HANYIN_LEADER = "hanyin-leader@ankang-amr.example.invalid"
HANYIN = "hanyin@ankang-amr.example.invalid"
SHIQUAN = "shiquan@ankang-amr.example.invalid"
NINGSHAN = "ningshan@ankang-amr.example.invalid"
ZIYANG = "ziyang@ankang-amr.example.invalid"
STRANGER = "someone@mail.example.test"


def deliver_batch(imap, work) -> dict[str, bytes]:
    """The mixed batch; returns Message-ID → raw message."""
    mails = {
        # a unit's own template from its contact: accepted on time
        "<m1@hanbin>": (
            mail_with(
                [("工作情况统计表.xlsx", table(work, "hanbin"))],
                subject="汉滨区局报送5月10日统计表",
                sender=HANBIN,
                message_id="<m1@hanbin>",
            ),
            ON_TIME,
        ),
        # sent late by the unit's leader: accepted late; the reply goes to the leader, the
        # contact in copy
        "<m2@hanyin>": (
            mail_with(
                [("工作情况统计表.xlsx", table(work, "hanyin", seed=2))],
                subject="汉阴县局工作情况统计表",
                sender=HANYIN_LEADER,
                message_id="<m2@hanyin>",
            ),
            LATE,
        ),
        # a stranger's mail with a case file naming 汉滨区局: held for ops
        "<m3@stranger>": (
            mail_with(
                [("汉滨区局典型案例.docx", docx_bytes())],
                subject="典型案例",
                sender=STRANGER,
                message_id="<m3@stranger>",
            ),
            ON_TIME,
        ),
        # 汉滨区局's address, 汉阴县局's template: the evidence disagrees, held for ops
        "<m4@hanbin>": (
            mail_with(
                [("案件统计表.xlsx", table(work, "hanyin", form="ankang-ad-cases"))],
                subject="汉滨区局报送案件统计表",
                sender=HANBIN,
                message_id="<m4@hanbin>",
            ),
            ON_TIME,
        ),
        # no attachment: refused, and the unit is told in its thread
        "<m5@shiquan>": (
            mail_with([], subject="石泉县局报送材料", sender=SHIQUAN, message_id="<m5@shiquan>"),
            ON_TIME,
        ),
        # only a cloud-drive link
        "<m6@ningshan>": (
            mail_with(
                [],
                subject="宁陕县局材料",
                sender=NINGSHAN,
                message_id="<m6@ningshan>",
                text="材料在网盘：https://pan.baidu.com/s/1abcDEF 提取码 8h3k",
            ),
            ON_TIME,
        ),
        # a rar archive: refused with what to do
        "<m7@ziyang>": (
            mail_with(
                [("紫阳县局材料.rar", rar_bytes())],
                subject="紫阳县局报送",
                sender=ZIYANG,
                message_id="<m7@ziyang>",
            ),
            ON_TIME,
        ),
    }
    for raw, when in mails.values():
        imap.append(raw, when)
    return {mid: raw for mid, (raw, _) in mails.items()}


def test_mail_is_collected_through_the_collect_dag(state_home, warehouse_url, imap, tmp_path):
    raws = deliver_batch(imap, tmp_path / "work")
    before = imap.messages()

    run = run_collect()
    assert run.state == "success"
    first = warehouse_state(warehouse_url)
    got = outcomes(first)
    assert got == {
        "汉滨区局报送5月10日统计表/工作情况统计表.xlsx": "accepted",
        "汉阴县局工作情况统计表/工作情况统计表.xlsx": "accepted",
        "典型案例/汉滨区局典型案例.docx": "held",
        "汉滨区局报送案件统计表/案件统计表.xlsx": "held",
        "石泉县局报送材料/（邮件正文）": "refused",
        "宁陕县局材料/（邮件正文）": "refused",
        "紫阳县局报送/紫阳县局材料.rar": "refused",
    }
    assert ("hanbin", "ankang-work-stats", 1, "accepted", True) in first["subs"]
    assert ("hanyin", "ankang-work-stats", 1, "accepted", False) in first["subs"]  # INTERNALDATE
    assert len(first["subs"]) == 2  # nothing held became a submission
    events = first["events"]
    stranger = events["典型案例/汉滨区局典型案例.docx"]
    assert STRANGER in stranger[2] and "campaign-ops mailbox confirm" in stranger[2]
    clash = events["汉滨区局报送案件统计表/案件统计表.xlsx"][2]
    assert "不一致" in clash and "汉阴县局" in clash and "汉滨区局" in clash
    assert "网盘" not in events["宁陕县局材料/（邮件正文）"][2]  # says "链接", names it
    assert "pan.baidu.com" in events["宁陕县局材料/（邮件正文）"][2]
    assert "zip" in events["紫阳县局报送/紫阳县局材料.rar"][2]
    # every whole message is in the archive, byte for byte, with its INTERNALDATE recorded
    for raw in raws.values():
        assert archive_path(sha256_of(raw)).read_bytes() == raw
    assert len(first["mails"]) == 7
    # the mailbox is untouched: nothing marked read, moved or deleted
    assert imap.messages() == before
    assert all("\\Seen" not in flags for flags in before.values())

    sent = receipts(state_home / "outbox")
    assert len(sent) == 5  # one per mail of a known unit; none to the stranger, none held
    by_thread = {str(m["In-Reply-To"]): m for m in sent.values()}
    assert set(by_thread) == {
        "<m1@hanbin>",
        "<m2@hanyin>",
        "<m5@shiquan>",
        "<m6@ningshan>",
        "<m7@ziyang>",
    }
    hanyin = by_thread["<m2@hanyin>"]
    assert str(hanyin["Subject"]) == "回复：汉阴县局工作情况统计表"
    assert str(hanyin["To"]) == HANYIN_LEADER and str(hanyin["Cc"]) == HANYIN
    assert "<m2@hanyin>" in str(hanyin["References"])
    assert "逾期" in body(hanyin)
    shiquan = by_thread["<m5@shiquan>"]
    assert "处理了贵单位的邮件“石泉县局报送材料”" in body(shiquan)
    assert "没有附件" in body(shiquan) and "aksjggjg@ankang-amr.example.invalid" in body(shiquan)

    # ops see what waits for them: the board's 需要处理 and the digest, with the command
    shown = ops_lines(warehouse_url, tmp_path)
    assert shown["board"] == shown["digest"] and len(shown["board"]) == 2
    stranger_line, clash_line = shown["board"]
    assert "典型案例/汉滨区局典型案例.docx" in stranger_line and STRANGER in stranger_line
    assert "待人工确认" in stranger_line and "campaign-ops mailbox confirm" in stranger_line
    assert "不一致" in clash_line
    assert all(line in shown["digest_text"] for line in shown["board"])

    rerun = run_collect()
    assert rerun.state == "success"
    assert warehouse_state(warehouse_url) == first  # nothing fetched, stored or sent twice
    assert receipts(state_home / "outbox").keys() == sent.keys()
    assert imap.messages() == before


def ops_lines(url: str, tmp_path) -> dict:
    """The mailbox's lines on the board's 需要处理 and in the next digest (text as sent)."""
    from sqlalchemy.orm import Session

    from campaign_ops.board.data import build_board
    from campaign_ops.campaign import get_campaign
    from campaign_ops.remind import draft_for, messages_due
    from tests.mailbox.helpers import CST

    campaign = get_campaign("ankang-2023-internet-ads")
    engine = sa.create_engine(url)
    with Session(engine) as session:
        board = build_board(campaign, session, now=RUN_AT)
        overdue = dt.datetime(2023, 5, 16, 9, 0, tzinfo=CST)  # r1's overdue reminder: a digest
        (digest,) = [m for m in messages_due(campaign, overdue, session) if m.kind == "digest"]
    engine.dispose()
    mailbox = [line for line in board.attention if line.startswith("邮件附件")]
    text = draft_for(campaign, digest, tmp_path).text
    return {"board": mailbox, "digest": digest.context["mailbox"], "digest_text": text}


def test_ops_confirm_a_held_file_and_the_next_run_takes_it(
    state_home, warehouse_url, imap, tmp_path
):
    from campaign_ops.cli import main

    imap.append(
        mail_with(
            [("汉滨区局典型案例.docx", docx_bytes())],
            subject="典型案例",
            sender=STRANGER,
            message_id="<held@stranger>",
        ),
        ON_TIME,
    )
    assert run_collect().state == "success"
    engine = sa.create_engine(warehouse_url)
    with engine.connect() as conn:
        (path,) = conn.execute(
            sa.text("select path from intake_events where outcome = 'held'")
        ).scalars()
    engine.dispose()

    assert main(["mailbox", "confirm", "ankang-2023-internet-ads", path, "--unit", "hanbin"]) == 0
    assert run_collect().state == "success"
    state = warehouse_state(warehouse_url)
    assert outcomes(state)["典型案例/汉滨区局典型案例.docx"] == "accepted"
    assert ("hanbin", "typical_cases", 1, "accepted", True) in state["subs"]
    (reply,) = receipts(state_home / "outbox").values()
    assert str(reply["To"]) == STRANGER and str(reply["Cc"]) == HANBIN
    assert str(reply["In-Reply-To"]) == "<held@stranger>"
