"""Alembic from the command line without an ini file.

python -m campaign_ops.store upgrade            # to head: every table and analyst view
python -m campaign_ops.store current
python -m campaign_ops.store revision -m "add x"   # autogenerate against the current DB
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from alembic import command

from campaign_ops.store.db import alembic_config, current_revision, database_url, upgrade


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m campaign_ops.store")
    parser.add_argument("--url", help="database URL (default: CAMPAIGN_OPS_DATABASE_URL)")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("upgrade", help="migrate to the latest schema (tables and analyst views)")
    sub.add_parser("current", help="print the schema revision of the database")
    rev = sub.add_parser("revision", help="autogenerate a migration from models.py")
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    url = database_url(args.url)
    if args.action == "upgrade":
        upgrade(url)
        print(f"warehouse at {current_revision(url)}")
    elif args.action == "current":
        print(current_revision(url) or "(empty database)")
    else:
        command.revision(alembic_config(url), message=args.message, autogenerate=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
