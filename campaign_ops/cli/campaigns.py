"""Core sub-commands: ``list``, ``lint`` and ``timeline``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from campaign_ops.campaign import (
    Campaign,
    CampaignFileError,
    campaign_files,
    get_campaign,
    load_campaigns,
)
from campaign_ops.timeline import build_timeline
from campaign_ops.vocabulary import MAIL_KIND_LABELS

_KIND_LABELS = {
    "phase_start": "阶段开始",
    "phase_end": "阶段结束",
    "deadline": "报送截止",
    "reminder": "提醒",
    "report": MAIL_KIND_LABELS["report"],
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="列出全部专项行动")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_list)

    every = "缺省检查 include/rosters/ 和 include/campaigns/ 下全部"
    p = sub.add_parser("lint", help=f"检查专项行动配置文件和单位名册（{every}）")
    p.add_argument("files", nargs="*", type=Path, metavar="FILE")
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser("timeline", help="列出专项行动的全部日程：阶段、截止、提醒、汇总")
    p.add_argument("campaign_id", metavar="ID")
    p.add_argument("--json", action="store_true", help="以 JSON 输出事件列表")
    p.set_defaults(func=cmd_timeline)


def cmd_list(args: argparse.Namespace) -> int:
    loaded = load_campaigns()
    rows = []
    for item in loaded:
        if isinstance(item, CampaignFileError):
            rows.append({"id": item.path.stem, "error": item.message})
            continue
        rows.append(
            {
                "id": item.id,
                "title": item.title,
                "document_number": item.document_number,
                "start": item.start.isoformat(),
                "end": item.end.isoformat(),
                "units": len(item.units),
                "rounds": len(item.rounds),
                "roster": item.units_from.roster if item.units_from else None,
                "recurring": item.recurring,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            if "error" in r:
                print(f"{r['id']:<34} 配置有误，请运行 campaign-ops lint 查看")
            else:
                print(
                    f"{r['id']:<34} {r['start']}～{r['end']}  {r['units']:>3} 个单位"
                    f"  {r['rounds']} 轮报送  {r['title']}"
                )
    return 1 if any("error" in r for r in rows) else 0


def cmd_lint(args: argparse.Namespace) -> int:
    from campaign_ops.rosters import roster_files

    files = args.files or [*roster_files(), *campaign_files()]
    if not files:
        print("没有找到专项行动配置文件。", file=sys.stderr)
        return 1
    failed = problems = 0
    for path in files:
        ok, lines = _lint_one(path)
        if ok is None:
            failed += 1
            problems += len(lines)
            print("\n".join(lines), file=sys.stderr)
            continue
        print(ok)
    if failed:
        print(
            f"{failed} 个文件共 {problems} 处错误，请按每行的提示修改后再检查一遍。",
            file=sys.stderr,
        )
    return 1 if failed else 0


def _lint_one(path: Path) -> tuple[str | None, list[str]]:
    """The ✓ line of a good file (a roster in a rosters/ folder, else a campaign), or None
    and its problems."""
    from campaign_ops.campaign_lint import lint_file
    from campaign_ops.rosters import lint_roster

    if path.resolve().parent.name == "rosters":
        roster, lines = lint_roster(path)
        if roster is None:
            return None, lines
        return f"✓ {path.name}：{roster.authority}单位名册（{len(roster.units)} 个单位）", []
    c, lines = lint_file(path)
    if c is None:
        return None, lines
    note = f"；{c.sources_note}" if c.sources_note else ""
    return f"✓ {path.name}：{c.title}（{len(c.units)} 个单位，{len(c.rounds)} 轮报送{note}）", []


def cmd_timeline(args: argparse.Namespace) -> int:
    campaign = _campaign_or_exit(args.campaign_id)
    timeline = build_timeline(campaign)
    if args.json:
        print(json.dumps(timeline.as_json(), ensure_ascii=False, indent=2))
        return 0
    print(f"{campaign.title}（{campaign.document_number or '无文号'}）")
    for e in timeline.events:
        when = f"{e.date.isoformat()} {e.time or '     '}"
        flag = f"  ⚠ 截止日为非工作日（{e.non_working_day}）" if e.non_working_day else ""
        print(f"{when}  {_KIND_LABELS[e.kind]:<4}  {e.title}{flag}")
    return 0


def _campaign_or_exit(campaign_id: str) -> Campaign:
    try:
        return get_campaign(campaign_id)
    except CampaignFileError as exc:
        print(exc.message, file=sys.stderr)
        raise SystemExit(1) from None
