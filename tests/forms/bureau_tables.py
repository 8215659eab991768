"""Attachment tables as a bureau's clerk makes them, for the ``form-from-xlsx`` tests.

``from_form`` draws a form's table the way a person does in Excel: 附件2 and a title line,
a 填报单位/填报日期 line, a 序号 column, two-level headers with merged group cells, units of
measure in brackets on a second line, a 合计 row of SUM formulas, drop-down lists for choice
columns, notes and a 填表人 line under the table. The other functions draw the shapes the seed
circulars' attachment lists describe. The tests save them through LibreOffice Calc, as the
bureau's file would have been saved.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from calc_client import require
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from campaign_ops.cli.form_from_xlsx import lint_form
from campaign_ops.forms.form_yaml import to_yaml
from campaign_ops.forms.from_xlsx import draft_form
from campaign_ops.forms.spec import ColumnType, FormSpec, Layout, all_forms, load_form_file

SHAPES = ("county_summary", "leading_group", "task_list")
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SIGNATURE = "填表人：        审核人：        联系电话："
MIDDLE = Alignment(horizontal="center", vertical="center", wrap_text=True)


class Drawing:
    """A sheet being drawn: title lines, then a boxed table, then notes."""

    def __init__(self, width: int, title: str, attachment: str = "附件2") -> None:
        self.wb = Workbook()
        self.ws = self.wb.active
        self.ws.title = "Sheet1"
        self.width = width
        self.ws["A1"] = attachment
        self.ws["A1"].font = Font(name="黑体", size=12)
        self.line(2, title, size=16, bold=True)
        self.ws.cell(row=3, column=1, value="填报单位（盖章）：")
        self.ws.cell(row=3, column=max(width - 2, 2), value="填报日期：    年  月  日")
        self.row = 4

    def line(self, r: int, text: str, size: int = 11, bold: bool = False) -> None:
        cell = self.ws.cell(row=r, column=1, value=text)
        cell.font = Font(size=size, bold=bold)
        cell.alignment = MIDDLE if bold else Alignment(wrap_text=True, vertical="top")
        self.ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=self.width)

    def box(self, r: int, c: int, value=None, r2: int | None = None, c2: int | None = None):
        cell = self.ws.cell(row=r, column=c, value=value)
        cell.alignment = MIDDLE
        for rr in range(r, (r2 or r) + 1):
            for cc in range(c, (c2 or c) + 1):
                self.ws.cell(row=rr, column=cc).border = BOX
        if (r2 or r, c2 or c) != (r, c):
            self.ws.merge_cells(start_row=r, start_column=c, end_row=r2 or r, end_column=c2 or c)
        return cell

    def notes(self, notes: list[str], signature: str = SIGNATURE) -> None:
        """注：1. … 2. … merged across the table, then the 填表人 line."""
        r = self.row + 1
        for i, n in enumerate(notes):
            text = f"{i + 1}. {n}" if len(notes) > 1 else n
            self.line(r, ("注：" if i == 0 else "") + text)
            r += 1
        self.ws.cell(row=r + 1, column=1, value=signature)

    def save(self, path: Path, label_width: float = 14) -> Path:
        """Columns a person widened to read the labels; A4 landscape, fitted to the width."""
        for c in range(1, self.width + 1):
            width = 6 if c == 1 else label_width if c == 2 else 12
            self.ws.column_dimensions[get_column_letter(c)].width = width
        self.ws.row_dimensions[2].height = 30
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.paperSize = self.ws.PAPERSIZE_A4
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.wb.save(path)
        return path


def from_form(form: FormSpec, path: Path, *, blank_rows: int = 20) -> Path:
    """The bureau's own version of ``form``'s table (what our template imitates)."""
    lead = 2 + (1 if form.row_units else 0) if form.layout == Layout.fixed else 1
    width = lead + len(form.columns)
    d = Drawing(width, form.title)
    deep = bool(form.groups)
    top, bottom = d.row, d.row + (1 if deep else 0)
    d.box(top, 1, "序号", bottom)
    c = 2
    if form.layout == Layout.fixed:
        d.box(top, 2, form.row_header, bottom)
        c = 3
        if form.row_units:
            d.box(top, 3, "计量单位", bottom)
            c = 4
    first_col = c
    seen: set[str] = set()
    for col in form.columns:
        group = form.group_of(col.key)
        header = f"{col.label}\n（{col.unit}）" if col.unit else col.label
        if group:
            if group.label not in seen:
                seen.add(group.label)
                d.box(top, c, group.label, c2=c + len(group.columns) - 1)
            d.box(bottom, c, header)
        else:
            d.box(top, c, header, bottom)
        c += 1
    r = bottom + 1
    body_rows: list[int] = []
    if form.layout == Layout.fixed:
        n = 0
        for row in form.rows:
            if not row.part_of:
                n += 1
            d.box(r, 1, None if row.part_of else n)
            d.box(r, 2, row.label).alignment = Alignment(horizontal="left", wrap_text=True)
            if form.row_units:
                d.box(r, 3, row.unit)
            for cc in range(first_col, width + 1):
                d.box(r, cc)
            if not row.part_of:
                body_rows.append(r)
            r += 1
    else:
        for i in range(1, blank_rows + 1):
            d.box(r, 1, i)
            for cc in range(2, width + 1):
                d.box(r, cc)
            body_rows.append(r)
            r += 1
        for col in form.columns:
            if col.type == ColumnType.choice:
                dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"')
                letter = get_column_letter(first_col + [x.key for x in form.columns].index(col.key))
                dv.add(f"{letter}{body_rows[0]}:{letter}{body_rows[-1]}")
                d.ws.add_data_validation(dv)
    if form.total_row:
        label_col = 2 if form.layout == Layout.fixed else 1
        if label_col == 2:
            d.box(r, 1)
        d.box(r, label_col, "合    计")
        for i, col in enumerate(form.columns):
            cc = first_col + i
            letter = get_column_letter(cc)
            refs = ",".join(f"{letter}{x}" for x in body_rows)
            if body_rows == list(range(body_rows[0], body_rows[-1] + 1)):
                refs = f"{letter}{body_rows[0]}:{letter}{body_rows[-1]}"
            d.box(r, cc, f"=SUM({refs})" if col.numeric else None)
        if form.row_units:
            d.box(r, 3)
        r += 1
    d.row = r
    d.notes(list(form.notes))
    return d.save(path, label_width=34 if form.layout == Layout.fixed else 14)


def docx_from_form(form: FormSpec, path: Path, *, blank_rows: int = 8) -> Path:
    """The same table typed into the circular's Word document: 附件2, the title and the
    填报单位 line as paragraphs, merged header cells, 注 paragraphs under the table."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = docx.Document()
    doc.add_paragraph("附件2")
    title = doc.add_paragraph()
    title.add_run(form.title).bold = True
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("填报单位（盖章）：　　　　　　　　填报日期：　　年　　月　　日")
    lead = [("序号", None)]
    if form.layout == Layout.fixed:
        lead.append((form.row_header, None))
        if form.row_units:
            lead.append(("计量单位", None))
    deep = 2 if form.groups else 1
    body = len(form.rows) if form.layout == Layout.fixed else blank_rows
    total = 1 if form.total_row else 0
    table = doc.add_table(rows=deep + body + total, cols=len(lead) + len(form.columns))
    table.style = "Table Grid"
    for c, (text, _) in enumerate(lead):
        table.cell(0, c).text = text
        if deep == 2:
            table.cell(0, c).merge(table.cell(1, c))
    seen: set[str] = set()
    for i, col in enumerate(form.columns):
        c = len(lead) + i
        group = form.group_of(col.key)
        header = f"{col.label}\n（{col.unit}）" if col.unit else col.label
        if group and group.label not in seen:
            seen.add(group.label)
            table.cell(0, c).merge(table.cell(0, c + len(group.columns) - 1)).text = group.label
        if group:
            table.cell(1, c).text = header
        else:
            table.cell(0, c).text = header
            if deep == 2:
                table.cell(0, c).merge(table.cell(1, c))
    n = 0
    for r in range(body):
        row = deep + r
        if form.layout == Layout.fixed:
            spec_row = form.rows[r]
            if not spec_row.part_of:
                n += 1
                table.cell(row, 0).text = str(n)
            table.cell(row, 1).text = spec_row.label
            if form.row_units:
                table.cell(row, 2).text = spec_row.unit or ""
        else:
            table.cell(row, 0).text = str(r + 1)
    if total:
        table.cell(deep + body, 0).merge(table.cell(deep + body, len(lead) - 1)).text = "合计"
    for i, note in enumerate(form.notes):
        doc.add_paragraph(("注：" if i == 0 else "") + f"{i + 1}. {note}")
    doc.add_paragraph("填表人：　　　　审核人：　　　　联系电话：")
    if form.version_date:  # saved by the bureau on the day of the circular
        doc.core_properties.modified = dt.datetime.combine(form.version_date, dt.time(9))
    doc.save(str(path))
    return path


