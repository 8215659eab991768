"""Deliver composed messages: SMTP through yagmail, or ``.eml`` files in the outbox.

SMTP settings come from the Airflow Connection ``campaign_ops_smtp`` (host, port, login,
password; extras ``disable_ssl``, ``disable_tls`` and ``timeout``, named as in Airflow's SMTP
provider so the UI's SMTP connection form fills them). Without that connection, messages go
to the outbox folder: the embedded default, so a demo shows every email without a server.

Why not ``yagmail.SMTP.send``: it retries three times when the connection drops and then
returns ``False`` without raising. When the server drops the connection *after* accepting the
data, those retries deliver duplicates, and ``False`` cannot tell "not delivered" from "maybe
delivered". yagmail opens the connection (SSL/STARTTLS/login); the SMTP transaction is ours,
one attempt per call, so every outcome is one of:

- ``sent``: the server answered 250 to the data;
- ``failed``: definitely not delivered (no connection, sender or every recipient refused,
  data refused) — safe to retry later;
- ``uncertain``: the connection broke after the data went out — never retried automatically.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Protocol

from campaign_ops.mail.compose import to_bytes

DEFAULT_CONN_ID = "campaign_ops_smtp"
log = logging.getLogger(__name__)
Status = Literal["sent", "failed", "uncertain"]


@dataclass(frozen=True)
class Outcome:
    status: Status
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "sent"


class Transport(Protocol):
    """Delivers one message; never raises for a delivery problem, returns the outcome."""

    description: str

    def deliver(
        self, msg: EmailMessage, *, sender: str, recipients: list[str], name: str
    ) -> Outcome: ...

    def close(self) -> None: ...


# ---- outbox -------------------------------------------------------------------------------


class OutboxTransport:
    """Writes each message to ``<outbox>/<name>`` as an ``.eml`` file any mail client opens.

    ``name`` comes from the message's natural key, so writing it again replaces the file: the
    outbox holds each email once."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.description = f"发件箱目录 {self.directory}（未配置 SMTP 连接）"

    def deliver(
        self, msg: EmailMessage, *, sender: str, recipients: list[str], name: str
    ) -> Outcome:
        path = self.directory / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as fh:
                fh.write(to_bytes(msg))
            os.replace(fh.name, path)
        except OSError as exc:
            return Outcome("failed", f"写入发件箱失败：{exc}")
        return Outcome("sent", str(path))

    def close(self) -> None:
        pass


# ---- SMTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    login: str | None = None
    password: str | None = None
    ssl: bool = True
    starttls: bool = True
    timeout: float = 30.0

    @classmethod
    def from_connection(cls, conn: Any) -> SmtpSettings:
        """From an Airflow Connection; defaults follow Airflow's SMTP provider (SSL on)."""
        extra = conn.extra_dejson or {}
        ssl = not _flag(extra.get("disable_ssl", False))
        starttls = not ssl and not _flag(extra.get("disable_tls", False))
        return cls(
            host=conn.host or "localhost",
            port=int(conn.port or (465 if ssl else 587)),
            login=conn.login or None,
            password=conn.password or None,
            ssl=ssl,
            starttls=starttls,
            timeout=float(extra.get("timeout", 30)),
        )


def _flag(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1", "yes", "on")


class SmtpTransport:
    """One SMTP connection for a batch of messages: reopened after it drops; after a failed
    connect or login the rest of the batch fails at once (the task retry tries again)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.description = f"SMTP 服务器 {settings.host}:{settings.port}"
        self._client: Any = None
        # Set when connecting or logging in failed: the rest of the batch fails at once
        # instead of hammering the server (wrong passwords get accounts locked).
        self._unreachable: str | None = None

    def _smtp(self) -> smtplib.SMTP:
        if self._client is None:
            import yagmail

            s = self.settings
            client = yagmail.SMTP(
                user=s.login or "campaign-ops@localhost",
                # Never None: yagmail would then ask the keyring or prompt on the terminal.
                password=s.password or "",
                host=s.host,
                port=s.port,
                smtp_ssl=s.ssl,
                smtp_starttls=s.starttls,
                smtp_skip_login=not s.login,
                soft_email_validation=False,
                timeout=s.timeout,
            )
            client.login()
            self._client = client
        return self._client.smtp

    def deliver(
        self, msg: EmailMessage, *, sender: str, recipients: list[str], name: str
    ) -> Outcome:
        if self._unreachable:
            return Outcome("failed", f"{self._unreachable}（本批未再重试连接）")
        try:
            smtp = self._smtp()
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            self._unreachable = f"无法连接或登录 {self.description}：{exc}"
            return Outcome("failed", self._unreachable)
        try:
            refused = self._envelope(smtp, sender, recipients)
        except _Refused as exc:
            return Outcome("failed", str(exc))
        except (smtplib.SMTPException, OSError) as exc:  # nothing sent yet: not delivered
            self._drop()
            return Outcome("failed", f"发送前连接中断：{exc}")
        try:
            code, reply = smtp.data(to_bytes(msg))
        except smtplib.SMTPDataError as exc:  # DATA itself refused: the content never went out
            _reset(smtp)
            return Outcome("failed", f"服务器拒收：{exc.smtp_code} {_text(exc.smtp_error)}")
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            return Outcome("uncertain", f"邮件内容已发出，但未收到服务器确认（{exc}）")
        if code != 250:
            _reset(smtp)
            return Outcome("failed", f"服务器拒收：{code} {_text(reply)}")
        note = "；".join(f"{r} 被拒收（{c} {_text(m)}）" for r, (c, m) in refused.items())
        if note:
            log.warning("邮件已发出，但部分收件人被拒收：%s", note)
        return Outcome("sent", note)

    @staticmethod
    def _envelope(
        smtp: smtplib.SMTP, sender: str, recipients: list[str]
    ) -> dict[str, tuple[int, bytes]]:
        """MAIL FROM and RCPT TO; the recipients refused, or ``_Refused`` if all are."""
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(sender)
        if code != 250:
            _reset(smtp)
            raise _Refused(f"服务器拒绝发件人 {sender}：{code} {_text(reply)}")
        refused: dict[str, tuple[int, bytes]] = {}
        for rcpt in recipients:
            code, reply = smtp.rcpt(rcpt)
            if code not in (250, 251):
                refused[rcpt] = (code, reply)
        if len(refused) == len(recipients):
            _reset(smtp)
            detail = "；".join(f"{r}：{c} {_text(m)}" for r, (c, m) in refused.items())
            raise _Refused(f"服务器拒绝全部收件人（{detail}）")
        return refused

    def _drop(self) -> None:
        if self._client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._client.close()
        self._client = None

    def close(self) -> None:
        self._drop()


class _Refused(Exception):
    pass


def _reset(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.rset()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


# ---- choosing ---------------------------------------------------------------------------


def smtp_settings(conn_id: str = DEFAULT_CONN_ID) -> SmtpSettings | None:
    """The SMTP settings of Airflow Connection ``conn_id``, or None when it is not defined
    (looked up like any Airflow connection: ``AIRFLOW_CONN_…`` variable, secrets backend,
    metadata database)."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
    return SmtpSettings.from_connection(conn)


def open_transport(conn_id: str = DEFAULT_CONN_ID, outbox_dir: Path | None = None) -> Transport:
    """SMTP when the connection exists, else the outbox (``settings().outbox_dir``)."""
    found = smtp_settings(conn_id)
    if found is not None:
        return SmtpTransport(found)
    if outbox_dir is None:
        from campaign_ops.settings import settings

        outbox_dir = settings().outbox_dir
    return OutboxTransport(outbox_dir)
