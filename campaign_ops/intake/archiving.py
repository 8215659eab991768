"""The archive's bytes: every received file, stored once under its sha256, never changed.

Writing is atomic (a temporary file renamed into place) and idempotent (content already there
is left alone), so a retried task or a second worker cannot corrupt or duplicate it. Files are
made read-only; nothing in campaign-ops deletes from the archive.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import threading
from pathlib import Path

from campaign_ops.settings import settings


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive_path(sha256: str, root: Path | None = None) -> Path:
    root = Path(root or settings().archive_dir)
    return root / sha256[:2] / sha256


def archive_bytes(
    data: bytes, sha256: str | None = None, root: Path | None = None, *, durable: bool = True
) -> Path:
    """Store ``data`` under its hash; returns the archive path. Safe to call repeatedly.

    ``durable=False`` skips the per-file fsync for a caller that archives a whole batch and
    then calls ``flush_archive()`` once, before it records anything about those files.
    Few system calls: the file is created read-only (its descriptor still writes) and its
    folder is made only when missing."""
    sha256 = sha256 or sha256_of(data)
    target = archive_path(sha256, root)
    try:
        if os.stat(target).st_size == len(data):
            return target
    except FileNotFoundError:
        pass
    # a name of our own (process and thread) instead of mkstemp's random retries
    tmp = target.parent / f".incoming-{sha256[:16]}-{os.getpid()}-{threading.get_ident()}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        fd = os.open(tmp, flags, _READ_ONLY)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, _READ_ONLY)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


def flush_archive() -> None:
    """Make every archived file of this batch durable (one sync instead of one per file)."""
    os.sync()
