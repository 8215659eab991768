"""A throwaway Redis (Debian's ``redis-server``) on a free loopback port, no persistence: the
Celery broker for the scale-out test."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from services._common import (
    ServiceError,
    ensure_installed,
    free_port,
    port_open,
    refuse_in_fast_tier,
    wait_for,
)

REDIS_SERVER = Path("/usr/bin/redis-server")


class RedisServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        refuse_in_fast_tier("Redis")
        ensure_installed(REDIS_SERVER)
        self.base = Path(tempfile.mkdtemp(prefix="campaign-ops-redis-"))
        self.process = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.base),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--logfile",
                str(self.base / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_for(self._ready, timeout=20, what=f"redis-server on port {self.port}")
        except ServiceError:
            self.stop()
            raise
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise ServiceError(f"redis-server exited with {self.process.returncode}")
        return port_open(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
