"""``campaign-ops ingest``, ``status`` and ``assign``: the collect DAG's work, by hand, and
ops' one correction of it."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from campaign_ops.campaign import get_campaign
from campaign_ops.intake.receipts import counted_for
from campaign_ops.vocabulary import (
    ACTUAL,
    EXPECTED,
    FILE_OUTCOME_LABELS,
    ON_TIME,
    ON_TIME_RATE,
    REPORTING_RATE,
    ROUND_STATUS_LABELS,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="收取共享目录中的报送文件：归档、识别、校验、入库")
    p.add_argument("campaign_id", metavar="ID")
    p.add_argument("--source", type=Path, help="从这个文件夹收取（缺省为行动配置的共享目录）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出每个文件的处理结果")
    p.add_argument("--no-receipts", action="store_true", help="不给报送单位发回执和预检结果")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("assign", help="把一份报送材料改为计入另一轮次（或确认当前轮次）")
    p.add_argument("campaign_id", metavar="ID")
    p.add_argument(
        "delivery", metavar="FILE-OR-SUBMISSION", help="共享目录中的路径、文件或报送编号"
    )
    p.add_argument("--round", dest="round_id", metavar="R", required=True, help="计入的轮次")
    p.add_argument("--reason", help="原因（记入操作记录）")
    p.add_argument("--by", help="操作人（缺省为当前系统用户）")
    p.set_defaults(func=cmd_assign)

    p = sub.add_parser(
        "status", help=f"报送情况：单位 × 轮次矩阵、{REPORTING_RATE}、{ON_TIME_RATE}"
    )
    p.add_argument("campaign_id", metavar="ID")
    p.add_argument("--round", dest="round_id", metavar="R", help="只看这一轮")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_status)


class _Progress:
    """A one-line progress bar on a terminal, nothing otherwise (logs stay clean)."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self.enabled = sys.stderr.isatty() and total > 0

    def __call__(self, n: int) -> None:
        self.done += n
        if self.enabled:
            width = 30
            filled = width * self.done // self.total
            bar = "█" * filled + "·" * (width - filled)
            print(f"\r处理中 [{bar}] {self.done}/{self.total}", end="", file=sys.stderr)

    def close(self) -> None:
        if self.enabled:
            print(file=sys.stderr)


def cmd_ingest(args: argparse.Namespace) -> int:
    from campaign_ops.intake.pipeline import pending, process
    from campaign_ops.intake.sources import source_for
    from campaign_ops.store import upgrade

    campaign = get_campaign(args.campaign_id)
    upgrade()
    source = source_for(campaign, args.source)
    now = dt.datetime.now(dt.UTC)
    todo, waiting = pending(campaign, source, now)
    progress = _Progress(len(todo))
    outcomes = process(campaign, source, todo, now, progress=progress)
    progress.close()
    if not args.no_receipts:
        from campaign_ops.intake.precheck import send_prechecks
        from campaign_ops.intake.receipts import send_receipts

        sent = send_receipts(campaign, now)
        answered = send_prechecks(campaign, now, source)
        if not args.json:
            if sent:
                print(f"已发送回执 {sum(d.status == 'sent' for d in sent)} 封")
            if answered:
                print(f"已回复预检 {sum(d.status == 'sent' for d in answered)} 封")
    outcomes = waiting + outcomes
    if args.json:
        print(json.dumps([o.as_dict() for o in outcomes], ensure_ascii=False, indent=2))
        return 0
    for o in outcomes:
        label = FILE_OUTCOME_LABELS[o.outcome]
        unit = campaign.unit(o.unit).short_name if o.unit else "单位未识别"
        what = " · ".join(x for x in (unit, counted_for(campaign, o.round, o.deliverable)) if x)
        print(f"{label:<4}  {o.path}  [{what}]  {o.message}")
    counts = Counter(o.outcome for o in outcomes)
    summary = "，".join(f"{FILE_OUTCOME_LABELS[k]} {v}" for k, v in counts.items()) or "没有新文件"
    print(f"{campaign.id}：{summary}（来源 {source.name}）")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    """Count a delivery for another round (or confirm the one intake chose)."""
    import getpass

    from campaign_ops.intake.receipts import correction_receipt
    from campaign_ops.store import session_scope, upgrade
    from campaign_ops.store.assign import assign_round

    campaign = get_campaign(args.campaign_id)
    target = campaign.round(args.round_id)  # KeyError → "错误：…" and exit 2
    upgrade()
    with session_scope() as session:
        found = _find_delivery(session, campaign.id, args.delivery)
        if isinstance(found, str):
            print(f"错误：{found}", file=sys.stderr)
            return 1
        sub, name = found
        problem = _cannot_assign(campaign, sub, target)
        if problem:
            print(f"错误：{problem}", file=sys.stderr)
            return 1
        try:
            done = assign_round(session, sub, target.id, args.by or getpass.getuser(), args.reason)
        except ValueError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 1
        message = None
        if done.moved:
            at = dt.datetime.now(dt.UTC).replace(microsecond=0)
            message = correction_receipt(campaign, sub, name, done.previous_round, at)
        unit = campaign.unit(sub.unit_code).short_name
    if done.audit_id is None:
        print(f"{unit} 的“{name}”已计入“{target.title}”，无需改动。")
        return 0
    verb = "改为计入" if done.moved else "确认计入"
    print(f"已将 {unit} 的“{name}”{verb}“{target.title}”（操作记录 #{done.audit_id}）。")
    if message is not None:
        _send(campaign, [message])
        _refresh(campaign)
    return 0


