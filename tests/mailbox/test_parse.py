"""One raw message → the files intake takes, the parts it refuses (with a Chinese reason that
says what to do), and who sent it — for mail as county clients really write it."""

from __future__ import annotations

import os
import random
import re
import struct
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from campaign_ops.forms.safety import MAX_RATIO, MAX_UNCOMPRESSED, OLE_MAGIC
from campaign_ops.mailbox.parse import WHOLE_MAIL, MailLimits, ParsedMail, parse_mail
from tests.mailbox.messages import (
    GBK_ONLY_NAME,
    HANBIN,
    attachment,
    b_word,
    docx_bytes,
    forwarded,
    message,
    multipart,
    part,
    pdf_bytes,
    png_bytes,
    rar_bytes,
    rfc2231,
    seven_zip_bytes,
    split_b_words,
    text_part,
    winmail_dat,
    xlsx_bytes,
    zip_bytes,
)

XLSX = xlsx_bytes()
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def names(mail: ParsedMail) -> list[str]:
    return [f.name for f in mail.files]


def refused(mail: ParsedMail) -> dict[str, str]:
    return {r.name: r.reason for r in mail.refusals}


def assert_tells_what_to_do(mail: ParsedMail) -> None:
    for refusal in mail.refusals:
        assert CHINESE.search(refusal.reason), refusal
        assert "请" in refusal.reason, f"a refusal must say what to do: {refusal}"


def with_files(*attachments: bytes, text: str = "汉滨区局报送材料，请查收。", **kw) -> bytes:
    return message(multipart([text_part(text), *attachments]), **kw)


# ---------------------------------------------------------------- names and headers
def test_foxmail_gb2312_labels_holding_gbk_only_characters_read_intact() -> None:
    raw = with_files(
        attachment(f'"{b_word(GBK_ONLY_NAME, "gb2312")}"', XLSX),
        subject="汉滨区局（王镕喆）报送统计表",
        sender=f'"{b_word("王镕喆", "gb2312")}" <HanBin@Ankang-AMR.example.invalid>',
    )
    mail = parse_mail(raw)
    assert names(mail) == [GBK_ONLY_NAME]
    assert mail.files[0].data == XLSX and mail.files[0].found_in == () and not mail.files[0].note
    assert mail.subject == "汉滨区局（王镕喆）报送统计表"
    assert (mail.sender, mail.sender_name) == (HANBIN, "王镕喆")
    assert mail.body_text == "汉滨区局报送材料，请查收。"
    assert mail.refusals == () and mail.size == len(raw)


def test_netease_gbk_encoded_words_and_quoted_printable() -> None:
    q_name = "=?GBK?Q?" + "".join(f"={b:02X}" for b in "汉阴县报表.xlsx".encode("gbk")) + "?="
    raw = with_files(
        attachment(f'"{b_word("汉滨区统计表.xlsx", "GBK")}"', XLSX),
        attachment(f'"{q_name}"', XLSX),
        mailer="Coremail Webmail Server Version XT5.0.13",
    )
    assert names(parse_mail(raw)) == ["汉滨区统计表.xlsx", "汉阴县报表.xlsx"]


def test_outlook_encoded_words_split_inside_a_character() -> None:
    name = "汉滨区市场监督管理局互联网广告专项整治第一阶段统计表.xlsx"
    raw = with_files(
        attachment(f'"{split_b_words(name, chunk=7)}"', XLSX),
        subject=split_b_words("回复：关于报送汉滨区局材料的说明").encode(),
        mailer="Microsoft Outlook 16.0",
    )
    mail = parse_mail(raw)
    assert names(mail) == [name]
    assert mail.subject == "回复：关于报送汉滨区局材料的说明"


@pytest.mark.parametrize("charset", ["UTF-8", "GBK"])
def test_rfc2231_names_split_in_pieces(charset: str) -> None:
    name = "汉滨区市场监督管理局互联网广告领域治理工作第一阶段统计表（5月10日）.xlsx"
    params = rfc2231("filename", name, charset=charset)
    raw = with_files(
        part(
            [
                ("Content-Type", "application/vnd.ms-excel"),
                ("Content-Disposition", "attachment;\r\n " + params),
            ],
            XLSX,
        ),
        mailer="Mozilla Thunderbird",
    )
    assert params.count("filename*") == 3
    assert names(parse_mail(raw)) == [name]


