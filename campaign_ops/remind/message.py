"""The message a reminder moment decides on: what is sent to whom, as plain JSON data.

``Message`` travels between the DAG's two tasks through XCom, so it holds only JSON types; its
natural key is the mail ledger's (campaign, kind, round or '', unit or group, moment).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from campaign_ops.store.ledger import MailKey

KINDS = ("notice", "phase", "reminder", "overdue", "digest")
OPS_GROUP = "ops"


@dataclass(frozen=True)
class Message:
    """One email decided for a moment. ``context`` holds what the warehouse said at decision
    time (what is missing, why a file was rejected, the digest table); the rest of the body
    is rendered from the campaign when it is sent."""

    kind: str  # notice | phase | reminder | overdue | digest | receipt | precheck
    moment: str  # ISO 8601 in the campaign's time zone
    recipient_key: str  # unit code, or "ops"
    to: tuple[str, ...]
    subject: str
    cc: tuple[str, ...] = ()
    round: str | None = None
    unit: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    # The ledger's moment when the email belongs to a thing rather than a time: a pre-check
    # answer is keyed by the file's sha256, so every scan that sees the file finds it sent.
    token: str = ""

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
