"""Merge + report for one round of 3,000 units, as a ratio to a pandas groupby of the same
figures, measured in the same run.

The warehouse (SQLite, as ``make demo`` uses) holds one accepted table per unit of
``livestream-cases`` (10 rows × 7 numbers), a few rejected and missing. Timed:

- merge: ``consolidate.merge.refresh`` (every SQL file of include/sql/merge, the dictionary
  and the reporting rates from campaign_ops.status);
- report: reading the round back and writing the .xlsx (form sheet, status sheet, charts);
- baseline: reading the same accepted cells into pandas and two groupbys (each unit's 合计,
  and the totals over units) — the least an analyst's notebook would do.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

UNITS = 3000
FORM = "livestream-cases"
REPEATS = 3


def seed(campaign, session) -> int:
    """Bulk-insert what intake would have stored: accepted, rejected (1 in 50), missing
    (1 in 20). Returns the number of cells."""
    import sqlalchemy as sa

    from campaign_ops.consolidate.seeding import known_values
    from campaign_ops.store import sync_campaign
    from campaign_ops.store.models import ArchivedFile, Submission, SubmittedValue

    sync_campaign(session, campaign)
    round_ = campaign.rounds[0]
    received = dt.datetime.combine(round_.deadline, dt.time(9), tzinfo=dt.UTC)
    files, subs, cells = [], [], []
    for i, unit in enumerate(campaign.units, start=1):
        if i % 20 == 0:
            continue
        sha = f"{i:064x}"
        files.append({"sha256": sha, "size": 1, "original_path": sha, "original_name": f"{i}.xlsx"})
        status = "rejected" if i % 50 == 0 else "accepted"
        subs.append(
            {
                "id": i,
                "campaign_id": campaign.id,
                "round_id": round_.id,
                "unit_code": unit.code,
                "deliverable_key": FORM,
                "version": 1,
                "sha256": sha,
                "status": status,
                "received_at": received,
                "on_time": True,
                "identified_by": "metadata",
            }
        )
        if status == "accepted":
            for row, line in known_values(FORM, i).items():
                for col, value in line.items():
                    cells.append(
                        {"submission_id": i, "row_key": row, "column_key": col, "value": value}
                    )
    session.execute(sa.insert(ArchivedFile), files)
    session.execute(sa.insert(Submission), subs)
    session.execute(sa.insert(SubmittedValue.__table__), cells)
    return len(cells)


def baseline(engine, campaign_id: str) -> float:
    import pandas as pd

    t0 = time.perf_counter()
    frame = pd.read_sql(
        "SELECT s.unit_code, v.row_key, v.column_key, v.value FROM submitted_values v"
        " JOIN submissions s ON s.id = v.submission_id"
        f" WHERE s.status = 'accepted' AND s.campaign_id = '{campaign_id}'",
        engine,
    )
    per_unit = frame.groupby(["unit_code", "column_key"])["value"].sum(min_count=1)
    per_row = frame.groupby(["row_key", "column_key"])["value"].sum(min_count=1)
    per_unit.groupby(level="column_key").sum(min_count=1)
    assert len(per_row)
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        os.environ["CAMPAIGN_OPS_HOME"] = str(tmp_path / "state")
        os.environ["CAMPAIGN_OPS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
        from campaign_ops.synthetic import campaign_dict, write_campaign

        campaigns = tmp_path / "campaigns"
        write_campaign(
            campaigns, campaign_dict("bench-consolidate", units=UNITS, rounds=1, forms=(FORM,))
        )
        os.environ["CAMPAIGN_OPS_CAMPAIGNS_DIR"] = str(campaigns)

        from campaign_ops.campaign import get_campaign
        from campaign_ops.consolidate.figures import round_data
        from campaign_ops.consolidate.merge import refresh
        from campaign_ops.consolidate.report import write_report
        from campaign_ops.store import get_engine, session_scope, upgrade

        campaign = get_campaign("bench-consolidate")
        upgrade()
        with session_scope() as s:
            n_cells = seed(campaign, s)
        round_id = campaign.rounds[0].id

        merges, reports, bases, steps = [], [], [], []
        for i in range(REPEATS):
            bases.append(baseline(get_engine(), campaign.id))
            t0 = time.perf_counter()
            with session_scope() as s:
                steps.append(refresh(s, campaign).seconds)
            merges.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with session_scope() as s:
                data = round_data(s, campaign, round_id)
            write_report(data, tmp_path / f"report{i}.xlsx")
            reports.append(time.perf_counter() - t0)

    base, merge, report = (statistics.median(x) for x in (bases, merges, reports))
    print(f"{UNITS} units, {n_cells} accepted cells, SQLite, median of {REPEATS}")
    print(f"pandas read + groupby (baseline): {base * 1000:8.0f} ms")
    print(
        f"merge (include/sql/merge):        {merge * 1000:8.0f} ms  {merge / base:5.1f}× baseline"
    )
    print(
        f"report (.xlsx):                   {report * 1000:8.0f} ms  {report / base:5.1f}× baseline"
    )
    for step in steps[0]:
        median = statistics.median(x[step] for x in steps)
        print(f"    {step:<34} {median * 1000:8.0f} ms")
    round_only = sum(
        statistics.median(x[f] for x in steps)
        for f in ("10_merged_units.sql", "20_merged_values.sql", "30_merged_round_totals.sql")
    )
    ratio = (round_only + report) / base
    print(f"ratio, the round's tables (units, values, 合计) + report: {ratio:.1f}×")
    print(f"ratio, merge + report: {(merge + report) / base:.1f}× the pandas groupby")


if __name__ == "__main__":
    main()
