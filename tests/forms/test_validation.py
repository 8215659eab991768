"""Validation of a batch: every failure lands on its file, row and column, in Chinese."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from campaign_ops.forms.check_report import report_html, report_json, report_text
from campaign_ops.forms.layout import TemplateLayout
from campaign_ops.forms.parser import parse_file
from campaign_ops.forms.samples import sample_values
from campaign_ops.forms.spec import load_form
from campaign_ops.forms.validate import validate_batch


def typed(path, form_id, cells: dict[tuple[str, str], object]):
    """Overwrite some cells of a filled template, as a person correcting (or spoiling) it."""
    form = load_form(form_id)
    lay = TemplateLayout(form)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for (row, col), value in cells.items():
        ws[lay.cell(row, col)] = value
    wb.save(path)
    return path


def only(result, code):
    found = [f for f in result.errors + result.warnings if f.code == code]
    assert len(found) == 1, [(f.code, f.message) for f in result.errors + result.warnings]
    return found[0]


def good_and_five_broken(fill) -> list:
    """A good file and five broken ones of four forms, each broken in its own way."""
    good, _ = fill("livestream-cases", seed=1, name="好.xlsx")
    closed, _ = fill("livestream-cases", seed=2, name="结案多于立案.xlsx")
    typed(
        closed,
        "livestream-cases",
        {("price", "filed"): 3, ("price", "closed"): 5, ("price", "referred_police"): 0},
    )
    subs, v2 = fill("livestream-subjects", seed=3, name="其中之和不符.xlsx")
    typed(subs, "livestream-subjects", {("anchors", "others"): v2["anchors"]["others"] + 4})
    part, _ = fill("ankang-work-stats", seed=4, name="其中大于总数.xlsx")
    typed(
        part,
        "ankang-work-stats",
        {
            ("training_people", "current"): 10,
            ("training_enforcers", "current"): 12,
            ("training_enforcers", "cumulative"): 50,
            ("training_people", "cumulative"): 60,
        },
    )
    total, _ = fill("saic-internet-ads", seed=5, name="合计不符.xlsx")
    typed(total, "saic-internet-ads", {("total", "filed"): 1})
    cells, _ = fill("huangshan-network-market", seed=6, name="单元格错误.xlsx")
    typed(
        cells,
        "huangshan-network-market",
        {
            ("access", "staff"): -3,
            ("order", "staff"): "十二",
            ("safety", "cases_filed"): 2.5,
            ("quality", "fines"): 1.123456,
            ("quality", "platforms_checked"): 100001,
        },
    )
    return [good, closed, subs, part, total, cells]


def test_one_batch_many_files_each_failure_on_its_own_file_row_and_column(fill):
    results = validate_batch([parse_file(p) for p in good_and_five_broken(fill)])
    by_file = {r.file: r for r in results}
    assert [r.accepted for r in results] == [True, False, False, False, False, False]
    assert all(not r.errors for r in results[:1])

    f = only(by_file["结案多于立案.xlsx"], "rule")
    assert (f.sheet, f.row_label) == (
        "直播电商违法案件查处情况统计表",
        "价格欺诈及不按规定明码标价",
    )
    assert f.column_label == "结案、立案" and f.value == "结案 5，立案 3"
    assert f.expected == "结案数不能大于立案数"
    lay = TemplateLayout(load_form("livestream-cases"))
    assert f.cell == lay.cell("price", "closed")

    f = only(by_file["其中之和不符.xlsx"], "rule")
    assert f.row_label == "直播营销人员（主播）" and "应等于在册主体数" in f.expected

    f = only(by_file["其中大于总数.xlsx"], "part_of")
    assert f.row_label.startswith("其中") and f.column_label == "本期数"
    assert f.value == "12" and "参加培训人员" in f.expected

    f = only(by_file["合计不符.xlsx"], "total")
    assert (
        f.row_label == "合计"
        and f.column_label == "立案"
        and f.value == "1"
        and "各行之和" in f.message
    )

    errors = {(e.row_label, e.code): e for e in by_file["单元格错误.xlsx"].errors}
    access, order = "督促平台落实主体责任（准入关）", "规范网络营销和集中促销行为（秩序关）"
    assert errors[(access, "min")].value == "-3"
    assert (
        errors[(order, "readable")].value == "十二"
        and "无法识别" in errors[(order, "readable")].message
    )
    assert errors[("严查网售危害生命健康的重点商品（安全关）", "precision")].expected.endswith(
        "整数，单位：件"
    )
    quality = "打击网售侵权假冒伪劣商品（质量关）"
    assert "4 位小数" in errors[(quality, "precision")].expected
    too_many = errors[(quality, "max")]
    assert too_many.value == "100001" and too_many.column_label == "检查网络交易平台"
    assert "100000" in too_many.expected


def test_case_list_choices_lengths_and_dates(fill):
    form = load_form("ankang-ad-cases")
    values = sample_values(form, seed=8, cases=4)
    values["r2"].update(
        status="已结案", closed_on=values["r2"]["filed_on"].replace(day=1), domain="医药"
    )
    values["r3"]["case_name"] = "某" * 120
    values["r4"]["party"] = None
    path, _ = fill(form.id, values=values)
    (result,) = validate_batch([parse_file(path)])
    codes = sorted((e.row_label, e.code) for e in result.errors)
    assert (
        ("序号2", "choice") in codes
        and ("序号3", "length") in codes
        and ("序号4", "required") in codes
    )
    if values["r2"]["filed_on"].day != 1:
        assert ("序号2", "rule") in codes
    choice = next(e for e in result.errors if e.code == "choice")
    assert choice.value == "医药" and "医疗美容" in choice.expected


def test_cross_round_shrinking_is_an_error_and_a_jump_is_a_warning(fill):
    form = load_form("livestream-cases")
    before = sample_values(form, seed=20)
    now = sample_values(form, seed=21, previous=before)
    before["food"]["leads"] = max(before["food"]["leads"], 10)
    now["food"]["leads"] = before["food"]["leads"] * 20  # a suspicious jump
    now["ip"]["filed"] = now["ip"]["closed"] = now["ip"]["referred_police"] = 0
    before["ip"]["filed"] = max(before["ip"]["filed"], 2)  # cumulative figure shrinks
    prev_path, _ = fill(form.id, values=before, name="上一轮.xlsx")
    path, _ = fill(form.id, values=now, name="本轮.xlsx")
    sub = parse_file(path)
    (result,) = validate_batch([sub], previous={sub.file_key: parse_file(prev_path)})
    shrink = only(result, "shrink")
    assert (
        shrink.row_label == "侵犯知识产权"
        and shrink.column_label == "立案"
        and shrink.severity == "error"
    )
    assert f"上一轮 {before['ip']['filed']}" in shrink.value
    growth = only(result, "growth")
    assert (
        growth.severity == "warning"
        and growth.row_label == "食品安全违法"
        and "倍" in growth.message
    )
    # the same previous round from the warehouse, as long rows
    (again,) = validate_batch([sub], previous={sub.file_key: parse_file(prev_path).long()})
    assert [e.code for e in again.errors] == [e.code for e in result.errors]


def test_a_warning_alone_does_not_reject(fill):
    form = load_form("saic-internet-ads")
    before = sample_values(form, seed=30)
    now = sample_values(form, seed=31, previous=before)
    before["other"]["monitored"] = max(before["other"]["monitored"], 10)
    now["other"]["monitored"] = before["other"]["monitored"] * 50
    prev, _ = fill(form.id, values=before)
    path, _ = fill(form.id, values=now)
    sub = parse_file(path)
    (result,) = validate_batch([sub], previous={sub.file_key: parse_file(prev)})
    assert result.accepted and not result.errors and [w.code for w in result.warnings] == ["growth"]


def test_reports_in_chinese_for_people_and_json_for_machines(fill):
    path, _ = fill("livestream-cases", name="房县局.xlsx")
    typed(path, "livestream-cases", {("price", "filed"): 1, ("price", "closed"): 4})
    results = validate_batch([parse_file(path)])
    text = report_text(results)
    assert "【退回待改】房县局.xlsx" in text and "错误" in text
    for word in (
        "工作表“直播电商违法案件查处情况统计表”",
        "“价格欺诈及不按规定明码标价”行",
        "填写的值：结案 4，立案 1",
        "要求：结案数不能大于立案数",
    ):
        assert word in text
    data = json.loads(report_json(results))
    assert data["accepted"] == 0 and data["files"][0]["errors"][0]["column_key"] == "closed"
    html = report_html(results)
    assert (
        "<table>" in html
        and "价格欺诈及不按规定明码标价" in html
        and "结案数不能大于立案数" in html
    )


def test_a_batch_of_every_form_runs_as_one_suite_and_each_file_keeps_its_own_rules(fill):
    """The forms' suites merge into one GX run; a file is still held to its own form only."""
    from campaign_ops.forms import gxrun
    from campaign_ops.forms.spec import all_forms

    forms = all_forms()
    assert len(gxrun.run_groups(forms)) == 1
    form = load_form("ankang-ad-cases")
    values = sample_values(form, seed=9, cases=2)
    values["r1"]["domain"] = "网站"  # a choice of another column: not a 领域
    bad, _ = fill(form.id, values=values, name="领域填错.xlsx")
    good = [fill(f.id, seed=20 + i, name=f"{f.id}.xlsx")[0] for i, f in enumerate(forms)]
    results = {r.file: r for r in validate_batch([parse_file(p) for p in [*good, bad]])}
    assert all(results[p.name].accepted for p in good)
    (choice,) = results["领域填错.xlsx"].errors
    assert (choice.code, choice.row_label, choice.value) == ("choice", "序号1", "网站")


