"""Every file we refuse gets a machine code and a Chinese message saying what to do."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from campaign_ops.forms.parser import parse_file, try_parse
from campaign_ops.forms.submission import Refusal
from campaign_ops.forms.validate import validate_batch


def refusal(path: Path, form: str | None = None) -> Refusal:
    with pytest.raises(Refusal) as err:
        parse_file(path, form)
    assert err.value.file == str(path)
    return err.value


def ole_file(path: Path, stream: str) -> Path:
    """An OLE2 compound file header with one directory entry named ``stream``."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    entry = stream.encode("utf-16-le") + b"\0\0"
    entry = entry.ljust(64, b"\0") + struct.pack("<H", len(stream) * 2 + 2) + b"\0" * 62
    path.write_bytes(header + entry + b"\0" * 1024)
    return path


def test_password_protected_workbook(tmp_path: Path):
    r = refusal(ole_file(tmp_path / "加密.xlsx", "EncryptionInfo"))
    assert r.code == "encrypted"
    assert "密码" in r.message and "重新报送" in r.message


def test_old_xls(tmp_path: Path):
    r = refusal(ole_file(tmp_path / "旧版.xls", "Workbook"))
    assert r.code == "legacy_xls"
    assert ".xlsx" in r.message and "另存为" in r.message


def test_empty_and_half_copied_files_are_not_ready(tmp_path: Path, fill):
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    r = refusal(empty)
    assert r.code == "not_ready" and r.retry_later and "稍后重试" in r.message
    path, _ = fill("livestream-cases")
    half = tmp_path / "半截.xlsx"
    half.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    r = refusal(half)
    assert r.code == "not_ready" and "稍后重试" in r.message


def _bomb(path: Path, megabytes: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr(
            "xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * (megabytes << 20) + b"</worksheet>"
        )
    return path


def test_zip_bomb_is_measured_before_any_reader_runs(tmp_path: Path):
    path = _bomb(tmp_path / "炸弹.xlsx", 80)
    assert path.stat().st_size < 200_000
    r = refusal(path)
    assert r.code == "zip_bomb" and "安全" in r.message and "重新保存" in r.message


def test_zip_bomb_with_a_lying_size_header(tmp_path: Path):
    """The central directory claims a tiny member; inflating it proves otherwise."""
    path = _bomb(tmp_path / "伪装.xlsx", 40)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        big = next(i for i in zf.infolist() if i.filename.endswith("sheet1.xml"))
    name_in_directory = data.rfind(b"xl/worksheets/sheet1.xml")  # last copy: central directory
    entry = data.rfind(b"PK\x01\x02", 0, name_in_directory)
    struct.pack_into("<I", data, entry + 24, 1000)  # uncompressed size in the central directory
    struct.pack_into("<I", data, big.header_offset + 22, 1000)  # and in the local header
    path.write_bytes(bytes(data))
    r = refusal(path)
    assert r.code == "zip_bomb"


def test_absurd_dimension_is_refused(tmp_path: Path, fill):
    path, _ = fill("saic-internet-ads")
    out = tmp_path / "范围异常.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b'<dimension ref="A1:', b'<dimension ref="A1:XFD1048576" x="', 1
                )
            dst.writestr(info, data)
    r = refusal(out)
    assert r.code == "too_large" and "1048576" in r.message and "删除" in r.message


def test_a_file_that_is_not_the_form(tmp_path: Path):
    wb = Workbook()
    wb.active.append(["姓名", "性别", "出生年月"])
    wb.active.append(["张三", "男", "1980-01"])
    path = tmp_path / "人员名单.xlsx"
    wb.save(path)
    r = refusal(path, "livestream-cases")
    assert r.code == "not_the_form"
    assert "直播电商违法案件查处情况统计表" in r.message and "模板" in r.message
    r = refusal(path)
    assert r.code == "not_the_form" and "表头" in r.message


def test_other_kinds_of_file(tmp_path: Path):
    docx = tmp_path / "工作总结.docx"
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("word/document.xml", "<document/>")
    assert refusal(docx).code == "unsupported"
    pdf = tmp_path / "统计表.pdf"
    pdf.write_bytes(b"%PDF-1.4 ...")
    r = refusal(pdf)
    assert r.code == "unsupported" and ".xlsx" in r.message


def test_the_wrong_template(templates: dict[str, Path], fill):
    path, _ = fill("ankang-work-stats")
    r = refusal(path, "ankang-ad-cases")
    assert r.code == "wrong_form"
    assert "工作情况统计表" in r.message and "互联网广告案件查处情况统计表" in r.message


def test_refusals_come_back_in_the_batch_result(tmp_path: Path, fill):
    good, _ = fill("livestream-subjects")
    bad = ole_file(tmp_path / "旧.xls", "Workbook")
    results = validate_batch([try_parse(good), try_parse(bad)])
    assert [r.status for r in results] == ["accepted", "refused"]
    assert results[1].refusal_code == "legacy_xls" and results[1].file == "旧.xls"
    assert "另存为" in results[1].refusal_message
