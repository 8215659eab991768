"""``campaign-ops draft CIRCULAR -o OUT.yaml [--roster ID]``: a campaign YAML from its circular.

The file is named by the user, and lint requires a campaign's id to be its file name, so the
draft takes its id from OUT. It never overwrites a file without ``--force`` (a reviewed YAML
is hours of a person's work), and lints what it wrote so the user sees at once that it loads.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

CAMPAIGN_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "draft",
        help="从通知（.txt/.docx/.pdf）起草专项行动配置文件，标出需要人工核实的各项",
    )
    p.add_argument(
        "circular",
        type=Path,
        metavar="CIRCULAR",
        help="通知文件：.txt、.docx 或带文字层的 .pdf；- 表示从标准输入读取通知文字",
    )
    p.add_argument(
        "-o", "--output", type=Path, required=True, metavar="OUT.yaml", help="写出的配置文件"
    )
    p.add_argument(
        "--roster", metavar="ID", help="单位名册编号（include/rosters/ID.yaml），报送单位取自名册"
    )
    p.add_argument("--force", action="store_true", help="OUT 已存在时覆盖")
    p.set_defaults(func=cmd_draft)


def cmd_draft(args: argparse.Namespace) -> int:
    from campaign_ops.campaign_lint import lint_file
    from campaign_ops.drafting import CircularReadError, build_draft, circular_text
    from campaign_ops.vocabulary import TO_VERIFY

    out: Path = args.output
    if out.exists() and not args.force:
        print(f"错误：{out} 已存在，未覆盖；确需覆盖请加 --force", file=sys.stderr)
        return 2
    from_stdin = str(args.circular) == "-"
    if not from_stdin and not args.circular.is_file():
        print(f"错误：找不到通知文件 {args.circular}", file=sys.stderr)
        return 2
    stem = out.stem
    campaign_id = stem if CAMPAIGN_ID.match(stem) and len(stem) <= 60 else None
    try:
        source = None if from_stdin else args.circular.name
        data = sys.stdin.buffer.read() if from_stdin else args.circular.read_bytes()
        text = circular_text(data, source or "通知.txt")  # stdin: text pasted or piped in
        draft = build_draft(text, roster=args.roster, source_name=source, campaign_id=campaign_id)
    except CircularReadError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    write_atomically(out, draft.yaml_text)
    print(draft.summary_zh)
    print()
    print(f"已写出 {out}")
    if campaign_id is None:
        print(
            f"注意：文件名 {out.name} 不能作行动编号（只能用小写字母、数字和连字符），"
            f"行动编号暂为 {draft.campaign_id}；请把文件改名为 {draft.campaign_id}.yaml"
        )
    _, problems = lint_file(out)
    if problems:
        print("检查未通过（campaign-ops lint）：")
        for line in problems:
            print(f"  {line}")
        return 1
    print("检查通过（campaign-ops lint）。")
    if _in_campaigns_folder(out):
        print(
            "注意：草稿已在专项行动配置目录中，Airflow 下次扫描即会按它排程发信；"
            "核实前请移出该目录，核实后再放回。"
        )
        return 0
    print(f"下一步：对照通知核实标有“# {TO_VERIFY}”的各项，再把文件放入 include/campaigns/ 启用。")
    return 0


def write_atomically(path: Path, text: str) -> None:
    """Write the whole file or nothing: a retried or interrupted command never leaves half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes it private; a campaign file is not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _in_campaigns_folder(path: Path) -> bool:
    from campaign_ops.settings import settings

    return path.resolve().parent == Path(settings().campaigns_dir).resolve()
