"""Form specs load, seed campaigns point at them, and committed suites match the specs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from campaign_ops.campaign import Campaign, load_campaigns
from campaign_ops.forms import expectations
from campaign_ops.forms.spec import FormFileError, all_forms, load_form, load_form_file

EXPECTED_FORMS = {
    "ankang-work-stats": "工作情况统计表",
    "ankang-ad-cases": "互联网广告案件查处情况统计表",
    "huangshan-network-market": "2024网络市场监管专项行动情况统计表",
    "livestream-subjects": "直播电商主体登记情况统计表",
    "livestream-cases": "直播电商违法案件查处情况统计表",
    "saic-internet-ads": "互联网广告监管执法情况统计表",
}


def test_every_seed_form_has_a_spec_with_the_circulars_title():
    forms = {f.id: f for f in all_forms()}
    assert {k: forms[k].title for k in EXPECTED_FORMS} == EXPECTED_FORMS
    for f in forms.values():
        assert all(c.label for c in f.columns)
        assert any(c.unit for c in f.columns) or f.row_units, f"{f.id} has no units of measure"


def test_every_form_a_seed_campaign_asks_for_exists():
    campaigns = [c for c in load_campaigns() if isinstance(c, Campaign)]
    wanted = {form for c in campaigns for form in c.forms}
    assert wanted, "no seed campaign asks for a statistics form"
    for form_id in wanted:
        assert load_form(form_id).id == form_id


def test_a_broken_spec_is_refused_with_what_to_fix(tmp_path: Path):
    data = yaml.safe_load(load_form("livestream-cases").model_dump_json())
    data["rules"].append({"kind": "le", "left": "closed", "right": "no_such_column"})
    path = tmp_path / "livestream-cases.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FormFileError) as err:
        load_form_file(path)
    assert "no_such_column" in str(err.value) and "不存在的列" in str(err.value)


def test_unknown_form_names_the_known_ones():
    with pytest.raises(KeyError) as err:
        load_form("no-such-form")
    assert "ankang-work-stats" in str(err.value)


@pytest.mark.parametrize("form_id", sorted(EXPECTED_FORMS))
def test_committed_suite_matches_its_spec(form_id: str):
    """Fails when a spec changed and ``python -m campaign_ops.forms.expectations`` was not run."""
    form = load_form(form_id)
    committed = json.loads(expectations.suite_path(form).read_text(encoding="utf-8"))
    assert committed == expectations.suite_dict(form), (
        f"expectations/{form_id}.json 与 include/forms/{form_id}.yaml 不一致："
        "请运行 python -m campaign_ops.forms.expectations 并提交"
    )
    assert committed["meta"]["spec_fingerprint"] == form.fingerprint()


def test_a_changed_spec_makes_its_suite_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    forms_dir = tmp_path / "forms"
    forms_dir.mkdir()
    data = yaml.safe_load(load_form("saic-internet-ads").model_dump_json())
    data["columns"][0]["max"] = 5  # someone tightens a bound but forgets the suite
    (forms_dir / "saic-internet-ads.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    monkeypatch.setenv("CAMPAIGN_OPS_FORMS_DIR", str(forms_dir))
    changed = load_form("saic-internet-ads")
    assert expectations.drifted(changed)
    with pytest.raises(expectations.SuiteDriftError) as err:
        expectations.load_suite_dict(changed)
    assert "python -m campaign_ops.forms.expectations" in str(err.value)
    assert expectations.main(["--check"]) == 1


def test_suites_keep_chinese_and_round_trip_through_gx():
    form = load_form("livestream-cases")
    text = expectations.suite_path(form).read_text(encoding="utf-8")
    assert "直播电商违法案件查处情况统计表" in text and "\\u" not in text
    suite = expectations.load_suite(form)
    assert len(suite.expectations) == len(json.loads(text)["expectations"])


@pytest.mark.parametrize("form_id", sorted(EXPECTED_FORMS))
def test_committed_suite_says_in_chinese_what_each_derived_column_checks(form_id, fill):
    """The suite checks derived columns (``rule_slack_1 ≥ 0``); its ``meta`` names the rules
    behind each one in the form's own Chinese words, each rule in the slot where the frame
    really puts it, so a reader of the JSON can tell what the check is."""
    from campaign_ops.forms.frame import build_frame
    from campaign_ops.forms.parser import parse_file
    from campaign_ops.forms.text import rule_text

    form = load_form(form_id)
    committed = json.loads(expectations.suite_path(form).read_text(encoding="utf-8"))
    for e in committed["expectations"]:
        assert re.search(r"[\u4e00-\u9fff]", e["meta"]["column_means"]), e["meta"]
    listed = {
        (int(e["meta"]["check"].rsplit(".", 1)[1]), r["id"]): r["text"]
        for e in committed["expectations"]
        if e["meta"]["kind"] == "rule"
        for r in e["meta"]["rules"]
    }
    assert sorted(listed.values()) == sorted(rule_text(form, r) for r in form.rules)
    placed = build_frame(form, [parse_file(fill(form_id, seed=3)[0])]).rule_at
    assert {(slot, rule) for (slot, _column), rule in placed.items()} == set(listed)


def test_a_merged_suite_lists_every_forms_rules_in_its_rule_slot():
    forms = [load_form(f) for f in ("livestream-cases", "saic-internet-ads")]
    merged = expectations.merged_suite_dict([expectations.suite_dict(f) for f in forms])
    (rule,) = [e for e in merged["expectations"] if e["meta"]["kind"] == "rule"]
    texts = [r["text"] for r in rule["meta"]["rules"]]
    assert "移送公安的案件数不能大于立案数" in texts
    assert "发现涉嫌违法广告数不能大于监测广告数" in texts
    assert texts.count("结案数不能大于立案数") == 1  # both forms' rule, listed once