@pytest.mark.parametrize("codec", ["gbk", "utf-8"])
def test_raw_8bit_headers_subject_sender_and_file_name(codec: str) -> None:
    raw = with_files(
        attachment("汉滨区局统计表（王镕喆）.xlsx".encode(codec), XLSX),
        subject="汉滨区局报送：第一轮统计表".encode(codec),
        sender=f'"汉滨区局 王镕喆" <{HANBIN}>'.encode(codec),
        mailer="GovOA Mail 2.0",
    )
    mail = parse_mail(raw)
    assert names(mail) == ["汉滨区局统计表（王镕喆）.xlsx"]
    assert mail.subject == "汉滨区局报送：第一轮统计表"
    assert (mail.sender, mail.sender_name) == (HANBIN, "汉滨区局 王镕喆")


def test_threading_headers_and_date() -> None:
    raw = with_files(
        extra=[
            ("In-Reply-To", "<receipt-1@ankang-amr.example.invalid>"),
            (
                "References",
                "<notice@ankang-amr.example.invalid>\r\n <receipt-1@ankang-amr.example.invalid>",
            ),
        ]
    )
    mail = parse_mail(raw)
    assert mail.message_id == "<20230510093000.1234@ankang-amr.example.invalid>"
    assert mail.in_reply_to == "<receipt-1@ankang-amr.example.invalid>"
    assert mail.references == (
        "<notice@ankang-amr.example.invalid>",
        "<receipt-1@ankang-amr.example.invalid>",
    )
    assert mail.date_header.isoformat() == "2023-05-10T09:30:00+08:00"


def test_python_email_package_shape_as_modern_clients_write_it() -> None:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "汉阴县局 <HANYIN@ankang-amr.example.invalid>"
    msg["Subject"] = "汉阴县局报送第一轮统计表"
    msg.set_content("汉阴县局报送，请查收。")
    msg.add_attachment(
        XLSX, maintype="application", subtype="octet-stream", filename="汉阴县局统计表.xlsx"
    )
    mail = parse_mail(msg.as_bytes())
    assert names(mail) == ["汉阴县局统计表.xlsx"]
    assert (mail.sender, mail.sender_name, mail.subject) == (
        "hanyin@ankang-amr.example.invalid",
        "汉阴县局",
        "汉阴县局报送第一轮统计表",
    )


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


# ---------------------------------------------------------------- size
def test_a_40_mb_mail_is_read_within_the_limits() -> None:
    video = os.urandom(29 * 1024 * 1024)
    raw = with_files(
        attachment(f'"{b_word("汉滨区局统计表.xlsx")}"', XLSX),
        attachment(f'"{b_word("现场检查视频.mp4")}"', video, ctype="video/mp4"),
    )
    assert 39 * 1024 * 1024 < len(raw) < 41 * 1024 * 1024
    mail = parse_mail(raw)
    assert names(mail) == ["汉滨区局统计表.xlsx", "现场检查视频.mp4"]
    assert mail.files[1].data == video and mail.refusals == ()
    assert mail.size == len(raw)


def test_a_mail_over_the_message_limit_keeps_its_headers_and_says_what_to_do() -> None:
    raw = with_files(
        attachment('"big.xlsx"', os.urandom(3 * 1024 * 1024)), subject="汉滨区局报送大文件"
    )
    mail = parse_mail(raw, limits=MailLimits(max_message_bytes=2 * 1024 * 1024))
    assert mail.files == ()
    assert mail.subject == "汉滨区局报送大文件" and mail.sender == HANBIN
    assert mail.message_id and mail.size == len(raw)
    reason = refused(mail)[WHOLE_MAIL]
    assert "4.1 MB" in reason and "2 MB" in reason and "分成几封" in reason
    small = parse_mail(raw, limits=MailLimits(max_attachment_bytes=1024 * 1024))
    assert "超过 1 MB" in refused(small)["big.xlsx"]
    assert_tells_what_to_do(small)


