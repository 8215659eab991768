"""``campaign-ops ingest`` and ``campaign-ops status`` as ops staff use them."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from campaign_ops.campaign import get_campaign
from campaign_ops.cli import main
from campaign_ops.forms import pool
from campaign_ops.intake import pipeline
from campaign_ops.intake.archive_files import archive_path, sha256_of
from campaign_ops.synthetic import write_submission

CAMPAIGN = "fangxian-2023-livestream"


def small_scans_like_big_ones(monkeypatch, workers: int) -> None:
    """A big run parses its tables on every core; a small one is made to as well, and in
    chunks of two files, so that several are parsed while the next are read and earlier ones
    are validated and stored."""
    monkeypatch.setenv(pool.WORKERS_ENV, str(workers))
    monkeypatch.setattr(pool, "POOL_FROM", 1)
    monkeypatch.setattr(pool, "_shared", [])
    monkeypatch.setattr(pipeline, "CHUNK", 2)
    monkeypatch.setattr(pipeline, "GROUP_FILES", 3)
    monkeypatch.setattr(pipeline, "AHEAD_FILES", 4)


@pytest.mark.parametrize("workers", [1, 2], ids=["in_place", "parse_pool"])
def test_ingest_then_status_json(tmp_path, monkeypatch, warehouse_url, capsys, workers):
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    small_scans_like_big_ones(monkeypatch, workers)
    c = get_campaign(CAMPAIGN)
    first = c.rounds[0]
    units = [u.code for u in c.units_for(first)]
    drop = tmp_path / "incoming"
    old = (dt.datetime.now() - dt.timedelta(hours=2)).timestamp()
    # two units deliver everything the first round asks; a third sends one broken table
    for code in units[:2]:
        unit = c.unit(code)
        for d in first.deliverables:
            target = drop / unit.short_name / f"{unit.short_name}_{d.label}"
            if d.form:
                write_submission(c, first.id, code, d.form, target.with_suffix(".xlsx"))
            else:
                target.with_suffix(".docx").parent.mkdir(parents=True, exist_ok=True)
                target.with_suffix(".docx").write_bytes(f"{code} {d.key}".encode())
    broken_form = first.forms[0]
    bad = c.unit(units[2]).short_name
    write_submission(c, first.id, units[2], broken_form, drop / bad / "统计表.xlsx", broken=True)
    for p in drop.rglob("*.*"):
        os.utime(p, (old, old))

    assert main(["ingest", CAMPAIGN, "--source", str(drop)]) == 0
    out = capsys.readouterr().out
    assert "已接收" in out and "退回待改" in out
    # every file is in the archive, tables and documents alike
    for p in drop.rglob("*.*"):
        assert archive_path(sha256_of(p.read_bytes())).read_bytes() == p.read_bytes(), p

    assert main(["status", CAMPAIGN, "--round", first.id, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["campaign"] == CAMPAIGN
    (r,) = data["rounds"]
    assert r["round"] == first.id and r["deadline"] == first.deadline.isoformat()
    assert r["expected"] == len(units)
    assert r["actual"] == 2  # complete only when every deliverable arrived
    assert r["reporting_rate"] == round(2 / len(units), 4)
    by_unit = {u["unit"]: u for u in r["units"]}
    assert by_unit[units[2]]["status"] == "rejected"
    assert by_unit[units[3]]["status"] == "missing" and by_unit[units[3]]["version"] is None
    assert {u["unit"] for u in r["units"]} == set(units)
    for code in units[:2]:
        assert by_unit[code]["status"] in ("accepted_on_time", "accepted_late")
        assert by_unit[code]["submitted_at"] and by_unit[code]["version"] == 1

    # the same folder again: nothing new
    assert main(["ingest", CAMPAIGN, "--source", str(drop), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    # receipts went to the outbox, one per unit that sent files
    receipts = list((tmp_path / "state" / "outbox").rglob("receipt-*.eml"))
    assert len(receipts) == 3
    if workers > 1:
        assert pool._shared[0] is not None, "the tables should have been parsed in the pool"
        pool._shared[0].close()


@pytest.mark.parametrize("workers", [1, 2], ids=["in_place", "parse_pool"])
def test_files_read_before_the_drop_zone_fails_are_archived(
    tmp_path, monkeypatch, warehouse_url, workers
):
    """Tables are archived by the process that parses them; when reading fails first (a
    share gone mid-scan), every file read so far is archived all the same, also the one read
    just before in the same chunk, not yet sent to be parsed, and nothing is recorded."""
    import sqlalchemy as sa

    from campaign_ops.intake.sources import FolderSource

    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    small_scans_like_big_ones(monkeypatch, workers)
    c = get_campaign(CAMPAIGN)
    first = c.rounds[0]
    drop = tmp_path / "incoming"
    for unit in c.units_for(first)[:6]:
        write_submission(c, first.id, unit.code, first.forms[0], drop / unit.short_name / "表.xlsx")
    old = (dt.datetime.now() - dt.timedelta(hours=2)).timestamp()
    for p in drop.rglob("*.xlsx"):
        os.utime(p, (old, old))

    read = FolderSource.read
    reads: list[bytes] = []

    def failing_on_the_sixth(self, entry):
        if len(reads) == 5:
            raise OSError(112, "共享盘已断开")
        reads.append(read(self, entry))
        return reads[-1]

    monkeypatch.setattr(FolderSource, "read", failing_on_the_sixth)
    source = FolderSource(drop)
    now = dt.datetime.now(dt.UTC)
    todo, _ = pipeline.pending(c, source, now)
    with pytest.raises(OSError, match="共享盘已断开"):
        pipeline.process(c, source, todo, now)

    # chunks of two: the fifth file was read but not yet sent to be parsed
    assert len(reads) == 5
    for data in reads:
        assert archive_path(sha256_of(data)).read_bytes() == data
    with sa.create_engine(warehouse_url).connect() as conn:
        assert conn.execute(sa.text("select count(*) from submissions")).scalar() == 0
    if workers > 1 and pool._shared and pool._shared[0] is not None:
        pool._shared[0].close()
