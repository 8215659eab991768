"""One email decided to go out, as plain JSON data: a reminder, a receipt, a pre-check answer
or a report.

``Message`` travels between a DAG's tasks through XCom, so it holds only JSON types; its
natural key is the mail ledger's (campaign, kind, round or '', unit or group, moment), and
from that key come its Message-ID, its ``X-Campaign-Ops-Key`` header and its outbox file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from campaign_ops.mail.compose import Attachment, Draft
from campaign_ops.store.ledger import MailKey, message_id_for

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign


@dataclass(frozen=True)
class Message:
    """One email decided for a moment. ``context`` holds what the warehouse said at decision
    time (what is missing, why a file was rejected, the digest table); the rest of the body
    is rendered from the campaign when it is sent."""

    # notice | phase | reminder | overdue | digest | receipt | precheck | report | report_revised
    kind: str
    moment: str  # ISO 8601 in the campaign's time zone
    recipient_key: str  # unit code, or a group: "ops", "recipients"
    to: tuple[str, ...]
    subject: str
    cc: tuple[str, ...] = ()
    round: str | None = None
    unit: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    # The ledger's moment when the email belongs to a thing rather than a time: a pre-check
    # answer is keyed by the file's sha256, so every scan that sees the file finds it sent.
    token: str = ""
    # Extra headers, e.g. In-Reply-To / References of a receipt that answers a unit's mail.
    headers: dict[str, str] = field(default_factory=dict)

    def key(self, campaign_id: str) -> MailKey:
        """The natural key (campaign, kind, round or '', unit or group, moment)."""
        return MailKey(
            campaign_id,
            self.kind,
            self.recipient_key,
            self.token or dt.datetime.fromisoformat(self.moment),
            round_id=self.round or "",
        )

    @property
    def recipients(self) -> list[str]:
        return list(dict.fromkeys([*self.to, *self.cc]))

    def draft(
        self,
        campaign: Campaign,
        html: str,
        text: str,
        attachments: tuple[Attachment, ...] = (),
    ) -> Draft:
        """The finished email with these bodies: the campaign's sender, and the Message-ID
        and key header derived from the ledger key (a resend carries the same id)."""
        key = self.key(campaign.id)
        return Draft(
            sender_name=campaign.sender.name,
            sender_email=campaign.sender.email,
            to=self.to,
            cc=self.cc,
            subject=self.subject,
            text=text,
            html=html,
            message_id=message_id_for(key),
            attachments=attachments,
            headers={**self.headers, "X-Campaign-Ops-Key": str(key)},
        )

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["to"], data["cc"] = list(self.to), list(self.cc)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        return cls(**{**data, "to": tuple(data["to"]), "cc": tuple(data.get("cc", ()))})

    def summary(self) -> dict[str, Any]:
        """What ``campaign-ops remind --json`` prints for each message."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "round": self.round,
            "unit": self.unit,
            "to": list(self.to),
            "cc": list(self.cc),
            "subject": self.subject,
            "moment": self.moment,
        }
        if "missing" in self.context:
            out["missing"] = [m["label"] for m in self.context["missing"]]
        return out
