"""A cumulative figure may not shrink from one round to the next: intake compares each table
with the same unit's accepted table of the previous round."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from campaign_ops.campaign import load_campaign_file
from campaign_ops.intake import pipeline
from campaign_ops.intake.sources import FolderSource
from campaign_ops.synthetic import campaign_dict, write_campaign, write_submission

FORM = "ankang-work-stats"  # fixed rows, cumulative columns


def _scan(campaign, drop: Path) -> dict[str, pipeline.FileOutcome]:
    old = (dt.datetime.now() - dt.timedelta(hours=2)).timestamp()
    for p in drop.rglob("*.xlsx"):
        os.utime(p, (old, old))
    source = FolderSource(drop)
    now = dt.datetime.now(dt.UTC)
    todo, _ = pipeline.pending(campaign, source, now)
    return {o.unit: o for o in pipeline.process(campaign, source, todo, now)}


def test_a_cumulative_figure_below_last_round_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse_url: str
) -> None:
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    c = load_campaign_file(
        write_campaign(tmp_path, campaign_dict("cross-round", units=3, rounds=2, forms=(FORM,)))
    )
    shrinking, growing, newcomer = (u.code for u in c.units)
    drop = tmp_path / "incoming"

    def table(round_id: str, unit: str, seed: int, previous: dict | None = None, to=drop):
        dest = to / round_id / c.unit(unit).short_name / "工作统计表.xlsx"
        return write_submission(c, round_id, unit, FORM, dest, seed=seed, previous=previous)[1]

    # the shrinking unit's second table holds less than its first: its values come first,
    # then the first table is grown from them
    later = table("r2", shrinking, seed=2, to=tmp_path / "not-yet")
    table("r1", shrinking, seed=3, previous=later)
    earlier = table("r1", growing, seed=4)
    first = _scan(c, drop)
    assert {u: o.outcome for u, o in first.items()} == {shrinking: "accepted", growing: "accepted"}

    assert table("r2", shrinking, seed=2) == later
    table("r2", growing, seed=5, previous=earlier)
    table("r2", newcomer, seed=6)  # nothing to compare with
    second = _scan(c, drop)

    assert {u: (o.round, o.outcome) for u, o in second.items()} == {
        shrinking: ("r2", "rejected"),
        growing: ("r2", "accepted"),
        newcomer: ("r2", "accepted"),
    }
    shrunk = [e for e in second[shrinking].errors if e["code"] == "shrink"]
    assert shrunk and all("上一轮" in e["message"] for e in shrunk)
    assert {e["code"] for e in second[shrinking].errors} == {"shrink"}
