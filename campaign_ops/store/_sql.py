"""Dialect-specific INSERT … ON CONFLICT, the one piece of SQL that differs between backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert_insert(session: Session, model: Any) -> Any:
    """``insert(model)`` with ``on_conflict_do_nothing/do_update`` for the session's database."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"the warehouse supports SQLite and PostgreSQL, not {name}")
