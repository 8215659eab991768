"""``campaign-ops`` command line: the same operations the DAGs run, usable by hand.

Every command line lives in this package, one module per group (campaigns, forms, remind,
intake, consolidate), each exposing ``register(subparsers)``; this file only assembles them.
The commands call the domain modules and print; heavy libraries are imported inside the
commands that need them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# Modules that contribute sub-commands, in the order they appear in --help.
COMMAND_MODULES = (
    "campaign_ops.cli.campaigns",
    "campaign_ops.cli.forms",
    "campaign_ops.cli.form_from_xlsx",
    "campaign_ops.cli.remind",
    "campaign_ops.cli.intake",
    "campaign_ops.cli.mailbox",
    "campaign_ops.cli.consolidate",
    "campaign_ops.cli.draft",
    "campaign_ops.cli.review",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="campaign-ops",
        description="专项行动运行工具：查看行动日程、生成报表模板、检查和汇总报送材料。",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


QUIET_AIRFLOW = "AIRFLOW__LOGGING__LOGGING_LEVEL"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Airflow (imported by some commands for Connections) logs to stdout at INFO; a command
    # line tool's stdout is for its output (--json must stay parseable), so only warnings —
    # for this command only, not for whatever runs after it in the same process.
    previous = os.environ.get(QUIET_AIRFLOW)
    os.environ.setdefault(QUIET_AIRFLOW, "WARNING")
    try:
        return int(args.func(args) or 0)
    except KeyError as exc:  # unknown campaign, round or unit: a user error, not a crash
        print(f"错误：{exc.args[0]}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    finally:
        if previous is None:
            os.environ.pop(QUIET_AIRFLOW, None)


if __name__ == "__main__":
    sys.exit(main())