def test_suites_that_check_a_column_differently_run_separately():
    from campaign_ops.forms.expectations import mergeable, merged_suite_dict, suite_dict

    a, b = (suite_dict(load_form(f)) for f in ("livestream-cases", "saic-internet-ads"))
    c = json.loads(json.dumps(b))
    growth = next(e for e in c["expectations"] if e["kwargs"].get("column") == "growth_ratio")
    growth["kwargs"]["max_value"] = 5.0
    assert mergeable([a, b, c]) == [[0, 1], [2]]
    ads = suite_dict(load_form("ankang-ad-cases"))
    merged = merged_suite_dict([a, ads, b])
    assert len(merged["expectations"]) == len(
        {(e["type"], json.dumps(e["kwargs"])) for s in (a, ads, b) for e in s["expectations"]}
    )
    (choice,) = [e for e in merged["expectations"] if e["kwargs"].get("column") == "choice"]
    assert "ankang-ad-cases/domain=医疗" in choice["kwargs"]["value_set"]


def test_building_each_expectation_once_per_run_finds_the_same_and_leaves_gx_as_it_was(
    fill, monkeypatch
):
    """``gxrun`` builds each expectation's configuration once per run instead of at every
    lookup: the findings are the same as GX's own way, and outside a run GX builds it anew
    each time, as it always does."""
    import contextlib

    import great_expectations.expectations as gxe

    from campaign_ops.forms import gx_internal

    good, _ = fill("livestream-cases", seed=1, name="好.xlsx")
    bad, _ = fill("livestream-cases", seed=2, name="结案多于立案.xlsx")
    typed(bad, "livestream-cases", {("price", "filed"): 3, ("price", "closed"): 5})
    subs = [parse_file(good), parse_file(bad)]

    def findings():
        return [[f.to_dict() for f in r.errors + r.warnings] for r in validate_batch(subs)]

    once = findings()
    expectation = gxe.ExpectColumnValuesToNotBeNull(column="value")
    assert expectation.configuration is not expectation.configuration
    with gx_internal._one_run():
        assert expectation.configuration is expectation.configuration
    assert expectation.configuration is not expectation.configuration
    monkeypatch.setattr(gx_internal, "_one_run", contextlib.nullcontext)
    assert findings() == once
    assert once[0] == [] and {f["code"] for f in once[1]} >= {"rule"}


