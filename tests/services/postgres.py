"""A throwaway PostgreSQL 15 cluster: ``initdb`` in a temp dir, ``pg_ctl start`` on a free
loopback port, trust auth, fsync off. About 1 s to start.

PostgreSQL refuses to run as root, so under root the cluster belongs to the ``postgres`` user
(created by the Debian package, or here if missing).

    with PostgresServer() as pg:
        engine = sqlalchemy.create_engine(pg.url)
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from services._common import (
    ServiceError,
    ensure_installed,
    ensure_user,
    exit_cleanly_on_sigterm,
    free_port,
    refuse_in_fast_tier,
)

PG_BIN = Path(os.environ.get("CAMPAIGN_OPS_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "postgres"


class PostgresServer:
    def __init__(self, port: int | None = None, os_user: str = "postgres") -> None:
        self.port = port or free_port()
        self.os_user = os_user if os.geteuid() == 0 else None
        self.base: Path | None = None

    @property
    def data_dir(self) -> Path:
        assert self.base is not None, "not started"
        return self.base / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresServer:
        refuse_in_fast_tier("PostgreSQL")
        ensure_installed(PG_BIN / "initdb", PG_BIN / "pg_ctl")
        if self.os_user:
            account = ensure_user(self.os_user)
        self.base = Path(tempfile.mkdtemp(prefix="campaign-ops-pg-"))
        if self.os_user:
            os.chown(self.base, account.pw_uid, account.pw_gid)
        atexit.register(self.stop)
        exit_cleanly_on_sigterm()
        self._run(
            PG_BIN / "initdb",
            "-D",
            self.data_dir,
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            PG_BIN / "pg_ctl",
            "-D",
            self.data_dir,
            "-o",
            options,
            "-l",
            self.base / "server.log",
            "-w",
            "-t",
            "30",
            "start",
        )
        return self

    def stop(self) -> None:
        if self.base is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            self._run(
                PG_BIN / "pg_ctl", "-D", self.data_dir, "-m", "immediate", "-w", "stop", check=False
            )
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None
        atexit.unregister(self.stop)

    def log(self) -> str:
        path = self.base / "server.log" if self.base else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    def _run(self, *args: object, check: bool = True) -> None:
        result = subprocess.run(
            [str(a) for a in args], user=self.os_user, capture_output=True, text=True, cwd="/"
        )
        if check and result.returncode != 0:
            raise ServiceError(
                f"{Path(str(args[0])).name} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{self.log()}"
            )

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