def county_summary(path: Path) -> Path:
    """A table whose rows are the counties (the bureau's summary of every county)."""
    counties = ["汉滨区", "汉阴县", "石泉县", "宁陕县", "紫阳县", "岚皋县", "平利县", "镇坪县"]
    d = Drawing(6, "全市互联网广告案件查处情况汇总表", attachment="附件3")
    heads = [
        "序号",
        "县（市、区）",
        "立案数\n（件）",
        "结案数\n（件）",
        "罚没款\n（万元）",
        "移送公安\n（件）",
    ]
    for c, h in enumerate(heads, 1):
        d.box(4, c, h)
    r = 5
    for i, name in enumerate(counties, 1):
        for c, v in enumerate([i, name, None, None, None, None], 1):
            d.box(r, c, v)
        r += 1
    d.box(r, 1)
    d.box(r, 2, "合计")
    for c in range(3, 7):
        letter = get_column_letter(c)
        d.box(r, c, f"=SUM({letter}5:{letter}{r - 1})")
    d.row = r + 1
    d.notes(["各县（市、区）局填报本辖区数据。"])
    return d.save(path)


def leading_group(path: Path) -> Path:
    """附件1. 领导小组成员名单 (seed 004): a list of people, text columns only."""
    d = Drawing(5, "规范和促进全市直播电商高质量发展三年提升行动工作领导小组成员名单", "附件1")
    d.ws.cell(row=3, column=1, value=None)
    d.ws.cell(row=3, column=3, value=None)
    for c, h in enumerate(["序号", "姓名", "工作单位", "职务", "联系电话"], 1):
        d.box(4, c, h)
    for i in range(1, 13):
        for c in range(1, 6):
            d.box(4 + i, c, i if c == 1 else None)
    d.row = 17
    d.notes(["领导小组成员如有变动，由所在单位接任者自然替补。"], signature="")
    return d.save(path)


