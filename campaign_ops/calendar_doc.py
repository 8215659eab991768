"""Chinese Markdown docs for the DAG pages: the campaign calendar and what each task does.

Ops staff read these on the DAG page in the Airflow UI; they are derived from the campaign
YAML and its timeline, so they are never out of date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from campaign_ops.campaign import Campaign, CampaignFileError
from campaign_ops.timeline import Timeline

KIND_TITLES = {
    "collect": "收取与校验报送材料",
    "remind": "催报提醒与通知",
    "consolidate": "数据汇总与报告",
    "review": "审核与退回",
}


@dataclass(frozen=True)
class Step:
    """One task of a campaign DAG: its id, the Chinese name the UI shows, the group it belongs
    to (task groups by step), and what it does (the task's and the DAG's docs)."""

    task_id: str
    name: str
    text: str
    group: str | None = None


GROUPS = {"intake": "收取与处理", "follow_up": "回执与后续", "review": "逐份审核"}

KIND_STEPS: dict[str, list[Step]] = {
    "collect": [
        Step(
            "fetch_mail",
            "读取报送邮箱",
            "（配置了报送邮箱的行动才有此步）读取邮箱中的新邮件，不标为已读：整封邮件和每个附件"
            "先按内容哈希归档，再记录发件人、主题和服务器接收时间；附件随后与共享目录的文件一起处理。",
            "intake",
        ),
        Step(
            "list_new_files",
            "扫描共享目录",
            "扫描共享目录，找出新到或有变化的文件；仍在复制中的文件标为“未就绪”，下次再取。",
            "intake",
        ),
        Step(
            "process_files",
            "归档、识别、校验、入库",
            "按单位分批处理（每批显示单位名称）：先按内容哈希归档，再识别单位、轮次和材料，"
            "解析并用 Great Expectations 校验统计表，接收或退回并记录原因。",
            "intake",
        ),
        Step(
            "send_receipts",
            "发送回执",
            "给本次处理了文件的每个单位发一封回执：接收（是否逾期、主要数字）或退回（错误清单和"
            "修改方法）。",
            "follow_up",
        ),
        Step(
            "publish_accepted_data",
            "通知汇总",
            "有新接收的数据时发出数据更新事件，触发汇总 DAG；没有则跳过。",
            "follow_up",
        ),
    ],
    "remind": [
        Step(
            "decide_messages",
            "决定本次应发的邮件",
            "按本次提醒时刻判断应发哪些邮件：动员通知、阶段通知、截止前提醒、逾期催报、汇总日报。",
        ),
        Step(
            "send_messages",
            "逐封发送",
            "逐封发送；每封邮件先在台账中登记，重跑或重试不会重复发送。",
        ),
    ],
    "consolidate": [
        Step("refresh_merged_tables", "刷新汇总表", "用各单位最新一版已接收数据刷新汇总表。"),
        Step(
            "build_and_send_report",
            "生成并发送汇总报告",
            "到汇总报告时刻时生成汇总报表（.xlsx）并发送给报告接收人。",
        ),
    ],
    # campaign_ops.review.airflow_dag: one human-in-the-loop review per accepted version.
    "review": [
        Step(
            "list_reviews",
            "列出待审核材料",
            "列出已通过校验、需要审核且尚无审核任务的材料，并登记由本次运行审核。",
        ),
        Step(
            "ask",
            "审核",
            "每份材料一个待办（Required Actions），标签为单位名称：审核人选择通过或退回修改。",
            "review",
        ),
        Step(
            "apply",
            "执行审核决定",
            "记录谁、何时、为何审核；退回时给单位发退回修改通知，并刷新汇总表。",
            "review",
        ),
        Step(
            "reopen",
            "重新发起审核",
            "选择退回修改却没有写理由时，这次选择不生效，立即重新发起审核。",
            "review",
        ),
        Step(
            "remind_overdue",
            "提醒超期未审",
            "按审核期限提醒审核人（on_timeout: remind）；补发此前未发出的退回修改通知。",
        ),
    ],
}


def step(kind: str, task_id: str) -> dict:
    """The ``@task`` arguments of a step: its id, Chinese display name and docs."""
    found = next(s for s in KIND_STEPS[kind] if s.task_id == task_id)
    return {"task_id": found.task_id, "task_display_name": found.name, "doc_md": found.text}


def _calendar_table(campaign: Campaign, timeline: Timeline) -> list[str]:
    lines = ["| 日期 | 时间 | 事项 |", "|---|---|---|"]
    for e in timeline.of_kind("phase_start", "phase_end", "deadline", "report"):
        flag = f" ⚠ 非工作日（{e.non_working_day}）" if e.non_working_day else ""
        extra = f"：{'、'.join(e.deliverables)}" if e.kind == "deadline" and e.deliverables else ""
        lines.append(f"| {e.date.isoformat()} | {e.time or ''} | {e.title}{extra}{flag} |")
    return lines


def _units_line(campaign: Campaign) -> str:
    names = "、".join(u.short_name for u in campaign.units)
    line = f"**报送单位（{len(campaign.units)} 个）：** {names}"
    if campaign.units_from:
        line += f"（取自单位名册 {campaign.units_from.roster}）"
    if campaign.recurring:
        rules = "；".join(f"{rule}（{n} 轮）" for rule, n in campaign.recurring.items())
        line += f"\n\n**周期报送：** {rules}"
    return line


def dag_doc(campaign: Campaign, timeline: Timeline, kind: str) -> str:
    phases = " → ".join(f"{p.name}（{p.start}～{p.end}）" for p in campaign.phases)
    policy = campaign.reminders
    before = "、".join(str(d) for d in policy.before_days)
    reminders = (
        f"截止前 {before} 天提醒（遇节假日提前到前一工作日）；"
        f"逾期后每 {policy.overdue_every_working_days} 个工作日催报一次，"
        f"逾期 {policy.escalate_after_working_days} 个工作日起抄送分管领导。"
    )
    parts = [
        f"# {campaign.title} · {KIND_TITLES[kind]}",
        "",
        f"**发文机关：** {campaign.authority}"
        f"　**文号：** {campaign.document_number or '（未注明）'}"
        f"　**印发日期：** {campaign.issued_on}",
        "",
        f"**阶段：** {phases}",
        "",
        _units_line(campaign),
        "",
        f"**提醒规则：** {reminders}",
        "",
        "## 本 DAG 的步骤",
        "",
        *[f"- **{st.name}**（`{st.task_id}`）：{st.text}" for st in KIND_STEPS[kind]],
        "",
        "## 行动日程",
        "",
        *_calendar_table(campaign, timeline),
    ]
    if campaign.assumptions:
        parts += ["", "## 本地假设（通知未写明，由市局确定）", ""]
        parts += [f"- {a}" for a in campaign.assumptions]
    return "\n".join(parts)


def broken_doc(error: CampaignFileError) -> str:
    """The page of a campaign file that does not load: the same lines ``campaign-ops lint``
    prints (``文件:位置：问题，改法``), escaped so that Markdown shows them as written."""
    problems = "\n".join(f"- {_literal(line)}" for line in error.lines)
    return (
        f"# 专项行动配置错误：{_literal(error.path.name)}\n\n"
        f"这个专项行动的配置文件有 {len(error.lines)} 处错误，它的 DAG 暂时无法生成；"
        "其他专项行动不受影响。\n\n"
        f"{problems}\n\n"
        "请逐条修改后用 `campaign-ops lint` 检查，保存后 Airflow 会自动重新加载。"
    )


def _literal(text: str) -> str:
    """Markdown that renders as ``text`` itself (``drop_zone``, ``rounds[r3]`` stay intact)."""
    return re.sub(r"([\\`*_\[\]<>|~#])", r"\\\1", text)
