"""Archived files are made durable one by one, with their folders: never by flushing the
whole machine (``os.sync()``), which waits for every other program's writes too."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from campaign_ops.campaign import get_campaign
from campaign_ops.intake import pipeline
from campaign_ops.intake.archive_files import archive_bytes, archive_path, flush_archive, sha256_of
from campaign_ops.synthetic import write_submission


@pytest.fixture
def fsynced(monkeypatch) -> list[str]:
    """What this process fsyncs, by path (in order); ``os.sync`` fails the test."""
    seen: list[str] = []
    fsync = os.fsync

    def spying(fd: int) -> None:
        seen.append(os.readlink(f"/proc/self/fd/{fd}"))
        fsync(fd)

    def no_sync() -> None:
        raise AssertionError("os.sync() flushes every file of the machine")

    monkeypatch.setattr(os, "fsync", spying)
    monkeypatch.setattr(os, "sync", no_sync)
    return seen


def test_a_file_alone_is_fsynced_before_its_rename_and_a_group_when_flushed(tmp_path, fsynced):
    first, second = "第一季度".encode(), "第二季度".encode()
    paths = [archive_bytes(data, root=tmp_path) for data in (first, second)]
    # each file's bytes, under its temporary name, before it is renamed into place
    assert len(fsynced) == 2
    for path, synced in zip(paths, fsynced, strict=True):
        assert Path(synced).parent == path.parent and ".incoming-" in Path(synced).name
    fsynced.clear()
    archive_bytes(first, root=tmp_path)  # already there: nothing to write
    assert fsynced == []
    flush_archive([sha256_of(first), sha256_of(second), sha256_of(first)], tmp_path)
    folders = {str(p.parent) for p in paths}
    assert sorted(fsynced) == sorted({*map(str, paths), *folders, str(tmp_path)})
    assert fsynced[-1] == str(tmp_path)  # the root, which names the folders, last


def test_a_scan_makes_what_it_archived_durable_before_recording_it(
    tmp_path, monkeypatch, warehouse_url, fsynced
):
    import sqlalchemy as sa

    from campaign_ops.intake.sources import FolderSource

    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("CAMPAIGN_OPS_PARSE_WORKERS", "1")  # parse here, where fsync is seen
    c = get_campaign("fangxian-2023-livestream")
    first = c.rounds[0]
    drop = tmp_path / "incoming"
    for unit in c.units_for(first)[:3]:
        write_submission(c, first.id, unit.code, first.forms[0], drop / unit.short_name / "表.xlsx")
    old = (dt.datetime.now() - dt.timedelta(hours=2)).timestamp()
    for p in drop.rglob("*.xlsx"):
        os.utime(p, (old, old))

    recorded_after: list[int] = []
    store_all = pipeline.store_all

    def storing(*args, **kwargs):
        recorded_after.append(len(fsynced))
        return store_all(*args, **kwargs)

    monkeypatch.setattr(pipeline, "store_all", storing)
    source = FolderSource(drop)
    now = dt.datetime.now(dt.UTC)
    todo, _ = pipeline.pending(c, source, now)
    outcomes = pipeline.process(c, source, todo, now)

    assert len(outcomes) == 3 and recorded_after
    before_recording = fsynced[: recorded_after[0]]
    archive = archive_path(sha256_of(b""), None).parent.parent
    for p in drop.rglob("*.xlsx"):
        kept = archive_path(sha256_of(p.read_bytes()))
        assert str(kept) in before_recording and str(kept.parent) in before_recording
    assert str(archive) in before_recording
    with sa.create_engine(warehouse_url).connect() as conn:
        assert conn.execute(sa.text("select count(*) from submissions")).scalar() == 3
