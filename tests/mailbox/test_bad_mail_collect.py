"""Every kind of bad mail county clients send, delivered into a real Dovecot and taken by the
real collect DAG, on SQLite and PostgreSQL: each file comes out of its wrapping with its
Chinese name intact and counts for its unit, and what cannot be taken gets a Chinese message
in the unit's receipt. The message shapes are ``tests/mailbox/messages.py``'s."""

from __future__ import annotations

import os

from campaign_ops.forms.safety import MAX_UNCOMPRESSED
from tests.mailbox.helpers import (
    ON_TIME,
    body,
    outcomes,
    receipts,
    run_collect,
    table,
    warehouse_state,
)
from tests.mailbox.messages import (
    attachment,
    b_word,
    forwarded,
    message,
    multipart,
    part,
    rfc2231,
    split_b_words,
    text_part,
    winmail_dat,
    zip_bytes,
)


def contact(unit: str) -> str:
    return f"{unit}@ankang-amr.example.invalid"


def sent(unit: str, *attachments: bytes, subject: str | bytes, **kw) -> bytes:
    kw.setdefault("sender", contact(unit))
    kw.setdefault("message_id", f"<bad-{unit}@ankang-amr.example.invalid>")
    return message(multipart([text_part("请查收。"), *attachments]), subject=subject, **kw)


