"""An SMTP server on loopback that keeps what it receives, for tests of outgoing mail.

Modes (switch any time with ``server.mode = ...``):

- ``normal``: accept and keep every message;
- ``refuse``: answer 550 to every recipient and 554 to DATA (a permanent failure);
- ``drop``: keep the message, then drop the connection instead of answering DATA — the client
  cannot know the mail was delivered, and one that retries sends duplicates.
"""

from __future__ import annotations

import atexit
import email
import json
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any, Literal

from aiosmtpd.controller import Controller

from services._common import free_port, refuse_in_fast_tier

Mode = Literal["normal", "refuse", "drop"]
MODES: tuple[Mode, ...] = ("normal", "refuse", "drop")


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        """Parsed with ``email.policy.default``: Chinese subjects and file names come back
        decoded."""
        return email.message_from_bytes(self.raw, policy=default_policy)  # type: ignore[return-value]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: list[str]
    ) -> str:
        if self.server.mode == "refuse":
            return "550 5.7.1 Relaying denied (test server in refuse mode)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, _session: Any, envelope: Any) -> str:
        if self.server.mode == "refuse":
            return "554 5.6.0 Message refused (test server in refuse mode)"
        self.server._keep(
            ReceivedMail(
                envelope.mail_from,
                tuple(envelope.rcpt_tos),
                bytes(envelope.original_content or envelope.content),
            )
        )
        if self.server.mode == "drop":
            server.transport.close()
            return "421 4.4.2 Connection dropped (never reaches the client)"
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int | None = None, mode: Mode = "normal") -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.mode: Mode = mode
        self._received: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def received(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._received)

    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]

    def airflow_connection(self, timeout: int = 10) -> str:
        """This server as the ``campaign_ops_smtp`` Connection, the way a deployment gives it:
        the JSON of an ``AIRFLOW_CONN_CAMPAIGN_OPS_SMTP`` variable (plain SMTP on loopback)."""
        extra = {"disable_ssl": True, "disable_tls": True, "timeout": timeout}
        return json.dumps(
            {"conn_type": "smtp", "host": self.host, "port": self.port, "extra": extra}
        )

    def reset(self, mode: Mode = "normal") -> None:
        """Forget received mail and go back to ``mode`` (between tests)."""
        with self._lock:
            self._received.clear()
        self.mode = mode

    def _keep(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._received.append(mail)

    def start(self) -> SmtpServer:
        refuse_in_fast_tier("an SMTP server")
        self._controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            enable_SMTPUTF8=True,
            ready_timeout=10,
        )
        self._controller.start()
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        atexit.unregister(self.stop)

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
