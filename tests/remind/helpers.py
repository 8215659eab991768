"""Submissions for the remind tests, one line each, committed through ``session_scope``."""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from campaign_ops.campaign import Campaign
from campaign_ops.demo import DEMO_CAMPAIGN
from campaign_ops.review.records import record_approval
from campaign_ops.review.state import needs_review
from campaign_ops.store import (
    Finding,
    record_file,
    record_findings,
    record_submission,
    session_scope,
)

BEIJING = ZoneInfo("Asia/Shanghai")
DEMO = DEMO_CAMPAIGN  # the campaign of the ``ankang`` fixture (tests/conftest.py)


def beijing(text: str) -> dt.datetime:
    """``beijing("2023-07-03T09:00")``: an aware moment in the campaign's time zone."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=BEIJING)


class Desk:
    """The city bureau's in-tray: files arriving from units and what became of them."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.n = 0

    def _record(
        self,
        unit: str,
        round_id: str,
        key: str,
        at: dt.datetime,
        status: str,
        summary: str | None = None,
    ) -> int:
        self.n += 1
        name = f"{self.campaign.unit(unit).short_name}_{key}_{self.n}.xlsx"
        sha = hashlib.sha256(name.encode()).hexdigest()
        with session_scope() as s:
            record_file(s, sha256=sha, source=self.campaign.id, path=f"{unit}/{name}", size=10)
            sub = record_submission(
                s,
                campaign_id=self.campaign.id,
                round_id=round_id,
                unit_code=unit,
                deliverable_key=key,
                sha256=sha,
                received_at=at,
                identified_by="path",
                status=status,
                rejection_summary=summary,
            ).submission
            return sub.id

    def accept(self, unit: str, round_id: str, *keys: str, at: dt.datetime | None = None) -> None:
        """Accepted deliverables (all the round asks for when no keys are given)."""
        at = at or self._before_deadline(round_id)
        for key in keys or [d.key for d in self.campaign.round(round_id).deliverables]:
            sub_id = self._record(unit, round_id, key, at, "accepted")
            if needs_review(self.campaign, round_id, key):  # and the reviewer approved it
                with session_scope() as s:
                    record_approval(s, self.campaign.id, sub_id, "seeding", at)

    def receive(self, unit: str, round_id: str, key: str) -> None:
        """A file that arrived and is not yet checked."""
        self._record(unit, round_id, key, self._before_deadline(round_id), "received")

    def reject(self, unit: str, round_id: str, key: str, summary: str, problems: list[str]) -> None:
        at = self._before_deadline(round_id)
        sub_id = self._record(unit, round_id, key, at, "rejected", summary)
        with session_scope() as s:
            record_findings(
                s,
                sub_id,
                [
                    Finding("error", f"rule-{i}", text, row_label="汉滨区", column_label="案件数")
                    for i, text in enumerate(problems)
                ],
            )

    def half_copied(self, unit: str, round_id: str, key: str) -> None:
        at = self._before_deadline(round_id)
        self._record(unit, round_id, key, at, "not_ready", "文件为空")

    def _before_deadline(self, round_id: str) -> dt.datetime:
        r = self.campaign.round(round_id)
        return dt.datetime.combine(r.deadline, dt.time(8, 0), BEIJING)
