"""Engines and sessions from settings, time zones, and the command-line entry point."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from campaign_ops.store import MailKey, ledger_entry, reserve, session_scope
from campaign_ops.store.__main__ import main as store_cli
from campaign_ops.store.db import alembic_config, current_revision, dispose_engines


def test_session_scope_uses_the_configured_database_and_commits(warehouse_url: str) -> None:
    key = MailKey("c", "report", "ops", "2023-05-11")
    with session_scope() as s:  # no URL: CAMPAIGN_OPS_DATABASE_URL, set by the fixture
        reserve(s, key)
    with session_scope(warehouse_url) as s:
        assert ledger_entry(s, key) is not None


def test_session_scope_rolls_back_on_error(warehouse_url: str) -> None:
    key = MailKey("c", "report", "ops", "2023-05-11")
    with pytest.raises(RuntimeError), session_scope() as s:
        reserve(s, key)
        raise RuntimeError("task failed half-way")
    with session_scope() as s:
        assert ledger_entry(s, key) is None


def test_naive_datetimes_are_refused_rather_than_guessed(warehouse_url: str) -> None:
    naive = MailKey("c", "reminder", "hanbin", dt.datetime(2023, 5, 7, 9, 0))
    with pytest.raises(ValueError, match="naive"), session_scope() as s:
        reserve(s, naive)


def test_timestamps_come_back_aware_in_utc(warehouse_url: str) -> None:
    key = MailKey("c", "report", "ops", "2023-05-11")
    with session_scope() as s:
        reserve(s, key)
    with session_scope() as s:
        created = ledger_entry(s, key).created_at
    assert created.tzinfo is dt.UTC
    assert abs(dt.datetime.now(dt.UTC) - created) < dt.timedelta(minutes=1)


def test_one_moment_in_any_time_zone_is_one_stored_value(warehouse_url: str) -> None:
    """The same moment handed in Beijing time and in UTC is stored once as UTC and found by
    either; on SQLite the stored text is the one SQLAlchemy's own ``DateTime`` writes, so rows
    written before and after compare and sort alike in SQL."""
    from campaign_ops.store.models import UTCDateTime

    beijing = dt.timezone(dt.timedelta(hours=8), "CST")
    moment = dt.datetime(2024, 3, 20, 9, 0, 0, 250, tzinfo=dt.UTC)
    times = sa.Table("moments", sa.MetaData(), sa.Column("at", UTCDateTime), prefixes=["TEMPORARY"])
    engine = sa.create_engine(warehouse_url)
    with engine.begin() as conn:
        times.create(conn)
        conn.execute(times.insert(), [{"at": moment}, {"at": moment.astimezone(beijing)}])
        found = conn.scalars(sa.select(times.c.at).where(times.c.at == moment)).all()
        assert found == [moment, moment] and all(t.tzinfo is dt.UTC for t in found)
        if engine.dialect.name == "sqlite":
            stored = conn.scalars(sa.text("SELECT at FROM moments")).all()
            written = sa.DateTime().dialect_impl(engine.dialect).bind_processor(engine.dialect)
            assert stored == [written(moment.replace(tzinfo=None))] * 2
            assert stored[0] == "2024-03-20 09:00:00.000250"
    engine.dispose()


def test_command_line_upgrade_creates_a_fresh_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'warehouse.sqlite'}"
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", url)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert store_cli(["upgrade"]) == 0
    assert f"warehouse at {head}" in capsys.readouterr().out
    assert current_revision(url) == head
    assert "submissions" in sa.inspect(sa.create_engine(url)).get_table_names()
    dispose_engines()


@pytest.mark.timeout(60)
def test_an_open_read_only_session_does_not_block_writers(warehouse_url: str) -> None:
    key = MailKey("c", "report", "ops", "2023-05-11")
    with session_scope(readonly=True) as reader:
        assert ledger_entry(reader, key) is None  # its transaction stays open meanwhile
        with session_scope() as writer:
            reserve(writer, key)
        reader.rollback()
        assert ledger_entry(reader, key) is not None


def test_a_read_only_session_never_commits(warehouse_url: str) -> None:
    key = MailKey("c", "report", "ops", "2023-05-11")
    with session_scope(readonly=True) as s:
        reserve(s, key)
    with session_scope(readonly=True) as s:
        assert ledger_entry(s, key) is None
