"""Reading a delivered message back as a person's mail program would."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path


def read_eml(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=default_policy)  # type: ignore[return-value]


def plain_text(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()
