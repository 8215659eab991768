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


def test_check_gives_the_answer_intake_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse_url: str, capsys
) -> None:
    """``campaign-ops check`` reads the warehouse as intake does: a shrinking cumulative
    figure is caught before the file is dropped, and the report says what it counts for;
    without a warehouse it says what it could not check, and creates none."""
    from campaign_ops.cli import main

    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(tmp_path / "campaigns"))
    c = load_campaign_file(
        write_campaign(
            tmp_path / "campaigns", campaign_dict("check-agrees", units=2, rounds=2, forms=(FORM,))
        )
    )
    unit = c.units[0]
    drop = tmp_path / "incoming"
    later = write_submission(c, "r2", unit.code, FORM, tmp_path / "x.xlsx", seed=2)[1]
    write_submission(
        c, "r1", unit.code, FORM, drop / "r1" / unit.short_name / "表.xlsx", seed=3, previous=later
    )
    assert _scan(c, drop)[unit.code].outcome == "accepted"

    mine = tmp_path / "待报送" / unit.short_name / "工作统计表.xlsx"
    write_submission(c, "r2", unit.code, FORM, mine, seed=2)
    assert main(["check", c.id, str(mine), "--round", "r2"]) == 1
    out = capsys.readouterr().out
    assert f"【退回待改】{mine.name}" in out and "上一轮" in out
    assert f"计入：{unit.short_name} · {c.round('r2').title} · " in out

    # intake, given the same file in the round's folder, says the same
    target = drop / "r2" / unit.short_name / mine.name
    target.parent.mkdir(parents=True)
    target.write_bytes(mine.read_bytes())
    assert _scan(c, drop)[unit.code].outcome == "rejected"

    absent = tmp_path / "nowhere" / "warehouse.sqlite"
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", f"sqlite:///{absent}")
    assert main(["check", c.id, str(mine), "--round", "r2"]) == 0
    out = capsys.readouterr().out
    assert "未找到数据仓库" in out and "【可接收】" in out
    assert not absent.exists()


def test_check_names_what_a_document_counts_for_and_what_it_cannot_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse_url: str, capsys
) -> None:
    from campaign_ops.cli import main

    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    note = tmp_path / "汉滨区局" / "典型案例.docx"
    note.parent.mkdir()
    note.write_bytes("本期无典型案例。".encode())
    stray = tmp_path / "典型案例.docx"
    stray.write_bytes(b"whose?")
    assert main(["check", "ankang-2023-internet-ads", str(note)]) == 0
    assert "【可接收】典型案例.docx" in capsys.readouterr().out
    assert main(["check", "ankang-2023-internet-ads", str(note), str(stray)]) == 1
    out = capsys.readouterr().out
    assert "计入：汉滨区局 · " in out and "典型案例" in out
    assert "【无法识别】典型案例.docx" in out and "无法确定报送单位" in out