# ---------------------------------------------------------------- what a file really is
def test_xlsx_renamed_doc_is_taken_as_a_table_with_a_note() -> None:
    mail = parse_mail(
        with_files(
            attachment(f'"{b_word("汉滨区统计表.doc")}"', XLSX),
            attachment(f'"{b_word("汉滨区统计表2.xls")}"', XLSX),  # WPS's .xls name on .xlsx
        )
    )
    assert names(mail) == ["汉滨区统计表.xlsx", "汉滨区统计表2.xlsx"]
    assert mail.files[0].note == "文件名为 .doc，实为 Excel 表格，已按表格处理"
    assert mail.files[1].note == "文件名为 .xls，实为 Excel 表格，已按表格处理"


def test_real_documents_are_kept_as_they_are() -> None:
    doc = OLE_MAGIC + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 100
    mail = parse_mail(
        with_files(
            attachment(f'"{b_word("工作总结.doc")}"', doc, ctype="application/msword"),
            attachment(f'"{b_word("典型案例.docx")}"', docx_bytes()),
            attachment(f'"{b_word("自查报告.pdf")}"', pdf_bytes(), ctype="application/pdf"),
            attachment(f'"{b_word("说明.txt")}"', "汉滨区".encode("gbk"), ctype="text/plain"),
        )
    )
    assert names(mail) == ["工作总结.doc", "典型案例.docx", "自查报告.pdf", "说明.txt"]
    assert [f.note for f in mail.files] == [None] * 4
    assert mail.files[0].data == doc


def test_an_attachment_without_a_name_gets_one_from_its_content() -> None:
    nameless = part(
        [("Content-Type", "application/octet-stream"), ("Content-Disposition", "attachment")], XLSX
    )
    mail = parse_mail(with_files(nameless))
    assert names(mail) == ["附件1.xlsx"]


def test_empty_attachment_is_refused() -> None:
    mail = parse_mail(with_files(attachment(f'"{b_word("汉滨区.xlsx")}"', b"")))
    assert mail.files == () and "0 字节" in refused(mail)["汉滨区.xlsx"]
    assert_tells_what_to_do(mail)


# ---------------------------------------------------------------- not files
def test_inline_images_signatures_calendars_and_cards_are_not_files() -> None:
    html = text_part('<p>汉滨区局</p><img src="cid:logo@foxmail">', subtype="html")
    related = multipart(
        [
            html,
            part(
                [
                    ("Content-Type", 'image/png; name="logo.png"'),
                    ("Content-ID", "<logo@foxmail>"),
                    ("Content-Disposition", 'inline; filename="logo.png"'),
                ],
                png_bytes(),
            ),
        ],
        "related",
    )
    body = multipart([text_part("汉滨区局"), related], "alternative")
    raw = message(
        multipart(
            [
                body,
                part(
                    [("Content-Type", "text/calendar; method=REQUEST; charset=utf-8")],
                    b"BEGIN:VCALENDAR",
                ),
                attachment(f'"{b_word("王镕喆.vcf")}"', b"BEGIN:VCARD", ctype="text/x-vcard"),
                attachment('"smime.p7s"', b"\x30\x82", ctype="application/pkcs7-signature"),
                attachment(f'"{b_word("统计表.xlsx")}"', XLSX),
            ]
        )
    )
    mail = parse_mail(raw)
    assert names(mail) == ["统计表.xlsx"] and mail.refusals == ()
    assert mail.body_text == "汉滨区局"


def test_a_photo_placed_inline_without_content_id_is_a_file() -> None:
    """iPhone Mail puts photos inline with a name and no Content-ID: the unit attached them."""
    photo = part(
        [
            ("Content-Type", 'image/jpeg; name="IMG_0001.JPG"'),
            ("Content-Disposition", 'inline; filename="IMG_0001.JPG"'),
        ],
        b"\xff\xd8\xff\xe0" + os.urandom(100),
    )
    assert names(parse_mail(with_files(photo))) == ["IMG_0001.JPG"]


