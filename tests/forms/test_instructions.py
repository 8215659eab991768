"""The 填表说明 follows the form spec, contradicts nothing, and shows no internal id or command.

What a unit reads is every visible cell, every in-cell prompt and error message, and the
workbook's title; the hidden metadata sheet is for the system alone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from campaign_ops.campaign import Campaign, load_campaigns
from campaign_ops.forms.instructions import sections
from campaign_ops.forms.layout import INSTRUCTIONS_SHEET
from campaign_ops.forms.spec import FormSpec, Layout, Rule, TotalRow, all_forms, load_form
from campaign_ops.forms.template import write_template


def _read_by_unit(path: Path) -> list[str]:
    """Every text a unit can see in a template."""
    wb = load_workbook(path)
    texts = [wb.properties.title or "", *(ws.title for ws in wb.worksheets)]
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        texts += [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
        for dv in ws.data_validations.dataValidation:
            texts += [dv.prompt or "", dv.promptTitle or "", dv.error or "", dv.errorTitle or ""]
        texts += [ws.oddHeader.center.text or "", ws.oddFooter.center.text or ""]
    return texts


def _instructions_text(path: Path) -> str:
    ws = load_workbook(path)[INSTRUCTIONS_SHEET]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


Generated = list[tuple[Path, FormSpec, Campaign | None, list[str]]]


@pytest.fixture(scope="module")
def every_template(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """Each seed campaign's templates for every round and form, plus each form's blank, with
    the internal ids that must not show."""
    tmp_path = tmp_path_factory.mktemp("every-template")
    out = []
    for c in load_campaigns():
        if not isinstance(c, Campaign):
            continue
        for round_ in (r for r in c.rounds if r.forms):
            unit = c.units_for(round_)[0]
            for form_id in round_.forms:
                form = load_form(form_id)
                path = tmp_path / f"{c.id}-{round_.id}-{form_id}.xlsx"
                write_template(form, path, campaign=c, round_=round_, unit=unit)
                out.append((path, form, c, [form.id, c.id, round_.id, unit.code]))
    for form in all_forms():
        path = write_template(form, tmp_path / f"blank-{form.id}.xlsx")
        out.append((path, form, None, [form.id]))
    return out


def test_no_internal_id_or_command_line_in_anything_a_unit_reads(every_template: Generated):
    for path, form, _, ids in every_template:
        texts = _read_by_unit(path)
        words = {w for t in texts for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9_-]*", t)}
        shown = words & set(ids)
        assert not shown, f"{path.name} 显示了内部编号 {shown}"
        joined = "\n".join(texts)
        assert "campaign-ops" not in joined and "命令" not in joined, path.name
        assert form.version_label in _instructions_text(path)
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日版", form.version_label), form.id


def test_instructions_never_contradict_the_sheet(every_template: Generated):
    """No 灰色 or 合计 words for cells the sheet lacks; an empty list may be sent while a
    fixed table's blanks are sent back — each form gets only its own sentence."""
    for path, form, campaign, _ in every_template:
        text = _instructions_text(path)
        assert "灰色" not in text
        # a unit's own template identifies itself; a blank one by what the unit types
        assert ("下发给本单位的这份文件" in text) == (campaign is not None)
        assert ("“填报单位”处填写本单位全称" in text) == (campaign is None)
        has_total = form.total_row is not None
        assert ("合计" in text) == (has_total or any("合计" in n for n in form.notes)), form.id
        if form.layout == Layout.list:
            assert "留空报送即可" in text and "整份表会被退回" not in text
            assert f"预留了 {form.template_rows} 行" in text
        else:
            assert "整份表会被退回" in text and "留空报送即可" not in text
            assert "预留了" not in text


def _text(form: FormSpec, **kw) -> str:
    return "\n".join(
        f"{s.title}\n" + "\n".join(f"{a} {b}" for a, b in s.lines) for s in sections(form, **kw)
    )


def test_changing_the_spec_changes_the_instructions(tmp_path: Path):
    form = load_form("livestream-cases")
    before = _text(form)
    assert "结案数不能大于立案数" in before

    # a new rule appears, in the spec's own words
    rule = Rule(kind="le", left="closed", right="filed", message="结案数不得超过立案数")
    changed = form.model_copy(update={"rules": (rule,)})
    after = _text(changed)
    assert "结案数不得超过立案数" in after and "结案数不能大于立案数" not in after

    # without a 合计 row, nothing about 合计 (the spec's own notes aside)
    no_total = form.model_copy(update={"total_row": None, "notes": ()})
    assert "合计" not in _text(no_total) and "合计" in _text(form)
    with_other = form.model_copy(update={"total_row": TotalRow(label="总计")})
    assert "“总计”行由公式自动计算" in _text(with_other)

    # a column made optional is named as optional
    cols = tuple(
        c.model_copy(update={"required": False}) if c.key == "fines" else c for c in form.columns
    )
    optional = _text(form.model_copy(update={"columns": cols}))
    assert "罚没款可以不填" in optional and "罚没款可以不填" not in before

    # a case list's row count and limit come from the spec, and reach the written sheet
    cases = load_form("ankang-ad-cases")
    more = cases.model_copy(update={"template_rows": 50, "max_rows": 800})
    path = write_template(more, tmp_path / "more.xlsx")
    assert "预留了 50 行" in _instructions_text(path) and "最多 800 行" in _instructions_text(path)
    sheet = load_workbook(path).worksheets[0]
    notes = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert any("右键单击第 50 行" in t for t in notes)


@pytest.mark.parametrize("form_id", [f.id for f in all_forms()])
def test_every_column_and_rule_is_explained(form_id: str, tmp_path: Path):
    form = load_form(form_id)
    text = _instructions_text(write_template(form, tmp_path / "t.xlsx"))
    for col in form.columns:
        assert col.header in text
    for rule in form.rules:
        if rule.message:
            assert rule.message in text
    for row in form.rows:
        if row.part_of:
            assert f"“{row.label}”各栏不能大于" in text
    for note in form.notes:
        assert note in text