def task_list(path: Path) -> Path:
    """附件2. 重点任务清单 (seed 004): fixed tasks, given 责任单位/完成时限, progress typed."""
    tasks = [
        ("全面摸清直播电商多方经营者主体底数", "市场监管局", "2024年12月"),
        ("细化制定直播电商行业规范", "市场监管局、商务局", "2024年10月"),
        ("培育一批诚信直播间", "各县区政府", "2024年12月"),
        ("建立直播电商消费维权服务站", "市场监管局", "2024年11月"),
    ]
    d = Drawing(6, "规范和促进全市直播电商高质量发展夯实基础年重点任务清单")
    heads = ["序号", "重点任务", "责任单位", "完成时限", "工作进展情况", "备注"]
    for c, h in enumerate(heads, 1):
        d.box(4, c, h)
    for i, (task, who, when) in enumerate(tasks, 1):
        for c, v in enumerate([i, task, who, when, None, None], 1):
            d.box(4 + i, c, v)
    d.row = 4 + len(tasks) + 1
    d.notes(["工作进展情况请简要填写已完成的工作和下一步安排。"])
    return d.save(path, label_width=36)


# ---- fixtures and helpers of the tests -------------------------------------------------


def calc_save(
    files: list[Path], out_dir: Path, profile: Path, to: str = "xlsx:Calc MS Excel 2007 XML"
) -> dict[str, Path]:
    """Every file opened and saved again by LibreOffice Calc, as the bureau's file was."""
    require("soffice")
    out_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(out_dir),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return {f.stem: out_dir / f.name for f in files}


@pytest.fixture(scope="session", name="bureau")
def bureau_fixture(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """name → the bureau's table saved by Calc: one per seed form, and the seed shapes."""
    src = tmp_path_factory.mktemp("drawn")
    files = [from_form(f, src / f"{f.id}.xlsx") for f in all_forms()]
    files += [globals()[name](src / f"{name}.xlsx") for name in SHAPES]
    saved = tmp_path_factory.mktemp("saved")
    return calc_save(files, saved, tmp_path_factory.mktemp("lo-profile"))


@pytest.fixture(scope="session", name="bureau_docx")
def bureau_docx_fixture(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """form id → the form's table inside a Word document (this machine's LibreOffice has no
    Writer to save it again: python-docx writes what Word writes)."""
    src = tmp_path_factory.mktemp("drawn-docx")
    return {f.id: docx_from_form(f, src / f"{f.id}.docx") for f in all_forms()}


def drafted(path: Path, tmp_path: Path, form_id: str) -> FormSpec:
    """Draft, write the YAML, and load it the way the forms folder is loaded (the linter)."""
    out = tmp_path / f"{form_id}.yaml"
    out.write_text(to_yaml(draft_form(path, form_id)), encoding="utf-8")
    assert lint_form(out) == []
    return load_form_file(out)
