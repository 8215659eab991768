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

import datetime as dt

import pytest
import yaml
from bureau_tables import (  # noqa: F401  (fixtures)
    bureau_docx_fixture,
    bureau_fixture,
    calc_save,
    drafted,
)
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Border, Side
from openpyxl.worksheet.datavalidation import DataValidation

from campaign_ops.cli import main
from campaign_ops.forms.cleaning import norm_label
from campaign_ops.forms.form_yaml import flow, to_yaml
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


def test_a_messy_table_three_header_rows_numbering_row_total_on_top_and_a_table_unit(tmp_path):
    """附件 and title in one cell, 金额单位 on the 填报单位 line, three header rows, a row of
    column numbers (甲 乙 1 2 …), 合计 above the rows, a 其中 column, a 说明 line."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "附件1：全市网络交易监管执法情况统计表"
    ws["A2"] = "填报单位：            金额单位：万元"
    for ref, text in {
        "A3:A5": "序号",
        "B3:B5": "项目",
        "C3:F3": "执法情况",
        "C4:E4": "案件查处",
        "F4:F5": "罚没款",
        "G3:G5": "检查经营户\n（户次）",
        "H3:H5": "备注",
    }.items():
        ws[ref.split(":")[0]] = text
        ws.merge_cells(ref)
    ws["C5"], ws["D5"], ws["E5"] = "立案数（件）", "其中：移送公安（件）", "结案数（件）"
    for c, text in enumerate(["甲", "乙", 1, 2, 3, 4, 5, 6], 1):
        ws.cell(row=6, column=c, value=text)
    ws["B7"] = "合  计"
    for c in "CDEFG":
        ws[f"{c}7"] = f"=SUM({c}8:{c}10)"
    for r, label in enumerate(["一、食品", "二、药品", "三、其他"], 8):
        ws.cell(row=r, column=1, value=r - 7)
        ws.cell(row=r, column=2, value=label)
    ws["A12"] = "说明：本表数据为本年度累计数。"
    ws["A13"] = "填表人：            联系电话："
    wb.save(tmp_path / "messy.xlsx")

    draft = draft_form(tmp_path / "messy.xlsx", "messy")
    form = drafted(tmp_path / "messy.xlsx", tmp_path, "messy")
    assert draft.parts.attachment == "附件1" and draft.parts.table_unit == "万元"
    assert form.title == "全市网络交易监管执法情况统计表"
    assert [r.label for r in form.rows] == ["一、食品", "二、药品", "三、其他"]
    assert form.total_row and form.total_row.label == "合计"
    assert [(c.label, c.unit, c.type.value, c.cumulative) for c in form.columns] == [
        ("立案数", "件", "integer", True),
        ("其中：移送公安", "件", "integer", True),
        ("结案数", "件", "integer", True),
        ("罚没款", "万元", "decimal", True),
        ("检查经营户", "户次", "integer", True),
        ("备注", None, "text", False),
    ]
    assert [(g.label, len(g.columns)) for g in form.groups] == [
        ("执法情况·案件查处", 3),
        ("执法情况", 1),
    ]
    assert {r.message for r in form.rules} == {"结案数不能大于立案数", "移送公安不能大于立案数"}
    assert form.notes == ("本表数据为本年度累计数。",)
    fines = draft.marks[("columns", "fines")]
    assert "计量单位取自表上方的“单位：万元”" in fines and not [w for w in fines if "没写" in w]
    assert ("groups",) in draft.marks  # three header rows folded into one level: say so
    assert "原表合计行在各行之上；模板的合计行在最下方" in draft.marks[("total_row",)]


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


def test_two_level_row_labels_a_title_beside_its_attachment_mark_and_a_unit_among_words(
    tmp_path,
):
    """类别 merged over its 项目 rows; 附件2 and the title in separate cells of one row;
    ``（累计，批次）`` in a header."""
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["C1"] = "附件2", "全市食品安全抽检情况统计表"
    ws["A2"], ws["E2"] = "填报单位（盖章）：", "填报日期：  年  月  日"
    heads = ["类别", "项目", "抽检批次（累计，批次）", "不合格批次（批次）", "罚没款（元）"]
    for c, text in enumerate(heads, 1):
        ws.cell(row=3, column=c, value=text)
    for r, (kind, item) in enumerate(
        [
            ("食品", "粮食加工品"),
            ("食品", "食用油"),
            ("食用农产品", "蔬菜"),
            ("食用农产品", "水果"),
        ],
        4,
    ):
        ws.cell(row=r, column=1, value=kind if r in (4, 6) else None)
        ws.cell(row=r, column=2, value=item)
    ws.merge_cells("A4:A5")
    ws.merge_cells("A6:A7")
    ws["A8"] = "合计"
    ws.merge_cells("A8:B8")
    wb.save(tmp_path / "two-level.xlsx")

    draft = draft_form(tmp_path / "two-level.xlsx", "food")
    form = drafted(tmp_path / "two-level.xlsx", tmp_path, "food")
    assert draft.parts.attachment == "附件2" and form.title == "全市食品安全抽检情况统计表"
    assert form.row_header == "项目"
    assert [r.label for r in form.rows] == ["粮食加工品", "食用油", "蔬菜", "水果"]
    assert any("行分两级" in why for why in draft.marks[("rows",)])
    assert form.total_row and form.total_row.label == "合计"
    assert [(c.label, c.unit, c.type.value, c.cumulative) for c in form.columns] == [
        ("抽检批次（累计）", "批次", "integer", True),
        ("不合格批次", "批次", "integer", False),
        ("罚没款", "元", "decimal", False),
    ]
    assert form.columns[2].decimals == 2


def test_the_same_column_under_several_groups_and_a_unit_in_the_group_header(tmp_path):
    """立案（件）, 结案（件）, 罚没款（万元） each over 本期 and 累计: a common government table."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "案件查处情况统计表"
    ws["A2"], ws["B2"] = "项目", "立案（件）"
    ws["D2"], ws["F2"] = "结案（件）", "罚没款（万元）"
    ws.merge_cells("A2:A3")
    for first in "BDF":
        ws.merge_cells(f"{first}2:{chr(ord(first) + 1)}2")
    for c in range(2, 8):
        ws.cell(row=3, column=c, value="本期" if c % 2 == 0 else "累计")
    for r, label in enumerate(["虚假宣传", "价格违法", "合计"], 4):
        ws.cell(row=r, column=1, value=label)
    wb.save(tmp_path / "groups.xlsx")

    form = drafted(tmp_path / "groups.xlsx", tmp_path, "groups")
    assert [(c.label, c.unit, c.type.value) for c in form.columns] == [
        ("立案本期", "件", "integer"),
        ("立案累计", "件", "integer"),
        ("结案本期", "件", "integer"),
        ("结案累计", "件", "integer"),
        ("罚没款本期", "万元", "decimal"),
        ("罚没款累计", "万元", "decimal"),
    ]
    assert [(g.label, len(g.columns)) for g in form.groups] == [
        ("立案", 2),
        ("结案", 2),
        ("罚没款", 2),
    ]
    assert [c.label for c in form.columns if c.cumulative] == ["立案累计", "结案累计", "罚没款累计"]
    rules = {
        (form.columns_by_key[r.left].label, form.columns_by_key[r.right].label) for r in form.rules
    }
    assert rules == {
        ("结案本期", "立案本期"),
        ("结案累计", "立案累计"),
        ("立案本期", "立案累计"),
        ("结案本期", "结案累计"),
        ("罚没款本期", "罚没款累计"),
    }


