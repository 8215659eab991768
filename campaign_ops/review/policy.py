"""The campaign's review policy (``review:`` in the YAML): who reviews which deliverables and
what happens when nobody decides in time. Off by default, so a campaign without the block
behaves as before: an accepted file counts at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from campaign_ops.campaign import Deliverable

STATISTICS = "statistics"


class ReviewPolicy(BaseModel):
    """``required``: accepted versions wait for a reviewer before they count in reports.
    ``applies_to`` names form ids or deliverable kinds; empty means every statistics form."""

    model_config = ConfigDict(extra="forbid", frozen=True)  # as campaign.Strict

    required: bool = False
    reviewers: tuple[str, ...] = Field(default=(), description="Airflow 用户名，可以审核的人")
    applies_to: tuple[str, ...] = Field(
        default=(), description="需要审核的表单编号或材料类型；缺省为全部统计表"
    )
    decide_within_working_days: int = Field(default=3, ge=1)
    on_timeout: Literal["approve", "remind"] = "remind"

    def applies(self, deliverable: Deliverable | str) -> bool:
        """Whether accepted versions of this deliverable (a ``Deliverable`` or its key) wait
        for review. A bare key counts as a statistics form unless it names a kind."""
        if not self.required:
            return False
        if isinstance(deliverable, str):
            key, kind = deliverable, _kind_of_key(deliverable)
        else:
            key, kind = deliverable.key, deliverable.kind.value
        if not self.applies_to:
            return kind == STATISTICS
        return key in self.applies_to or kind in self.applies_to

    def may_decide(self, user: str) -> bool:
        """Anyone when no reviewers are listed, else only the listed ones."""
        return not self.reviewers or user in self.reviewers


def _kind_of_key(key: str) -> str:
    from campaign_ops.campaign import DeliverableKind

    return key if key in DeliverableKind.__members__ else STATISTICS
