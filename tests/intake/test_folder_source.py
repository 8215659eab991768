"""What a drop zone folder shows intake: every file a unit put there, nothing else."""

from __future__ import annotations

import os
from pathlib import Path

from campaign_ops.intake.sources import FolderSource


def test_a_folder_lists_units_files_with_readable_relative_paths(tmp_path: Path) -> None:
    zone = tmp_path / "报送"
    (zone / "汉滨区局" / "第一轮").mkdir(parents=True)
    (zone / "汉滨区局" / "第一轮" / "统计表.xlsx").write_bytes(b"a")
    (zone / "汉滨区局" / "总结.docx").write_bytes(b"bb")
    (zone / "汉滨区局" / "~$统计表.xlsx").write_bytes(b"lock")  # Excel's lock file
    (zone / "汉滨区局" / "Thumbs.db").write_bytes(b"x")
    (zone / "石泉县局").mkdir()
    # a name made on Chinese Windows and unpacked on Linux: GBK bytes, not UTF-8
    gbk = os.fsencode(zone / "石泉县局") + b"/" + "典型案例.pdf".encode("gbk")
    with open(gbk, "wb") as fh:
        fh.write(b"ccc")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "别人的.xlsx").write_bytes(b"d")
    (zone / "链接").symlink_to(tmp_path / "elsewhere", target_is_directory=True)

    source = FolderSource(zone)
    entries = list(source.entries())

    assert [(e.path, e.size) for e in entries] == [
        ("汉滨区局/总结.docx", 2),
        ("汉滨区局/第一轮/统计表.xlsx", 1),
        ("石泉县局/典型案例.pdf", 3),
    ]
    assert all(e.mtime.tzinfo is not None for e in entries)
    assert source.read(entries[-1]) == b"ccc"  # the decoded name still finds the file


def test_a_missing_folder_lists_nothing(tmp_path: Path) -> None:
    assert list(FolderSource(tmp_path / "尚未创建").entries()) == []
