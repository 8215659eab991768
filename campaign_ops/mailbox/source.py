"""The mailbox as a drop zone intake scans: each recorded file of each recorded mail is an
entry (``邮件12/<subject>/<file>``, its received time the server's INTERNALDATE), read back
from the archive. Fetching is not done here (``mailbox.intake``), so listing and processing
never touch the network.

Identification adds the sender (``vet``): a unit contact's address is a hint, never proof —
a From header is trivial to forge. The template's metadata, a unit named in the subject or
the file's name, and the sender must agree; otherwise the file is held for ops with the reason
(``campaign-ops mailbox confirm`` tells intake whose it is).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from campaign_ops.campaign import Campaign
from campaign_ops.intake.identify import matcher_for, unit_from_path
from campaign_ops.intake.sources import Entry
from campaign_ops.mailbox.intake import source_name
from campaign_ops.mailbox.zone import MailboxZone

if TYPE_CHECKING:
    from campaign_ops.intake.work import Work


@dataclass(frozen=True)
class _Known:
    sha256: str
    sender: str | None
    sender_unit: str | None
    confirmed_unit: str | None
    mail_id: int


class MailboxSource:
    """One mailbox folder of a campaign, as intake sees it."""

    # Every entry is a whole file, and its time is when the server received it: no "still
    # being copied" wait, no clamping to the previous scan (intake.pipeline asks for this).
    exact = True

    def __init__(self, campaign: Campaign, zone: MailboxZone) -> None:
        self.campaign = campaign
        self.zone = zone
        self.name = source_name(campaign, zone)
        self._known: dict[str, _Known] | None = None

    def _load(self) -> dict[str, _Known]:
        import sqlalchemy as sa

        from campaign_ops.mailbox.records import MailPart, MailRecord
        from campaign_ops.store import session_scope

        with session_scope() as session:
            rows = session.execute(
                sa.select(
                    MailPart.path,
                    MailPart.sha256,
                    MailPart.size,
                    MailPart.confirmed_unit,
                    MailRecord.id,
                    MailRecord.sender,
                    MailRecord.sender_unit,
                    MailRecord.received_at,
                )
                .join(MailRecord, MailRecord.id == MailPart.mail_id)
                .where(
                    MailRecord.campaign_id == self.campaign.id,
                    MailRecord.mailbox == self.name,
                    MailRecord.copy_of.is_(None),
                    MailPart.refusal.is_(None),
                )
                .order_by(MailRecord.received_at, MailRecord.id, MailPart.position)
            ).all()
        self._entries = [Entry(r.path, r.size, r.received_at) for r in rows]
        self._known = {
            r.path: _Known(r.sha256, r.sender, r.sender_unit, r.confirmed_unit, r.id) for r in rows
        }
        return self._known

    def entries(self) -> Iterator[Entry]:
        self._load()
        yield from self._entries

    def precheck_entries(self) -> Iterator[Entry]:
        return iter(())  # a pre-check goes to the share's 预检 folder, not to the mailbox

    def read(self, entry: Entry) -> bytes:
        from campaign_ops.intake.archive_files import archive_path

        known = (self._known or self._load()).get(entry.path)
        if known is None:
            raise FileNotFoundError(entry.path)
        return archive_path(known.sha256).read_bytes()

    # ---- who sent it ------------------------------------------------------------------

    def vet(self, work: Work) -> str | None:
        """Why this mailed file must wait for ops (None: the evidence agrees). Sets the unit
        ops confirmed, or the one the evidence agrees on."""
        known = (self._known or self._load()).get(work.entry.path)
        if known is None:
            return None
        campaign = self.campaign
        if known.confirmed_unit:
            work.unit = campaign.unit(known.confirmed_unit)
            work.identified_by = "path"
            return None
        evidence: list[tuple[str, str]] = []  # (where, unit code)
        if work.identified_by == "metadata" and work.unit is not None:
            evidence.append(("模板", work.unit.code))
        named = unit_from_path(matcher_for(campaign), work.entry.path)
        if named is not None:
            evidence.append(("邮件主题或文件名", named.code))
        if work.identified_by == "unit_cell" and work.unit is not None:
            evidence.append(("填报单位栏", work.unit.code))
        how = f"请市局核实后运行 {confirm_command(campaign.id, work.entry.path)}"
        if known.sender_unit is None:
            return (
                f"发件人 {known.sender or '（无发件人）'} 不是任何报送单位登记的联系邮箱，"
                f"无法确认是哪个单位报送的。{how}。"
            )
        sender = campaign.unit(known.sender_unit)
        if not evidence:
            return (
                f"发件人是{sender.short_name}登记的邮箱，但附件和邮件主题都没有写明单位"
                f"（邮箱地址只作参考）。{how}，或请单位使用下发的模板、在主题中写明单位后重新发送。"
            )
        disagree = [(where, code) for where, code in evidence if code != known.sender_unit]
        if disagree or len({code for _, code in evidence}) > 1:
            said = "，".join(
                f"{where}为“{campaign.unit(code).short_name}”" for where, code in evidence
            )
            return f"单位不一致：{said}，发件人是{sender.short_name}登记的邮箱。{how}。"
        work.unit = sender
        return None


def confirm_command(campaign_id: str, path: str) -> str:
    return f"campaign-ops mailbox confirm {campaign_id} '{path}' --unit 单位代码"


def mailbox_sources(campaign: Campaign) -> list[MailboxSource]:
    return [MailboxSource(campaign, zone) for zone in campaign.mailboxes]
