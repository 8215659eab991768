"""Smoke tests of the test services themselves: each does what the product's tests rely on."""

from __future__ import annotations

import smtplib
import subprocess
import uuid
from pathlib import Path

import pytest
import smbclient
import sqlalchemy as sa
import yagmail

from services._common import INSTALL_SCRIPT, port_open
from services.postgres import PostgresServer
from services.samba import SambaServer
from services.smtp import SmtpServer

pytestmark = pytest.mark.server  # the servers the other tests use, started and stopped

SUBJECT = "关于报送第一次阶段性工作进展情况的提醒"


# ---- PostgreSQL -----------------------------------------------------------------------------


def test_postgres_is_version_15_and_keeps_chinese_text(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SHOW server_version_num").scalar_one()
        echoed = conn.execute(sa.text("SELECT :t"), {"t": "汉滨区市场监督管理局"}).scalar_one()
    engine.dispose()
    assert version.startswith("15")
    assert echoed == "汉滨区市场监督管理局"


def test_postgres_stop_leaves_nothing_behind() -> None:
    server = PostgresServer().start()
    data_dir = server.data_dir
    assert port_open(server.port)
    server.stop()
    assert not port_open(server.port)
    assert not data_dir.exists()


# ---- Samba ----------------------------------------------------------------------------------


@pytest.fixture
def smb(samba_share: SambaServer) -> SambaServer:
    smbclient.register_session(
        samba_share.host,
        username=samba_share.username,
        password=samba_share.password,
        port=samba_share.port,
    )
    return samba_share


def test_samba_share_writes_and_reads_chinese_file_names(smb: SambaServer) -> None:
    folder = f"汉滨区局-{uuid.uuid4().hex[:6]}"
    name = "互联网广告治理工作情况统计表（第一次）.xlsx"
    smbclient.makedirs(smb.unc(folder), port=smb.port)
    with smbclient.open_file(smb.unc(folder, name), mode="wb", port=smb.port) as f:
        f.write("报送内容".encode())

    assert smbclient.listdir(smb.unc(folder), port=smb.port) == [name]
    with smbclient.open_file(smb.unc(folder, name), mode="rb", port=smb.port) as f:
        assert f.read().decode() == "报送内容"
    # the file really sits in the shared folder, under its Chinese name
    assert (smb.share_dir / folder / name).read_bytes() == "报送内容".encode()


def test_samba_sees_files_put_in_the_folder_directly(smb: SambaServer) -> None:
    path: Path = smb.share_dir / f"石泉县局典型案例-{uuid.uuid4().hex[:6]}.docx"
    path.write_bytes(b"case")
    assert path.name in smbclient.listdir(smb.unc(), port=smb.port)


def test_samba_refuses_a_wrong_password(samba_share: SambaServer) -> None:
    from smbprotocol.exceptions import LogonFailure

    with pytest.raises(LogonFailure):
        smbclient.register_session(
            samba_share.host,
            username=samba_share.username,
            password="wrong",
            port=samba_share.port,
            connection_cache={},
        )


# ---- SMTP -----------------------------------------------------------------------------------


def _yagmail(server: SmtpServer) -> yagmail.SMTP:
    return yagmail.SMTP(
        "ggk@ankang-amr.example.invalid",
        host=server.host,
        port=server.port,
        smtp_starttls=False,
        smtp_ssl=False,
        smtp_skip_login=True,
    )


def test_smtp_receives_chinese_subject_and_attachment_name(
    mailbox: SmtpServer, tmp_path: Path
) -> None:
    attachment = tmp_path / "汉滨区局退回意见.txt"
    attachment.write_text("合计行与各行之和不符", encoding="utf-8")
    with _yagmail(mailbox) as mail:
        result = mail.send(
            to="hanbin@ankang-amr.example.invalid",
            subject=SUBJECT,
            contents="请于5月10日18:00前报送。",
            attachments=[str(attachment)],
            headers={"Message-ID": "<r1-hanbin@campaign-ops.invalid>"},
        )

    assert result == {}  # smtplib: no refused recipients
    [received] = mailbox.received
    assert received.rcpt_tos == ("hanbin@ankang-amr.example.invalid",)
    message = received.message
    assert message["subject"] == SUBJECT
    assert message["message-id"] == "<r1-hanbin@campaign-ops.invalid>"
    names = [part.get_filename() for part in message.walk() if part.get_filename()]
    assert names == ["汉滨区局退回意见.txt"]
    assert "请于5月10日18:00前报送" in message.get_body(("html", "plain")).get_content()


def test_smtp_refuse_mode_rejects_with_a_permanent_error(mailbox: SmtpServer) -> None:
    mailbox.mode = "refuse"
    with _yagmail(mailbox) as mail, pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        mail.send(to="hanbin@ankang-amr.example.invalid", subject=SUBJECT, contents="x")
    [(code, _)] = info.value.recipients.values()
    assert 500 <= code < 600
    assert mailbox.received == []


def test_smtp_drop_mode_makes_yagmail_report_failure_after_delivering_duplicates(
    mailbox: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server got the mail, the client saw a dropped connection, retried
    and finally returned False — the reason every email goes through the ledger."""
    monkeypatch.setattr("yagmail.sender.time.sleep", lambda _s: None)  # skip 18 s of back-off
    mailbox.mode = "drop"
    mail = _yagmail(mailbox)
    result = mail.send(to="hanbin@ankang-amr.example.invalid", subject=SUBJECT, contents="x")

    assert result is False
    assert len(mailbox.received) == 3  # one per attempt: duplicates reached the server
    assert {m.message["subject"] for m in mailbox.received} == {SUBJECT}


# ---- the install script ---------------------------------------------------------------------


def test_install_script_is_idempotent_and_says_what_it_found() -> None:
    run = [["bash", str(INSTALL_SCRIPT)]] * 2
    results = [subprocess.run(cmd, capture_output=True, text=True, timeout=600) for cmd in run]
    assert [r.returncode for r in results] == [0, 0], results[0].stderr
    second = results[1].stdout
    assert "PostgreSQL 15 server binaries found" in second
    assert "samba found" in second
    assert "nothing to install" in second
