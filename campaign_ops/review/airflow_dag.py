"""The review DAG ``<campaign>__review``, for a campaign whose ``review.required`` is true.

It runs when collect publishes newly accepted data (the campaign's accepted-data asset) and
on the collect schedule (which picks up a review that was refused or whose task failed). One
task lists the versions that wait for review and have no task yet; then, per version, a mapped
group: the human-in-the-loop review (``ReviewOperator``, labelled with the unit's name) and the
task that applies the answer. A run stays running while its reviews wait (without holding a
worker), so several runs may be active: ``max_active_runs`` is generous, and the claim table
keeps each version to one open review however many runs there are.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset, AssetOrTimeSchedule, get_current_context, task, task_group
from airflow.sdk.exceptions import AirflowSkipException

from campaign_ops import calendar_doc
from campaign_ops.calendar_doc import step
from campaign_ops.campaign import Campaign
from campaign_ops.review.airflow_operator import ReviewOperator
from campaign_ops.review.airflow_work import APPROVE, RETURN
from campaign_ops.timeline import Timeline

KIND = "review"
ASK_TASK_ID = "review.ask"  # the review task, as Airflow names it inside its group
# Runs waiting for reviewers at once; each holds no worker slot while it waits.
MAX_ACTIVE_RUNS = 64


def review_doc(campaign: Campaign, timeline: Timeline) -> str:
    """The DAG page: the campaign's page (steps, calendar) with who reviews what, how and
    what happens when nobody decides in time."""
    policy = campaign.review
    timeout = (
        f"期限已过仍无人审核时自动“{APPROVE}”（审核记录注明为超时自动通过）"
        if policy.on_timeout == "approve"
        else "期限已过仍无人审核时，给本行动的联系人发审核超期提醒邮件，审核任务继续等待"
    )
    applies = "、".join(policy.applies_to) or "全部统计表"
    how = [
        "## 怎样审核",
        "",
        f"**审核人（Airflow 用户名）：** {'、'.join(policy.reviewers) or '任何有权限的用户'}"
        f"　**审核范围：** {applies}",
        "",
        f"**审核期限：** 收到材料后 {policy.decide_within_working_days} 个工作日；{timeout}。",
        "",
        "在 Airflow 左侧 **浏览 → 待操作的任务实例**（Browse → Required Actions）中打开一份"
        "待审核材料，对照上一轮和全市合计阅读数据后选择：",
        "",
        f"- **{APPROVE}**：这份材料计入汇总报告；",
        f"- **{RETURN}**：在“理由”中写明要修改什么（必填）；报送单位收到退回修改通知，"
        "这份材料退出汇总，单位报送新版本后重新进入审核。",
        "",
        f"选择“{RETURN}”却没有写理由时，本次选择不生效，立即重新发起审核。也可以用命令："
        f"`campaign-ops review {campaign.id} --round R --unit U --form F "
        "(--approve | --return 理由)`。",
        "",
    ]
    page = calendar_doc.dag_doc(campaign, timeline, KIND)
    steps = page.index("## 本 DAG 的步骤")
    return page[:steps] + "\n".join(how) + "\n" + page[steps:]


def reopen_asset(campaign_id: str) -> Asset:
    """Emitted when a review was answered 退回修改 without a reason: a new review opens now."""
    return Asset(f"campaign-ops://{campaign_id}/review-reopened", group="campaign-ops")


def review_dag(campaign: Campaign, timeline: Timeline, common: dict) -> DAG:
    """The review DAG of a campaign whose policy requires review. ``common`` is the collect
    DAG's keyword arguments (``dag_factory._common``)."""
    from campaign_ops.dag_factory import accepted_data_asset, collect_timetable

    schedule = AssetOrTimeSchedule(
        timetable=collect_timetable(campaign),
        assets=accepted_data_asset(campaign.id) | reopen_asset(campaign.id),
    )
    kwargs = {
        **common,
        "dag_id": f"{campaign.id}__{KIND}",
        "description": f"{campaign.display_title}：审核与退回",
        "doc_md": review_doc(campaign, timeline),
        "tags": [campaign.id, KIND, "专项行动"],
        "max_active_runs": MAX_ACTIVE_RUNS,
    }
    # No end_date, unlike collect: a version that arrives in the last scan is still reviewed
    # (and a task past end_date would not even be created in a run triggered later).
    with DAG(schedule=schedule, **kwargs) as d:

        @task(**step(KIND, "list_reviews"))
        def list_reviews(run_id: str | None = None) -> list[dict]:
            from campaign_ops.review.airflow_work import list_reviews as waiting

            return waiting(campaign.id, d.dag_id, run_id or "", ASK_TASK_ID)

        @task(**step(KIND, "remind_overdue"))
        def remind_overdue() -> int:
            from campaign_ops.review.airflow_work import remind_overdue as remind

            return remind(campaign.id, pendulum.now("UTC"))

        @task_group(group_id="review", group_display_name=calendar_doc.GROUPS["review"])
        def one_review(item: dict) -> None:
            ask = ReviewOperator(
                **step(KIND, "ask"),  # ASK_TASK_ID, inside the group
                campaign=campaign,
                item=item,
                map_index_template="{{ task.item.label }}",
            )

            @task(**step(KIND, "apply"), map_index_template="{{ review_label }}")
            def apply(item: dict, answer: dict) -> dict:
                from campaign_ops.review.airflow_work import apply_answer

                get_current_context()["review_label"] = item["label"]  # type: ignore[typeddict-unknown-key]
                return apply_answer(campaign.id, item, answer)

            @task(**step(KIND, "reopen"), outlets=[reopen_asset(campaign.id)])
            def reopen(done: dict) -> str:
                if done["outcome"] != "refused":
                    raise AirflowSkipException("审核决定已生效，无需重新发起")
                return done["message"]

            reopen(apply(item, ask.output))

        listed = list_reviews()
        one_review.expand(item=listed)
        listed >> remind_overdue()
    return d
