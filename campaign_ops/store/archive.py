"""The record of every file we received: content by sha256, and every place we saw it.

The bytes themselves are copied by intake to ``<archive_dir>/<sha[:2]>/<sha>``; this module keeps
the facts about them, so "have we seen this content before?" is one indexed lookup.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.store._sql import upsert_insert
from campaign_ops.store.models import ArchivedFile, FileSighting, utcnow


@dataclass(frozen=True)
class FileRecord:
    sha256: str
    new_content: bool  # this sha256 was never archived before
    new_sighting: bool  # this (source, path) never held this content before


def record_file(
    session: Session,
    *,
    sha256: str,
    source: str,
    path: str,
    size: int,
    mtime: dt.datetime | None = None,
    seen_at: dt.datetime | None = None,
) -> FileRecord:
    """Archive a file's facts (first time only) and note where it was seen.

    ``source`` says where ``path`` lives (the campaign id or share), so the same relative path
    in two drop zones is not confused. Calling this again for the same file is harmless: the
    archive row is never changed and the sighting only gets a later ``last_seen_at``."""
    fact = _fact(sha256, source, path, size, mtime, seen_at or utcnow())
    archived = session.execute(_archive_insert(session), fact)
    times_seen = session.execute(
        _sighting_upsert(session).returning(FileSighting.times_seen), fact
    ).scalar_one()
    return FileRecord(sha256, new_content=archived.rowcount == 1, new_sighting=times_seen == 1)


def record_files(session: Session, files: list[dict[str, Any]], seen_at: dt.datetime) -> None:
    """``record_file`` for a whole scan batch in two statements. Each item has ``sha256``,
    ``source``, ``path``, ``size`` and ``mtime``; the same content or path may repeat."""
    if not files:
        return
    facts = [
        _fact(f["sha256"], f["source"], f["path"], f["size"], f["mtime"], seen_at) for f in files
    ]
    first = {f["sha256"]: f for f in reversed(facts)}  # the first sighting names the content
    session.execute(_archive_insert(session), list(first.values()))
    once = {(f["source"], f["path"], f["sha256"]): f for f in facts}
    session.execute(_sighting_upsert(session), list(once.values()))


def _fact(
    sha256: str, source: str, path: str, size: int, mtime: dt.datetime | None, seen_at: dt.datetime
) -> dict[str, Any]:
    return {
        "sha256": sha256,
        "source": source,
        "path": path,
        "size": size,
        "mtime": mtime,
        "original_path": path,
        "original_name": PurePath(path.replace("\\", "/")).name,
        "first_seen_at": seen_at,
        "last_seen_at": seen_at,
        "times_seen": 1,
    }


def _archive_insert(session: Session) -> Any:
    """The content row, written by the first sighting and never changed."""
    table = ArchivedFile.__table__
    stmt = upsert_insert(session, table).values(
        {c: sa.bindparam(c) for c in ("sha256", "size", "original_path", "original_name")}
        | {"mtime": sa.bindparam("mtime"), "first_seen_at": sa.bindparam("first_seen_at")}
    )
    return stmt.on_conflict_do_nothing(index_elements=["sha256"])


def _sighting_upsert(session: Session) -> Any:
    """A path seen holding a content: inserted once, then only its last sighting moves."""
    columns = ("source", "path", "sha256", "size", "mtime", "first_seen_at", "last_seen_at")
    stmt = upsert_insert(session, FileSighting.__table__).values(
        {c: sa.bindparam(c) for c in columns} | {"times_seen": 1}
    )
    return stmt.on_conflict_do_update(
        index_elements=["source", "path", "sha256"],
        set_={
            "last_seen_at": stmt.excluded.last_seen_at,
            "mtime": stmt.excluded.mtime,
            "times_seen": FileSighting.__table__.c.times_seen + 1,
        },
    )


def archived_file(session: Session, sha256: str) -> ArchivedFile | None:
    return session.get(ArchivedFile, sha256)


def known_content(
    session: Session, *, source: str, path: str, size: int, mtime: dt.datetime | None
) -> str | None:
    """The sha256 last seen at this path if size and mtime are unchanged, else None.

    Lets a scan skip re-hashing files it has already archived; a changed size or mtime
    (or a missing mtime) always means "hash it again"."""
    if mtime is None:
        return None
    return session.scalars(
        sa.select(FileSighting.sha256)
        .where(
            FileSighting.source == source,
            FileSighting.path == path,
            FileSighting.size == size,
            FileSighting.mtime == mtime,
        )
        .order_by(FileSighting.last_seen_at.desc())
        .limit(1)
    ).first()


def sightings(session: Session, sha256: str) -> list[FileSighting]:
    """Every (source, path) where this content was seen, oldest first."""
    return list(
        session.scalars(
            sa.select(FileSighting)
            .where(FileSighting.sha256 == sha256)
            .order_by(FileSighting.first_seen_at, FileSighting.id)
        )
    )