def bad_mail(work) -> dict[str, tuple[bytes, dict[str, str]]]:
    """unit → (the raw mail, file name → the outcome it must get)."""
    t = {u: table(work, u) for u in ("hanbin", "hanyin", "shiquan", "ningshan", "ziyang")}
    t |= {u: table(work, u) for u in ("langao", "pingli", "zhenping", "xunyang")}
    gbk_only = "汉滨区局（王镕喆）工作情况统计表.xlsx"  # 镕喆 are not in GB2312
    long_name = "汉阴县市场监督管理局互联网广告专项整治第一阶段工作情况统计表.xlsx"
    inner = sent(
        "langao",
        attachment(f'"{b_word("工作情况统计表.xlsx")}"', t["langao"]),
        subject="岚皋县局工作情况统计表",
        sender="clerk@ankang-amr.example.invalid",
        message_id="<inner@langao>",
    )
    return {
        # a "gb2312" label holding GBK-only characters (Foxmail)
        "hanbin": (
            sent(
                "hanbin",
                attachment(f'"{b_word(gbk_only, "gb2312")}"', t["hanbin"]),
                subject="汉滨区局报送",
            ),
            {gbk_only: "accepted"},
        ),
        # RFC 2047 words split inside a character (Outlook)
        "hanyin": (
            sent(
                "hanyin",
                attachment(f'"{split_b_words(long_name)}"', t["hanyin"]),
                subject=split_b_words("回复：汉阴县局报送材料").encode(),
            ),
            {long_name: "accepted"},
        ),
        # RFC 2231 continuations (Thunderbird)
        "shiquan": (
            sent(
                "shiquan",
                part(
                    [
                        ("Content-Type", "application/vnd.ms-excel"),
                        (
                            "Content-Disposition",
                            "attachment;\r\n "
                            + rfc2231("filename", "石泉县局工作情况统计表（5月10日）.xlsx"),
                        ),
                    ],
                    t["shiquan"],
                ),
                subject="石泉县局报送",
            ),
            {"石泉县局工作情况统计表（5月10日）.xlsx": "accepted"},
        ),
        # raw 8-bit GBK headers (an old OA system)
        "ningshan": (
            sent(
                "ningshan",
                attachment("宁陕县局统计表.xlsx".encode("gbk"), t["ningshan"]),
                subject="宁陕县局报送统计表".encode("gbk"),
                sender="宁陕县局".encode("gbk") + b" <" + contact("ningshan").encode() + b">",
            ),
            {"宁陕县局统计表.xlsx": "accepted"},
        ),
        # winmail.dat (Outlook's rich text)
        "ziyang": (
            sent(
                "ziyang",
                attachment(
                    '"winmail.dat"',
                    winmail_dat([("紫阳县局统计表.xlsx", t["ziyang"])]),
                    ctype="application/ms-tnef",
                ),
                subject="紫阳县局报送",
            ),
            {"紫阳县局统计表.xlsx": "accepted"},
        ),
        # a forwarded message (.eml inside .eml)
        "langao": (
            sent(
                "langao",
                forwarded(inner, "岚皋县局工作情况统计表.eml"),
                subject="转发：岚皋县局工作情况统计表",
            ),
            {"工作情况统计表.xlsx": "accepted"},
        ),
        # a zip with GBK names (Windows' own compressed folder)
        "pingli": (
            sent(
                "pingli",
                attachment(
                    f'"{b_word("平利县局材料.zip")}"',
                    zip_bytes({"平利县局统计表.xlsx": t["pingli"]}, encoding="gbk"),
                ),
                subject="平利县局报送",
            ),
            {"平利县局统计表.xlsx": "accepted"},
        ),
        # a 40 MB mail: the table is taken, the video is not asked for by this campaign
        "zhenping": (
            sent(
                "zhenping",
                attachment(f'"{b_word("镇坪县局统计表.xlsx")}"', t["zhenping"]),
                attachment(
                    f'"{b_word("现场检查视频.mp4")}"',
                    os.urandom(29 * 1024 * 1024),
                    ctype="video/mp4",
                ),
                subject="镇坪县局报送",
            ),
            {"镇坪县局统计表.xlsx": "accepted", "现场检查视频.mp4": "unidentified"},
        ),
        # a zip bomb: refused by the workbook bomb limits, with what to do
        "baihe": (
            sent(
                "baihe",
                attachment(
                    f'"{b_word("白河县局材料.zip")}"',
                    zip_bytes({"统计表.xlsx": b"\x00" * (MAX_UNCOMPRESSED // 2)}),
                ),
                subject="白河县局报送",
            ),
            {"白河县局材料.zip": "refused"},
        ),
        # an .xlsx renamed .doc
        "xunyang": (
            sent(
                "xunyang",
                attachment(f'"{b_word("旬阳市局统计表.doc")}"', t["xunyang"]),
                subject="旬阳市局报送",
            ),
            {"旬阳市局统计表.xlsx": "accepted"},  # renamed back, with a note
        ),
    }


def test_every_bad_mail_case_through_the_collect_dag(state_home, warehouse_url, imap, tmp_path):
    cases = bad_mail(tmp_path / "work")
    for raw, _ in cases.values():
        imap.append(raw, ON_TIME)

    assert run_collect().state == "success"
    state = warehouse_state(warehouse_url)
    got = {path.rsplit("/", 1)[1]: o for path, o in outcomes(state).items()}
    for unit, (_, expected) in cases.items():
        for name, outcome in expected.items():
            assert got.get(name) == outcome, f"{unit}: {name} → {got.get(name)}"
        if "accepted" in expected.values():
            assert (unit, "ankang-work-stats", 1, "accepted", True) in state["subs"], unit
    assert len(state["subs"]) == len(cases) - 1  # all but the bomb

    replies = {str(m["In-Reply-To"]): m for m in receipts(state_home / "outbox").values()}
    assert len(replies) == len(cases)  # one receipt per mail, in its thread
    hanyin = replies["<bad-hanyin@ankang-amr.example.invalid>"]
    assert str(hanyin["Subject"]) == "回复：汉阴县局报送材料"  # already a reply: no 回复：回复：
    assert "汉阴县市场监督管理局互联网广告专项整治第一阶段工作情况统计表.xlsx" in body(hanyin)
    video = body(replies["<bad-zhenping@ankang-amr.example.invalid>"])
    assert "现场检查视频.mp4" in video and "没有要求" in video
    bomb = body(replies["<bad-baihe@ankang-amr.example.invalid>"])
    assert "白河县局材料.zip" in bomb and "压缩比异常" in bomb and "不予接收" in bomb
    renamed = body(replies["<bad-xunyang@ankang-amr.example.invalid>"])
    assert "旬阳市局统计表.xlsx" in renamed and "文件名为 .doc，实为 Excel 表格" in renamed
