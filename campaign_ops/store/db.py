"""Engines, sessions and schema upgrades for the warehouse.

The URL comes from ``CAMPAIGN_OPS_DATABASE_URL`` (SQLite under ``CAMPAIGN_OPS_HOME`` by
default). SQLite is set up to behave like a small server database: foreign keys on, WAL so
readers never wait for the writer, and ``BEGIN IMMEDIATE`` so concurrent writers queue up instead
of failing half-way through (pysqlite's own deferred BEGIN breaks both savepoints and
read-then-write transactions under concurrency). The price: an open transaction holds the write
lock until it ends, so keep sessions short, and read with ``session_scope(readonly=True)``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from campaign_ops.settings import settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30
MIGRATION_LOCK_KEY = 0x63616D70  # "camp": any constant shared by every process

_engines: dict[str, sa.Engine] = {}
_engines_lock = threading.Lock()


def database_url(url: str | None = None) -> str:
    return url or settings().database_url


def create_engine(url: str | None = None, **kwargs: Any) -> sa.Engine:
    """A new engine for ``url`` (default: settings), with the SQLite setup described above."""
    url = database_url(url)
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(url, **kwargs)
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_S)
    connect_args.setdefault("check_same_thread", False)
    engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
    _configure_sqlite(engine)
    return engine


def _use_wal(cursor: Any) -> None:
    """Switch a database file to WAL. On a new file several workers starting together may try
    at once, and SQLite answers "database is locked" at once instead of waiting its busy
    timeout: try again for a few seconds (once one has switched, the rest find WAL set)."""
    import sqlite3
    import time

    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _configure_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _use_wal(cursor)  # synchronous stays FULL: a mail ledger "sent" mark must survive a
        # power cut, or that email could go out twice
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def get_engine(url: str | None = None) -> sa.Engine:
    """The process-wide engine for ``url`` (default: settings), created on first use."""
    url = database_url(url)
    with _engines_lock:
        if url not in _engines:
            _engines[url] = create_engine(url)
        return _engines[url]


def dispose_engines() -> None:
    """Close every pooled connection (tests, and before forking)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def session_factory(bind: sa.Engine | str | None = None) -> sessionmaker[Session]:
    engine = bind if isinstance(bind, sa.Engine) else get_engine(bind)
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(
    bind: sa.Engine | str | None = None, *, readonly: bool = False
) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error. The repository functions never
    commit themselves, so a caller can group several of them atomically.

    ``readonly=True`` is for pages and reports: on SQLite it does not take the write lock
    (a plain transaction does, and holds it until it ends), and it always rolls back."""
    engine = bind if isinstance(bind, sa.Engine) else get_engine(bind)
    if readonly:
        engine = engine.execution_options(sqlite_begin="DEFERRED")
    with Session(engine, expire_on_commit=False) as session:
        if not readonly:
            with session.begin():
                yield session
            return
        try:
            yield session
        finally:
            session.rollback()


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration built in code: no ``alembic.ini`` to find. For the command line,
    ``python -m campaign_ops.store upgrade|current|revision -m MSG``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return config


def upgrade(bind: sa.Engine | str | None = None, revision: str = "head") -> None:
    """Bring the warehouse schema — every table and the analyst views — to ``revision``.

    Safe to call at every start and from several processes at once: one transaction, which on
    PostgreSQL first takes an advisory lock (SQLite's ``BEGIN IMMEDIATE`` already serializes);
    Alembic skips migrations already applied, and with none pending nothing is touched."""
    from alembic import command

    engine = bind if isinstance(bind, sa.Engine) else get_engine(bind)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
        config.attributes["connection"] = connection
        if _migrations_pending(connection, config, revision):
            command.upgrade(config, revision)


def _migrations_pending(connection: sa.Connection, config: Config, revision: str) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    targets = {s.revision for s in ScriptDirectory.from_config(config).get_revisions(revision)}
    return set(MigrationContext.configure(connection).get_current_heads()) != targets


def current_revision(bind: sa.Engine | str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = bind if isinstance(bind, sa.Engine) else get_engine(bind)
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def warehouse_available(url: str | None = None) -> bool:
    """Whether a migrated warehouse is there to read (``campaign-ops check`` works without
    one, and must not create one: a SQLite file that does not exist is not opened)."""
    url = database_url(url)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return False
    try:
        return current_revision(url) is not None
    except sa.exc.SQLAlchemyError:
        return False
