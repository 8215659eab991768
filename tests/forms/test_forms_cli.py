"""``campaign-ops template`` and ``campaign-ops check`` as county staff and ops use them."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from campaign_ops.cli import main
from campaign_ops.forms.layout import TemplateLayout
from campaign_ops.forms.samples import campaign_using, fill_template, sample_values
from campaign_ops.forms.spec import load_form


def test_template_then_fill_then_check(tmp_path: Path, capsys):
    campaign, round_, unit = campaign_using("livestream-cases")
    out = tmp_path / "模板"
    assert (
        main(["template", campaign.id, "--round", round_.id, "--unit", unit.code, "-o", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    made = sorted(out.glob("*.xlsx"))
    assert len(made) == len(round_.forms) and all(p.name in printed for p in made)
    filled = []
    for path in made:
        form = load_form(load_workbook(path)["_campaign_ops"]["B6"].value)
        filled.append(fill_template(path, tmp_path / path.name, form, sample_values(form, seed=1)))
    assert main(["check", campaign.id, *map(str, filled), "--round", round_.id]) == 0
    text = capsys.readouterr().out
    assert text.count("【可接收】") == len(filled) and "退回" not in text


def test_check_rejects_with_a_chinese_report_and_json(tmp_path: Path, capsys):
    campaign, round_, unit = campaign_using("saic-internet-ads")
    main(["template", campaign.id, "--round", round_.id, "--unit", unit.code, "-o", str(tmp_path)])
    capsys.readouterr()
    (template,) = tmp_path.glob("*.xlsx")
    form = load_form("saic-internet-ads")
    values = sample_values(form, seed=2)
    values["drugs"]["closed"] = values["drugs"]["filed"] + 1
    path = fill_template(template, tmp_path / "报送.xlsx", form, values)
    assert main(["check", campaign.id, str(path)]) == 1
    text = capsys.readouterr().out
    assert "【退回待改】报送.xlsx" in text and "结案数不能大于立案数" in text and "“药品”行" in text
    html = tmp_path / "检查结果.html"
    assert main(["check", campaign.id, str(path), "--json", "--html", str(html)]) == 1
    data = json.loads(capsys.readouterr().out)
    (file,) = data["files"]
    assert file["status"] == "rejected" and file["errors"][0]["row_key"] == "drugs"
    assert "结案数不能大于立案数" in html.read_text(encoding="utf-8")


def test_check_by_form_id_blank_template_and_refusals(tmp_path: Path, capsys):
    assert main(["template", "livestream-subjects", "-o", str(tmp_path)]) == 0
    (blank,) = tmp_path.glob("*.xlsx")
    assert "空白" in blank.name
    form = load_form("livestream-subjects")
    wb = load_workbook(blank)
    ws = wb.worksheets[0]
    ws["B2"] = "马鞍山市 花山区市场监督管理局"
    lay = TemplateLayout(form)
    for key, line in sample_values(form, seed=3).items():
        for col, v in line.items():
            ws[lay.cell(key, col)] = v
    wb.save(tmp_path / "花山区.xlsx")
    old = tmp_path / "旧格式.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    capsys.readouterr()
    assert main(["check", "livestream-subjects", str(tmp_path / "花山区.xlsx"), str(old)]) == 1
    text = capsys.readouterr().out
    assert "【可接收】花山区.xlsx" in text and "填报单位：马鞍山市 花山区市场监督管理局" in text
    assert "【无法读取】旧格式.xls" in text and "另存为" in text


def test_unknown_id_is_a_user_error(capsys):
    assert main(["check", "no-such-campaign", "x.xlsx"]) == 2
    assert "既不是专项行动编号，也不是表单编号" in capsys.readouterr().err
