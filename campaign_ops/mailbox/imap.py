"""Reading a campaign's mailbox over IMAP (TLS), without changing it.

The standard library's ``imaplib``, used with UIDs and ``BODY.PEEK[]`` only: a fetch never sets
``\\Seen`` (the bureau's staff still see the mail as new in their own client), a message is named
by UIDVALIDITY + UID (stable across sessions, unlike sequence numbers), and INTERNALDATE is the
server's received time. Airflow's IMAP provider is not used: it returns attachment names and
bytes only (no sender, subject or Message-ID), fetches with ``RFC822`` (which marks mail read)
and hands Chinese search criteria to ``imaplib`` unencoded. imap-tools would serve, but what
intake needs is five commands; a dependency more is not worth it.

Credentials come from an Airflow Connection (default ``campaign_ops_mailbox``): host, port
(993), login, password; ``extra`` may hold ``ssl_cafile`` (a private CA or self-signed
certificate) and ``timeout`` (seconds, default 60).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

# A connection that breaks (server restarted, network gone, TLS cut) raises one of these.
DISCONNECTED = (imaplib.IMAP4.abort, OSError, EOFError, ssl.SSLError, socket.timeout)


@dataclass(frozen=True)
class MailboxLogin:
    host: str
    port: int
    username: str
    password: str
    cafile: str | None = None
    timeout: float = 60.0

    @classmethod
    def lookup(cls, conn_id: str) -> MailboxLogin | None:
        """Credentials from an Airflow Connection (``AIRFLOW_CONN_…``, a secrets backend or the
        metastore), as ``SmbLogin.from_connection`` reads the share's; None when undefined."""
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException

        try:
            conn = BaseHook.get_connection(conn_id)
        except AirflowNotFoundException:
            return None
        extra = conn.extra_dejson or {}
        return cls(
            host=conn.host or "127.0.0.1",
            port=int(conn.port or 993),
            username=conn.login or "",
            password=conn.password or "",
            cafile=extra.get("ssl_cafile") or None,
            timeout=float(extra.get("timeout") or 60),
        )


@dataclass(frozen=True)
class FetchedMail:
    uid: int
    internaldate: dt.datetime  # aware, UTC
    raw: bytes


def encode_folder(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 §5.1.3), quoted for imaplib."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    text = "".join(out).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_UID = re.compile(rb"UID (\d+)")


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def imap_date(day: dt.date) -> str:
    """``09-May-2023``: English month names whatever the process's locale."""
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def parse_internaldate(text: str) -> dt.datetime:
    """``03-Dec-2026 09:15:02 +0800`` → aware UTC datetime."""
    return dt.datetime.strptime(text.strip(), "%d-%b-%Y %H:%M:%S %z").astimezone(dt.UTC)


