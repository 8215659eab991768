"""``campaign-ops report`` and ``campaign-ops export`` as an analyst or ops person uses them."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from campaign_ops.campaign import get_campaign
from campaign_ops.cli import main

from .helpers import known_values, seed_round

CAMPAIGN = "ankang-2023-internet-ads"
INJECTION = "=1+2"


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch, _sqlite_template: Path, home: Path):
    from campaign_ops.store import dispose_engines, session_scope

    db = tmp_path / "warehouse.sqlite"
    shutil.copyfile(_sqlite_template, db)
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", f"sqlite:///{db}")
    campaign = get_campaign(CAMPAIGN)
    cases = known_values("ankang-ad-cases", 0)
    cases["r1"]["case_name"] = INJECTION
    with session_scope() as s:
        played = seed_round(
            s, campaign, "r1", overrides={("ankang-ad-cases", campaign.units[0].code): cases}
        )
    yield played
    dispose_engines()


def test_report_command_writes_the_round_report(seeded, tmp_path: Path, capsys):
    out = tmp_path / "报告" / "r1.xlsx"
    assert main(["report", CAMPAIGN, "--round", "r1", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "汇总报告已生成" in printed and "未计入" in printed
    assert load_workbook(out)["工作情况统计表"]["A1"].value == "工作情况汇总表"
    assert main(["report", CAMPAIGN, "--round", "r9", "-o", str(out)]) == 2


def test_report_command_without_round_writes_the_campaign_summary(seeded, home: Path, capsys):
    assert main(["report", CAMPAIGN]) == 0
    [path] = (home / "reports" / CAMPAIGN).rglob("*.xlsx")
    assert "总结" in path.name


def test_csv_export_with_dictionary_and_defused_text(seeded, tmp_path: Path):
    out = tmp_path / "export"
    assert main(["export", CAMPAIGN, "--format", "csv", "-o", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"merged_units.csv", "merged_round_totals.csv", "reporting_rounds.csv"} <= names
    assert {"dd_columns.csv", "ankang-ad-cases_各单位.csv", "数据字典.md"} <= names
    assert "v_merged_values.csv" in names
    dictionary = (out / "数据字典.md").read_text("utf-8")
    assert "| current | 本期数 |" in dictionary and "举办《办法》学习培训 | 期" in dictionary
    with (out / "ankang-ad-cases_各单位.csv").open(encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    assert header[:4] == ["报送轮次", "填报单位", "报送情况", "填报条数（条）"]
    with (out / "merged_values.csv").open(encoding="utf-8-sig") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    assert "'" + INJECTION in texts and INJECTION not in texts


def test_xlsx_export_keeps_text_as_text(seeded, tmp_path: Path):
    out = tmp_path / "export"
    assert main(["export", CAMPAIGN, "--format", "xlsx", "-o", str(out)]) == 0
    wb = load_workbook(out / f"{CAMPAIGN}_汇总数据.xlsx")
    cells = [c for row in wb["merged_values"].iter_rows() for c in row if c.value == INJECTION]
    assert cells and all(c.data_type == "s" for c in cells)


def test_parquet_export_holds_the_same_tables_as_csv(seeded, tmp_path: Path):
    import pandas as pd

    assert main(["export", CAMPAIGN, "--format", "parquet", "-o", str(tmp_path / "pq")]) == 0
    assert main(["export", CAMPAIGN, "--format", "csv", "-o", str(tmp_path / "csv")]) == 0
    tables = sorted(p.stem for p in (tmp_path / "pq").glob("*.parquet"))
    assert "merged_units" in tables
    assert tables == sorted(p.stem for p in (tmp_path / "csv").glob("*.csv"))
    for name in tables:
        parquet = pd.read_parquet(tmp_path / "pq" / f"{name}.parquet")
        csv = pd.read_csv(tmp_path / "csv" / f"{name}.csv", encoding="utf-8-sig")
        assert list(parquet.columns) == list(csv.columns) and len(parquet) == len(csv)
