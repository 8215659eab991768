"""``campaign-ops export``: the merged tables as CSV, Parquet or one Excel workbook.

Each merged table (filtered to the campaign), the ``dd_*`` dictionary tables, and per form a
wide table with Chinese headers (one row per round and unit), plus ``数据字典.md``. Text from
submissions that a spreadsheet would run as a formula is neutralised: CSV cells get a leading
apostrophe (OWASP), Excel cells are written as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.campaign import Campaign
from campaign_ops.consolidate.cells import FORMULA_START, put
from campaign_ops.consolidate.dictionary import write_dictionary
from campaign_ops.consolidate.figures import FORM_STATUS_LABELS, report_columns
from campaign_ops.consolidate.merge import MERGED_TABLES, view_names
from campaign_ops.forms.spec import load_form

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("csv", "parquet", "xlsx")
DICTIONARY_FILE = "数据字典.md"


def tables(session: Session, campaign: Campaign) -> dict[str, pd.DataFrame]:
    """Every exported table by name, in export order."""
    import pandas as pd

    def read(sql: str, **params: object) -> pd.DataFrame:
        result = session.execute(sa.text(sql), params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    out: dict[str, pd.DataFrame] = {}
    for name in (*MERGED_TABLES, *view_names()):
        out[name] = read(f"SELECT * FROM {name} WHERE campaign_id = :c", c=campaign.id)
    forms = tuple(campaign.forms) or ("",)
    marks = ", ".join(f":f{i}" for i in range(len(forms)))
    params = {f"f{i}": f for i, f in enumerate(forms)}
    for name in ("dd_forms", "dd_columns", "dd_rows"):
        out[name] = read(f"SELECT * FROM {name} WHERE form_id IN ({marks})", **params)
    out["dd_round_forms"] = read(
        "SELECT * FROM dd_round_forms WHERE campaign_id = :c", c=campaign.id
    )
    for form_id in campaign.forms:
        out[f"{form_id}_各单位"] = wide_table(session, campaign, form_id)
    return out


def wide_table(session: Session, campaign: Campaign, form_id: str) -> pd.DataFrame:
    """One row per round and unit, one column per report column, Chinese headers."""
    import pandas as pd

    form = load_form(form_id)
    columns = report_columns(form)
    units = session.execute(
        sa.text(
            "SELECT round_id, unit_code, unit_name, status FROM merged_units"
            " WHERE campaign_id = :c AND form_id = :f ORDER BY round_id, unit_position"
        ),
        {"c": campaign.id, "f": form_id},
    ).all()
    values: dict[tuple[str, str], dict[tuple[str, str], float | None]] = {}
    for round_id, unit, row, col, value in session.execute(
        sa.text(
            "SELECT round_id, unit_code, row_key, column_key, value FROM merged_values"
            " WHERE campaign_id = :c AND form_id = :f"
        ),
        {"c": campaign.id, "f": form_id},
    ):
        values.setdefault((round_id, unit), {})[(row, col)] = value
    headers = [
        ("" if not c.group or form.total_row else f"{c.group}·")
        + c.label
        + (f"（{c.unit}）" if c.unit else "")
        for c in columns
    ]
    rows = []
    for round_id, unit, name, status in units:
        mine = values.get((round_id, unit), {})
        rows.append(
            [
                campaign.round(round_id).title,
                name,
                FORM_STATUS_LABELS.get(status, status),
                *(mine.get(c.cell) for c in columns),
            ]
        )
    return pd.DataFrame(rows, columns=["报送轮次", "填报单位", "报送情况", *headers])


def _defuse(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export(session: Session, campaign: Campaign, fmt: str, out_dir: Path) -> list[Path]:
    """Write the tables in ``fmt`` under ``out_dir``; returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"不支持的导出格式 {fmt}，可选：{'、'.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frames = tables(session, campaign)
    paths: list[Path] = []
    if fmt == "xlsx":
        paths.append(_workbook(frames, out_dir / f"{campaign.id}_汇总数据.xlsx"))
    for name, frame in frames.items() if fmt != "xlsx" else ():
        path = out_dir / f"{name}.{fmt}"
        if fmt == "csv":
            frame.map(_defuse).to_csv(path, index=False, encoding="utf-8-sig")
        else:
            frame.to_parquet(path, index=False)
        paths.append(path)
    forms = [load_form(f) for f in campaign.forms]
    paths.append(write_dictionary(out_dir / DICTIONARY_FILE, forms, campaign.title))
    return paths


def _workbook(frames: dict[str, pd.DataFrame], path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in frames.items():
        ws = wb.create_sheet(name[:31])
        for j, header in enumerate(frame.columns, start=1):
            put(ws, 1, j, str(header)).font = Font(bold=True)
        for i, row in enumerate(frame.itertuples(index=False), start=2):
            for j, value in enumerate(row, start=1):
                put(ws, i, j, None if _missing(value) else value)
        ws.freeze_panes = "A2"
    wb.save(path)
    return path


def _missing(value: object) -> bool:
    try:
        return value is None or value != value  # NaN
    except (TypeError, ValueError):
        return False
