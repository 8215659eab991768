"""A campaign's mailbox as one of its drop zones, in the campaign file.

``drop_zone`` stays a single folder or share, as every campaign file has it; it may also be a
list holding that folder or share and one or more mailboxes::

    drop_zone:
      - {kind: folder, path: ankang-2023-internet-ads, layout: per_unit}
      - {kind: mailbox, address: ankang-ggk@example.invalid, folder: INBOX}

The list is split when the file is loaded: ``Campaign.drop_zone`` remains the folder or share
(notices, reminders and the demo put files there) and ``Campaign.mailboxes`` holds the mailboxes.
Kept free of ``campaign_ops.campaign`` imports: that module imports this one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

if TYPE_CHECKING:
    from campaign_ops.specfile import Problem

MailAddress = Annotated[
    str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", strip_whitespace=True)
]


class MailboxZone(BaseModel):
    """An IMAP mailbox units send their material to (the circular's 报送邮箱)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["mailbox"]
    address: MailAddress = Field(description="报送邮箱地址，写入通知，单位把材料发到这里")
    folder: str = Field(default="INBOX", description="读取的邮箱文件夹")
    connection_id: str = Field(
        default="campaign_ops_mailbox", description="Airflow Connection：IMAP 服务器、账号和密码"
    )
    processed_folder: str | None = Field(
        default=None, description="归档并入库后把邮件移到这个文件夹；不填则留在原处"
    )


def split_drop_zones(data: Any) -> Any:
    """``drop_zone: [..]`` → ``drop_zone`` (the one folder or share) + ``mailboxes``.
    Anything else is left alone for the schema to judge (and explain)."""
    if not isinstance(data, dict) or not isinstance(data.get("drop_zone"), list):
        return data
    zones = data["drop_zone"]
    mail = [z for z in zones if isinstance(z, dict) and z.get("kind") == "mailbox"]
    files = [z for z in zones if not (isinstance(z, dict) and z.get("kind") == "mailbox")]
    out = {k: v for k, v in data.items() if k != "drop_zone"}
    if len(files) == 1:
        out["drop_zone"] = files[0]
    elif files:
        out["drop_zone"] = files  # more than one folder: the schema says a single one is allowed
    out["mailboxes"] = [*data.get("mailboxes", ()), *mail]
    return out


def where_written(problem: Problem, data: Any) -> Problem:
    """A problem found in ``mailboxes[i]`` is shown where the person wrote it, the list item
    ``drop_zone[j]``; a list without a folder or share says so."""
    zones = data.get("drop_zone") if isinstance(data, dict) else None
    if not isinstance(zones, list):
        return problem
    loc = problem.loc
    if loc == ("drop_zone",):
        return replace(
            problem,
            text="drop_zone 中还需要一个共享目录或文件夹（kind: folder 或 smb），"
            "通知和催报会告诉各单位把文件放在哪里；邮箱写在它旁边",
        )
    if len(loc) >= 2 and loc[0] == "mailboxes" and isinstance(loc[1], int):
        mailboxes = [
            j for j, z in enumerate(zones) if isinstance(z, dict) and z.get("kind") == "mailbox"
        ]
        if loc[1] < len(mailboxes):
            return replace(problem, loc=("drop_zone", mailboxes[loc[1]], *loc[2:]))
    return problem