def test_a_mail_without_attachments() -> None:
    mail = parse_mail(message(text_part("汉滨区局本月无新增案件，特此说明。")))
    assert (mail.files, mail.refusals, mail.links) == ((), (), ())
    assert mail.body_text == "汉滨区局本月无新增案件，特此说明。"


def test_a_mail_that_only_carries_a_cloud_drive_link() -> None:
    plain = text_part(
        "汉滨区局视频材料：链接：https://pan.baidu.com/s/1AbC-dEf 提取码：k3m9。请查收。"
    )
    html = text_part(
        '<p>链接：<a href="https://pan.baidu.com/s/1AbC-dEf">百度网盘</a></p>'
        '<p><a href="https://www.aliyundrive.com/s/XyZ?pwd=1&amp;x=2">阿里云盘</a></p>',
        subtype="html",
    )
    mail = parse_mail(message(multipart([plain, html], "alternative")))
    assert mail.files == () and mail.refusals == ()
    assert mail.links == (
        "https://pan.baidu.com/s/1AbC-dEf",
        "https://www.aliyundrive.com/s/XyZ?pwd=1&x=2",
    )
    assert "提取码：k3m9" in mail.body_text


# ---------------------------------------------------------------- never raises
@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff" * 50,
        b"Subject: =?GBK?B?!!!?=\r\nFrom: <<<\r\nDate: yesterday\r\n\r\nhello",
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n'
        b"Content-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBBQ===\r\n",
        b"Content-Type: " + b"multipart/mixed; boundary=a\r\n\r\n--a\r\n" * 200,
    ],
)
def test_bad_input_never_raises(raw: bytes) -> None:
    mail = parse_mail(raw)
    assert isinstance(mail, ParsedMail) and mail.size == len(raw)
    assert_tells_what_to_do(mail)


def test_mutated_messages_never_raise() -> None:
    """Truncated downloads, broken boundaries, half encoded words: a refusal, never a crash."""
    seed = message(
        multipart(
            [
                text_part("汉滨区局"),
                attachment(
                    f'"{b_word("材料.zip")}"', zip_bytes({"汉滨区/表.xlsx": XLSX}, encoding="gbk")
                ),
                attachment('"winmail.dat"', winmail_dat([("表.xlsx", XLSX)])),
                forwarded(with_files(attachment("*汉阴县统计表.xlsx", XLSX))),
            ]
        ),
        subject="汉滨区".encode("gbk"),
    )
    rng = random.Random(22)
    inserts = [b"=?gbk?B?", b"?=", b"\r\n--", b"*0*=", b'"', b"\r\n\r\n", b"PK\x03\x04", b"\xff"]
    for _ in range(150):
        raw = bytearray(seed)
        for _ in range(rng.randint(1, 12)):
            at = rng.randrange(len(raw))
            choice = rng.random()
            if choice < 0.4:
                raw[at] = rng.randrange(256)
            elif choice < 0.7:
                del raw[at : at + rng.randint(1, 200)]
            else:
                raw[at:at] = rng.choice(inserts)
        mail = parse_mail(bytes(raw), limits=MailLimits(max_depth=rng.randint(1, 5)))
        assert mail.size == len(raw)
        assert_tells_what_to_do(mail)


def test_foxmail_7_shape_name_and_filename_disagreeing() -> None:
    """Foxmail 7.2 writes Content-Type's name and Content-Disposition's filename separately
    (they can differ) and labels UTF-8 text in a gb2312 multipart/alternative; the address
    doubles as display name."""
    body = multipart(
        [
            text_part("汉滨区局报送\r\n\r\n\r\nhanbin@ankang-amr.example.invalid\r\n", "GB2312"),
            text_part("<html><body>汉滨区局报送</body></html>", "GB2312", subtype="html"),
        ],
        "alternative",
        boundary="----=_002_NextPart477020825382_=----",
    )
    file_part = part(
        [
            (
                "Content-Type",
                f'application/octet-stream;\r\n\tname="{b_word("旧名.xlsx", "GB2312")}"',
            ),
            (
                "Content-Disposition",
                f'attachment;\r\n\tfilename="{b_word("汉滨区统计表.xlsx", "gb2312")}"',
            ),
        ],
        XLSX,
    )
    raw = message(
        multipart([body, file_part], boundary="----=_001_NextPart575676200741_=----"),
        sender=f'"{HANBIN}" <{HANBIN}>',
        extra=[("X-Has-Attach", "yes"), ("X-Priority", "3")],
    )
    mail = parse_mail(raw)
    assert names(mail) == ["汉滨区统计表.xlsx"]
    assert (mail.sender, mail.sender_name) == (HANBIN, None)
    assert mail.body_text == "汉滨区局报送\n\n\nhanbin@ankang-amr.example.invalid"


