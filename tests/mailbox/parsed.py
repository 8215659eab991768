"""Reading what ``parse_mail`` made of a message, for the parser's tests: the files' names,
the refusals by name, and the check that every refusal tells the unit what to do."""

from __future__ import annotations

import re

from campaign_ops.mailbox.parse import ParsedMail
from tests.mailbox.messages import message, multipart, text_part, xlsx_bytes

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