class MailboxReader:
    """One folder of one mailbox, read-only until ``move`` is asked for.

    Every command reconnects once when the connection broke (a server restart between two
    fetches is normal for a long scan); a second break is raised to the caller, who has
    recorded every message it finished before."""

    def __init__(self, login: MailboxLogin, folder: str = "INBOX") -> None:
        self.login = login
        self.folder = folder
        self._imap: imaplib.IMAP4_SSL | None = None
        self.uidvalidity = 0

    # ---- connection -------------------------------------------------------------------

    def connect(self) -> None:
        self.close()
        context = ssl.create_default_context(cafile=self.login.cafile)
        imap = imaplib.IMAP4_SSL(
            self.login.host, self.login.port, ssl_context=context, timeout=self.login.timeout
        )
        try:
            imap.login(self.login.username, self.login.password)
            status, _ = imap.select(encode_folder(self.folder), readonly=True)
            if status != "OK":
                raise MailboxError(
                    f"邮箱中没有文件夹“{self.folder}”，请检查专项行动配置的 folder。"
                )
            self.uidvalidity = int(_response(imap, "UIDVALIDITY"))
        except BaseException:
            _quietly_logout(imap)
            raise
        self._imap = imap

    def close(self) -> None:
        if self._imap is not None:
            _quietly_logout(self._imap)
            self._imap = None

    def __enter__(self) -> MailboxReader:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retrying(self, command):
        """Run ``command(imap)``; after a broken connection, reconnect once and run it again.
        The UIDVALIDITY must not change in between (the folder was recreated: stop)."""
        if self._imap is None:
            self.connect()
        try:
            return command(self._imap)
        except DISCONNECTED as broken:
            before = self.uidvalidity
            self.connect()
            if self.uidvalidity != before:
                raise MailboxError(
                    "邮箱文件夹在读取过程中被重建（UIDVALIDITY 改变），下次收取时重新读取。"
                ) from broken
            return command(self._imap)

    # ---- reading ----------------------------------------------------------------------

    def uids(self, since: dt.date | None = None) -> list[int]:
        """Every message's UID; with ``since``, only those received on or after that day."""
        criteria = ("SINCE", imap_date(since)) if since else ("ALL",)

        def search(imap: imaplib.IMAP4_SSL) -> list[int]:
            status, data = imap.uid("SEARCH", *criteria)
            _ok(status, data)
            return sorted(int(x) for x in (data[0] or b"").split())

        return self._retrying(search)

    def fetch(self, uid: int) -> FetchedMail | None:
        """The whole message and its INTERNALDATE, without marking it read (None: gone)."""

        def fetch(imap: imaplib.IMAP4_SSL) -> FetchedMail | None:
            status, data = imap.uid("FETCH", str(uid), "(UID INTERNALDATE BODY.PEEK[])")
            _ok(status, data)
            for item in data:
                if isinstance(item, tuple) and _UID.search(item[0] or b""):
                    found = _INTERNALDATE.search(item[0])
                    if found is None:
                        raise MailboxError(f"服务器没有给出邮件 {uid} 的接收时间。")
                    when = parse_internaldate(found.group(1).decode())
                    return FetchedMail(uid, when, bytes(item[1]))
            return None

        return self._retrying(fetch)

    def iter_new(self, known: set[int], since: dt.date | None = None) -> Iterator[FetchedMail]:
        for uid in self.uids(since):
            if uid in known:
                continue
            mail = self.fetch(uid)
            if mail is not None:
                yield mail

    def move(self, uids: list[int], target: str) -> None:
        """Move these messages to ``target`` (``MOVE``, else ``COPY`` + delete + ``UID EXPUNGE``).
        Needs the folder open read-write; only called once they are archived and recorded."""
        if not uids:
            return

        def move(imap: imaplib.IMAP4_SSL) -> None:
            status, data = imap.select(encode_folder(self.folder))
            _ok(status, data)
            ids = ",".join(str(u) for u in uids)
            if "MOVE" in imap.capabilities:
                status, data = imap.uid("MOVE", ids, encode_folder(target))
                _ok(status, data)
            else:
                status, data = imap.uid("COPY", ids, encode_folder(target))
                _ok(status, data)
                imap.uid("STORE", ids, "+FLAGS.SILENT", "(\\Deleted)")
                imap.uid("EXPUNGE", ids)
            imap.select(encode_folder(self.folder), readonly=True)

        self._retrying(move)


class MailboxError(RuntimeError):
    """The mailbox cannot be read as configured; the message says what to check."""


def _ok(status: str, data: object) -> None:
    if status != "OK":
        raise MailboxError(f"邮箱服务器拒绝了请求：{data!r}")


def _response(imap: imaplib.IMAP4_SSL, code: str) -> str:
    _, data = imap.response(code)
    value = data[0] if data and data[0] is not None else b"0"
    return value.decode() if isinstance(value, bytes) else str(value)


def _quietly_logout(imap: imaplib.IMAP4) -> None:
    try:
        imap.logout()
    except Exception:  # a connection already broken cannot say goodbye
        with contextlib.suppress(Exception):
            imap.shutdown()
