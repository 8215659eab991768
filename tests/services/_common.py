"""Small helpers shared by the service starters: free ports, waiting, installing, users."""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = REPO / "scripts" / "install-services.sh"


class ServiceError(RuntimeError):
    """A test service could not be installed or started; the message says what to do."""


# Set by tests/conftest.py when only the fast tier runs (``-m "not server"``).
FAST_TIER = "CAMPAIGN_OPS_TEST_TIER"


def refuse_in_fast_tier(what: str) -> None:
    """Fail a test that starts ``what`` while only tests needing no server should run: it
    lacks the ``server`` marker (use a server fixture, or mark it), and would slow the fast tier."""
    if os.environ.get(FAST_TIER) == "fast":
        raise ServiceError(
            f"this test starts {what} but is not marked `server`: use the fixture that starts "
            "it (tests/conftest.py) or add @pytest.mark.server; `make test-fast` runs only "
            "tests that need no server"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    """True if a server could listen on ``port`` now (servers set SO_REUSEADDR, so connections
    of a previous run still in TIME_WAIT do not count)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise ServiceError(f"timed out after {timeout:.0f} s waiting for {what}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def ensure_installed(*paths: str | Path) -> None:
    """Run ``scripts/install-services.sh`` once if any of ``paths`` is missing."""
    if all(Path(p).exists() for p in paths):
        return
    missing = ", ".join(str(p) for p in paths if not Path(p).exists())
    result = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True)
    if result.returncode != 0 or not all(Path(p).exists() for p in paths):
        raise ServiceError(
            f"missing {missing}, and {INSTALL_SCRIPT.name} could not install it "
            f"(run it by hand as root):\n{result.stdout}{result.stderr}"
        )


def ensure_user(name: str) -> pwd.struct_passwd:
    """A system user without a home, created if missing (needs root)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    if os.geteuid() != 0:
        raise ServiceError(f"user {name!r} does not exist and only root can create it")
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(name)


def exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM (a CI timeout, ``kill``) into SystemExit so fixture finalizers and atexit
    handlers still stop the services; Python's default would die without running them."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