def test_repeated_labels_are_told_apart_and_a_file_without_a_table_is_refused(tmp_path, capsys):
    wb = Workbook()
    ws = wb.active
    ws.append(["直播电商案件统计表"])
    ws.append([None, None, "表    号：", "市监统1表"])  # an official statistics table's corner
    ws.append([None, None, "制定机关：", "市市场监管局"])
    ws.append(["项目", "件数（件）", "备注", "备注"])
    for label in ["食品", "其中：线上", "药品", "其中：线上"]:
        ws.append([label])
    wb.save(tmp_path / "repeated.xlsx")
    form = drafted(tmp_path / "repeated.xlsx", tmp_path, "repeated")
    assert [(r.label, r.part_of) for r in form.rows] == [
        ("食品", None),
        ("其中：线上", "row1"),
        ("药品", None),
        ("其中：线上·药品", "drugs"),
    ]
    assert [c.label for c in form.columns] == ["件数", "备注", "备注·2"]

    empty = tmp_path / "empty.xlsx"
    Workbook().save(empty)
    assert main(["form-from-xlsx", str(empty), "-o", str(tmp_path / "e.yaml")]) == 1
    assert "empty.xlsx 中没有找到表格内容" in capsys.readouterr().err
    (tmp_path / "circular.pdf").write_bytes(b"%PDF-1.4")
    assert main(["form-from-xlsx", str(tmp_path / "circular.pdf"), "-o", str(tmp_path / "d.yaml")])
    assert "circular.pdf 不是 Excel 表格或 Word 文档" in capsys.readouterr().err
    assert not (tmp_path / "e.yaml").exists() and not (tmp_path / "d.yaml").exists()


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


