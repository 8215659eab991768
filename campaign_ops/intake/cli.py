"""``campaign-ops ingest`` and ``campaign-ops status``: the collect DAG's work, by hand."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

from campaign_ops.campaign import get_campaign
from campaign_ops.status import STATUS_LABELS

OUTCOME_LABELS = {
    "accepted": "已接收",
    "rejected": "已退回",
    "not_ready": "未就绪",
    "duplicate": "重复文件",
    "unidentified": "无法识别",
    "refused": "不予接收",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="收取共享目录中的报送文件：归档、识别、校验、入库")
    p.add_argument("campaign_id", metavar="ID")
    p.add_argument("--source", type=Path, help="从这个文件夹收取（缺省为行动配置的共享目录）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出每个文件的处理结果")
    p.add_argument("--no-receipts", action="store_true", help="不给报送单位发回执")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("status", help="报送情况：单位 × 轮次矩阵、报送率、及时率")
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
        from campaign_ops.intake.receipts import send_receipts

        sent = send_receipts(campaign, now)
        if sent and not args.json:
            print(f"已发送回执 {sum(d.status == 'sent' for d in sent)} 封")
    outcomes = waiting + outcomes
    if args.json:
        print(json.dumps([o.as_dict() for o in outcomes], ensure_ascii=False, indent=2))
        return 0
    for o in outcomes:
        where = f"{o.unit or '?'} {o.round or ''}".strip()
        print(f"{OUTCOME_LABELS[o.outcome]:<4}  {o.path}  [{where}]  {o.message}")
    counts = Counter(o.outcome for o in outcomes)
    summary = "，".join(f"{OUTCOME_LABELS[k]} {v}" for k, v in counts.items()) or "没有新文件"
    print(f"{campaign.id}：{summary}（来源 {source.name}）")
    return 0


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
    print(f"{campaign.title} 报送情况")
    for r in rounds:
        print(
            f"\n{r.title}（截止 {r.deadline}）：应报 {r.expected}，实报 {r.actual}，"
            f"按时 {r.on_time}，报送率 {r.reporting_rate:.0%}，及时率 {r.on_time_rate:.0%}"
        )
        labels = {d.key: d.label for d in campaign.round(r.round).deliverables}
        for u in r.units:
            extra = f"  最新第{u.version}版 {u.submitted_at}" if u.version else ""
            missing = ""
            if u.outstanding and u.status not in ("accepted_on_time", "accepted_late"):
                missing = "  尚缺：" + "、".join(labels.get(k, k) for k in u.outstanding)
            print(f"  {u.name:<10} {STATUS_LABELS[u.status]}{missing}{extra}")
    return 0
