"""Composing and delivering one message: Chinese survives, and every SMTP outcome is told
apart — accepted, refused (safe to retry), or dropped after the data (maybe delivered)."""

from __future__ import annotations

import json
import re
import socket

import pytest

from campaign_ops.mail import (
    Attachment,
    Draft,
    OutboxTransport,
    SmtpSettings,
    SmtpTransport,
    compose_mail,
)
from campaign_ops.mail.transport import smtp_settings
from mail.eml import plain_text, read_eml

ATTACHMENT = "汉滨区市场监督管理局_工作情况统计表_第一次阶段性报送.xlsx"


def draft(**changes: object) -> Draft:
    fields: dict = {
        "sender_name": "安康市市场监督管理局广告科",
        "sender_email": "ggk@ankang-amr.example.invalid",
        "to": ("hanbin@ankang-amr.example.invalid",),
        "cc": ("hanbin-leader@ankang-amr.example.invalid",),
        "subject": "【安康互联网广告治理】催报提醒：尚缺 2 项材料",
        "text": "汉滨区市场监督管理局：\n请于5月10日前报送。\n",
        "html": "<p>汉滨区市场监督管理局：</p>\n<p>请于5月10日前报送。</p>",
        "message_id": "<abc123.reminder@campaign-ops.invalid>",
        "attachments": (Attachment(ATTACHMENT, b"PK\x03\x04 not really a workbook"),),
    }
    return Draft(**{**fields, **changes})


def smtp(server) -> SmtpTransport:
    return SmtpTransport(
        SmtpSettings(host=server.host, port=server.port, ssl=False, starttls=False, timeout=5)
    )


def deliver(transport, d: Draft | None = None):
    d = d or draft()
    return transport.deliver(
        compose_mail(d), sender=d.sender_email, recipients=d.recipients, name="x/y.eml"
    )


def test_chinese_subject_sender_and_attachment_name_decode(mailbox):
    outcome = deliver(smtp(mailbox))

    assert outcome.status == "sent", outcome.detail
    [received] = mailbox.received
    assert set(received.rcpt_tos) == {
        "hanbin@ankang-amr.example.invalid",
        "hanbin-leader@ankang-amr.example.invalid",
    }
    msg = received.message
    assert msg["Subject"] == "【安康互联网广告治理】催报提醒：尚缺 2 项材料"
    assert msg["From"].addresses[0].display_name == "安康市市场监督管理局广告科"
    assert msg["Message-ID"] == "<abc123.reminder@campaign-ops.invalid>"
    assert msg["Auto-Submitted"] == "auto-generated"
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == ATTACHMENT
    assert re.search(r"filename\*(0\*)?=utf-8''%E6%B1%89", received.raw.decode())  # RFC 2231
    assert attachment.get_content() == b"PK\x03\x04 not really a workbook"
    assert plain_text(msg) == "汉滨区市场监督管理局：\n请于5月10日前报送。\n"
    assert "<p>" in msg.get_body(("html",)).get_content()
    assert received.raw.isascii()  # every header and body encoded for 7-bit transport


def test_refused_message_is_a_failure_and_nothing_arrives(mailbox):
    mailbox.mode = "refuse"

    outcome = deliver(smtp(mailbox))

    assert outcome.status == "failed"
    assert "550" in outcome.detail
    assert mailbox.received == []


def test_connection_dropped_after_data_is_uncertain_and_sent_only_once(mailbox):
    mailbox.mode = "drop"
    transport = smtp(mailbox)

    outcome = deliver(transport)

    assert outcome.status == "uncertain"
    # yagmail.send would have retried three times, delivering three copies.
    assert len(mailbox.received) == 1
    mailbox.mode = "normal"
    assert deliver(transport, draft(message_id="<next@x.invalid>")).status == "sent"


def test_no_server_listening_is_a_failure():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    transport = SmtpTransport(SmtpSettings("127.0.0.1", port, ssl=False, starttls=False))

    first, second = deliver(transport), deliver(transport)

    assert first.status == second.status == "failed"
    assert "无法连接或登录" in first.detail
    assert "本批未再重试连接" in second.detail  # one failed login, not one per unit


def test_outbox_writes_one_eml_per_name(tmp_path):
    outbox = OutboxTransport(tmp_path)
    for _ in range(2):
        outcome = deliver(outbox)
        assert outcome.status == "sent"

    [path] = list(tmp_path.rglob("*.eml"))
    msg = read_eml(path)
    assert msg["Subject"] == "【安康互联网广告治理】催报提醒：尚缺 2 项材料"
    assert [a.get_filename() for a in msg.iter_attachments()] == [ATTACHMENT]


@pytest.mark.parametrize(
    "value, expected",
    [
        (
            json.dumps(
                {
                    "conn_type": "smtp",
                    "host": "127.0.0.1",
                    "port": 2525,
                    "extra": {"disable_ssl": True, "disable_tls": True},
                }
            ),
            SmtpSettings("127.0.0.1", 2525, ssl=False, starttls=False),
        ),
        (
            "smtp://ggk%40ankang.example.invalid:s3cret@mail.example.invalid:587"
            "?disable_ssl=true&timeout=10",
            SmtpSettings(
                "mail.example.invalid",
                587,
                login="ggk@ankang.example.invalid",
                password="s3cret",
                ssl=False,
                starttls=True,
                timeout=10,
            ),
        ),
        (
            "smtp://mail.example.invalid",
            SmtpSettings("mail.example.invalid", 465, ssl=True, starttls=False),
        ),
    ],
)
def test_smtp_settings_come_from_the_airflow_connection(monkeypatch, value, expected):
    monkeypatch.setenv("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP", value)
    assert smtp_settings() == expected
