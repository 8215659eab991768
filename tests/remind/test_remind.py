"""Who gets which email at a reminder moment, what it says, and that it goes out once."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
import sqlalchemy as sa

from campaign_ops.campaign import Campaign
from campaign_ops.cli import main
from campaign_ops.mail import Message, OutboxTransport, compose_mail, send_messages
from campaign_ops.remind import draft_for, messages_due
from campaign_ops.store import message_id_for, session_scope
from campaign_ops.store.models import MailLedgerEntry
from campaign_ops.vocabulary import MAIL_KIND_LABELS, MISSING_AFTER_DEADLINE, ROUND_STATUS_LABELS
from remind.helpers import DEMO, Desk, beijing

NOTICE = beijing("2023-05-09T09:00")
R1_OVERDUE_2 = beijing("2023-05-12T09:00")
R1_OVERDUE_4 = beijing("2023-05-16T09:00")
R1_OVERDUE_6 = beijing("2023-05-18T09:00")
PHASE_2 = beijing("2023-06-01T09:00")
R3_BEFORE_7 = beijing("2023-07-03T09:00")


def decide(campaign: Campaign, moment) -> list[Message]:
    with session_scope(readonly=True) as s:
        return messages_due(campaign, moment, s)


def of_kind(messages: list[Message], kind: str) -> dict[str, Message]:
    return {m.unit or m.recipient_key: m for m in messages if m.kind == kind}


def text_of(campaign: Campaign, message: Message, tmp_path) -> str:
    return draft_for(campaign, message, tmp_path).text


def all_units(campaign: Campaign) -> set[str]:
    return {u.code for u in campaign.units}


def ledger() -> Counter:
    with session_scope() as s:
        return Counter(s.scalars(sa.select(MailLedgerEntry.status)))


# ---- deciding --------------------------------------------------------------------------------


def test_before_a_deadline_only_units_still_missing_something_are_reminded(
    ankang, desk: Desk, tmp_path
):
    desk.accept("hanbin", "r3")
    desk.accept("hanyin", "r3")
    desk.accept("shiquan", "r3", "progress_note", "ankang-work-stats")

    reminders = of_kind(decide(ankang, R3_BEFORE_7), "reminder")

    assert set(reminders) == all_units(ankang) - {"hanbin", "hanyin"}
    shiquan = reminders["shiquan"]
    assert shiquan.round == "r3"
    assert shiquan.to == ("shiquan@ankang-amr.example.invalid",) and shiquan.cc == ()
    assert "7月10日18:00截止" in shiquan.subject and "尚缺 2 项材料" in shiquan.subject
    text = text_of(ankang, shiquan, tmp_path)
    assert "1. 典型案例：尚未收到" in text
    assert "2. 《互联网广告案件查处情况统计表》：尚未收到" in text
    assert "阶段性工作进展情况" not in text and "《工作情况统计表》" not in text
    assert "2023年7月10日（星期一）18:00截止，距截止还有 7 天" in text


def test_a_unit_whose_file_was_rejected_is_told_what_was_wrong(ankang, desk: Desk, tmp_path):
    desk.accept("ningshan", "r3", "progress_note", "typical_cases", "ankang-ad-cases")
    desk.reject(
        "ningshan",
        "r3",
        "ankang-work-stats",
        "合计行与各行之和不一致。",
        ["合计应为 12，填报为 10", "“案件数”应为整数，填报为 3.5"],
    )

    ningshan = of_kind(decide(ankang, R3_BEFORE_7), "reminder")["ningshan"]

    [missing] = ningshan.context["missing"]
    assert (missing["label"], missing["state"]) == ("《工作情况统计表》", "rejected")
    text = text_of(ankang, ningshan, tmp_path)
    assert (
        "已收到文件“宁陕县局_ankang-work-stats_4.xlsx”，但未通过审核：合计行与各行之和不一致"
        in text
    )
    assert "- “汉滨区”行，“案件数”栏：合计应为 12，填报为 10" in text
    assert "- “汉滨区”行，“案件数”栏：“案件数”应为整数，填报为 3.5" in text
    assert "请按上述问题修改后重新报送" in text


def test_files_waiting_for_checks_are_not_chased_but_half_copied_ones_are(
    ankang, desk: Desk, tmp_path
):
    desk.accept("ziyang", "r3", "progress_note", "typical_cases")
    desk.receive("ziyang", "r3", "ankang-work-stats")
    desk.receive("ziyang", "r3", "ankang-ad-cases")
    desk.accept("langao", "r3", "progress_note", "typical_cases", "ankang-work-stats")
    desk.half_copied("langao", "r3", "ankang-ad-cases")

    reminders = of_kind(decide(ankang, R3_BEFORE_7), "reminder")

    assert "ziyang" not in reminders
    assert "是空文件或未上传完整，请重新上传完整的文件" in text_of(
        ankang, reminders["langao"], tmp_path
    )


def test_overdue_reminders_copy_the_leader_only_after_escalation(ankang, desk: Desk):
    desk.accept("hanyin", "r1")
    four = of_kind(decide(ankang, R1_OVERDUE_4), "overdue")
    desk.accept("shiquan", "r1", at=beijing("2023-05-17T10:00"))  # late, but now complete
    six = of_kind(decide(ankang, R1_OVERDUE_6), "overdue")

    assert set(four) == all_units(ankang) - {"hanyin"}
    assert all(m.cc == () for m in four.values())
    assert set(six) == all_units(ankang) - {"hanyin", "shiquan"}
    assert six["hanbin"].cc == ("hanbin-leader@ankang-amr.example.invalid",)
    assert six["hanbin"].to == ("hanbin@ankang-amr.example.invalid",)
    assert "已逾期 6 个工作日" in six["hanbin"].subject


def test_mobilization_notice_goes_to_every_unit_with_its_templates_and_calendar(ankang, tmp_path):
    messages = decide(ankang, NOTICE)

    assert [m.kind for m in messages] == ["notice"] * 11 + ["digest"]  # r1's reminder folded in
    hanbin = of_kind(messages, "notice")["hanbin"]
    d = draft_for(ankang, hanbin, tmp_path)
    mail = compose_mail(d)
    names = [a.get_filename() for a in mail.iter_attachments()]
    assert len(names) == 8  # two forms × four statistics rounds
    assert all(n.startswith("汉滨区市场监督管理局_") and n.endswith(".xlsx") for n in names)
    assert "汉滨区市场监督管理局_工作情况统计表_第一次阶段性报送.xlsx" in names
    for line in (
        "2023年5月10日（星期三）18:00前  第一次阶段性报送（5月10日前）",
        "2023年6月10日（星期六）18:00前  企业自查整改书面报告（6月10日前）",
        "注意：该日为周六，请提前报送",
        "2023年12月10日（星期日）18:00前  工作总结及企业自查整改书面报告（12月10日前）",
        "需报送：阶段性工作进展情况、典型案例、《工作情况统计表》、《互联网广告案件查处情况统计表》",
    ):
        assert line in d.text
    assert "<table>" in d.html


def test_phase_notice_names_the_phase_and_its_deadlines(ankang, tmp_path):
    messages = decide(ankang, PHASE_2)

    assert set(of_kind(messages, "phase")) == all_units(ankang)
    assert [m.kind for m in messages].count("digest") == 0  # nobody is chased at this moment
    m = messages[0]
    assert m.subject == "【安康互联网广告治理】阶段转换通知：6月1日起进入“集中治理”阶段"
    text = text_of(ankang, m, tmp_path)
    assert "专项行动进入“集中治理”阶段（2023年6月1日至2023年11月30日）" in text
    for deadline in ("2023年6月10日", "2023年7月10日", "2023年9月10日", "2023年11月10日"):
        assert deadline in text
    assert "2023年12月10日" not in text


def test_digest_tells_ops_who_submitted_who_is_late_and_who_was_rejected(
    ankang, desk: Desk, tmp_path
):
    desk.accept("hanbin", "r1")
    desk.accept("hanyin", "r1", at=beijing("2023-05-11T10:00"))
    desk.reject("shiquan", "r1", "ankang-ad-cases", "表格结构被修改。", ["缺少“案件数”列"])
    desk.receive("ziyang", "r1", "progress_note")

    messages = decide(ankang, R1_OVERDUE_4)
    digest = of_kind(messages, "digest")["ops"]

    assert digest.to == (
        "wangruilan@ankang-amr.example.invalid",
        "dafulan@ankang-amr.example.invalid",
    )
    [r1] = digest.context["rounds"]
    assert r1["on_time"] == ["汉滨区局"]
    assert r1["late"] == ["汉阴县局"]
    assert r1["rejected"] == ["石泉县局"]
    assert r1["missing"] == [
        "宁陕县局",
        "紫阳县局",
        "岚皋县局",
        "平利县局",
        "镇坪县局",
        "旬阳市局",
        "白河县局",
        "恒口示范区局",
    ]
    assert r1["reminded"] == 9  # the rejected unit and the eight missing ones; 紫阳 is half-done
    text = text_of(ankang, digest, tmp_path)
    # the board's and the status command's words (campaign_ops.vocabulary)
    assert f"{ROUND_STATUS_LABELS['accepted_on_time']}（1）：汉滨区局" in text
    assert f"{ROUND_STATUS_LABELS['accepted_late']}（1）：汉阴县局" in text
    assert f"{ROUND_STATUS_LABELS['rejected']}（1）：石泉县局" in text
    assert f"{MISSING_AFTER_DEADLINE}（8）：宁陕县局" in text
    assert f"本时刻已向其中 9 个单位发送{MAIL_KIND_LABELS['overdue']}" in text


# ---- sending through the ledger --------------------------------------------------------------


def test_sending_the_same_moment_again_sends_nothing_new(ankang, outbox):
    first = send_messages(ankang, decide(ankang, R1_OVERDUE_2), OutboxTransport(outbox))
    again = send_messages(ankang, decide(ankang, R1_OVERDUE_2), OutboxTransport(outbox))

    assert Counter(r.status for r in first) == {"sent": 12}
    assert Counter(r.status for r in again) == {"skipped": 12}
    assert len(list(outbox.rglob("*.eml"))) == 12
    assert ledger() == {"sent": 12}


def test_refused_mail_is_retried_and_maybe_delivered_mail_is_reported_not_resent(
    ankang, mailbox, tmp_path
):
    def send(moment):
        return Counter(
            r.status for r in send_messages(ankang, decide(ankang, moment), transport(mailbox))
        )

    mailbox.mode = "refuse"
    assert send(R1_OVERDUE_2) == {"failed": 12}
    assert mailbox.received == [] and ledger() == {"failed": 12}

    mailbox.mode = "normal"
    assert send(R1_OVERDUE_2) == {"sent": 12}  # the retry of the same moment
    assert send(R1_OVERDUE_2) == {"skipped": 12}
    assert len(mailbox.received) == 12
    expected_ids = {message_id_for(m.key(ankang.id)) for m in decide(ankang, R1_OVERDUE_2)}
    assert {m["Message-ID"] for m in mailbox.messages()} == expected_ids  # from the key

    mailbox.mode = "drop"
    assert send(R1_OVERDUE_4) == {"uncertain": 12}
    mailbox.mode = "normal"
    assert send(R1_OVERDUE_4) == {"skipped": 12}  # never sent again automatically
    assert len(mailbox.received) == 24  # one copy each, not yagmail's three

    mailbox.reset()
    assert send(R1_OVERDUE_6) == {"sent": 12}
    digest = next(m for m in mailbox.messages() if "报送情况汇总" in m["Subject"])
    text = digest.get_body(("plain",)).get_content()
    assert "需要人工处理的邮件（12 封）" in text
    assert text.count("[可能已送达]") == 12
    assert "系统不会自动重发，请与收件单位核实" in text
    assert ledger() == {"sent": 24, "uncertain": 12}


def transport(server):
    from campaign_ops.mail import SmtpSettings, SmtpTransport

    return SmtpTransport(SmtpSettings(server.host, server.port, ssl=False, starttls=False))


# ---- the command line ------------------------------------------------------------------------


def test_cli_dry_run_prints_who_would_get_what_and_sends_nothing(ankang, outbox, capsys):
    rc = main(["remind", DEMO, "--at", "2023-05-12T09:00", "--dry-run", "--json"])

    assert rc == 0
    printed = json.loads(capsys.readouterr().out)
    assert len(printed) == 12
    first = printed[0]
    assert {"kind", "round", "unit", "to", "cc", "subject"} <= set(first)
    assert (first["kind"], first["round"], first["unit"]) == ("overdue", "r1", "hanbin")
    assert first["to"] == ["hanbin@ankang-amr.example.invalid"]
    assert printed[-1]["kind"] == "digest" and printed[-1]["unit"] is None
    assert not outbox.exists()
    assert ledger() == {}


def test_cli_sends_once_and_says_so(ankang, outbox, capsys):
    assert main(["remind", DEMO, "--at", "2023-05-12T09:00"]) == 0
    assert "已发送" in capsys.readouterr().out
    assert main(["remind", DEMO, "--at", "2023-05-12T09:00", "--json"]) == 0
    statuses = {m["status"] for m in json.loads(capsys.readouterr().out)}

    assert statuses == {"skipped"}
    assert len(list(outbox.rglob("*.eml"))) == 12


def test_cli_explains_a_moment_that_is_not_a_reminder_moment(ankang, capsys):
    assert main(["remind", DEMO, "--at", "2023-05-13T09:00", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "不是专项行动 ankang-2023-internet-ads 的提醒时刻" in err
    assert "2023-05-16T09:00" in err


def test_digest_also_lists_other_failed_mail_of_the_campaign(ankang, tmp_path):
    from campaign_ops.store import MailKey, mark_failed, reserve

    key = MailKey(ankang.id, "receipt", "hanyin", "submission-42", round_id="r1")
    with session_scope() as s:
        reserve(s, key, recipients=["hanyin@ankang-amr.example.invalid"], subject="收件回执")
        mark_failed(s, key, "550 mailbox unavailable")

    digest = of_kind(decide(ankang, R1_OVERDUE_2), "digest")["ops"]
    text = text_of(ankang, digest, tmp_path)

    assert "- [发送失败] 收件回执" in text
    # a mail keyed by a token (a submission, a pre-checked file's sha256) shows when it was
    # decided, in the campaign's time, not the token
    assert re.search(
        r"收件：汉阴县局（hanyin@ankang-amr\.example\.invalid），"
        r"应发时刻 \d{4}年\d+月\d+日 \d\d:\d\d",
        text,
    )
    assert "submission-42" not in text
    assert "原因：550 mailbox unavailable" in text


SEEDS = [
    "ankang-2023-internet-ads",
    "fangxian-2023-livestream",
    "huangshan-2024-network-market",
    "maanshan-2024-livestream",
    "saic-2016-internet-ads",
]


@pytest.mark.parametrize("campaign_id", SEEDS)
def test_every_kind_of_email_renders_for_every_seed_campaign(
    state, campaign_id, tmp_path, monkeypatch
):
    from campaign_ops import remind
    from campaign_ops.campaign import get_campaign
    from campaign_ops.timeline import build_timeline

    monkeypatch.setattr(remind.drafts, "blank_templates", lambda *a, **k: [])
    campaign = get_campaign(campaign_id)
    remind.prepare_warehouse(campaign)
    events = [e for e in build_timeline(campaign).events if e.kind == "reminder"]
    tz = campaign.timezone
    notice = next(e.at(tz) for e in events if e.purpose == "notice")
    # The first moment of each purpose (a reminder due with the notice is folded into it).
    firsts = {
        e.purpose: e.at(tz)
        for e in reversed(events)
        if not (e.purpose == "before" and e.at(tz) == notice)
    }

    rendered = set()
    for moment in firsts.values():
        for m in decide(campaign, moment):
            if m.kind not in rendered:
                d = draft_for(campaign, m, tmp_path)
                addressee = campaign.unit(m.unit).name if m.unit else campaign.ops[0].name
                assert d.text.startswith(addressee) and campaign.sender.name in d.text
                rendered.add(m.kind)

    assert rendered == {"notice", "phase", "reminder", "overdue", "digest"}


def test_decide_and_send_once_on_both_warehouse_backends(warehouse_url, tmp_path, monkeypatch):
    from campaign_ops.campaign import get_campaign
    from campaign_ops.remind import prepare_warehouse

    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    campaign = get_campaign(DEMO)
    prepare_warehouse(campaign)
    desk = Desk(campaign)
    desk.accept("hanbin", "r1")
    desk.reject("hanyin", "r1", "ankang-ad-cases", "表格结构被修改。", ["缺少“案件数”列"])
    outbox = OutboxTransport(tmp_path / "outbox")

    first = send_messages(campaign, decide(campaign, R1_OVERDUE_2), outbox)
    again = send_messages(campaign, decide(campaign, R1_OVERDUE_2), outbox)

    assert Counter(r.status for r in first) == {"sent": 11}  # ten units and the digest
    assert Counter(r.status for r in again) == {"skipped": 11}
    hanyin = next(r.message for r in first if r.message.unit == "hanyin")
    assert [m["state"] for m in hanyin.context["missing"]] == [
        "missing",
        "missing",
        "missing",
        "rejected",
    ]
