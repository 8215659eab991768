"""Per-form wide views, generated from a form's column keys.

The analyst views whose SQL is fixed (``v_submissions``, ``v_accepted_values``,
``v_merged_values``, ``v_merged_round_totals``) belong to the migrations (``0005``): they are
created once with the schema, not at every start. A wide view follows a form spec, which changes
with the YAML and not with the schema, so it is made here by whoever owns the form specs, after
``upgrade()``; calling it again replaces it. Wide views read ``v_accepted_values``: a migration
that drops it on PostgreSQL drops them too (create them again after such an ``upgrade()``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import sqlalchemy as sa

# The analysts' v_accepted_values (migration 0005), for queries: the columns wide views pivot
# and intake reads (numbers as floats, as the table they come from gives them)
ACCEPTED_VALUES = sa.table(
    "v_accepted_values",
    *map(sa.column, ("campaign_id", "round_id", "unit_code", "unit_name", "unit_position")),
    *map(sa.column, ("deliverable_key", "submission_id", "row_key", "column_key", "text")),
    sa.column("value", sa.Numeric(asdecimal=False)),
)


@contextmanager
def _transaction(bind: sa.Engine | sa.Connection) -> Iterator[sa.Connection]:
    """The caller's connection (and its transaction) as is, or a new transaction."""
    if isinstance(bind, sa.Connection):
        yield bind
    else:
        with bind.begin() as connection:
            yield connection


def create_wide_view(
    bind: sa.Engine | sa.Connection,
    view_name: str,
    form_id: str,
    columns: Sequence[str] | Mapping[str, str],
    *,
    include_text: bool = False,
) -> None:
    """A view with one row per (campaign, round, unit, row_key) of a form's accepted versions
    and one column per ``column_key``.

    ``columns`` lists the column keys, or maps column key → SQL column name. Numbers are shown;
    with ``include_text`` a ``<name>_text`` column keeps what was written where no number was."""
    mapping = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    a = ACCEPTED_VALUES.c
    picked = []
    for key, name in mapping.items():
        picked.append(sa.func.max(sa.case((a.column_key == key, a.value))).label(name))
        if include_text:
            picked.append(sa.func.max(sa.case((a.column_key == key, a.text))).label(f"{name}_text"))
    keys = [a.campaign_id, a.round_id, a.unit_code, a.unit_name, a.unit_position, a.row_key]
    query = sa.select(*keys, *picked).where(a.deliverable_key == form_id).group_by(*keys)
    sql = str(query.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))
    quoted = bind.dialect.identifier_preparer.quote(view_name)
    with _transaction(bind) as connection:
        _replace_view(connection, view_name, f"CREATE VIEW {quoted} AS {sql}")


def _replace_view(connection: sa.Connection, name: str, create_sql: str) -> None:
    """PostgreSQL: CREATE OR REPLACE keeps the views built on this one; SQLite: drop and
    create (SQLite does not check dependent views)."""
    quoted = connection.dialect.identifier_preparer.quote(name)
    if connection.dialect.name == "postgresql":
        try:
            with connection.begin_nested():
                connection.exec_driver_sql(
                    create_sql.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1)
                )
            return
        except sa.exc.DBAPIError:
            pass  # its columns changed: replace it the hard way (fails if other views use it)
    connection.exec_driver_sql(f"DROP VIEW IF EXISTS {quoted}")
    connection.exec_driver_sql(create_sql)