def test_findings_are_those_of_gx_public_batch_validate(fill, monkeypatch):
    """``gx_internal`` drives GX's validator itself, building each batch once per result format
    and run; GX's public ``Batch.validate`` (a new batch for every call) fails the same
    expectations on the same rows, so every file gets the same findings."""
    from campaign_ops.forms import gxrun

    def by_batch_validate(forms, frame):
        _, definition = gxrun._context()
        batch = definition.get_batch(batch_parameters={"dataframe": frame})
        run = batch.validate(gxrun._suite(forms), result_format={"result_format": "COMPLETE"})
        return [
            (dict(r.expectation_config.meta or {}), list(r.result["unexpected_index_list"]))
            for r in run.results
            if not r.success
        ]

    subs = [parse_file(p) for p in good_and_five_broken(fill)]

    def findings():
        return [[f.to_dict() for f in r.errors + r.warnings] for r in validate_batch(subs)]

    ours = findings()
    monkeypatch.setattr(gxrun, "run_suite", by_batch_validate)
    assert findings() == ours
    assert sum(1 for f in ours if f) == 5 and sum(len(f) for f in ours) >= 8


def test_numbers_in_messages_are_shown_as_typed_not_cut_to_six_digits():
    """罚没款 in 万元 has up to four decimals: 12345.6789 must not read 12345.7 (nor a
    million as 1e+06); sums of decimals do not show float noise."""
    from campaign_ops.forms.cleaning import display

    assert display(12345.6789) == "12345.6789" and display(1234567.5) == "1234567.5"
    assert display(0.1 + 0.2) == "0.3" and display(72.64000000000001) == "72.64"
