"""The archive keeps every received file, once, read-only."""

from __future__ import annotations

import stat
from pathlib import Path

from campaign_ops.intake.archive_files import archive_bytes, archive_path, sha256_of


def test_archived_file_is_read_only_and_written_once(tmp_path: Path) -> None:
    data = "第一季度统计表".encode()
    first = archive_bytes(data, root=tmp_path)
    inode = first.stat().st_ino
    again = archive_bytes(data, root=tmp_path)
    assert first == again == archive_path(sha256_of(data), tmp_path)
    assert first.read_bytes() == data
    assert first.stat().st_ino == inode  # the second call left the file alone
    assert not first.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no temporary left over


def test_a_dead_writers_leftover_does_not_block_archiving(tmp_path: Path) -> None:
    import os
    import threading

    data = b"leftover"
    sha = sha256_of(data)
    target = archive_path(sha, tmp_path)
    target.parent.mkdir(parents=True)
    leftover = target.parent / f".incoming-{sha[:16]}-{os.getpid()}-{threading.get_ident()}"
    leftover.write_bytes(b"half")
    leftover.chmod(0o444)
    assert archive_bytes(data, sha, tmp_path).read_bytes() == data
    assert not leftover.exists()