def test_a_scanner_mail_is_one_file_at_the_top_level() -> None:
    """Copiers' "扫描到邮件" send the PDF as the whole message, no multipart."""
    raw = message(
        part(
            [
                ("Content-Type", 'application/pdf; name="scan_20230510.pdf"'),
                ("Content-Disposition", "attachment"),
            ],
            pdf_bytes(),
        ),
        subject="Scanned from a Xerox Multifunction Printer",
        sender="<scanner@ankang-amr.example.invalid>",
    )
    mail = parse_mail(raw)
    assert names(mail) == ["scan_20230510.pdf"] and mail.body_text == ""
    assert (mail.sender, mail.sender_name) == ("scanner@ankang-amr.example.invalid", None)


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


def test_rfc2231_name_wins_over_the_plain_fallback_beside_it() -> None:
    """Apple Mail and new Outlook write an ASCII ``filename=`` for old readers and the real
    name in ``filename*=``."""
    disposition = 'attachment; filename="___.xlsx";\r\n ' + rfc2231(
        "filename", "汉滨区局统计表.xlsx", pieces=1
    ).replace("*0*", "*")
    raw = with_files(
        part(
            [("Content-Type", "application/octet-stream"), ("Content-Disposition", disposition)],
            XLSX,
        )
    )
    assert names(parse_mail(raw)) == ["汉滨区局统计表.xlsx"]


def test_body_text_reads_each_text_once_also_html_only_forwards() -> None:
    outer_text = multipart(
        [
            text_part("汉滨区局：转发石泉县局材料。"),
            multipart(
                [
                    text_part("<p>汉滨区局：转发石泉县局材料。</p>", subtype="html"),
                    part([("Content-Type", "image/png"), ("Content-ID", "<sig>")], png_bytes()),
                ],
                "related",
            ),
        ],
        "alternative",
    )
    inner = message(text_part("<div>石泉县局&nbsp;报送</div><div>第一轮</div>", subtype="html"))
    mail = parse_mail(message(multipart([outer_text, forwarded(inner)])))
    assert mail.body_text == "汉滨区局：转发石泉县局材料。\n\n石泉县局 报送\n第一轮"
    assert mail.files == ()


@pytest.mark.timeout(60)
def test_hostile_html_is_read_in_linear_time() -> None:
    """A forged mail's text full of unclosed tags must not stall the collect run."""
    hostile = "<a href=http://pan.example.invalid/s/1>" + "<" * 90_000 + "<br" * 30_000
    for opening in ("<style", "<br", "<"):
        mail = parse_mail(message(text_part(hostile + opening * 60_000, "utf-8", subtype="html")))
        assert mail.files == () and mail.links == ("http://pan.example.invalid/s/1",)
    html = "<html><head><title>t</title><style>p{}</style></head>"
    html += "<body>汉滨区局<script>x</script></body>"
    assert parse_mail(message(text_part(html, "utf-8", subtype="html"))).body_text == "汉滨区局"


@pytest.mark.timeout(60)
def test_a_forged_winmail_dat_of_tiny_records_is_refused_quickly() -> None:
    record = struct.pack("<BHHI", 1, 0x8008, 0x0007, 1) + b"x" + struct.pack("<H", 120)
    dat = struct.pack("<IH", 0x223E9F78, 1) + record * 400_000
    mail = parse_mail(with_files(attachment('"winmail.dat"', dat)))
    assert mail.files == () and "winmail.dat" in refused(mail)
    assert_tells_what_to_do(mail)
