"""``form-from-xlsx`` on tables drawn the many ways people draw them: three header rows and a
row of column numbers, 合计 above the rows, a table-wide unit, 类别 merged over 项目 rows, the
same 本期/累计 under several groups, a group with its own 小计, drop-down lists on a hidden
sheet, a title beside its subtitle, repeated labels, figures without row names. Each drafted
spec must pass the form linter (``drafted``) and say what the table says."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from bureau_tables import drafted
from openpyxl import Workbook
from openpyxl.styles import Border, Side
from openpyxl.worksheet.datavalidation import DataValidation

from campaign_ops.cli import main
from campaign_ops.forms.form_yaml import flow
from campaign_ops.forms.from_xlsx import draft_form


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
