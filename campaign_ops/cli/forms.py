"""``campaign-ops template`` and ``campaign-ops check``: the forms' command-line side.

``check`` is a dry run: it parses and validates files exactly as intake will, stores nothing,
prints the Chinese report and exits 0 only when every file would be accepted. County staff and
ops use it before submitting.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign, Round


def register(subparsers: argparse._SubParsersAction) -> None:
    t = subparsers.add_parser(
        "template",
        help="生成报表模板（每个单位一个 .xlsx）",
        description="为专项行动的报送单位生成待填写的 Excel 模板；"
        "ID 可以是专项行动编号或表单编号。",
    )
    t.add_argument("id", metavar="ID", help="专项行动编号（如 ankang-2023-internet-ads）或表单编号")
    t.add_argument("--unit", help="只生成该单位代码的模板")
    t.add_argument(
        "--round", dest="round_id", help="报送轮次编号（缺省：下一个需要报送统计表的轮次）"
    )
    t.add_argument("--form", action="append", help="只生成该表单（可重复）")
    t.add_argument("-o", "--output", type=Path, required=True, help="输出目录")
    t.set_defaults(func=cmd_template)

    c = subparsers.add_parser(
        "check",
        help="预检报送文件（只检查，不入库）",
        description="解析并校验报送文件，打印中文检查报告；全部可接收时退出码为 0，否则为 1。",
    )
    c.add_argument("id", metavar="ID", help="专项行动编号或表单编号")
    c.add_argument("files", metavar="FILE", nargs="+", type=Path)
    c.add_argument(
        "--round", dest="round_id", help="按放入该轮次文件夹处理（缺省：与收取时的判断相同）"
    )
    c.add_argument("--json", action="store_true", help="输出 JSON（供程序读取）")
    c.add_argument("--html", type=Path, help="另存一份 HTML 报告到该路径")
    c.set_defaults(func=cmd_check)


def _campaign_or_form(ident: str) -> tuple[Campaign | None, str | None]:
    """Resolve ID as a campaign first, then as a form id."""
    from campaign_ops.campaign import get_campaign
    from campaign_ops.forms.spec import load_form

    try:
        return get_campaign(ident), None
    except KeyError:
        pass
    try:
        return None, load_form(ident).id
    except KeyError:
        raise KeyError(f"{ident} 既不是专项行动编号，也不是表单编号") from None


def default_round(campaign: Campaign, today: dt.date | None = None) -> Round:
    """The next round that asks for statistics (or the last one, after the campaign)."""
    today = today or dt.date.today()
    with_forms = [r for r in campaign.rounds if r.forms]
    if not with_forms:
        raise KeyError(f"专项行动 {campaign.id} 没有需要报送统计表的轮次")
    upcoming = [r for r in with_forms if r.deadline >= today]
    return min(upcoming, key=lambda r: r.deadline) if upcoming else with_forms[-1]


def cmd_template(args: argparse.Namespace) -> int:
    from campaign_ops.forms.spec import load_form
    from campaign_ops.forms.template import generate_templates, template_filename, write_template

    campaign, form_id = _campaign_or_form(args.id)
    if campaign is None:
        form = load_form(form_id or "")
        path = write_template(form, args.output / template_filename(form))
        print(f"已生成空白模板：{path}")
        return 0
    round_ = campaign.round(args.round_id) if args.round_id else default_round(campaign)
    paths = generate_templates(
        campaign, args.output, round_id=round_.id, unit_code=args.unit, forms=args.form
    )
    print(
        f"已为“{campaign.display_title}” {round_.title} 生成 {len(paths)} 个模板，"
        f"保存在 {args.output}："
    )
    for p in paths:
        print(f"  {p.name}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from campaign_ops.forms.check_report import report_html, report_json, report_text
    from campaign_ops.forms.spec import load_form

    campaign, form_id = _campaign_or_form(args.id)
    note = None
    if campaign is None:
        results = _check_form(form_id or "", args.files)
    else:
        results, note = _check_for_campaign(campaign, args.files, args.round_id)
    if args.html:
        name = campaign.display_title if campaign else load_form(form_id or "").title
        title = f"{name} 报送材料检查结果"
        args.html.write_text(report_html(results, title, note), encoding="utf-8")
    sys.stdout.write(report_json(results, note) + "\n" if args.json else report_text(results, note))
    return 0 if all(r.accepted for r in results) else 1


def _check_form(form_id: str, files: list[Path]) -> list:
    """A file against a form alone: parsing and the form's own rules."""
    from campaign_ops.forms.pool import Job, parse_many
    from campaign_ops.forms.validate import validate_batch

    return validate_batch(parse_many([Job(str(f)) for f in files], form_id))


def _check_for_campaign(
    campaign: Campaign, files: list[Path], round_id: str | None
) -> tuple[list, str | None]:
    """Exactly intake's answer for these files were they dropped now: the same
    identification, routing and rules, with the warehouse's earlier deliveries and previous
    rounds when there is one. Nothing is stored or archived."""
    from campaign_ops.forms.findings import FileResult
    from campaign_ops.intake.pipeline import preview
    from campaign_ops.intake.receipts import counted_for
    from campaign_ops.intake.sources import LocalFiles
    from campaign_ops.store.db import warehouse_available

    if round_id:
        campaign.round(round_id)  # an unknown round is a user error
    known = warehouse_available()
    note = None
    if not known:
        note = (
            "未找到数据仓库：没有对照贵单位此前的报送和上一轮数据（跨轮次规则未检查），"
            "轮次按尚缺材料的最早一轮推断。"
        )
    now = dt.datetime.now(dt.UTC)
    results = []
    for p in preview(campaign, LocalFiles(files, round_id), now, warehouse=known):
        o = p.outcome
        name = o.path.rsplit("/", 1)[-1]
        result = p.result or FileResult(file=name, file_key=o.sha256)
        result.outcome = o.outcome
        unit = campaign.unit(o.unit).short_name if o.unit else "单位未识别"
        what = counted_for(campaign, o.round, o.deliverable)
        result.counted_for = " · ".join(x for x in (unit, what) if x)
        if o.outcome not in ("accepted", "rejected"):
            result.note = o.message
        results.append(result)
    return results, note
