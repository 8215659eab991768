"""Every received file is archived once by content, and every sighting of it is remembered."""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.store import known_content, record_file, sightings
from campaign_ops.store.archive import archived_file
from campaign_ops.store.models import ArchivedFile, FileSighting

SHA_A = hashlib.sha256(b"first version").hexdigest()
SHA_B = hashlib.sha256(b"second version").hexdigest()
MTIME = dt.datetime(2023, 5, 9, 1, 2, 3, 456789, tzinfo=dt.UTC)
LATER = dt.datetime(2023, 5, 9, 6, 0, tzinfo=dt.UTC)


def _count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_same_file_seen_twice_is_archived_once(session: Session) -> None:
    path = "汉滨区局/工作情况统计表.xlsx"
    first = record_file(session, sha256=SHA_A, source="ankang", path=path, size=13, mtime=MTIME)
    again = record_file(
        session, sha256=SHA_A, source="ankang", path=path, size=13, mtime=MTIME, seen_at=LATER
    )
    session.commit()

    assert (first.new_content, first.new_sighting) == (True, True)
    assert (again.new_content, again.new_sighting) == (False, False)
    assert _count(session, ArchivedFile) == 1
    [sighting] = sightings(session, SHA_A)
    assert sighting.times_seen == 2
    assert sighting.last_seen_at == LATER
    assert archived_file(session, SHA_A).original_name == "工作情况统计表.xlsx"


def test_same_content_under_another_name_is_recognised(session: Session) -> None:
    record_file(session, sha256=SHA_A, source="ankang", path="汉滨区局/统计表.xlsx", size=13)
    copy = record_file(
        session, sha256=SHA_A, source="ankang", path="汉滨区局/统计表(1).xlsx", size=13
    )
    session.commit()

    assert copy.new_content is False and copy.new_sighting is True
    assert [s.path for s in sightings(session, SHA_A)] == [
        "汉滨区局/统计表.xlsx",
        "汉滨区局/统计表(1).xlsx",
    ]
    # the archive keeps the name it was first received under
    assert archived_file(session, SHA_A).original_path == "汉滨区局/统计表.xlsx"


def test_a_file_overwritten_in_place_is_new_content(session: Session) -> None:
    path = "hanbin/stats.xlsx"
    record_file(session, sha256=SHA_A, source="ankang", path=path, size=13, mtime=MTIME)
    changed = record_file(session, sha256=SHA_B, source="ankang", path=path, size=14, mtime=LATER)
    session.commit()

    assert changed.new_content is True
    assert _count(session, ArchivedFile) == 2
    assert _count(session, FileSighting) == 2


def test_known_content_lets_a_scan_skip_hashing_unchanged_files(session: Session) -> None:
    path = "hanbin/stats.xlsx"
    record_file(session, sha256=SHA_A, source="ankang", path=path, size=13, mtime=MTIME)
    session.commit()

    assert known_content(session, source="ankang", path=path, size=13, mtime=MTIME) == SHA_A
    assert known_content(session, source="ankang", path=path, size=13, mtime=LATER) is None
    assert known_content(session, source="ankang", path=path, size=99, mtime=MTIME) is None
    assert known_content(session, source="other", path=path, size=13, mtime=MTIME) is None
    assert known_content(session, source="ankang", path=path, size=13, mtime=None) is None
