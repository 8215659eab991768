"""The province-size fixture (bench/scale.py): its fast files read exactly like files filled
with openpyxl, and a round of it ingests to the outcomes it promises."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo's bench/ package

from bench.scale import (
    REJECTION_WEIGHTS,
    Skeleton,
    build_province,
    filled_cells,
    province_drop_zone,
    typed_values,
)

UNITS = 120  # every county's first office and a few second ones: all outcomes occur


def _openpyxl_file(province, e, cells: dict, path: Path) -> Path:
    """The slow way: the unit's own template from write_template, typed into by openpyxl."""
    from openpyxl import load_workbook

    from campaign_ops.forms.template import write_template

    c = province.campaign
    template = write_template(
        province.form,
        path.with_name("template.xlsx"),
        campaign=c,
        round_=c.round(e.round),
        unit=c.unit(e.unit),
    )
    wb = load_workbook(template)
    for ref, value in cells.items():
        wb.worksheets[0][ref] = value
    wb.save(path)
    return path


def _read(path: Path) -> tuple:
    from campaign_ops.forms.parser import try_parse

    parsed = try_parse(path)
    rows = [(r.key, r.values, r.bad, r.is_total) for r in parsed.rows]
    return parsed.identity, parsed.reporting_unit, rows


def test_fast_files_read_like_files_filled_with_openpyxl(tmp_path: Path) -> None:
    province = build_province(tmp_path / "p", units=UNITS)
    c = province.campaign
    skeleton = Skeleton(province.form, c, c.rounds[1])
    sent = [e for e in province.for_round(c.rounds[1].id).values() if e.path]
    styles = {e.style for e in sent}
    defects = {e.defect for e in sent} - {None, "truncated"}
    assert len(styles) == 5 and defects == set(REJECTION_WEIGHTS) - {"truncated"}
    # one file per typing style and per value defect
    chosen = {e.style: e for e in sent if not e.defect} | {e.defect: e for e in sent if e.defect}
    chosen.pop("truncated", None)
    for i, e in enumerate(chosen.values()):
        unit = c.unit(e.unit)
        cells = filled_cells(
            province.form,
            typed_values(province.form, province.values(e.unit, e.round), e.defect),
            e.style or "plain",
            ("张伟", "13912345678"),
        )
        fast = tmp_path / f"fast{i}.xlsx"
        fast.write_bytes(skeleton.render(cells, unit))
        slow = _openpyxl_file(province, e, cells, tmp_path / f"slow{i}" / "slow.xlsx")
        assert _read(fast) == _read(slow), (e.style, e.defect)


def test_the_same_seed_gives_the_same_files(tmp_path: Path) -> None:
    _, first, _ = province_drop_zone(tmp_path / "a", 0, units=30)
    _, again, _ = province_drop_zone(tmp_path / "b", 0, units=30)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert [p.stat().st_mtime for p in first] == [p.stat().st_mtime for p in again]


@pytest.mark.slow
def test_a_round_ingests_to_the_outcomes_the_fixture_promises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from campaign_ops.cli import main
    from campaign_ops.store import dispose_engines

    campaign_path, files, expected = province_drop_zone(tmp_path, 1, units=UNITS)
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(campaign_path.parent))
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", f"sqlite:///{tmp_path / 'w.sqlite'}")
    try:
        assert main(["ingest", "province-scale", "--json", "--no-receipts"]) == 0
        outcomes = json.loads(capsys.readouterr().out)
        assert main(["status", "province-scale", "--round", "r2", "--json"]) == 0
        status = json.loads(capsys.readouterr().out)
    finally:
        dispose_engines()

    assert len(outcomes) == len(files)
    assert Counter(o["outcome"] for o in outcomes) == {
        "accepted": sum(e.accepted for e in expected.values()),
        "rejected": sum(e.outcome == "rejected" for e in expected.values()),
    }
    (r,) = status["rounds"]
    got = {u["unit"]: u["status"] for u in r["units"]}
    assert got == {code: e.status for code, e in expected.items()}
    assert set(Counter(got.values())) == {
        "accepted_on_time",
        "accepted_late",
        "rejected",
        "missing",
    }
