"""Files wrapped in other files: winmail.dat, forwarded .eml inside .eml, zip (GBK names,
bombs, passwords) and the archives we refuse (rar, 7z, .msg), each with what to do."""

from __future__ import annotations

import os
import struct

import pytest

from campaign_ops.forms.safety import MAX_RATIO, MAX_UNCOMPRESSED, OLE_MAGIC
from campaign_ops.mailbox.parse import MailLimits, parse_mail
from tests.mailbox.messages import (
    attachment,
    b_word,
    docx_bytes,
    forwarded,
    pdf_bytes,
    png_bytes,
    rar_bytes,
    seven_zip_bytes,
    winmail_dat,
    zip_bytes,
)
from tests.mailbox.parsed import XLSX, assert_tells_what_to_do, names, refused, with_files


# ---------------------------------------------------------------- wrappers
def test_winmail_dat_from_chinese_outlook_gives_its_attachments() -> None:
    dat = winmail_dat(
        [
            ("汉阴县局统计表.xlsx", XLSX),
            ("工作总结.pdf", pdf_bytes()),
            ("image001.png", png_bytes()),
        ],
        hidden=["image001.png"],
    )
    raw = with_files(attachment('"winmail.dat"', dat, ctype="application/ms-tnef"))
    mail = parse_mail(raw)
    assert names(mail) == [
        "汉阴县局统计表.xlsx",
        "工作总结.pdf",
    ]  # the signature logo is not a file
    assert all(f.found_in == ("winmail.dat",) for f in mail.files)
    assert mail.files[0].data == XLSX
    # older Outlook: only the 8-bit GBK title, no Unicode long name
    old = parse_mail(
        with_files(
            attachment('"winmail.dat"', winmail_dat([("旧版.xlsx", XLSX)], long_names=False))
        )
    )
    assert names(old) == ["旧版.xlsx"]


def test_broken_winmail_dat_is_refused_with_the_outlook_setting_to_change() -> None:
    dat = b"\x78\x9f\x3e\x22\x01\x00" + b"\xff" * 7
    mail = parse_mail(with_files(attachment('"winmail.dat"', dat + os.urandom(40))))
    reason = refused(mail)["winmail.dat"]
    assert "Outlook" in reason and "HTML" in reason
    assert_tells_what_to_do(mail)


def test_forwarded_messages_nested_are_opened_recursively() -> None:
    original = with_files(
        attachment(f'"{b_word("石泉县局统计表.xlsx")}"', XLSX), subject="石泉县局报送统计表"
    )
    as_eml = with_files(
        attachment(
            f'"{b_word("转发：石泉县局报送统计表.eml")}"',
            original,
            ctype="application/octet-stream",
        ),
        subject="转发：石泉县局报送统计表",
    )
    outer = with_files(forwarded(as_eml), subject="Fw: 转发：石泉县局报送统计表")
    mail = parse_mail(outer)
    assert names(mail) == ["石泉县局统计表.xlsx"]
    assert mail.files[0].found_in == (
        "转发：石泉县局报送统计表.eml",
        "转发：石泉县局报送统计表.eml",
    )
    assert "汉滨区局报送材料" in mail.body_text  # the forwarded texts are read too


def test_wrappers_deeper_than_the_limit_are_refused_not_followed() -> None:
    raw = with_files(attachment(f'"{b_word("表.xlsx")}"', XLSX))
    for n in range(6):
        raw = with_files(forwarded(raw), subject=f"转发{n}")
    mail = parse_mail(raw, limits=MailLimits(max_depth=3))
    assert mail.files == ()
    assert len(mail.refusals) == 1 and "层" in mail.refusals[0].reason
    assert_tells_what_to_do(mail)
    assert names(parse_mail(raw, limits=MailLimits(max_depth=7))) == ["表.xlsx"]


def test_zip_with_gbk_names_without_utf8_flag_and_folders() -> None:
    archive = zip_bytes(
        {
            "汉滨区局/统计表（王镕喆）.xlsx": XLSX,
            "汉滨区局/典型案例.docx": docx_bytes(),
            "__MACOSX/汉滨区局/._典型案例.docx": b"\x00\x05\x16\x07",
            "汉滨区局/Thumbs.db": b"x",
        },
        encoding="gbk",
    )
    assert b"\xba\xba\xb1\xf5" in archive  # 汉滨 in GBK, written as Windows does
    mail = parse_mail(with_files(attachment(f'"{b_word("汉滨区材料.zip")}"', archive)))
    assert names(mail) == ["统计表（王镕喆）.xlsx", "典型案例.docx"]
    assert mail.files[0].found_in == ("汉滨区材料.zip", "汉滨区局")
    assert mail.files[0].data == XLSX and mail.refusals == ()


