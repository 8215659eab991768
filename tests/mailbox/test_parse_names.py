"""Names and headers as county clients write them (Foxmail, NetEase, Outlook, 8-bit, RFC 2047
and 2231), threading headers and the body text: what ``parse_mail`` reads from them."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from campaign_ops.mailbox.parse import parse_mail
from tests.mailbox.messages import (
    GBK_ONLY_NAME,
    HANBIN,
    attachment,
    b_word,
    forwarded,
    message,
    multipart,
    part,
    png_bytes,
    rfc2231,
    split_b_words,
    text_part,
)
from tests.mailbox.parsed import XLSX, names, with_files


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
