"""``campaign-ops form-from-xlsx TABLE.xlsx -o OUT.yaml``: a form spec drafted from the
bureau's own table, checked by the form linter, with a Chinese summary of what to verify."""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "form-from-xlsx",
        help="从局里现有的 Excel 统计表起草表单配置（.yaml）",
        description="读取通知所附的 Excel 统计表（合并表头、序号/单位列、（件）（万元）等单位、"
        "合计行、固定行或案件清单），写出表单配置；推断的地方标为“# 待核实”，核实后放入 "
        "include/forms/。",
    )
    p.add_argument(
        "table",
        metavar="TABLE.xlsx",
        type=Path,
        help="局里的统计表（.xlsx、.xls、.et、.ods，或通知 .docx 里的表格）",
    )
    p.add_argument(
        "--sheet",
        help="表格所在的工作表名，Word 文档为第几个表格（缺省：有表格线的那一张 / 最大的表格）",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="输出的表单配置，文件名即表单编号，如 include/forms/county-cases.yaml",
    )
    p.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    p.set_defaults(func=cmd_form_from_xlsx)


def cmd_form_from_xlsx(args: argparse.Namespace) -> int:
    from campaign_ops.forms.form_yaml import summary, to_yaml
    from campaign_ops.forms.from_xlsx import draft_form

    out: Path = args.output
    form_id = out.stem
    if out.suffix != ".yaml" or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", form_id):
        print(
            f"错误：输出文件名 {out.name} 不能作表单编号：请用小写英文、数字和连字符，"
            "以 .yaml 结尾，如 -o include/forms/county-cases.yaml",
            file=sys.stderr,
        )
        return 2
    if out.exists() and not args.force:
        print(f"错误：{out} 已存在；确认要覆盖请加 --force", file=sys.stderr)
        return 2
    if not args.table.exists():
        print(f"错误：找不到 {args.table}", file=sys.stderr)
        return 2
    try:
        draft = draft_form(args.table, form_id, sheet_name=args.sheet)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_yaml(draft), encoding="utf-8")
    sys.stdout.write(summary(draft, str(out)))
    problems = lint_form(out)
    if problems:
        print("表单配置还不能使用，请修改：", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(
        f"检查通过。核实后放入 include/forms/，运行 python -m campaign_ops.forms.expectations "
        f"生成校验规则，再用 campaign-ops template {form_id} -o 目录 看看模板。"
    )
    return 0


def lint_form(path: Path) -> list[str]:
    """What stops the form being used: the spec's own checks, then a trial template."""
    from campaign_ops.forms.spec import FormFileError, load_form_file
    from campaign_ops.forms.template import write_template

    try:
        form = load_form_file(path)
    except FormFileError as exc:
        return exc.lines
    with tempfile.TemporaryDirectory() as tmp:
        try:
            write_template(form, Path(tmp) / "t.xlsx")
        except ValueError as exc:
            return [f"{path.name}: {exc}"]
    return []
