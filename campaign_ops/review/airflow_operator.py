"""The review task: Airflow's ``HITLOperator`` asking one item version's reviewers 通过 or
退回修改, with a reason.

Airflow 3.3 with the standard provider 1.21 parks it in ``awaiting_input`` without a worker,
triggerer or pool slot; the scheduler applies ``defaults`` when ``response_timeout`` passes.
Before it asks, the task claims its item (``review.airflow_claims``), so a second run or a
cleared run never opens a second review for the same version, and builds the subject and
Markdown body from the warehouse at that moment. The deadline is counted in working days from
then, so ``response_timeout`` is set in ``execute``, not at parse time.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import Param
from airflow.sdk.exceptions import AirflowSkipException

from campaign_ops.review.airflow_work import APPROVE, OPTIONS, RETURN

if TYPE_CHECKING:
    from airflow.sdk import Context

    from campaign_ops.campaign import Campaign

REASON = "reason"


def reason_param() -> Param:
    """The reason field of the form: optional to the form (Airflow cannot make a field depend
    on the chosen option), required by the next task when the answer is 退回修改."""
    return Param(
        "",
        type=["string", "null"],
        title="理由（退回修改时必填）",
        description=f"选择“{RETURN}”时写明要单位修改什么，这段话会原样发给报送单位；"
        f"选择“{APPROVE}”时可不填。",
    )


class ReviewOperator(HITLOperator):
    """One review of one item version (``item``: ``airflow_work.item_to_dict``)."""

    template_fields = (*HITLOperator.template_fields, "item")

    def __init__(self, *, campaign: Campaign, item: Any, **kwargs: Any) -> None:
        policy = campaign.review
        super().__init__(
            subject=f"审核：{campaign.display_title}",
            options=list(OPTIONS),
            defaults=[APPROVE] if policy.on_timeout == "approve" else None,
            params={REASON: reason_param()},
            assigned_users=[{"id": r, "name": r} for r in policy.reviewers] or None,
            **kwargs,
        )
        self.campaign_id = campaign.id
        self.item = item

    def execute(self, context: Context) -> Any:
        from campaign_ops.review.airflow_claims import TaskSlot
        from campaign_ops.review.airflow_work import open_review

        ti = context["ti"]
        slot = TaskSlot(ti.dag_id, ti.run_id, ti.task_id, ti.map_index)
        now = dt.datetime.now(dt.UTC)
        opened = open_review(self.campaign_id, self.item, slot, board_url(self.campaign_id), now)
        if isinstance(opened, str):
            raise AirflowSkipException(opened)
        self.subject, self.body = opened.subject, opened.body
        self.response_timeout = opened.timeout
        self.log.info("审核期限：%s（%s）", opened.due_at.isoformat(), self.item["label"])
        return super().execute(context)


def board_url(campaign_id: str) -> str:
    """The campaign's page on the board, under the UI's own address."""
    from airflow.providers.common.compat.sdk import conf

    base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    return f"{base}/campaign-board/c/{campaign_id}"
