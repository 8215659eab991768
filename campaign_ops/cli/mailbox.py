"""``campaign-ops mailbox …``: read the campaign's mailbox by hand, and confirm whose a held
mailed file is."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys

from campaign_ops.campaign import get_campaign


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mailbox", help="报送邮箱：读取新邮件、确认待人工确认的附件属于哪个单位")
    mail = p.add_subparsers(dest="mailbox_command", metavar="ACTION", required=True)

    q = mail.add_parser("fetch", help="读取报送邮箱的新邮件（归档并入库，不标为已读）")
    q.add_argument("campaign_id", metavar="ID")
    q.set_defaults(func=cmd_fetch)

    q = mail.add_parser("confirm", help="确认一个待人工确认的邮件附件属于哪个单位")
    q.add_argument("campaign_id", metavar="ID")
    q.add_argument("path", metavar="PATH", help="附件路径，形如 邮件12/主题/文件名")
    q.add_argument("--unit", required=True, metavar="CODE", help="单位代码，如 hanbin")
    q.add_argument("--reason", help="原因（记入操作记录）")
    q.add_argument("--by", help="操作人（缺省为当前系统用户）")
    q.set_defaults(func=cmd_confirm)


def cmd_fetch(args: argparse.Namespace) -> int:
    from campaign_ops.mailbox.intake import fetch_all
    from campaign_ops.store import session_scope, sync_campaign, upgrade

    campaign = get_campaign(args.campaign_id)
    if not campaign.mailboxes:
        print(f"专项行动 {campaign.id} 没有配置报送邮箱（drop_zone 中 kind: mailbox）。")
        return 1
    upgrade()
    with session_scope() as session:
        sync_campaign(session, campaign)
    fetched = fetch_all(campaign, dt.datetime.now(dt.UTC))
    for f in fetched:
        if f.skipped:
            print(f"错误：{f.skipped}；添加方法见 README“报送邮箱”一节", file=sys.stderr)
        else:
            print(f"{f.mailbox}：新邮件 {f.recorded} 封（重复 {f.copies} 封），移走 {f.moved} 封")
    if all(f.skipped for f in fetched):
        return 1
    print("附件将在下次收取（collect DAG）时识别、校验并发回执。")
    return 0


def cmd_confirm(args: argparse.Namespace) -> int:
    from campaign_ops.mailbox.confirm import NotHeld, confirm_unit
    from campaign_ops.store import session_scope, upgrade

    campaign = get_campaign(args.campaign_id)
    upgrade()
    try:
        with session_scope() as session:
            done = confirm_unit(
                session, campaign, args.path, args.unit, args.by or getpass.getuser(), args.reason
            )
    except NotHeld as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    name = campaign.unit(done.unit).short_name
    if done.changed:
        print(f"已确认“{done.path}”属于{name}：下次收取时按{name}的材料处理并发回执。")
    else:
        print(f"“{done.path}”此前已确认属于{name}，未作改动。")
    return 0
