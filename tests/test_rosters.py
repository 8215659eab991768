"""Unit rosters: a bureau's units written once (include/rosters/) and taken by its campaigns
with ``units_from``, the same codes in every campaign; broken rosters and references said in
Chinese at the line to edit; circular phrases (各县（市、区）局 …) mapped to roster levels."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from campaign_ops import INCLUDE_DIR
from campaign_ops.campaign import load_campaign_file, parse_campaign
from campaign_ops.campaign_lint import lint_file
from campaign_ops.cli import main
from campaign_ops.rosters import (
    LEVEL_PHRASES,
    RosterFileError,
    levels_in,
    load_roster,
    roster_ids,
)
from campaign_ops.synthetic import campaign_dict
from campaign_ops.units import UnitLevel as L

CAMPAIGNS = INCLUDE_DIR / "campaigns"
SEED_ROSTERS = {
    "ankang-2023-internet-ads": "ankang",
    "fangxian-2023-livestream": "fangxian",
    "huangshan-2024-network-market": "huangshan-district",
    "maanshan-2024-livestream": "maanshan",
    "saic-2016-internet-ads": "saic",
}


# ---- the seed bureaus' rosters ---------------------------------------------------------------


def test_every_seed_bureau_has_a_roster_its_campaign_uses():
    assert roster_ids() == sorted(SEED_ROSTERS.values())
    for campaign_id, roster_id in SEED_ROSTERS.items():
        campaign = load_campaign_file(CAMPAIGNS / f"{campaign_id}.yaml")
        roster = load_roster(roster_id)
        assert campaign.units_from is not None and campaign.units_from.roster == roster_id
        assert campaign.units == roster.units  # same units, same codes, same order
        assert campaign.authority == roster.authority


@pytest.mark.parametrize(
    ("campaign_id", "sentence"),
    [
        ("ankang-2023-internet-ads", "各县（市、区）市场监督管理局、恒口示范区应急管理局"),
        ("fangxian-2023-livestream", "各乡镇监管所结合工作职责和实际，细化工作措施"),
        ("huangshan-2024-network-market", "各部门要提高政治站位"),
        ("maanshan-2024-livestream", "各县区(园区)市场监督管理局"),
        ("saic-2016-internet-ads", "各省、自治区、直辖市及计划单列市、副省级市工商行政管理局"),
    ],
)
def test_the_phrase_each_circular_addresses_its_units_with_gives_its_roster_levels(
    campaign_id, sentence
):
    roster = load_roster(SEED_ROSTERS[campaign_id])
    assert set(levels_in(sentence)) == {u.level for u in roster.units}


def test_level_phrases():
    assert levels_in("各县（市、区）局要高度重视") == (L.county, L.district, L.zone)
    assert levels_in("各市场监管所每月报送") == (L.township,)
    assert levels_in("各成员单位分工负责") == (L.department,)
    assert levels_in("各县区(园区)市场监督管理局,市局机关相关科室:") == (
        L.county,
        L.district,
        L.zone,
        L.office,
    )
    assert levels_in("要加强企业自查") == ()
    assert all(levels and isinstance(levels, tuple) for levels in LEVEL_PHRASES.values())


# ---- units_from: levels, exclude, additions ------------------------------------------------


@pytest.fixture
def rosters(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "rosters"
    folder.mkdir()
    monkeypatch.setenv("CAMPAIGN_OPS_ROSTERS_DIR", str(folder))
    return folder


def _unit(code: str, level: str, parent: str | None = None) -> dict:
    unit = {
        "code": code,
        "name": f"{code}市场监督管理局",
        "short_name": f"{code}局",
        "level": level,
        "contacts": [{"name": f"{code}联系人", "email": f"{code}@test-amr.example.invalid"}],
    }
    return unit | ({"parent": parent} if parent else {})


CITY = [
    _unit("xian-a", "county"),
    _unit("qu-b", "district"),
    _unit("yuanqu", "zone"),
    _unit("suo-a1", "township", parent="xian-a"),
    _unit("suo-a2", "township", parent="xian-a"),
]


def _write_roster(folder: Path, roster_id: str = "city", units: list | None = None, **extra):
    data = {"id": roster_id, "authority": "测试市市场监督管理局", "units": units or CITY, **extra}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (folder / f"{roster_id}.yaml").write_text(text, encoding="utf-8")


def _campaign_data(units_from: object, units: list | None = None) -> dict:
    data = campaign_dict("roster-test", units=1)
    data["units_from"] = units_from
    if units is None:
        del data["units"]
    else:
        data["units"] = units
    return data


def _codes(units_from: object, units: list | None = None) -> list[str]:
    campaign = parse_campaign(_campaign_data(units_from, units), Path("roster-test.yaml"))
    return [u.code for u in campaign.units]


def test_levels_exclude_and_additions(rosters):
    _write_roster(rosters)
    assert _codes("city") == ["xian-a", "qu-b", "yuanqu", "suo-a1", "suo-a2"]
    assert _codes({"roster": "city", "levels": ["county", "district", "zone"]}) == [
        "xian-a",
        "qu-b",
        "yuanqu",
    ]
    assert _codes({"roster": "city", "exclude": ["yuanqu", "suo-a2"]}) == [
        "xian-a",
        "qu-b",
        "suo-a1",
    ]
    extra = _unit("xinqu", "zone")
    assert _codes({"roster": "city", "levels": ["zone"]}, [extra]) == ["yuanqu", "xinqu"]


def test_township_offices_without_their_county_keep_no_dangling_parent(rosters):
    _write_roster(rosters)
    data = _campaign_data({"roster": "city", "levels": ["township"]})
    campaign = parse_campaign(data, Path("roster-test.yaml"))
    assert [(u.code, u.parent) for u in campaign.units] == [("suo-a1", None), ("suo-a2", None)]
    whole = parse_campaign(_campaign_data("city"), Path("roster-test.yaml"))
    assert whole.unit("suo-a1").parent == "xian-a"


def _lint(tmp_path: Path, data: dict) -> list[str]:
    path = tmp_path / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    campaign, lines = lint_file(path)
    assert campaign is None
    return lines


def test_a_unit_added_with_a_roster_code_is_a_lint_error_at_the_addition(tmp_path, rosters):
    _write_roster(rosters)
    lines = _lint(tmp_path, _campaign_data("city", [_unit("qu-b", "district")]))
    assert len(lines) == 1, lines
    assert lines[0].startswith("roster-test.yaml:units[qu-b].code（第")
    assert "已由名册 city 提供" in lines[0] and "exclude" in lines[0]


def test_wrong_references_to_a_roster_say_what_exists(tmp_path, rosters):
    _write_roster(rosters)
    (line,) = _lint(tmp_path, _campaign_data("cty"))
    assert line.startswith("roster-test.yaml:units_from.roster（第")
    assert "没有单位名册 cty，是否应为 city？" in line
    (line,) = _lint(tmp_path, _campaign_data({"roster": "city", "exclude": ["qu-c"]}))
    assert line.startswith("roster-test.yaml:units_from.exclude[1]（第")
    assert "qu-c 不在名册 city 中，是否应为 qu-b？" in line
    (line,) = _lint(tmp_path, _campaign_data({"roster": "city", "levels": ["countyy"]}))
    assert "units_from.levels[1]" in line and "是否应为 county" in line
    (line,) = _lint(tmp_path, _campaign_data({"roster": "city", "levels": ["province"]}))
    assert line.startswith("roster-test.yaml:units_from（第") and "没有报送单位" in line


def test_a_round_may_not_ask_a_unit_the_roster_selection_left_out(tmp_path, rosters):
    _write_roster(rosters)
    data = _campaign_data({"roster": "city", "exclude": ["qu-b"]})
    data["rounds"][0]["units"] = ["xian-a", "qu-b"]
    (line,) = _lint(tmp_path, data)
    assert line.startswith("roster-test.yaml:rounds[r1].units[2]（第") and "qu-b" in line


def test_a_broken_roster_is_named_by_the_campaign_and_by_itself(tmp_path, rosters):
    units = [*CITY, _unit("qu-b", "district"), _unit("suo-x", "township", parent="xian-z")]
    units[1] = units[1] | {"level": "qu"}
    _write_roster(rosters, units=units)
    with pytest.raises(RosterFileError) as caught:
        load_roster("city")
    lines = caught.value.lines
    assert any(x.startswith("city.yaml:units[2].level（第") and "district" in x for x in lines)
    assert any("代码 qu-b 与 units[2] 重复" in x and "units[6].code（第" in x for x in lines)
    assert any("上级单位 xian-z 不在名册中，是否应为 xian-a？" in x for x in lines)
    (line,) = _lint(tmp_path, _campaign_data("city"))
    assert line.startswith("roster-test.yaml:units_from.roster（第")
    assert "单位名册 city.yaml 有错误，请先改正名册" in line and "xian-z" in line


def test_roster_id_must_match_its_file(rosters):
    _write_roster(rosters)
    (rosters / "city.yaml").rename(rosters / "town.yaml")
    with pytest.raises(RosterFileError, match="id 改为 town"):
        load_roster("town")
    with pytest.raises(KeyError, match="没有单位名册 nowhere"):
        load_roster("nowhere")


def test_two_campaigns_of_a_bureau_share_codes(rosters):
    _write_roster(rosters)
    counties = parse_campaign(
        _campaign_data({"roster": "city", "levels": ["county", "district"]}),
        Path("roster-test.yaml"),
    )
    offices = parse_campaign(
        _campaign_data({"roster": "city", "levels": ["township"]}), Path("roster-test.yaml")
    )
    assert {u.code for u in counties.units} | {u.code for u in offices.units} <= {
        u["code"] for u in CITY
    }
    assert counties.unit("xian-a").name == load_roster("city").units[0].name


def test_lint_checks_rosters_as_well_as_campaigns(tmp_path, rosters, capsys):
    _write_roster(rosters, units=[*CITY, _unit("qu-b", "zone")])
    assert main(["lint", str(rosters / "city.yaml")]) == 1
    err = capsys.readouterr().err
    assert "city.yaml:units[6].code（第" in err and "代码 qu-b 与 units[2] 重复" in err
    _write_roster(rosters)
    assert main(["lint", str(rosters / "city.yaml")]) == 0
    assert "✓ city.yaml：测试市市场监督管理局单位名册（5 个单位）" in capsys.readouterr().out


def test_roster_departments_come_first_and_a_clash_is_reported_at_the_campaigns_own(
    tmp_path, rosters
):
    _write_roster(rosters, departments=[{"code": "gongan", "name": "市公安局"}])
    data = _campaign_data("city")
    data["departments"] = [{"code": "wangxin", "name": "市委网信办"}]
    campaign = parse_campaign(data, Path("roster-test.yaml"))
    assert [d.code for d in campaign.departments] == ["gongan", "wangxin"]
    data["departments"].append({"code": "xian-a", "name": "重名部门"})
    (line,) = _lint(tmp_path, data)
    assert line.startswith("roster-test.yaml:departments[xian-a].code（第") and "重复" in line
