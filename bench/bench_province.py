"""Collect one round of the 3,000-unit province (``bench/scale.py``): the realistic mix of
on-time, late, rejected and missing units, files filled the messy ways people do.

- floor: python-calamine read + vectorised pandas checks (bench_forms) of the files that
  should be accepted (the floor has no notion of a broken file);
- CLI: ``campaign-ops ingest province-scale`` in a fresh process, no receipts;
- CLI with receipts, and the collect DAG (``dag.test`` at the round's collect moment), which
  sends receipts too.

Every outcome is checked against the fixture's plan before a time is reported.

With ``--round N`` (N > 0) the earlier rounds are collected first, untimed, into each run's
warehouse, as in a real campaign: the timed round's cumulative figures are then checked
against each unit's accepted table of the round before.

    .venv/bin/python -m bench.bench_province [--units 3000] [--round 0]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from bench.bench_forms import run_floor, warm_up
from bench.bench_intake import run_cli, run_dag
from bench.scale import CAMPAIGN_ID, FORM, build_province
from campaign_ops.forms.spec import load_form


def check(outcomes: list[dict], expected: dict) -> None:
    """Accepted where the plan says on time or late, rejected where it says rejected."""
    got = {o["unit"]: o["outcome"] for o in outcomes}
    for unit, e in expected.items():
        want = {"on_time": "accepted", "late": "accepted", "rejected": "rejected"}.get(e.outcome)
        if want is not None:
            assert got.get(unit) == want, (unit, e, got.get(unit))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=3000)
    ap.add_argument(
        "--round", type=int, default=0, help="which of the four rounds (earlier ones first)"
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_province_") as tmp:
        root = Path(tmp)
        province = build_province(root, units=args.units)
        round_id = province.round_ids[args.round]
        campaigns = root / "campaigns"
        earlier = province.round_ids[: args.round]
        for r in earlier:
            province.write_round(r)
        if earlier:  # each run's warehouse holds the earlier rounds, collected untimed
            for kind in ("cli", "cli_receipts", "dag"):
                run_cli(root / kind, campaigns, campaign=CAMPAIGN_ID)
        files = province.write_round(round_id)
        expected = province.for_round(round_id)
        drop = root / "dropzone" / CAMPAIGN_ID
        form = load_form(FORM)
        good = [
            (drop / e.path, form) for e in expected.values() if e.outcome in ("on_time", "late")
        ]
        warm_up()
        run_floor(good[:50])
        floor = min(run_floor(good) for _ in range(2))
        results = {}
        for kind, receipts in (("cli", False), ("cli_receipts", True)):
            elapsed, peak, outcomes = run_cli(
                root / kind, campaigns, receipts=receipts, campaign=CAMPAIGN_ID
            )
            check(outcomes, expected)
            results[kind] = (elapsed, peak)
        results["dag"] = run_dag(
            root / "dag", campaigns, campaign=CAMPAIGN_ID, at=province.collect_at(round_id)
        )
    n = len(files)
    cli, cli_peak = results["cli"]
    cli_receipts, _ = results["cli_receipts"]
    dag, dag_peak = results["dag"]
    report = {
        "units": args.units,
        "round": round_id,
        "earlier_rounds_stored": earlier,
        "files": n,
        "accepted_files_in_floor": len(good),
        "plan": {
            k: sum(e.outcome == k for e in expected.values())
            for k in ("on_time", "late", "rejected", "missing")
        },
        "floor_s": round(floor, 2),
        "cli_s": round(cli, 2),
        "cli_with_receipts_s": round(cli_receipts, 2),
        "dag_s": round(dag, 2),
        # per file: the floor only reads the files that should be accepted
        "cli_over_floor": round((cli / n) / (floor / len(good)), 2),
        "dag_over_cli": round(dag / cli_receipts, 2),
        "cli_peak_mib": round(cli_peak / 1024),
        "dag_peak_mib": round(dag_peak / 1024),
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    out = Path("bench/out")
    out.mkdir(parents=True, exist_ok=True)
    (out / "province.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
