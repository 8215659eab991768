"""The soak's replay, run as a child process: one campaign's whole calendar through the real DAGs.

A process of its own because Airflow reads its home and connections once, at import: the test
session may already have imported it for another test's home, and the soak wants a fresh
Airflow database, its own state folder and the SMTP connection the parent points at its
server. The parent passes everything through the environment (``AIRFLOW_HOME``,
``CAMPAIGN_OPS_HOME``, ``AIRFLOW_CONN_CAMPAIGN_OPS_SMTP`` …).

``play.py CAMPAIGN --script FILE`` replays the calendar with the scripted units' files landing
when their time comes and writes the script (every run and every file dropped, with the
figures typed into it) to FILE as JSON; ``--again`` re-runs every moment of the same calendar
on the state left behind, dropping nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

# The soak's script: the demo's roles (late, corrected, broken for good, silent by position),
# and a collect run before each pre-deadline reminder so early units are not chased.
COLLECT_BEFORE_REMINDERS = True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("campaign")
    parser.add_argument("--script", type=Path, required=True, help="where to write the script")
    parser.add_argument("--again", action="store_true", help="re-run the calendar, no files")
    args = parser.parse_args(argv)

    from campaign_ops import PROJECT_ROOT
    from campaign_ops.campaign import get_campaign
    from campaign_ops.demo import DEMO_ROLES, Units, arrivals, replay, schedule
    from campaign_ops.settings import settings

    cfg = settings()
    campaign = get_campaign(args.campaign)
    if not args.again:
        from airflow.utils.db import initdb

        initdb()
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=PROJECT_ROOT / "dags")
    if bag.import_errors:
        print(f"DAG import errors: {bag.import_errors}", file=sys.stderr)
        return 1
    plan = arrivals(campaign, DEMO_ROLES)
    runs = schedule(campaign, plan, collect_before_reminders=COLLECT_BEFORE_REMINDERS)
    units = None
    if not args.again:
        drop = cfg.dropzone_dir / campaign.drop_zone.path
        units = Units(campaign, drop, cfg.home / "work")
    try:
        counts = replay(campaign, bag, units, runs, plan)
    except RuntimeError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    script = {
        "campaign": campaign.id,
        "roles": asdict(DEMO_ROLES),
        "runs": [{"moment": m.isoformat(), "kind": kind} for m, kind in runs],
        "counts": counts,
        "dropped": [
            {
                **asdict(d.arrival),
                "at": d.arrival.at.isoformat(),
                "path": d.path,
                "values": d.values,
            }
            for d in (units.dropped if units else [])
        ],
    }
    args.script.write_text(json.dumps(script, ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
