"""The IMAP reader against the real Dovecot: TLS with the server's own certificate, a wrong
password refused, a fetch that leaves mail unread and gives the server's received time, and
mail kept across a server restart (what the outage tests rely on)."""

from __future__ import annotations

import datetime as dt
import imaplib

import pytest

from campaign_ops.mailbox.imap import MailboxLogin, MailboxReader, encode_folder
from tests.mailbox.helpers import CST

RAW = b"From: hanbin@ankang-amr.example.invalid\r\nSubject: hi\r\nMessage-ID: <r@x>\r\n\r\nbody\r\n"


def login(imap, password: str | None = None) -> MailboxLogin:
    return MailboxLogin(
        imap.host, imap.port, imap.username, password or imap.password, str(imap.cafile)
    )


def test_fetch_leaves_mail_unread_and_gives_internaldate(imap):
    when = dt.datetime(2023, 5, 10, 23, 59, tzinfo=CST)
    imap.append(RAW, when)
    with MailboxReader(login(imap)) as reader:
        (mail,) = list(reader.iter_new(set()))
        assert reader.uidvalidity > 0
    assert mail.raw == RAW and mail.internaldate == when
    assert all("\\Seen" not in flags for flags in imap.messages().values())


def test_a_wrong_password_and_an_untrusted_certificate_are_refused(imap):
    with pytest.raises(imaplib.IMAP4.error):
        MailboxReader(login(imap, "wrong")).connect()
    untrusted = MailboxLogin(imap.host, imap.port, imap.username, imap.password, None)
    with pytest.raises(OSError):  # ssl.SSLCertVerificationError: the self-signed certificate
        MailboxReader(untrusted).connect()


def test_mail_survives_a_restart_and_the_reader_reconnects(imap):
    imap.append(RAW, dt.datetime(2023, 5, 10, 9, 0, tzinfo=CST))
    with MailboxReader(login(imap)) as reader:
        before = reader.uids()
        imap.stop()
        imap.start()
        assert reader.uids() == before  # one reconnect, same UIDVALIDITY


def test_chinese_folder_names_are_modified_utf7():
    assert encode_folder("已处理") == '"&XfJZBHQG-"'
    assert encode_folder("INBOX") == '"INBOX"' and encode_folder("A&B") == '"A&-B"'
