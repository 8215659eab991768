"""Run a command under a memory limit and a timeout, and measure what it really used.

``RLIMIT_AS`` makes an unbounded allocation fail inside the child (MemoryError) instead of
swapping the machine. The child's peak RSS is its ``VmHWM`` (``/proc/<pid>/status``), polled
while it runs: ``ru_maxrss`` cannot be used, because the kernel carries the forked copy's
high-water mark across ``exec`` — a child of a 450 MiB pytest process "peaks" at 450 MiB
before it has done anything (seen in CI, where the suite's process had grown).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

GIB = 1 << 30
MIB = 1 << 20


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss: int  # bytes

    def __str__(self) -> str:
        return (
            f"exit {self.returncode} after {self.seconds:.1f} s, peak RSS "
            f"{self.peak_rss / MIB:.0f} MiB\n{self.stderr[-3000:]}"
        )


def run_limited(
    cmd: Sequence[str], *, env: dict[str, str], timeout: float, address_space: int
) -> Finished:
    """Run ``cmd``; kill its process group and fail when it outlives ``timeout``."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            list(cmd), stdout=out, stderr=err, env=env, preexec_fn=limit, start_new_session=True
        )
        peak = 0
        while True:
            peak = max(peak, _high_water_mark(proc.pid))
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise AssertionError(f"{cmd[:3]} still running after {timeout} s: killed")
            time.sleep(0.02)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Finished(
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            peak,
        )


def _high_water_mark(pid: int) -> int:
    """Peak resident memory of a running process in bytes (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return 0
