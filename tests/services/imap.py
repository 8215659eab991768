"""A private Dovecot IMAP server on loopback: its own config, a passwd-file user, TLS with a
self-signed certificate made at start, a free port, and the mail under a temp dir.

    with ImapServer() as imap:
        imap.append(raw_bytes, internaldate=dt.datetime(2023, 5, 10, 15, tzinfo=...))
        imaplib.IMAP4_SSL("127.0.0.1", imap.port, ssl_context=imap.ssl_context())

Mail is delivered by IMAP APPEND with the INTERNALDATE a test chooses (the server's received
time, which intake takes as the unit's submission time). ``stop()`` kills the server (and every
open connection) while keeping the mail; ``start()`` again brings the same mailbox back.
Dovecot refuses mail for uid 0, so the mail belongs to a system user made for the tests.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import imaplib
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
from pathlib import Path

from services._common import (
    ServiceError,
    ensure_installed,
    ensure_user,
    exit_cleanly_on_sigterm,
    free_port,
    port_open,
    refuse_in_fast_tier,
    wait_for,
)

DOVECOT = Path("/usr/sbin/dovecot")
MAIL_USER = "campaignopsmail"

DOVECOT_CONF = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/log/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{base}/tls/cert.pem
ssl_key = <{base}/tls/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain
default_internal_user = {user}
default_login_user = {user}
default_internal_group = {user}
first_valid_uid = {uid}
mail_location = maildir:{base}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox 已处理 {{
    auto = create
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


class ImapServer:
    def __init__(self, username: str = "ankang-mail", password: str = "Mail-box-test-1") -> None:
        self.username = username
        self.password = password
        self.host = "127.0.0.1"
        self.port = 0
        self.base: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def cafile(self) -> Path:
        """The self-signed certificate a client must trust."""
        assert self.base is not None, "not started"
        return self.base / "tls" / "cert.pem"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile))

    def connection_json(self, **extra: object) -> dict:
        """What ``AIRFLOW_CONN_CAMPAIGN_OPS_MAILBOX`` holds for this server."""
        return {
            "conn_type": "imap",
            "host": self.host,
            "port": self.port,
            "login": self.username,
            "password": self.password,
            "extra": {"ssl_cafile": str(self.cafile), **extra},
        }

    def start(self) -> ImapServer:
        refuse_in_fast_tier("Dovecot (IMAP)")
        if os.geteuid() != 0:
            raise ServiceError("dovecot for tests must be started as root (CI runs as root)")
        ensure_installed(DOVECOT)
        account = ensure_user(MAIL_USER)
        first = self.base is None
        if first:
            self.base = Path(tempfile.mkdtemp(prefix="campaign-ops-imap-"))
            self.base.chmod(0o755)
            for sub in ("run", "state", "log", "tls", "mail"):
                (self.base / sub).mkdir()
            os.chown(self.base / "mail", account.pw_uid, account.pw_gid)
            self._certificate()
            (self.base / "passwd").write_text(
                f"{self.username}:{{PLAIN}}{self.password}:::::\n", encoding="utf-8"
            )
            self.port = free_port()
            atexit.register(self.destroy)
            exit_cleanly_on_sigterm()
        conf = self.base / "dovecot.conf"
        conf.write_text(
            DOVECOT_CONF.format(
                base=self.base,
                port=self.port,
                user=MAIL_USER,
                uid=account.pw_uid,
                gid=account.pw_gid,
            ),
            encoding="utf-8",
        )
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=(self.base / "log" / "stderr.log").open("ab"),
            start_new_session=True,
        )
        try:
            wait_for(self._ready, timeout=20, what=f"dovecot on port {self.port}")
        except ServiceError as exc:
            log = self.log()
            self.destroy()
            raise ServiceError(f"{exc}\n{log}") from None
        return self

    def _certificate(self) -> None:
        assert self.base is not None
        tls = self.base / "tls"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                str(tls / "key.pem"),
                "-out",
                str(tls / "cert.pem"),
            ],
            check=True,
            capture_output=True,
        )

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise ServiceError(f"dovecot exited with {self.process.returncode}")
        return port_open(self.port)

    def log(self) -> str:
        if self.base is None:
            return ""
        return "".join(p.read_text(errors="replace") for p in sorted((self.base / "log").glob("*")))

    # ---- mail -----------------------------------------------------------------------------

    def client(self) -> imaplib.IMAP4_SSL:
        imap = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=self.ssl_context())
        imap.login(self.username, self.password)
        return imap

    def append(
        self, raw: bytes, internaldate: dt.datetime, folder: str = "INBOX", seen: bool = False
    ) -> None:
        """Deliver one message with the server's received time ``internaldate``."""
        imap = self.client()
        try:
            status, detail = imap.append(
                folder, "(\\Seen)" if seen else "", imaplib.Time2Internaldate(internaldate), raw
            )
            if status != "OK":
                raise ServiceError(f"APPEND refused: {detail!r}")
        finally:
            imap.logout()

    def messages(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """UID → flags (but ``\\Recent``) of every message in ``folder``: what the tests check
        is left untouched."""
        imap = self.client()
        try:
            imap.select(_quoted(folder), readonly=True)
            _, data = imap.uid("FETCH", "1:*", "(UID FLAGS)")
            out: dict[int, set[str]] = {}
            for line in data:
                if not isinstance(line, bytes):
                    continue
                text = line.decode()
                uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
                flags = text.split("FLAGS (", 1)[1].split(")", 1)[0]
                out[uid] = set(flags.split()) - {"\\Recent"}  # a session's, not a change
            return out
        finally:
            imap.logout()

    def empty(self) -> None:
        """Remove every message of every folder (between tests sharing the server)."""
        imap = self.client()
        try:
            for folder in ("INBOX", "已处理"):
                imap.select(_quoted(folder))
                imap.uid("STORE", "1:*", "+FLAGS.SILENT", "(\\Deleted)")
                imap.expunge()
        finally:
            imap.logout()

    # ---- lifecycle ------------------------------------------------------------------------

    def stop(self) -> None:
        """Kill the server and every connection it holds; the mail stays for ``start()``."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def destroy(self) -> None:
        self.stop()
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None
        atexit.unregister(self.destroy)

    def __enter__(self) -> ImapServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.destroy()


def _quoted(folder: str) -> str:
    """A mailbox name as imaplib must send it: modified UTF-7, quoted."""
    from campaign_ops.mailbox.imap import encode_folder

    return encode_folder(folder)
