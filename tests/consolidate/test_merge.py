"""The merged tables: every seed campaign's forms, known figures in, plain sums out, with
missing and rejected units standing apart; identical on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.campaign import Campaign, get_campaign, load_campaigns
from campaign_ops.consolidate.dictionary import ALL_UNITS
from campaign_ops.consolidate.figures import round_data
from campaign_ops.consolidate.merge import MERGED_TABLES, refresh
from campaign_ops.forms.spec import load_form

from .helpers import city_cell, seed_round, unit_cell

SEEDS = sorted(c.id for c in load_campaigns() if isinstance(c, Campaign))


def first_round_with_forms(campaign: Campaign):
    return next(r for r in campaign.rounds if r.forms)


@pytest.mark.parametrize("campaign_id", SEEDS)
def test_report_rows_and_totals_equal_the_figures_put_in(
    warehouse_url: str, session: Session, campaign_id: str
):
    campaign = get_campaign(campaign_id)
    round_ = first_round_with_forms(campaign)
    played = seed_round(session, campaign, round_.id)
    session.commit()
    refresh(session, campaign)
    session.commit()

    data = round_data(session, campaign, round_.id)
    assert [f.form.id for f in data.forms] == round_.forms
    for figures in data.forms:
        form = load_form(figures.form.id)
        accepted = played.accepted[form.id]
        for unit in figures.units:
            if unit.code in played.missing:
                assert (unit.status, unit.status_label, unit.values) == ("missing", "未报送", {})
            elif unit.code in played.rejected:
                assert (unit.status, unit.status_label, unit.values) == ("rejected", "退回待改", {})
            else:
                expected_label = "逾期报送" if unit.code in played.late else "按时报送"
                assert unit.status_label == expected_label
                for col in figures.columns:
                    want = unit_cell(form, accepted[unit.code], col.cell)
                    assert unit.values.get(col.cell) == pytest.approx(want), (unit.code, col)
        for col in figures.columns:
            want = city_cell(form, accepted, col.cell)
            assert figures.totals.get(col.cell) == pytest.approx(want), col
        named = {u.code for u in figures.not_counted}
        assert named == played.missing | played.rejected


def test_to_date_and_changes_follow_the_cumulative_columns(warehouse_url: str, session: Session):
    """ankang-work-stats: 累计数 is cumulative (the latest counts), 本期数 is not (summed)."""
    campaign = get_campaign("ankang-2023-internet-ads")
    first = seed_round(session, campaign, "r1", seed=1)
    later = seed_round(session, campaign, "r3", seed=2)
    session.commit()
    refresh(session, campaign)
    session.commit()

    def figures(sql: str, **params) -> dict:
        rows = session.execute(sa.text(sql), {"c": campaign.id, "f": "ankang-work-stats", **params})
        return {tuple(r[:-1]): r[-1] for r in rows}

    to_date = figures(
        "SELECT unit_code, row_key, column_key, value FROM merged_to_date WHERE campaign_id = :c"
        " AND form_id = :f AND scope = 'campaign'"
    )
    r1 = first.accepted["ankang-work-stats"]
    r3 = later.accepted["ankang-work-stats"]
    for unit in set(r1) | set(r3):
        latest = r3.get(unit) or r1[unit]
        assert to_date[(unit, "interviews", "cumulative")] == latest["interviews"]["cumulative"]
        current = sum(v[unit]["interviews"]["current"] for v in (r1, r3) if unit in v)
        assert to_date[(unit, "interviews", "current")] == current
    everyone = sum((r3.get(u) or r1[u])["interviews"]["cumulative"] for u in set(r1) | set(r3))
    assert to_date[(ALL_UNITS, "interviews", "cumulative")] == everyone

    changes = figures(
        "SELECT unit_code, previous_value, value, change FROM merged_changes WHERE campaign_id = :c"
        " AND form_id = :f AND round_id = 'r3' AND row_key = 'materials'"
        " AND column_key = 'cumulative'"
    )
    for (unit, before, now), change in changes.items():
        if unit in r1 and unit in r3:
            assert before == r1[unit]["materials"]["cumulative"]
            assert change == now - before


def test_phase_totals_per_year_stage(warehouse_url: str, session: Session):
    """Maanshan counts per year stage (夯实基础年, 深入推进年): each stage has its own figures."""
    campaign = get_campaign("maanshan-2024-livestream")
    first = seed_round(session, campaign, "y2024", seed=3)
    second = seed_round(session, campaign, "h2025", seed=4)
    session.commit()
    refresh(session, campaign)
    session.commit()
    rows = session.execute(
        sa.text(
            "SELECT period_id, value FROM merged_to_date WHERE campaign_id = :c AND scope = 'phase'"
            " AND form_id = 'livestream-cases' AND unit_code = '*' AND row_key = 'total'"
            " AND column_key = 'filed'"
        ),
        {"c": campaign.id},
    ).all()
    form = load_form("livestream-cases")
    by_phase = dict(rows)
    assert by_phase["foundation"] == city_cell(
        form, first.accepted["livestream-cases"], ("total", "filed")
    )
    assert by_phase["deepen"] == city_cell(
        form, second.accepted["livestream-cases"], ("total", "filed")
    )
    data = round_data(session, campaign, "h2025")
    assert data.forms[0].previous_round == "y2024"


# two rounds of one campaign (changes, to date) and one of another (other forms)
CROSS_CHECK = {"ankang-2023-internet-ads": ("r1", "r3"), "fangxian-2023-livestream": ("r1",)}


def _dump(url: str) -> dict[str, list]:
    """Every merged row of the two campaigns, without database-assigned ids."""
    engine = sa.create_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in MERGED_TABLES:
            result = conn.execute(
                sa.text(f"SELECT * FROM {table} WHERE campaign_id IN (:a, :b)"),
                {"a": "ankang-2023-internet-ads", "b": "fangxian-2023-livestream"},
            )
            rows = [
                tuple(
                    round(v, 6) if isinstance(v, float) else v
                    for k, v in r._mapping.items()
                    if k not in ("submission_id", "submitted_at")
                )
                for r in result
            ]
            out[table] = sorted(rows, key=repr)
    engine.dispose()
    return out


def _play(url: str) -> dict[str, list]:
    from campaign_ops.store.db import create_engine

    engine = create_engine(url)
    with Session(engine) as session:
        for campaign_id, rounds in CROSS_CHECK.items():
            campaign = get_campaign(campaign_id)
            for i, round_id in enumerate(rounds):
                seed_round(session, campaign, round_id, seed=i)
            session.commit()
            refresh(session, campaign)
            session.commit()
    engine.dispose()
    return _dump(url)


def test_sqlite_and_postgresql_give_the_same_merged_tables(
    tmp_path: Path, _sqlite_template: Path, _postgres_warehouse: sa.Engine
):
    import shutil

    from campaign_ops.store.models import Base

    sqlite = tmp_path / "warehouse.sqlite"
    shutil.copyfile(_sqlite_template, sqlite)
    with _postgres_warehouse.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    postgres = _postgres_warehouse.url.render_as_string(hide_password=False)
    on_sqlite, on_postgres = _play(f"sqlite:///{sqlite}"), _play(postgres)
    assert on_sqlite["merged_values"], "nothing was merged"
    for table in MERGED_TABLES:
        assert on_sqlite[table] == on_postgres[table], table


def test_analyst_views_carry_the_chinese_labels(warehouse_url: str, session: Session):
    campaign = get_campaign("huangshan-2024-network-market")
    played = seed_round(session, campaign, "r1")
    session.commit()
    refresh(session, campaign)
    session.commit()
    row = session.execute(
        sa.text(
            "SELECT form_title, row_label, column_label, group_label, unit, units_counted"
            " FROM v_merged_round_totals WHERE campaign_id = :c AND row_key = 'total'"
            " AND column_key = 'cases_filed'"
        ),
        {"c": campaign.id},
    ).one()
    assert tuple(row) == ("2024网络市场监管专项行动情况统计表", "合计", "立案", "案件查处", "件", 5)
    names = session.execute(
        sa.text("SELECT DISTINCT unit_name FROM v_merged_values WHERE campaign_id = :c"),
        {"c": campaign.id},
    ).scalars()
    accepted = played.accepted["huangshan-network-market"]
    assert set(names) == {campaign.unit(code).name for code in accepted}


def test_a_refresh_only_fills_tables(warehouse: sa.Engine, session: Session):
    """The migrations own the tables and views: a refresh (every consolidate task) creates,
    drops or alters nothing, so readers of the views never wait on it."""
    campaign = get_campaign("huangshan-2024-network-market")
    seed_round(session, campaign, "r1")
    session.commit()
    run: list[str] = []

    def record(_conn, _cursor, statement: str, *_args) -> None:
        code = [line for line in statement.splitlines() if not line.lstrip().startswith("--")]
        run.append("\n".join(code).lstrip().upper())

    sa.event.listen(warehouse, "before_cursor_execute", record)
    refresh(session, campaign)
    session.commit()
    sa.event.remove(warehouse, "before_cursor_execute", record)
    assert any(s.startswith("INSERT INTO MERGED_VALUES") for s in run)
    assert [s for s in run if s.startswith(("CREATE", "DROP", "ALTER"))] == []
