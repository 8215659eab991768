"""What the review DAG's tasks do, as plain functions (testable without a scheduler).

The domain half (``review.queue``: which versions wait, the brief, ``decide``) decides what a
review is; these functions connect it to Airflow's human-in-the-loop tasks: list what needs a
new task, claim an item before a task asks anyone (``review.airflow_claims``), turn an answer
into a decision, and remind the desk of reviews past their deadline when the policy says so.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from campaign_ops.campaign import Campaign, get_campaign
from campaign_ops.vocabulary import MAIL_KIND_LABELS, REVIEW_DECISION_LABELS

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session

    from campaign_ops.mail.compose import Draft
    from campaign_ops.mail.message import Message
    from campaign_ops.review.airflow_claims import TaskSlot
    from campaign_ops.review.queue import ReviewItem

log = logging.getLogger(__name__)

APPROVE = REVIEW_DECISION_LABELS["approve"]
RETURN = REVIEW_DECISION_LABELS["return"]
OPTIONS = [APPROVE, RETURN]
REMINDER_KIND = "review_reminder"
ITEM_FIELDS = (
    "campaign_id",
    "round_id",
    "unit_code",
    "unit_name",
    "deliverable",
    "submission_id",
    "version",
)


def item_to_dict(item: ReviewItem) -> dict[str, Any]:
    """An item as XCom data, with its key and label (the mapped task's name in the UI) and
    the key of this version (``claim``), which a new version of the same slot changes."""
    return {
        **{f: getattr(item, f) for f in ITEM_FIELDS},
        "key": item.key,
        "label": item.label,
        "claim": version_key(item.key, item.version),
    }


def version_key(item_key: str, version: int) -> str:
    """One review per version: ``r1/hanbin/form@v2``."""
    return f"{item_key}@v{version}"


def item_from_dict(data: dict[str, Any]) -> ReviewItem:
    from campaign_ops.review.queue import ReviewItem

    return ReviewItem(**{f: data[f] for f in ITEM_FIELDS})


def list_reviews(campaign_id: str, dag_id: str, run_id: str, task_id: str) -> list[dict]:
    """The items this run reviews: the accepted versions that wait for a decision and have
    no review task yet, claimed for this run's mapped ``task_id`` (the same list again when
    the run is cleared: ``airflow_claims.run_listing``)."""
    from campaign_ops.review.airflow_claims import run_listing
    from campaign_ops.review.queue import reviews_open
    from campaign_ops.store import session_scope, upgrade

    campaign = get_campaign(campaign_id)
    upgrade()
    with session_scope() as session:
        waiting = [item_to_dict(i) for i in reviews_open(session, campaign)]
        listed = run_listing(session, campaign_id, dag_id, run_id, task_id, waiting)
    log.info(
        "专项行动 %s：%d 份待审核；本次运行审核 %d 份（其余已有审核任务在等待）",
        campaign_id,
        len(waiting),
        len(listed),
    )
    return listed


@dataclass(frozen=True)
class OpenedReview:
    """What the human-in-the-loop task shows and how long it waits (None: until answered)."""

    subject: str
    body: str
    due_at: dt.datetime
    timeout: dt.timedelta | None


def open_review(
    campaign_id: str, item: dict[str, Any], slot: TaskSlot, board_url: str, now: dt.datetime
) -> OpenedReview | str:
    """Open the review of an item this task holds (``list_reviews`` claimed it) and build
    its brief; a Chinese reason to skip instead when the item was decided or replaced
    meanwhile, or another task holds it."""
    from campaign_ops.review.airflow_claims import close, held_by, last_refused
    from campaign_ops.review.queue import decision_due, review_brief, reviews_open
    from campaign_ops.store import session_scope
    from campaign_ops.store.models import Submission

    campaign = get_campaign(campaign_id)
    with session_scope() as session:
        held = held_by(session, campaign_id, item["claim"], slot)
        if held is None:
            return f"{item['label']} 已审核，或已在另一个运行中等待审核，不重复发起"
        waiting = {version_key(i.key, i.version) for i in reviews_open(session, campaign)}
        if item["claim"] not in waiting:
            close(session, campaign_id, item["claim"], "superseded", "已有新版本或已审核")
            return f"{item['label']} 已有新版本或已审核，不再需要这次审核"
        received = session.get(Submission, item["submission_id"]).received_at
        due = decision_due(campaign, received)  # counted from arrival, as the board counts
        if held.due_at is None:  # asked for the first time (a cleared task asks again)
            held.opened_at, held.due_at = now, due
        subject, body = review_brief(session, campaign, item_from_dict(item), board_url)
        refused = last_refused(session, campaign_id, item["claim"])
        if refused is not None:
            body = f"> **请重新审核**：{refused.note}\n\n{body}"
    timeout = None
    if campaign.review.on_timeout == "approve":
        timeout = max(due - now, dt.timedelta(seconds=1))
    return OpenedReview(subject, body, due, timeout)


def apply_answer(campaign_id: str, item: dict[str, Any], answer: dict[str, Any]) -> dict:
    """Turn the reviewer's answer into a decision (``review.queue.decide``).

    A return without a reason is refused: the decision is not applied, the claim closes and
    the next task (``reopen``) starts a run that opens a new review of the same version, headed
    by why. The same for a decision ``decide`` refuses (e.g. a newer version replaced this one:
    that one is listed on its own). Returns what happened, for the task's log and XCom."""
    from campaign_ops.review.airflow_claims import close
    from campaign_ops.review.effects import after_decisions
    from campaign_ops.review.queue import TIMEOUT_ACTOR, ReviewRefused, decide
    from campaign_ops.store import session_scope

    campaign = get_campaign(campaign_id)
    chosen = (answer.get("chosen_options") or [""])[0]
    reason = str((answer.get("params_input") or {}).get("reason") or "").strip()
    user = answer.get("responded_by_user")
    by = user["name"] if user else TIMEOUT_ACTOR
    when = _as_datetime(answer.get("responded_at"))
    if chosen == RETURN and not reason:
        message = (
            f"{item['label']}：选择了“{RETURN}”但没有填写理由，本次审核未生效；"
            f"已重新发起审核，请退回时写明理由"
        )
        with session_scope() as session:
            close(session, campaign_id, item["claim"], "refused", message)
        return {"outcome": "refused", "message": message}
    decision = "approve" if chosen == APPROVE else "return"
    try:
        with session_scope() as session:
            decide(
                session,
                campaign,
                item["key"],
                decision,
                reason or None,
                by,
                when,
                version=item["version"],
            )
            close(session, campaign_id, item["claim"], "decided")
    except ReviewRefused as refused:
        with session_scope() as session:
            close(session, campaign_id, item["claim"], "refused", refused.message_zh)
        return {"outcome": "refused", "message": refused.message_zh}
    label = REVIEW_DECISION_LABELS[decision]
    done = {"outcome": decision, "message": f"{item['label']}：{label}（{by}）"}
    settled = after_decisions(campaign)  # the return mail, and the merged tables refreshed
    done["mails"] = [d.status for d in settled.mails]
    return done


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str) and value:
        return _as_datetime(dt.datetime.fromisoformat(value))
    return dt.datetime.now(dt.UTC)


