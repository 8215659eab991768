"""Run a command under a memory limit and a timeout, and measure what it really used.

``RLIMIT_AS`` makes an unbounded allocation fail inside the child (MemoryError) instead of
swapping the machine; ``wait4`` gives that child's own peak RSS (``RUSAGE_CHILDREN`` would
mix in every other child the test session ever waited for).
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
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise AssertionError(f"{cmd[:3]} still running after {timeout} s: killed")
            time.sleep(0.05)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Finished(
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            usage.ru_maxrss * 1024,  # Linux reports KiB
        )
