"""The mail ledger lets an email go out at most once, even when tasks run twice or in parallel."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.store import (
    MailKey,
    already_sent,
    ledger_entry,
    mail_needing_attention,
    mark_failed,
    mark_sent,
    mark_uncertain,
    message_id_for,
    reserve,
)
from store.helpers import beijing

MOMENT = beijing("2023-05-07", "09:00")
KEY = MailKey("test-campaign", "reminder", "hanbin", MOMENT, round_id="r1")


def test_only_the_first_reservation_may_send(session: Session) -> None:
    assert reserve(session, KEY, recipients=["hanbin@example.invalid"], subject="报送提醒")
    assert not reserve(session, KEY)
    session.commit()
    entry = ledger_entry(session, KEY)
    assert (entry.status, entry.attempts, entry.subject) == ("reserved", 1, "报送提醒")
    assert entry.message_id == message_id_for(KEY)


def test_the_same_moment_in_another_time_zone_is_the_same_email(session: Session) -> None:
    assert reserve(session, KEY)
    utc_key = MailKey("test-campaign", "reminder", "hanbin", MOMENT.astimezone(dt.UTC), "r1")
    assert not reserve(session, utc_key)


def test_a_sent_email_is_never_reserved_again(session: Session) -> None:
    reserve(session, KEY)
    mark_sent(session, KEY)
    session.commit()
    assert already_sent(session, KEY)
    assert not reserve(session, KEY)
    assert ledger_entry(session, KEY).sent_at is not None


def test_a_failed_email_may_be_retried_and_attempts_are_counted(session: Session) -> None:
    reserve(session, KEY)
    mark_failed(session, KEY, "550 mailbox unavailable")
    session.commit()
    assert not already_sent(session, KEY)
    assert reserve(session, KEY)
    entry = ledger_entry(session, KEY)
    assert (entry.status, entry.attempts, entry.last_error) == (
        "reserved",
        2,
        "550 mailbox unavailable",
    )
    assert not reserve(session, KEY, retry_failed=False)


def test_an_uncertain_email_is_left_for_a_human(session: Session) -> None:
    reserve(session, KEY)
    mark_uncertain(session, KEY, "connection lost after DATA")
    session.commit()
    assert not reserve(session, KEY)
    assert ledger_entry(session, KEY).status == "uncertain"


def test_uncertain_and_stuck_emails_are_listed_for_a_human(session: Session) -> None:
    stuck = MailKey("test-campaign", "reminder", "hanyin", MOMENT, round_id="r1")
    fine = MailKey("test-campaign", "reminder", "shiquan", MOMENT, round_id="r1")
    for key in (KEY, stuck, fine):
        reserve(session, key)
    mark_uncertain(session, KEY, "connection lost after DATA")
    mark_sent(session, fine)
    session.commit()

    assert [e.recipient_key for e in mail_needing_attention(session)] == ["hanbin"]
    later = mail_needing_attention(session, "test-campaign", stuck_after=dt.timedelta(0))
    assert [e.recipient_key for e in later] == ["hanbin", "hanyin"]
    assert mail_needing_attention(session, "another-campaign") == []


def test_marking_without_a_reservation_is_a_bug(session: Session) -> None:
    with pytest.raises(KeyError, match="reserve"):
        mark_sent(session, KEY)


def test_mail_without_a_round_and_keys_that_differ_in_one_part(session: Session) -> None:
    report = MailKey("test-campaign", "report", "ops", "2023-05-11")
    assert reserve(session, report)
    assert reserve(session, MailKey("test-campaign", "report", "leaders", "2023-05-11"))
    assert reserve(session, MailKey("test-campaign", "report", "ops", "2023-05-12"))
    assert not reserve(session, MailKey("test-campaign", "report", "ops", "2023-05-11"))


@pytest.mark.timeout(60)  # a lost lock shows up as a hang: fail instead
def test_concurrent_reservations_let_exactly_one_sender_win(warehouse: sa.Engine) -> None:
    contenders = 8
    start = threading.Barrier(contenders)
    results: list[bool] = []
    errors: list[BaseException] = []

    def contend() -> None:
        try:
            with Session(warehouse) as s:
                start.wait()
                won = reserve(s, KEY)
                s.commit()
            results.append(won)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(results) == [False] * (contenders - 1) + [True]
