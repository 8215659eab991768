"""``campaign-ops remind ID --at YYYY-MM-DDTHH:MM [--dry-run] [--json]``.

Runs the remind DAG's decision for one moment by hand: to preview what a reminder moment will
send (``--dry-run`` sends nothing and leaves the mail ledger alone), or to send a moment the
scheduler missed (through the same ledger, so nothing already sent goes out again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from zoneinfo import ZoneInfo

from campaign_ops.campaign import Campaign, get_campaign
from campaign_ops.vocabulary import MAIL_KIND_LABELS, MAIL_NOT_RESENT, MAIL_STATUS_LABELS

STATUS_LABELS = {**MAIL_STATUS_LABELS, "skipped": MAIL_NOT_RESENT}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "remind",
        help="按某个提醒时刻决定并发送提醒邮件（--dry-run 只列出，不发送）",
        description="按专项行动日程中的某个提醒时刻，决定应发送的通知、催报和汇总邮件并发送；"
        "已发送过的邮件不会重复发送。",
    )
    p.add_argument("campaign_id", metavar="ID", help="专项行动编号，如 ankang-2023-internet-ads")
    p.add_argument(
        "--at",
        required=True,
        metavar="YYYY-MM-DDTHH:MM",
        help="提醒时刻，按行动所在时区（如 2023-05-12T09:00）；可用 campaign-ops timeline 查看",
    )
    p.add_argument("--dry-run", action="store_true", help="只列出谁会收到什么邮件，不发送")
    p.add_argument("--json", action="store_true", help="以 JSON 输出邮件列表")
    p.set_defaults(func=cmd_remind)


def parse_moment(text: str, campaign: Campaign) -> dt.datetime:
    """``--at`` as an aware datetime; without an offset it is the campaign's local time."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--at 的格式应为 YYYY-MM-DDTHH:MM，例如 2023-05-12T09:00（现在是 {text!r}）"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(campaign.timezone))
    return moment


def cmd_remind(args: argparse.Namespace) -> int:
    from campaign_ops.remind import messages_due, prepare_warehouse
    from campaign_ops.store import session_scope

    _logs_to_stderr()
    campaign = get_campaign(args.campaign_id)
    try:
        moment = parse_moment(args.at, campaign)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    prepare_warehouse(campaign)
    with session_scope(readonly=True) as session:
        messages = messages_due(campaign, moment, session)
    if not messages and not _is_reminder_moment(campaign, moment):
        if args.json:
            print("[]")
        print(_not_a_moment(campaign, moment), file=sys.stderr)
        return 1

    if args.dry_run:
        rows = [(m, None) for m in messages]
    else:
        from campaign_ops.mail import open_transport, send_messages

        transport = open_transport()
        _logs_to_stderr()
        try:
            rows = [(d.message, d) for d in send_messages(campaign, messages, transport)]
        finally:
            transport.close()

    if args.json:
        out = []
        for m, d in rows:
            item = m.summary()
            if d is not None:
                item.update(status=d.status, detail=d.detail)
            out.append(item)
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print_table(campaign, moment, rows, dry_run=args.dry_run)
    return 1 if any(d is not None and d.status == "failed" for _, d in rows) else 0


def _logs_to_stderr() -> None:
    """Importing Airflow (to look up the SMTP connection) logs INFO to stdout, which would
    corrupt ``--json`` output: keep stdout for the result and only warnings on stderr."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
            handler.setStream(sys.stderr)
            handler.setLevel(logging.WARNING)


def _is_reminder_moment(campaign: Campaign, moment: dt.datetime) -> bool:
    from campaign_ops.timeline import build_timeline

    return moment in build_timeline(campaign).reminder_moments()


def _not_a_moment(campaign: Campaign, moment: dt.datetime) -> str:
    from campaign_ops.timeline import build_timeline

    tz = ZoneInfo(campaign.timezone)
    later = [m for m in build_timeline(campaign).reminder_moments() if m > moment][:3]
    hint = "、".join(f"{m.astimezone(tz):%Y-%m-%dT%H:%M}" for m in later) or "（行动已无后续提醒）"
    return (
        f"{moment.astimezone(tz):%Y-%m-%d %H:%M} 不是专项行动 {campaign.id} 的提醒时刻，"
        f"没有邮件。之后的提醒时刻：{hint}。完整日程：campaign-ops timeline {campaign.id}"
    )


def _print_table(campaign: Campaign, moment: dt.datetime, rows: list, *, dry_run: bool) -> None:
    tz = ZoneInfo(campaign.timezone)
    action = "将发送（演练，未发送）" if dry_run else "处理"
    when = f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"
    print(f"{campaign.display_title} {when}：{action} {len(rows)} 封邮件")
    for m, d in rows:
        who = campaign.unit(m.unit).short_name if m.unit else "市局工作人员"
        head = f"  [{MAIL_KIND_LABELS.get(m.kind, m.kind)}]{' ' + m.round if m.round else ''} {who}"
        if d is not None:
            head += f"  {STATUS_LABELS.get(d.status, d.status)}"
        print(head)
        print(f"      收件：{', '.join(m.to)}" + (f"  抄送：{', '.join(m.cc)}" if m.cc else ""))
        print(f"      主题：{m.subject}")
        if m.context.get("missing"):
            print(f"      尚缺：{'、'.join(x['label'] for x in m.context['missing'])}")
        if d is not None and d.status in ("failed", "uncertain"):
            print(f"      原因：{d.detail}")
