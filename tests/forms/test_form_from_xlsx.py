"""``form-from-xlsx``: a bureau's own attachment table becomes a form spec that passes the
form linter and says what the table says.

The strongest check: for each of the six seed forms, the table a clerk would have drawn for it
(``bureau_tables.from_form``, saved by LibreOffice Calc) drafts back into that form: the same
title, layout, row header, row labels with their units and 其中 rows, 合计 row, column labels
in order with units, types and drop-down options, group headers and notes. What a table cannot
say is left out of the comparison and named here:

- value ranges (``max``), ``aliases`` and ``help`` texts: not printed in a table;
- ``required: false`` of the case list's 结案日期 and 罚没款: a table does not say which cells
  may stay blank (the drafted spec asks for every cell but 备注/说明);
- rules the words do not give (发现涉嫌违法广告 ≤ 监测互联网广告, 移送公安 ≤ 立案, 本期新增/
  已建台账/已亮照 ≤ 在册主体数): drafted rules must be right, not complete;
- ``version_date`` and the keys (``key`` is our data code; known labels reuse the keys of the
  forms already in the folder, new ones are numbered).
"""

from __future__ import annotations

import pytest
from bureau_tables import (  # noqa: F401  (fixtures)
    bureau_docx_fixture,
    bureau_fixture,
    calc_save,
    drafted,
)
from openpyxl import load_workbook

from campaign_ops.cli import main
from campaign_ops.forms.cleaning import norm_label
from campaign_ops.forms.form_yaml import to_yaml
from campaign_ops.forms.from_xlsx import draft_form
from campaign_ops.forms.spec import FormSpec, all_forms, load_form, load_form_file
from campaign_ops.vocabulary import TO_VERIFY

FORM_IDS = [f.id for f in all_forms()]


def _shape(form: FormSpec) -> dict:
    """What a table shows of a form, by label (keys are ours, not the bureau's)."""
    label = {c.key: c.label for c in form.columns}
    row = {r.key: r.label for r in form.rows}
    return {
        "title": form.title,
        "layout": form.layout,
        "row_header": form.row_header,
        "rows": [(r.label, r.unit, row.get(r.part_of or "")) for r in form.rows],
        "total": form.total_row.label if form.total_row else None,
        "columns": [(c.label, c.unit, c.type.value, c.choices) for c in form.columns],
        "groups": [(g.label, [label[k] for k in g.columns]) for g in form.groups],
        "cumulative": [c.label for c in form.columns if c.cumulative],
        "notes": list(form.notes),
    }


@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", FORM_IDS)
def test_the_bureaus_table_of_a_seed_form_drafts_back_into_that_form(form_id, bureau, tmp_path):
    original = load_form(form_id)
    draft = drafted(bureau[form_id], tmp_path, f"drafted-{form_id}")
    assert _shape(draft) == _shape(original)
    label = lambda f, k: f.columns_by_key[k].label  # noqa: E731
    mine = {(r.kind, *(label(draft, k) for k in r.columns)) for r in draft.rules}
    theirs = {(r.kind, *(label(original, k) for k in r.columns)) for r in original.rules}
    assert mine <= theirs, "a drafted rule the form does not have"
    if form_id in ("huangshan-network-market", "livestream-subjects", "ankang-work-stats"):
        assert mine, "结案≤立案, 本期≤累计 and 其中 columns give a rule"


