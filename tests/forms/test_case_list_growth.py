"""A case list with more cases than the template's rows: grown in Calc, read in full.

The template's notes tell the unit what to do past the last row (insert rows above the last
numbered row). Here Calc does exactly that to a generated template, a clerk's typing goes into
every row, and ``campaign-ops check`` must accept the file with every case read: none lost
after the template's last row, the 合计 formula still covering them all.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from calc_client import Calc
from openpyxl.utils import get_column_letter

from campaign_ops.cli import main
from campaign_ops.forms.instructions import rows_past_the_end, table_notes
from campaign_ops.forms.layout import TemplateLayout
from campaign_ops.forms.parser import parse_file
from campaign_ops.forms.samples import campaign_using, sample_values
from campaign_ops.forms.spec import Layout, all_forms, load_form

LIST_FORMS = [f.id for f in all_forms() if f.layout == Layout.list]
EXTRA = 5


def _typed(value: object) -> str:
    """What a person types for ``value``."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", LIST_FORMS)
def test_a_case_list_grown_past_its_last_row_is_read_in_full(
    form_id: str, templates: dict[str, Path], tmp_path: Path, capsys
):
    form = load_form(form_id)
    lay = TemplateLayout(form)
    n = form.template_rows
    last = lay.row(f"r{n}")
    # the template says where to insert, and the test does what it says
    assert f"第 {n} 行" in rows_past_the_end(form) and rows_past_the_end(form) in table_notes(form)

    cases = sample_values(form, seed=11, cases=n + EXTRA)
    # rows 1 … n-1 stay where they were; EXTRA new rows come above the old row n, which moves down
    rows = [lay.first_data_row + i for i in range(n - 1)]
    rows += [last + k for k in range(EXTRA)] + [last + EXTRA]
    typed = {
        f"{get_column_letter(lay.col(col))}{row}": _typed(value)
        for row, line in zip(rows, cases.values(), strict=True)
        for col, value in line.items()
        if value is not None
    }
    grown = Calc(tmp_path / "profile").grow_list(
        templates[form_id], tmp_path / "多于模板行数.xlsx", above_row=last, count=EXTRA, typed=typed
    )

    campaign = campaign_using(form_id)[0]
    capsys.readouterr()
    code = main(["check", campaign.id, str(grown), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report["files"][0]["errors"][:3]

    sub = parse_file(grown)
    assert len(sub.data_rows) == n + EXTRA
    first_text = next(c.key for c in form.columns if c.type == "text")
    assert [r.values[first_text] for r in sub.data_rows] == [
        line[first_text] for line in cases.values()
    ]
