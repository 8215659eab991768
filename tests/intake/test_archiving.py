"""The archive keeps every received file, once, read-only, even when written off-thread."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from campaign_ops.intake.archiving import ArchiveWriter, archive_bytes, archive_path, sha256_of


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


def test_writer_has_every_file_on_disk_when_the_block_ends(tmp_path: Path) -> None:
    contents = [f"县局{i}".encode() * (i + 1) for i in range(ArchiveWriter.MAX_PENDING * 3)]
    with ArchiveWriter(tmp_path) as archive:
        for data in contents:
            archive.put(data, sha256_of(data))
    for data in contents:
        assert archive_path(sha256_of(data), tmp_path).read_bytes() == data


def test_writer_reports_a_failed_write_when_closing(tmp_path: Path) -> None:
    blocker = tmp_path / "archive"
    blocker.write_text("一个文件挡住了归档目录")  # the archive's folders cannot be made
    archive = ArchiveWriter(blocker)
    archive.put(b"x", sha256_of(b"x"))
    with pytest.raises(OSError):
        archive.close()