# ---- on_timeout: remind ----------------------------------------------------------------------


def remind_overdue(campaign_id: str, now: dt.datetime) -> int:
    """Mail the review desk (the campaign's ops contacts) once per item version whose time to
    decide has passed (``queue.overdue_reviews``); the review stays open in Required Actions.
    Returns mails sent. Also sends any return mail a mail server refused before."""
    from campaign_ops.mail.send import send_messages
    from campaign_ops.mail.transport import open_transport
    from campaign_ops.review.effects import after_decisions
    from campaign_ops.review.queue import overdue_reviews
    from campaign_ops.store import session_scope

    campaign = get_campaign(campaign_id)
    after_decisions(campaign, refresh=False)
    to = tuple(c.email for c in campaign.ops if c.email)
    if campaign.review.on_timeout != "remind" or not to:
        return 0
    with session_scope(readonly=True) as session:
        late = overdue_reviews(session, campaign, now)
        messages = [_reminder(session, campaign, item, due, to, now) for item, due in late]
    if not messages:
        return 0
    transport = open_transport()
    try:
        sent = send_messages(campaign, messages, transport, compose=reminder_draft)
    finally:
        transport.close()
    return sum(1 for d in sent if d.status == "sent")


def _reminder(
    session: Session,
    campaign: Campaign,
    item: ReviewItem,
    due: dt.datetime,
    to: tuple[str, ...],
    now: dt.datetime,
) -> Message:
    """One 审核超期提醒, keyed by the item version (the ledger sends it once)."""
    from campaign_ops.mail.message import Message
    from campaign_ops.remind.state import deliverable_label
    from campaign_ops.store.models import Submission

    tz = ZoneInfo(campaign.timezone)
    round_ = campaign.round(item.round_id)
    deliverable = next(d for d in round_.deliverables if d.key == item.deliverable)
    received = session.get(Submission, item.submission_id).received_at
    return Message(
        kind=REMINDER_KIND,
        moment=now.astimezone(tz).isoformat(),
        recipient_key="ops",
        to=to,
        subject=f"【{campaign.display_title}】{MAIL_KIND_LABELS[REMINDER_KIND]}："
        f"{item.unit_name}的{deliverable_label(deliverable)}已超过审核期限",
        round=item.round_id,
        unit=item.unit_code,
        token=version_key(item.key, item.version),
        context={
            "due_at": due.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "received_at": received.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "version": item.version,
            "reviewers": "、".join(campaign.review.reviewers),
            "unit_name": item.unit_name,
            "what": f"“{round_.title}”{deliverable_label(deliverable)}",
            "form": item.deliverable,
        },
    )


def reminder_draft(campaign: Campaign, message: Message, workdir: Path) -> Draft:
    """The overdue-review mail: which submission waits, since when, and where to decide."""
    c = message.context
    lines = [
        f"{c['unit_name']}报送的{c['what']}（第 {c['version']} 版，{c['received_at']} 收到）"
        f"审核期限 {c['due_at']} 已过，仍未审核。",
        f"审核人：{c['reviewers'] or '（未指定）'}。",
        f"请登录 Airflow，在“Required Actions（待办操作）”中选择“{APPROVE}”或“{RETURN}”"
        f"（退回时写明理由）；也可以用命令 campaign-ops review {campaign.id} "
        f"--round {message.round} --unit {message.unit} --form {c['form']} "
        "--approve 或 --return 理由。",
        "审核前，这份材料的数据不计入汇总报告。",
    ]
    text = "\n\n".join(lines)
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return message.draft(campaign, body, text)