def test_a_case_list_with_drop_downs_from_a_hidden_sheet_and_sample_values(tmp_path):
    """The options of a long list sit on a hidden sheet; a sample row shows the kinds."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "典型案例信息表"
    ws.append(["序号", "填报单位", "案件名称", "违法类型", "立案日期", "罚没金额", "办理状态"])
    ws.append([1, "汉滨区局", "某公司虚假宣传案", "虚假宣传", dt.date(2024, 5, 6), 1.25, "已结案"])
    for i in range(2, 16):
        ws.append([i])
    options = wb.create_sheet("选项")
    for r, text in enumerate(["虚假宣传", "价格违法", "其他"], 1):
        options.cell(row=r, column=1, value=text)
    options.sheet_state = "hidden"
    for ref, formula in (("D3:D17", "选项!$A$1:$A$3"), ("G3:G17", '"在办,已结案"')):
        dv = DataValidation(type="list", formula1=formula)
        dv.add(ref)
        ws.add_data_validation(dv)
    wb.save(tmp_path / "cases.xlsx")

    draft = draft_form(tmp_path / "cases.xlsx", "cases")
    form = drafted(tmp_path / "cases.xlsx", tmp_path, "cases")
    assert form.layout == "list" and form.template_rows == 15
    assert [(c.label, c.type.value, c.choices) for c in form.columns] == [
        ("案件名称", "text", ()),
        ("违法类型", "choice", ("虚假宣传", "价格违法", "其他")),
        ("立案日期", "date", ()),
        ("罚没金额", "decimal", ()),
        ("办理状态", "choice", ("在办", "已结案")),
    ]
    assert "填报单位（报送单位：系统按文件来自哪个单位区分，无需填写）" in draft.dropped
    assert any("元还是万元" in w for w in draft.marks[("columns", form.columns[3].key)])


def test_a_table_of_figures_without_row_names_is_one_row_per_unit(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["附件2-1"])
    ws.append(["网络交易监测情况表"])
    ws.append(["数据截止时间：2024年6月30日"])
    ws.append(["单位名称", "监测网店（个）", "发现违法线索（条）", "罚没款（万元）"])
    ws.append([None])
    wb.save(tmp_path / "figures.xlsx")
    draft = draft_form(tmp_path / "figures.xlsx", "figures")
    form = drafted(tmp_path / "figures.xlsx", tmp_path, "figures")
    assert draft.parts.attachment == "附件2-1" and form.title == "网络交易监测情况表"
    assert form.layout == "fixed" and [r.label for r in form.rows] == ["本单位"]
    assert form.row_header == "单位名称" and form.total_row is None
    assert [c.label for c in form.columns] == ["监测网店", "发现违法线索", "罚没款"]
    assert "原表只有数字列、没有行名称：每个单位填一行（本单位）" in draft.marks[("rows",)]


@pytest.mark.parametrize(
    "text",
    [
        "立案数",
        "No.1",
        "yes",
        "null",
        "2024",
        "1.5",
        "a: b",
        "甲, 乙",
        "[其他]",
        "#1",
        "- 负",
        "“一对一”",
        "50%",
        "@平台",
        "其中:网络",
        "'引号'",
        '"双引号"',
        "行末空格 ",
        "~",
        "2023-05-09",
        "on",
    ],
)
def test_every_label_reads_back_from_the_yaml_as_written(text):
    line = flow({"key": "k", "label": text, "choices": [text, "否"]})
    assert yaml.safe_load(line) == {"key": "k", "label": text, "choices": [text, "否"]}


def test_a_title_and_its_subtitle_side_by_side_are_not_the_header(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["D1"] = "直播电商违法案件查处情况统计表", "（2024年第二季度）"
    box = Border(*(Side(style="thin"),) * 4)
    for r, line in enumerate(
        [
            ["项目", "立案（件）", "结案（件）", "罚没款（万元）"],
            ["虚假宣传"],
            ["价格违法"],
            ["合计"],
        ],
        2,
    ):
        for c in range(1, 5):
            ws.cell(row=r, column=c, value=line[c - 1] if c <= len(line) else None).border = box
    wb.save(tmp_path / "subtitle.xlsx")
    form = drafted(tmp_path / "subtitle.xlsx", tmp_path, "subtitle")
    assert form.title == "直播电商违法案件查处情况统计表"
    assert [r.label for r in form.rows] == ["虚假宣传", "价格违法"] and form.total_row
    assert [c.label for c in form.columns] == ["立案", "结案", "罚没款"]


def test_a_group_with_its_own_subtotal_column_adds_up_to_it(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "网络交易案件统计表"
    ws["A2"], ws["B2"], ws["E2"] = "项目", "立案（件）", "结案（件）"
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:D2")
    ws.merge_cells("E2:G2")
    for c, text in enumerate(["小计", "线上", "线下"] * 2, 2):
        ws.cell(row=3, column=c, value=text)
    for r, label in enumerate(["食品", "药品"], 4):
        ws.cell(row=r, column=1, value=label)
    wb.save(tmp_path / "subtotal.xlsx")
    form = drafted(tmp_path / "subtotal.xlsx", tmp_path, "subtotal")
    assert [c.label for c in form.columns] == [
        *("立案小计", "立案线上", "立案线下", "结案小计", "结案线上", "结案线下")
    ]
    assert {r.message for r in form.rules} == {
        "立案线上、立案线下之和应等于立案小计",
        "结案线上、结案线下之和应等于结案小计",
        "结案小计不能大于立案小计",
        "结案线上不能大于立案线上",
        "结案线下不能大于立案线下",
    }
