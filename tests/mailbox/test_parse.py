"""One raw message → the files intake takes, the parts it refuses (with a Chinese reason that
says what to do), and who sent it — for mail as county clients really write it: size limits,
what a file really is, what is not a file, and input that must never make the parser raise.
Names and headers: ``test_parse_names.py``; wrapped files: ``test_parse_containers.py``."""

from __future__ import annotations

import os
import random

import pytest

from campaign_ops.forms.safety import OLE_MAGIC
from campaign_ops.mailbox.parse import WHOLE_MAIL, MailLimits, ParsedMail, parse_mail
from tests.mailbox.messages import (
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
    text_part,
    winmail_dat,
    zip_bytes,
)
from tests.mailbox.parsed import XLSX, assert_tells_what_to_do, names, refused, with_files


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
