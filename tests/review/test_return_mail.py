"""The unit's 退回修改通知 goes out through the ledger to a real SMTP server, once: a re-run
(a retried task, a repeated decision) sends nothing more."""

from __future__ import annotations

from campaign_ops.review.queue import decide
from campaign_ops.review.returns import send_return_mails
from campaign_ops.store import session_scope
from campaign_ops.vocabulary import MAIL_KIND_LABELS

from .conftest import NOW, REVIEWER, seed

REASON = "罚没款合计 120 万元，与上一轮相比增加 10 倍，请核对单位是否误填为元"


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_return_mail_arrives_once_with_the_reason_and_how_to_resubmit(state, smtp, campaign):
    unit = campaign.units[0]
    key = f"r1/{unit.code}/ankang-ad-cases"
    with session_scope() as s:
        seed(s, campaign, units=1)
        decide(s, campaign, key, "return", REASON, REVIEWER, NOW)
    first = send_return_mails(campaign)
    assert [d.status for d in first] == ["sent"]

    with session_scope() as s:  # the same decision again, and a re-run of the sender
        assert not decide(s, campaign, key, "return", REASON, REVIEWER, NOW).changed
    assert send_return_mails(campaign) == []
    assert len(smtp.received) == 1

    mail = smtp.received[0].message
    assert mail["Subject"].startswith(f"【{campaign.display_title}】{MAIL_KIND_LABELS['returned']}")
    assert "《互联网广告案件查处情况统计表》" in mail["Subject"]
    assert smtp.received[0].rcpt_tos == tuple(unit.emails)
    body = _body(mail)
    assert REASON in body
    assert unit.name in body  # the folder to put the corrected file in
    assert "预检" in body and "重新提交市局审核" in body
    assert "第 1 版" in body


def test_a_second_return_of_a_new_version_is_a_new_mail(state, smtp, campaign):
    from campaign_ops.consolidate.seeding import known_values, put_submission

    unit = campaign.units[0].code
    key = f"r1/{unit}/ankang-ad-cases"
    with session_scope() as s:
        seed(s, campaign, units=1)
        decide(s, campaign, key, "return", REASON, REVIEWER, NOW)
    send_return_mails(campaign)
    with session_scope() as s:
        values = known_values("ankang-ad-cases", 9)
        put_submission(
            s, campaign, "r1", unit, "ankang-ad-cases", values, late=True, approved=False
        )
    with session_scope() as s:
        decide(s, campaign, key, "return", "案件名称缺失", REVIEWER, NOW)
    assert [d.status for d in send_return_mails(campaign)] == ["sent"]
    assert [("第 2 版" in _body(m.message)) for m in smtp.received] == [False, True]


def test_after_decisions_mails_once_and_refreshes_the_merged_tables(state, smtp, campaign):
    import sqlalchemy as sa

    from campaign_ops.review.effects import after_decisions

    first, second = campaign.units[:2]
    with session_scope() as s:
        seed(s, campaign, units=2)
        decide(s, campaign, f"r1/{first.code}/ankang-ad-cases", "return", REASON, REVIEWER, NOW)
        decide(s, campaign, f"r1/{second.code}/ankang-ad-cases", "approve", None, REVIEWER, NOW)
    assert [d.status for d in after_decisions(campaign).mails] == ["sent"]
    assert after_decisions(campaign).mails == []  # a retried task
    with session_scope() as s:
        rows = s.execute(
            sa.text(
                "SELECT unit_code, status FROM merged_units WHERE campaign_id = :c "
                "AND round_id = 'r1' AND form_id = 'ankang-ad-cases'"
            ),
            {"c": campaign.id},
        )
        merged = {unit: status for unit, status in rows}
    assert (merged[first.code], merged[second.code]) == ("returned", "accepted")
    assert len(smtp.received) == 1
