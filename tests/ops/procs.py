"""Find the processes a test started, by a marker in their environment (root reads every
``/proc/<pid>/environ``), so a test can prove it left nothing behind."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path


def processes_with_env(key: str, value: str) -> list[int]:
    """Live (non-zombie) processes whose environment has ``key=value``."""
    wanted = f"{key}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            if stat[stat.rindex(")") + 2] == "Z":
                continue
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


def kill_all(pids: list[int]) -> None:
    """Last-resort cleanup for a test's finalizer."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