def test_zip_members_never_climb_out_of_the_archive() -> None:
    archive = zip_bytes(
        {"../../etc/统计表.xlsx": XLSX, "/abs/表2.xlsx": XLSX, "C:\\Users\\a\\表3.xlsx": XLSX}
    )
    mail = parse_mail(with_files(attachment('"a.zip"', archive)))
    assert names(mail) == ["统计表.xlsx", "表2.xlsx", "表3.xlsx"]
    for f in mail.files:
        assert all(p not in ("..", "/", "") and ":" not in p for p in f.found_in)


def test_zip_bomb_is_refused_by_the_workbook_bomb_limits() -> None:
    bomb = zip_bytes({"统计表.xlsx": b"\x00" * (MAX_UNCOMPRESSED // 2)})
    assert len(bomb) * MAX_RATIO < MAX_UNCOMPRESSED // 2  # ratio far above the shared limit
    mail = parse_mail(with_files(attachment(f'"{b_word("汉滨区.zip")}"', bomb)))
    assert mail.files == ()
    assert "压缩比异常" in refused(mail)["汉滨区.zip"]
    assert_tells_what_to_do(mail)
    many = zip_bytes({f"{n}.xlsx": b"x" for n in range(30)})
    mail = parse_mail(
        with_files(attachment(f'"{b_word("多.zip")}"', many)), limits=MailLimits(zip_max_members=20)
    )
    assert "30 个文件" in refused(mail)["多.zip"] and mail.files == ()


def test_password_protected_or_broken_zip_is_refused() -> None:
    archive = bytearray(zip_bytes({"统计表.xlsx": XLSX}))
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the "encrypted" bit
        at = archive.find(sig)
        (flags,) = struct.unpack_from("<H", archive, at + flag_at)
        struct.pack_into("<H", archive, at + flag_at, flags | 1)
    mail = parse_mail(
        with_files(
            attachment(f'"{b_word("有密码.zip")}"', bytes(archive)),
            attachment(f'"{b_word("坏.zip")}"', b"PK\x03\x04broken"),
        )
    )
    assert "密码" in refused(mail)["有密码.zip"]
    assert "损坏" in refused(mail)["坏.zip"]
    assert mail.files == ()
    assert_tells_what_to_do(mail)


@pytest.mark.parametrize(
    ("name", "data", "label"),
    [
        ("汉滨区材料.rar", rar_bytes(), "RAR"),
        ("材料.7z", seven_zip_bytes(), "7z"),
        ("改名.zip", rar_bytes(), "RAR"),
    ],
)
def test_rar_and_7z_are_refused_asking_for_zip(name: str, data: bytes, label: str) -> None:
    mail = parse_mail(with_files(attachment(f'"{b_word(name)}"', data)))
    assert mail.files == ()
    reason = refused(mail)[name]
    assert label in reason and "zip" in reason
    assert_tells_what_to_do(mail)


def test_an_outlook_msg_file_is_refused_asking_to_forward_the_mail() -> None:
    msg_file = OLE_MAGIC + b"\x00" * 600
    mail = parse_mail(with_files(attachment(f'"{b_word("汉滨区报送.msg")}"', msg_file)))
    assert mail.files == () and "转发原邮件" in refused(mail)["汉滨区报送.msg"]
    assert_tells_what_to_do(mail)


def test_zips_inside_zips_share_one_inflation_budget_per_mail() -> None:
    """Each inner archive is within the limit; together they would not be."""
    limits = MailLimits(zip_max_uncompressed=1024 * 1024)
    inner = [zip_bytes({f"表{n}.xlsx": bytes(400 * 1024)}) for n in range(4)]
    outer = zip_bytes({f"{n}.zip": data for n, data in enumerate(inner)})
    mail = parse_mail(with_files(attachment('"all.zip"', outer)), limits=limits)
    assert sum(len(f.data) for f in mail.files) <= limits.zip_max_uncompressed
    assert len(mail.files) == 2
    assert [r.name for r in mail.refusals] == ["2.zip", "3.zip"]
    assert all("解压后超过 1 MB" in r.reason for r in mail.refusals)
    assert_tells_what_to_do(mail)
    assert len(parse_mail(with_files(attachment('"all.zip"', outer))).files) == 4


@pytest.mark.timeout(60)
def test_a_forged_winmail_dat_of_tiny_records_is_refused_quickly() -> None:
    record = struct.pack("<BHHI", 1, 0x8008, 0x0007, 1) + b"x" + struct.pack("<H", 120)
    dat = struct.pack("<IH", 0x223E9F78, 1) + record * 400_000
    mail = parse_mail(with_files(attachment('"winmail.dat"', dat)))
    assert mail.files == () and "winmail.dat" in refused(mail)
    assert_tells_what_to_do(mail)
