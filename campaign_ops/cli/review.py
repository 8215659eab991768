"""``campaign-ops review``: answer a unit's pending review (通过 / 退回修改) without the UI.

The answer goes to the review task waiting in Airflow, through its REST API, exactly as a
click in Required Actions would: Airflow checks that the user is an assigned reviewer, the
task resumes, and the review DAG's next task records the decision (``review.queue.decide``).

Exit codes: 0 answered (and, unless ``--no-wait``, the decision recorded); 1 refused (not a
reviewer, already answered, a newer version replaced it, or the decision was not applied);
2 wrong arguments (unknown campaign, round or unit, review not required, return without a
reason, several forms waiting and no ``--form``); 3 no review task waits for that unit and
round; 4 Airflow cannot be reached or refuses the login.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import NamedTuple

from campaign_ops.campaign import get_campaign

WAIT_SECONDS = 180.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "review",
        help="审核一个单位的报送：通过，或退回修改并写明理由（经 Airflow 的待办任务）",
        description=(
            "回答 Airflow 中等待审核的任务（与在 Required Actions 中点选相同）。"
            "用 CAMPAIGN_OPS_AIRFLOW_USER / CAMPAIGN_OPS_AIRFLOW_PASSWORD 给出您的 Airflow "
            "用户名和密码，CAMPAIGN_OPS_AIRFLOW_URL 给出地址（缺省 http://localhost:8080）。"
            "退出码：0 已提交并生效，1 被拒绝或未生效，2 参数有误，3 没有待审核任务，"
            "4 无法连接或登录 Airflow。"
        ),
    )
    p.add_argument("campaign_id", metavar="ID")
    p.add_argument("--round", dest="round_id", metavar="R", required=True, help="报送轮次")
    p.add_argument("--unit", metavar="U", required=True, help="报送单位代码")
    p.add_argument("--form", metavar="F", help="表单编号或材料类型（该单位有多份待审核时必填）")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--approve", action="store_true", help="通过：计入汇总")
    how.add_argument("--return", dest="reason", metavar="REASON", help="退回修改，并写明理由")
    p.add_argument("--no-wait", action="store_true", help="提交后不等待 Airflow 记录审核结果")
    p.set_defaults(func=cmd_review)


def cmd_review(args: argparse.Namespace) -> int:
    from campaign_ops.review.airflow_api import AirflowApi, AirflowUnavailable, settle
    from campaign_ops.review.airflow_dag import KIND
    from campaign_ops.review.airflow_operator import REASON
    from campaign_ops.review.airflow_work import APPROVE, RETURN

    campaign = get_campaign(args.campaign_id)
    campaign.round(args.round_id)  # unknown round or unit: KeyError → exit 2
    unit = campaign.unit(args.unit)
    if not campaign.review.required:
        return _fail(2, f"专项行动 {campaign.id} 不要求审核（review.required 未开启）")
    reason = (args.reason or "").strip()
    if args.reason is not None and not reason:
        return _fail(2, f"“{RETURN}”必须写明理由：--return 后写要单位修改什么")
    claims = _pending_claims(campaign.id, args.round_id, args.unit, args.form)
    if not claims:
        return _fail(
            3,
            f"{unit.name}在轮次 {args.round_id} 没有等待审核的任务"
            "（尚未进入审核、已经审核过，或审核 DAG 还没有运行）",
        )
    if len(claims) > 1:
        forms = "、".join(c.form for c in claims)
        return _fail(2, f"{unit.name}有 {len(claims)} 份待审核（{forms}），请用 --form 指明一份")
    held = claims[0]
    dag_id = f"{campaign.id}__{KIND}"
    try:
        api = AirflowApi.from_env()
        pending = api.pending_reviews(dag_id)
        found = next(
            (
                d
                for d in pending
                if d["task_instance"]["dag_run_id"] == held.run_id
                and d["task_instance"]["task_id"] == held.task_id
                and d["task_instance"]["map_index"] == held.map_index
            ),
            None,
        )
        if found is None:
            return _fail(
                3,
                f"{unit.name}的审核任务（运行 {held.run_id}）在 Airflow 中已无待处理的操作"
                "（可能刚被回答，或任务已结束）",
            )
        time.sleep(settle(found["created_at"]))  # see airflow_api.SETTLE
        chosen = APPROVE if args.approve else RETURN
        status, body = api.answer(
            dag_id, held.run_id, held.task_id, held.map_index, chosen, {REASON: reason}
        )
    except AirflowUnavailable as exc:
        return _fail(4, str(exc))
    if status == 403:
        who = "、".join(campaign.review.reviewers)
        return _fail(1, f"Airflow 拒绝：{api.username} 不是这项审核的审核人（审核人：{who}）")
    if status == 409:
        return _fail(1, "这项审核已经有人回答过了，不能再次回答")
    if status != 200:
        return _fail(1, f"Airflow 拒绝了这次回答（HTTP {status}）：{body}")
    because = f"（理由：{reason}）" if reason else ""
    print(f"已提交：{unit.name} 轮次 {args.round_id}：{chosen}{because}")
    if args.no_wait:
        return 0
    return _await_decision(campaign.id, held.id)


class Held(NamedTuple):
    """An open review task of the unit (``review.airflow_claims``), read out of its session."""

    id: int
    form: str
    run_id: str
    task_id: str
    map_index: int


def _pending_claims(campaign_id: str, round_id: str, unit: str, form: str | None) -> list[Held]:
    from campaign_ops.review.airflow_claims import open_claims
    from campaign_ops.store import session_scope, upgrade

    upgrade()
    with session_scope(readonly=True) as session:
        claims = [
            Held(c.id, c.item_key.split("/")[2].split("@")[0], c.run_id, c.task_id, c.map_index)
            for c in open_claims(session, campaign_id)
            if c.round_id == round_id and c.unit_code == unit
        ]
    return [c for c in claims if c.form == form] if form else claims


def _await_decision(campaign_id: str, claim_id: int) -> int:
    """Wait until the review DAG's next task has recorded (or refused) the answer."""
    from campaign_ops.review.airflow_claims import ReviewTask
    from campaign_ops.store import session_scope

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with session_scope(readonly=True) as session:
            row = session.get(ReviewTask, claim_id)
            outcome, note = (row.outcome, row.note) if row else ("decided", None)
        if outcome == "decided":
            print("审核结果已记录。")
            return 0
        if outcome in ("refused", "failed"):
            return _fail(1, f"审核结果未生效：{note}")
        time.sleep(2)
    print("Airflow 尚未执行记录审核结果的任务；稍后用 campaign-ops status 查看。")
    return 0


def _fail(code: int, message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return code
