"""The migrations build exactly the schema in models.py, and upgrading is safe to repeat."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from campaign_ops.store.db import alembic_config, current_revision, upgrade
from campaign_ops.store.models import Base


def test_migrated_schema_matches_models(warehouse: sa.Engine) -> None:
    with warehouse.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    hint = "models.py changed without a migration: python -m campaign_ops.store revision -m …"
    assert diff == [], hint


def test_upgrade_twice_is_harmless_and_reaches_head(warehouse: sa.Engine) -> None:
    upgrade(warehouse)
    upgrade(warehouse)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(warehouse) == head


def test_analyst_views_exist(warehouse: sa.Engine) -> None:
    views = set(sa.inspect(warehouse).get_view_names())
    assert {"v_submissions", "v_accepted_values"} <= views