@pytest.mark.libreoffice
def test_every_guess_is_marked_for_review_in_the_yaml_and_the_summary(bureau, tmp_path, capsys):
    out = tmp_path / "work-stats.yaml"
    assert main(["form-from-xlsx", str(bureau["ankang-work-stats"]), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "已从 ankang-work-stats.xlsx 起草表单 work-stats《工作情况统计表》" in printed
    assert "固定行表：17 行（项目），其中 2 行为“其中”行" in printed
    assert "需要人工核实" in printed and "检查通过" in printed
    # the columns have no unit in their header: typed as integers, and said so where it is
    lines = [ln for ln in text.splitlines() if "label: 本期数" in ln or "label: 累计数" in ln]
    assert len(lines) == 2 and all(f"# {TO_VERIFY}：表头没写计量单位" in ln for ln in lines)
    assert f"# {TO_VERIFY}：按列名推断的核对规则" in text
    assert "未带入的列：序号（模板不印序号，各行按名称识别）" in text
    # the table is a form we already have: say so before a second copy is made
    assert "与已有表单 ankang-work-stats《工作情况统计表》的行和列 100% 相同" in printed
    assert (
        text.startswith("# 由《ankang-work-stats.xlsx》起草") and "id: work-stats  # 待核实" in text
    )
    assert load_form_file(out).rows[2].part_of == "training_people"


@pytest.mark.libreoffice
def test_the_command_refuses_a_name_that_cannot_be_a_form_id_and_never_overwrites(
    bureau, tmp_path, capsys
):
    table = str(bureau["saic-internet-ads"])
    assert main(["form-from-xlsx", table, "-o", str(tmp_path / "统计表.yaml")]) == 2
    assert "不能作表单编号" in capsys.readouterr().err
    out = tmp_path / "ads.yaml"
    out.write_text("# 已核实的版本\n", encoding="utf-8")
    assert main(["form-from-xlsx", table, "-o", str(out)]) == 2
    assert "已存在" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "# 已核实的版本\n"
    assert main(["form-from-xlsx", table, "-o", str(out), "--force"]) == 0
    assert load_form_file(out).title == "互联网广告监管执法情况统计表"


@pytest.mark.libreoffice
def test_a_county_summary_becomes_one_row_per_unit(bureau, tmp_path):
    """Rows that are the counties themselves: each county fills its own row in our template,
    and the consolidated report is the summary."""
    form = drafted(bureau["county_summary"], tmp_path, "county-summary")
    assert [r.label for r in form.rows] == ["本单位"] and form.total_row is None
    assert form.row_header == "县（市、区）"
    assert [(c.label, c.unit, c.type.value) for c in form.columns] == [
        ("立案数", "件", "integer"),
        ("结案数", "件", "integer"),
        ("罚没款", "万元", "decimal"),
        ("移送公安", "件", "integer"),
    ]
    assert [(r.kind, r.left, r.right) for r in form.rules] == [
        ("le", "cases_closed", "cases_filed")
    ]
    text = to_yaml(draft_form(bureau["county_summary"], "county-summary"))
    assert f"# {TO_VERIFY}：原表每行是一个县（市、区）" in text


@pytest.mark.libreoffice
def test_a_list_of_people_is_a_text_list_and_its_unit_column_is_kept(bureau, tmp_path):
    form = drafted(bureau["leading_group"], tmp_path, "leading-group")
    assert form.layout == "list" and form.row_header == "序号" and form.total_row is None
    assert [(c.label, c.type.value) for c in form.columns] == [
        ("姓名", "text"),
        ("工作单位", "text"),
        ("职务", "text"),
        ("联系电话", "text"),
    ]
    assert form.template_rows == 12


@pytest.mark.libreoffice
def test_a_task_list_keeps_its_tasks_and_their_given_text(bureau, tmp_path):
    form = drafted(bureau["task_list"], tmp_path, "task-list")
    assert form.layout == "fixed" and len(form.rows) == 4
    assert (
        form.rows[1].label
        == "细化制定直播电商行业规范（责任单位：市场监管局、商务局；完成时限：2024年10月）"
    )
    # the parser matches a row by its label without the bracket: the bureau's table still reads
    assert norm_label(form.rows[1].label) == "细化制定直播电商行业规范"
    assert [(c.label, c.type.value, c.required) for c in form.columns] == [
        ("工作进展情况", "text", True),
        ("备注", "text", False),
    ]


@pytest.mark.libreoffice
def test_an_old_xls_table_and_a_named_sheet_draft_the_same_form(bureau, tmp_path, capsys):
    """Circulars still attach .xls files; a workbook may hold several attachment tables."""
    xlsx = bureau["livestream-cases"]
    xls = tmp_path / "livestream-cases.xls"
    wb = load_workbook(xlsx)
    wb.copy_worksheet(wb.worksheets[0]).title = "附件2"
    wb.worksheets[0].title = "附件1"
    wb.save(tmp_path / "two.xlsx")
    calc_save([tmp_path / "two.xlsx"], tmp_path / "xls", tmp_path / "lo", to="xls")
    (tmp_path / "xls" / "two.xls").rename(xls)
    expected = draft_form(xlsx, "cases")
    got = draft_form(xls, "cases", sheet_name="附件2")
    assert (got.spec, got.marks) == (expected.spec, expected.marks)
    assert main(["form-from-xlsx", str(xls), "-o", str(tmp_path / "c.yaml"), "--sheet", "附件9"])
    assert "没有工作表“附件9”（有：附件1、附件2）" in capsys.readouterr().err


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_the_table_inside_the_circulars_word_document_drafts_the_same_form(
    form_id, bureau_docx, tmp_path
):
    """Word has no drop-down lists: a case list's choice columns come back as text, to be
    turned into choices by a person (the options are not in the table)."""
    form = load_form(form_id)
    original = _shape(form)
    draft_spec = drafted(bureau_docx[form_id], tmp_path, f"word-{form_id}")
    draft = _shape(draft_spec)
    assert draft_spec.version_date == form.version_date  # the document's save date
    if form_id == "ankang-ad-cases":
        original["columns"] = [
            (
                label,
                unit,
                "text" if kind == "choice" and label != "是否移送公安" else kind,
                () if kind == "choice" and label != "是否移送公安" else choices,
            )
            for label, unit, kind, choices in original["columns"]
        ]
    assert draft == original


def test_a_numbered_table_of_a_word_document_and_an_old_doc(bureau_docx, tmp_path, capsys):
    path = bureau_docx["saic-internet-ads"]
    assert draft_form(path, "ads", sheet_name="1").spec == draft_form(path, "ads").spec
    assert main(["form-from-xlsx", str(path), "-o", str(tmp_path / "a.yaml"), "--sheet", "2"])
    assert "中没有第 2 个表格（共 1 个）" in capsys.readouterr().err
    (tmp_path / "附件.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    assert main(["form-from-xlsx", str(tmp_path / "附件.doc"), "-o", str(tmp_path / "b.yaml")])
    assert "附件.doc 是旧版 Word 文档：请用 Word 或 WPS 另存为 .docx" in capsys.readouterr().err
