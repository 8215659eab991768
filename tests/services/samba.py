"""A private Samba server: ``smbd`` on loopback with its own smb.conf, state and passdb in a
temp dir, one share pointing at a temp folder, one unix + SMB user.

    with SambaServer() as smb:
        smbclient.register_session("127.0.0.1", username=smb.username,
                                   password=smb.password, port=smb.port)
        smbclient.open_file(smb.unc("报表.xlsx"), mode="wb", port=smb.port)

smbd must start as root (it switches to the share user per connection). Port 4445 is used
when free; if another test run holds it, a free port is taken instead — read ``.port``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from services._common import (
    ServiceError,
    ensure_installed,
    ensure_user,
    exit_cleanly_on_sigterm,
    free_port,
    port_is_free,
    port_open,
    refuse_in_fast_tier,
    wait_for,
)

SMBD = Path("/usr/sbin/smbd")
SMBPASSWD = Path("/usr/bin/smbpasswd")
PREFERRED_PORT = 4445

SMB_CONF = """\
[global]
    server role = standalone server
    workgroup = CAMPAIGNOPS
    netbios name = CAMPAIGNOPSTEST
    smb ports = {port}
    interfaces = 127.0.0.1
    bind interfaces only = yes
    disable netbios = yes
    server min protocol = SMB2_10
    passdb backend = tdbsam:{base}/private/passdb.tdb
    private dir = {base}/private
    state directory = {base}/state
    cache directory = {base}/cache
    lock directory = {base}/lock
    pid directory = {base}/run
    ncalrpc dir = {base}/run/ncalrpc
    log file = {base}/log/smbd.log
    log level = 1
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes
    unix charset = UTF-8
    map to guest = never

[{share}]
    path = {share_dir}
    read only = no
    browseable = yes
    valid users = {user}
    create mask = 0664
    directory mask = 0775
"""


class SambaServer:
    def __init__(
        self,
        share: str = "dropzone",
        username: str = "campaignops",
        password: str = "Campaign-0ps-test",
        port: int | None = None,
    ) -> None:
        self.share = share
        self.username = username
        self.password = password
        self.requested_port = port
        self.port = 0
        self.host = "127.0.0.1"
        self.base: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def share_dir(self) -> Path:
        """The folder behind the share, for putting files in place or checking them directly."""
        assert self.base is not None, "not started"
        return self.base / "share"

    def unc(self, *parts: str) -> str:
        r"""``\\127.0.0.1\share\part\…`` for smbprotocol's ``smbclient`` functions."""
        return "\\".join([rf"\\{self.host}", self.share, *parts])

    def start(self) -> SambaServer:
        refuse_in_fast_tier("Samba")
        if os.geteuid() != 0:
            raise ServiceError("smbd for tests must be started as root (CI runs as root)")
        ensure_installed(SMBD, SMBPASSWD)
        account = ensure_user(self.username)
        self.port = self.requested_port or (
            PREFERRED_PORT if port_is_free(PREFERRED_PORT) else free_port()
        )
        self.base = Path(tempfile.mkdtemp(prefix="campaign-ops-smb-"))
        atexit.register(self.stop)
        exit_cleanly_on_sigterm()
        self.base.chmod(0o755)  # the share user must be able to reach share/
        for sub in ("private", "state", "cache", "lock", "run", "log", "share"):
            (self.base / sub).mkdir()
        os.chown(self.share_dir, account.pw_uid, account.pw_gid)
        conf = self.base / "smb.conf"
        conf.write_text(
            SMB_CONF.format(
                port=self.port,
                base=self.base,
                share=self.share,
                share_dir=self.share_dir,
                user=self.username,
            )
        )
        subprocess.run(
            [SMBPASSWD, "-c", conf, "-s", "-a", self.username],
            input=f"{self.password}\n{self.password}\n".encode(),
            check=True,
            capture_output=True,
        )
        # Own session: stop() can signal smbd and the children it forks per connection at once.
        self.process = subprocess.Popen(
            [SMBD, "--foreground", "--no-process-group", "-s", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=(self.base / "log" / "stderr.log").open("wb"),
            start_new_session=True,
        )
        try:
            wait_for(self._ready, timeout=20, what=f"smbd on port {self.port}")
        except ServiceError as exc:
            log = self.log()
            self.stop()
            raise ServiceError(f"{exc}\n{log}") from None
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise ServiceError(f"smbd exited with {self.process.returncode}")
        return port_open(self.port)

    def log(self) -> str:
        if self.base is None:
            return ""
        return "".join(
            p.read_text(errors="replace")
            for p in sorted((self.base / "log").glob("*"))
            if p.is_file()
        )

    def stop(self) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self.process = None
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None
        atexit.unregister(self.stop)

    def __enter__(self) -> SambaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
