"""Generated templates look like a government table and protect everything but the inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from campaign_ops.forms.layout import INSTRUCTIONS_SHEET, META_SHEET, TemplateLayout
from campaign_ops.forms.parser import parse_file
from campaign_ops.forms.samples import campaign_using as seed_campaign_for
from campaign_ops.forms.spec import all_forms, load_form
from campaign_ops.forms.template import generate_templates, template_filename

FORM_IDS = [f.id for f in all_forms()]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_template_is_a_ready_to_fill_government_table(form_id: str, templates: dict[str, Path]):
    form = load_form(form_id)
    campaign, round_, unit = seed_campaign_for(form_id)
    wb = load_workbook(templates[form_id])
    ws = wb.worksheets[0]
    lay = TemplateLayout(form)
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert ws["A1"].value == form.title
    assert unit.name in texts, "填报单位 is prefilled"
    assert any(round_.title in t for t in texts)
    shown = {t.replace("\n", "") for t in texts}  # long headers are broken into lines
    for col in form.columns:
        assert col.header in shown
    for group in form.groups:  # merged group headers above their columns
        first = lay.col(group.columns[0])
        assert any(
            m.min_row == 4 and m.min_col == first and m.max_col == first + len(group.columns) - 1
            for m in ws.merged_cells.ranges
        ), group.label
    # inputs unlocked, labels and headers locked, sheet protected without a password
    assert ws.protection.sheet and not ws.protection.password
    # a case list lets the unit insert rows for more cases; a fixed table does not
    assert ws.protection.insertRows is (form.layout != "list")
    first_key = lay.row_keys[0]
    assert ws[lay.cell(first_key, form.columns[0].key)].protection.locked is False
    assert ws.cell(row=lay.first_data_row, column=1).protection.locked is True
    assert ws.cell(row=4, column=lay.first_data_col).protection.locked is True
    if form.total_row:
        total = ws.cell(row=lay.total_row, column=lay.col(form.numeric_columns[0].key))
        assert str(total.value).startswith("=SUM(") and total.protection.locked is True
    # in-cell validation: whole numbers ≥ 0 and drop-down lists
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    if any(c.type == "integer" for c in form.columns):
        assert "whole" in kinds
        whole = next(dv for dv in ws.data_validations.dataValidation if dv.type == "whole")
        assert whole.formula1 == "0" and whole.showErrorMessage
    if any(c.type == "choice" for c in form.columns):
        assert "list" in kinds
    # instructions sheet and a very hidden, protected metadata sheet
    assert INSTRUCTIONS_SHEET in wb.sheetnames
    meta = wb[META_SHEET]
    assert meta.sheet_state == "veryHidden" and meta.protection.sheet
    pairs = {r[0]: r[1] for r in meta.iter_rows(values_only=True)}
    assert pairs["campaign"] == campaign.id and pairs["round"] == round_.id
    assert (
        pairs["unit"] == unit.code
        and pairs["form"] == form.id
        and pairs["form_version"] == form.version
    )


def test_untouched_template_identifies_itself_on_intake(templates: dict[str, Path]):
    from campaign_ops.forms.submission import Refusal

    unit = seed_campaign_for("ankang-work-stats")[2]
    with pytest.raises(Refusal) as err:
        parse_file(templates["ankang-work-stats"])
    assert err.value.code == "empty"
    assert unit.name in err.value.message and "请填写后再报送" in err.value.message
    # a case list may honestly be empty: it is read, identified, and flagged for a look
    sub = parse_file(templates["ankang-ad-cases"])
    assert sub.identity.unit == seed_campaign_for("ankang-ad-cases")[2].code
    assert sub.data_rows == [] and [n.code for n in sub.notes] == ["no_rows"]


def test_one_template_per_unit_with_chinese_names(tmp_path: Path):
    campaign, round_, _ = seed_campaign_for("ankang-work-stats")
    paths = generate_templates(campaign, tmp_path, round_id=round_.id)
    units = campaign.units_for(round_)
    assert len(paths) == len(units) * len(round_.forms)
    names = {p.name for p in paths}
    for unit in units:
        assert template_filename(load_form("ankang-work-stats"), unit, round_) in names
    assert all(
        p.suffix == ".xlsx" and any("\u4e00" <= ch <= "\u9fff" for ch in p.stem) for p in paths
    )
    sub = parse_file(next(p for p in paths if units[1].name in p.name and "案件" in p.name))
    assert sub.identity.unit == units[1].code and sub.reporting_unit == units[1].name
