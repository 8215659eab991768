"""``campaign-ops report`` and ``campaign-ops export``: the consolidate DAG's output on demand.

Both refresh the merged tables first, so what they write is what the warehouse holds now.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from campaign_ops.campaign import get_campaign


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="生成汇总报告（.xlsx，与定时发送的报告相同）")
    p.add_argument("campaign_id", metavar="ID")
    p.add_argument(
        "--round", dest="round_id", metavar="R", help="报送轮次；缺省为行动总结（开始至今）"
    )
    p.add_argument("-o", "--output", type=Path, metavar="FILE.xlsx", help="输出文件")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("export", help="导出汇总数据表（含数据字典），供分析使用")
    p.add_argument("campaign_id", metavar="ID")
    p.add_argument("--format", dest="fmt", choices=("csv", "parquet", "xlsx"), default="csv")
    p.add_argument("-o", "--output", type=Path, metavar="DIR", required=True, help="输出文件夹")
    p.set_defaults(func=cmd_export)


def cmd_report(args: argparse.Namespace) -> int:
    from campaign_ops.consolidate.deliver import build_report_file
    from campaign_ops.consolidate.merge import refresh_campaign
    from campaign_ops.store import session_scope

    campaign = get_campaign(args.campaign_id)
    if args.round_id:
        campaign.round(args.round_id)  # an unknown round is a user error (KeyError → exit 2)
    if args.output and args.output.suffix.lower() != ".xlsx":
        print("错误：输出文件应以 .xlsx 结尾", file=sys.stderr)
        return 2
    refresh_campaign(campaign)
    with session_scope() as session:
        data, path = build_report_file(session, campaign, args.round_id, args.output)
    for f in data.forms:
        missing = [u.name for u in f.not_counted]
        note = f"；未计入：{'、'.join(missing)}" if missing else ""
        print(f"  {f.form.title}：{len(f.reported)}/{len(f.units)} 个单位已报送{note}")
    print(f"汇总报告已生成：{path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from campaign_ops.consolidate.export import export
    from campaign_ops.consolidate.merge import refresh_campaign
    from campaign_ops.store import session_scope

    campaign = get_campaign(args.campaign_id)
    refresh_campaign(campaign)
    try:
        with session_scope() as session:
            paths = export(session, campaign, args.fmt, args.output)
    except RuntimeError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(f"已导出 {len(paths)} 个文件到 {args.output}：")
    for p in paths:
        print(f"  {p.name}")
    return 0