def _find_delivery(session, campaign_id: str, given: str):
    """(submission, file name) for a submission id, a drop-zone path or a local file; or
    what is wrong, in Chinese."""
    import sqlalchemy as sa

    from campaign_ops.intake.archive_files import sha256_of
    from campaign_ops.store.intake_log import IntakeEvent
    from campaign_ops.store.models import Submission

    events = sa.select(IntakeEvent).where(
        IntakeEvent.campaign_id == campaign_id, IntakeEvent.submission_id.is_not(None)
    )
    if given.isdigit():
        sub = session.get(Submission, int(given))
        if sub is None or sub.campaign_id != campaign_id:
            return f"本专项行动没有编号为 {given} 的报送记录。"
        event = session.scalars(events.where(IntakeEvent.submission_id == sub.id)).first()
        return sub, event.path.rsplit("/", 1)[-1] if event else given
    local = Path(given)
    if local.is_file():
        events = events.where(IntakeEvent.sha256 == sha256_of(local.read_bytes()))
    else:
        events = events.where(IntakeEvent.path == given)
    found = list(session.scalars(events.order_by(IntakeEvent.id)))
    subs = {e.submission_id: e for e in found}
    if not subs:
        return f"没有找到“{given}”的报送记录：请给出共享目录中的路径、文件本身或报送编号。"
    if len(subs) > 1:
        listed = "；".join(f"编号 {i}（{e.unit_code}，{e.path}）" for i, e in subs.items())
        return f"“{given}”对应多份报送，请改用报送编号：{listed}"
    ((sub_id, event),) = subs.items()
    return session.get(Submission, sub_id), event.path.rsplit("/", 1)[-1]


def _cannot_assign(campaign, sub, target) -> str | None:
    from campaign_ops.campaign import DeliverableKind

    unit = campaign.unit(sub.unit_code)
    if not target.asks(unit.code) or all(d.key != sub.deliverable_key for d in target.deliverables):
        return f"“{target.title}”不要求{unit.short_name}报送这项材料。"
    if sub.deliverable_key not in DeliverableKind.__members__:
        return (
            "统计表按模板中的轮次识别和校验，不能直接改计到其他轮次："
            "请单位使用该轮次的模板重新报送。"
        )
    return None


def _send(campaign, messages) -> None:
    from campaign_ops.mail.send import send_now

    send_now(campaign, messages)


def _refresh(campaign) -> None:
    """The merged tables follow at once (the board and the next report read them)."""
    from campaign_ops.consolidate.merge import refresh_campaign

    refresh_campaign(campaign)


def cmd_status(args: argparse.Namespace) -> int:
    from campaign_ops.status import campaign_status
    from campaign_ops.store import session_scope, upgrade

    campaign = get_campaign(args.campaign_id)
    upgrade()
    with session_scope() as session:
        status = campaign_status(session, campaign)
    rounds = [status.round(args.round_id)] if args.round_id else status.rounds
    if args.json:
        data = status.as_json()
        data["rounds"] = [r for r in data["rounds"] if r["round"] in {x.round for x in rounds}]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    tz = ZoneInfo(campaign.timezone)
    print(f"{campaign.title} 报送情况（时间为北京时间）")
    for r in rounds:
        print(
            f"\n{r.title}（截止 {r.deadline}）：{EXPECTED} {r.expected}，{ACTUAL} {r.actual}，"
            f"{ON_TIME} {r.on_time}，{REPORTING_RATE} {r.reporting_rate:.0%}，"
            f"{ON_TIME_RATE} {r.on_time_rate:.0%}"
        )
        labels = {d.key: d.label for d in campaign.round(r.round).deliverables}
        for u in r.units:
            extra = ""
            if u.version:
                at = dt.datetime.fromisoformat(u.submitted_at).astimezone(tz)
                extra = f"  最新第{u.version}版 {at:%Y-%m-%d %H:%M}"
            missing = ""
            held = {x["deliverable"] for x in u.review}  # delivered, with a reviewer
            owed = [k for k in u.outstanding if k not in held]
            if owed and u.status not in ("accepted_on_time", "accepted_late"):
                missing = "  尚缺：" + "、".join(labels.get(k, k) for k in owed)
            print(f"  {u.name:<10} {ROUND_STATUS_LABELS[u.status]}{missing}{extra}")
            if u.reason:
                print(f"  {'':<10} 退回理由：{u.reason}")
    return 0
