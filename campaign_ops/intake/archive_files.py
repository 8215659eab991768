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
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from campaign_ops.settings import settings


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive_path(sha256: str, root: Path | None = None) -> Path:
    return Path(_archive_file(sha256, root))


def _archive_file(sha256: str, root: Path | str | None) -> str:
    """Where a content lives: a folder per first two hex digits, named by its hash (a str:
    archiving a table is a few system calls, and ``Path`` objects cost as much)."""
    return os.path.join(root or settings().archive_dir, sha256[:2], sha256)


def archive_bytes(
    data: bytes, sha256: str | None = None, root: Path | None = None, *, durable: bool = True
) -> Path:
    """Store ``data`` under its hash; returns the archive path. Safe to call repeatedly.

    ``durable=False`` skips the fsync of the file's bytes for a caller that archives a whole
    group and then calls ``flush_archive`` once for all of them, before it records anything
    about those files. Few system calls: the file is created read-only (its descriptor still
    writes) and its folder is made only when missing."""
    sha256 = sha256 or sha256_of(data)
    target = _archive_file(sha256, root)
    folder = os.path.dirname(target)
    try:
        if os.stat(target).st_size == len(data):
            return Path(target)
    except FileNotFoundError:
        pass
    # a name of our own (process and thread) instead of mkstemp's random retries; plain os
    # calls on str paths: Path objects and a buffered file object cost twice the writing
    tmp = os.path.join(folder, f".incoming-{sha256[:16]}-{os.getpid()}-{threading.get_ident()}")
    fd = _create_read_only(tmp)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return Path(target)


_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


def _create_read_only(tmp: str) -> int:
    """A new read-only file open for writing; its folder is made when missing, and a
    leftover of a writer that died (same name, so same process id and thread) is replaced."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        return os.open(tmp, flags, _READ_ONLY)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(tmp), exist_ok=True)
    except FileExistsError:
        os.unlink(tmp)
    return os.open(tmp, flags, _READ_ONLY)


def flush_archive(sha256s: Iterable[str], root: Path | str | None = None) -> None:
    """Make these archived contents durable: fsync each file, the folders that name them and
    the archive's root (which names the folders). Only the archive's files, never
    ``os.sync()``: that would flush every file of the machine. Each fsync waits for the disk
    to flush its cache, so they wait side by side and the disk serves them together (one
    after the other they cost a scan far more: bench/RESULTS.md, session 9)."""
    root = str(root or settings().archive_dir)
    files = sorted({_archive_file(sha256, root) for sha256 in sha256s})
    if not files:
        return
    with ThreadPoolExecutor(FLUSHING_AT_ONCE) as flushing:
        list(flushing.map(_fsync, files))
        list(flushing.map(_fsync, sorted({os.path.dirname(f) for f in files})))
    _fsync(root)


FLUSHING_AT_ONCE = 16  # fsyncs waiting on the disk at the same time


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
