"""The ledger protocol against a real SMTP server: a re-run task never sends again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import yagmail
from services.smtp import SmtpServer

from campaign_ops.store import (
    MailKey,
    ledger_entry,
    mark_failed,
    mark_sent,
    mark_uncertain,
    message_id_for,
    reserve,
    session_scope,
)
from store.helpers import beijing

KEY = MailKey("test-campaign", "reminder", "hanbin", beijing("2023-05-07"), round_id="r1")
SUBJECT = "【提醒】请于5月10日前报送第一次阶段性工作进展情况"


def send_reminder(server: SmtpServer, engine: sa.Engine) -> bool | None:
    """What a reminder task does; returns whether it sent (None: not its turn)."""
    with session_scope(engine) as s:
        if not reserve(s, KEY, recipients=["hanbin@example.invalid"], subject=SUBJECT):
            return None
    mail = yagmail.SMTP(
        "sender@example.invalid",
        host=server.host,
        port=server.port,
        smtp_starttls=False,
        smtp_ssl=False,
        smtp_skip_login=True,
    )
    try:
        result = mail.send(
            to="hanbin@example.invalid",
            subject=SUBJECT,
            contents="请按时报送。",
            headers={"Message-ID": message_id_for(KEY)},
        )
    except Exception as exc:  # refused: definitely not delivered
        with session_scope(engine) as s:
            mark_failed(s, KEY, f"{type(exc).__name__}: {exc}")
        return False
    with session_scope(engine) as s:
        if result is False:  # yagmail gave up after a dropped connection: maybe delivered
            mark_uncertain(s, KEY, "connection lost after DATA")
        else:
            mark_sent(s, KEY)
    return result is not False


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("yagmail.sender.time.sleep", lambda _s: None)


def test_a_task_run_twice_sends_one_email(mailbox: SmtpServer, warehouse: sa.Engine) -> None:
    assert send_reminder(mailbox, warehouse) is True
    assert send_reminder(mailbox, warehouse) is None
    [message] = mailbox.messages()
    assert message["subject"] == SUBJECT
    assert message["message-id"] == message_id_for(KEY)


def ledger_state(engine: sa.Engine) -> tuple[str, int]:
    with session_scope(engine, readonly=True) as s:
        entry = ledger_entry(s, KEY)
        return entry.status, entry.attempts


def test_a_refused_email_is_retried_on_the_next_run(
    mailbox: SmtpServer, warehouse: sa.Engine
) -> None:
    mailbox.mode = "refuse"
    assert send_reminder(mailbox, warehouse) is False
    assert ledger_state(warehouse) == ("failed", 1)
    mailbox.mode = "normal"
    assert send_reminder(mailbox, warehouse) is True
    assert ledger_state(warehouse) == ("sent", 2)
    assert len(mailbox.received) == 1


def test_a_dropped_connection_is_never_resent_automatically(
    mailbox: SmtpServer, warehouse: sa.Engine
) -> None:
    mailbox.mode = "drop"
    assert send_reminder(mailbox, warehouse) is False
    delivered = len(mailbox.received)  # yagmail's own retries already made duplicates
    mailbox.mode = "normal"
    assert send_reminder(mailbox, warehouse) is None
    assert len(mailbox.received) == delivered
    assert ledger_state(warehouse) == ("uncertain", 1)
