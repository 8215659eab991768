"""Reminders for 3,000 units: decide and send through the mail ledger, as a ratio to writing
the same messages to disk, measured in the same run.

The campaign is the province fixture (bench/scale.py); the warehouse (fresh SQLite for every
run) holds what intake would have stored by the reminder moment. Two moments:

- ``before``: the first pre-deadline reminder of round 2 — every unit still owes round 2, so
  3,000 reminders and the ops digest (the largest send a campaign makes);
- ``overdue``: the first overdue reminder of round 2 — only the units that are late, missing
  or rejected (with their findings), and the digest.

Timed for each moment:

- baseline: the decided messages rendered (``draft_for``, ``compose_mail``) and written as
  ``.eml`` files, no ledger — the least any mailer that keeps a copy must do;
- outbox: ``messages_due`` + ``send_messages`` through the ledger into ``OutboxTransport``;
- smtp: the same into ``SmtpTransport`` talking to a real aiosmtpd server in this process
  (tests/services/smtp.py), which also checks every message arrived exactly once.

    .venv/bin/python -m bench.bench_remind [--units 3000] [--repeat 2] [--moments before,overdue]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from campaign_ops import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "tests"))  # tests/services: the SMTP test server

OUT = Path("bench/out/remind.json")


def moments(campaign) -> dict[str, dt.datetime]:
    """The first pre-deadline and the first overdue reminder moment of round 2."""
    from campaign_ops.timeline import build_timeline

    round_id = campaign.rounds[1].id
    events = [
        e for e in build_timeline(campaign).events if e.kind == "reminder" and e.round == round_id
    ]
    before = max((e for e in events if e.purpose == "before"), key=lambda e: e.days or 0)
    overdue = min((e for e in events if e.purpose == "overdue"), key=lambda e: e.days or 0)
    return {"before": before.at(campaign.timezone), "overdue": overdue.at(campaign.timezone)}


def seeded_warehouse(province, path: Path, moment: dt.datetime) -> Path:
    """A migrated SQLite warehouse holding every submission that arrived before ``moment``."""
    from bench.scale import seed_warehouse
    from campaign_ops.store import dispose_engines, session_scope, upgrade

    url = f"sqlite:///{path}"
    upgrade(url)
    with session_scope(url) as s:
        seed_warehouse(s, province, province.round_ids, until=moment)
    dispose_engines()  # checkpoint the WAL: the file alone is the whole warehouse
    return path


def use_warehouse(template: Path, path: Path) -> None:
    """Point the process at a fresh copy of ``template`` (the ledger starts empty)."""
    from campaign_ops.store import dispose_engines

    dispose_engines()
    shutil.copyfile(template, path)
    os.environ["CAMPAIGN_OPS_DATABASE_URL"] = f"sqlite:///{path}"


def decide(campaign, moment: dt.datetime) -> list:
    from campaign_ops.remind import messages_due
    from campaign_ops.store import session_scope

    with session_scope(readonly=True) as s:
        return messages_due(campaign, moment, s)


def run_baseline(campaign, messages: list, outbox: Path) -> float:
    """Render each message and write it as an .eml file: no ledger, no transport."""
    from campaign_ops.mail import outbox_name
    from campaign_ops.mail.compose import compose_mail, to_bytes
    from campaign_ops.remind import draft_for

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-remind-") as work:
        for message in messages:
            data = to_bytes(compose_mail(draft_for(campaign, message, Path(work))))
            path = outbox / outbox_name(campaign, message)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return time.perf_counter() - t0


def run_ours(campaign, moment: dt.datetime, transport) -> tuple[float, float, int]:
    """Decide and send through the ledger; (decide s, send s, messages)."""
    from campaign_ops.mail import send_messages

    t0 = time.perf_counter()
    messages = decide(campaign, moment)
    t1 = time.perf_counter()
    results = send_messages(campaign, messages, transport)
    t2 = time.perf_counter()
    transport.close()
    statuses = Counter(r.status for r in results)
    assert statuses == {"sent": len(messages)}, statuses
    return t1 - t0, t2 - t1, len(messages)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=2, help="interleaved repetitions (best kept)")
    ap.add_argument("--moments", default="before,overdue")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_remind_") as tmp:
        tmp_path = Path(tmp)
        os.environ["CAMPAIGN_OPS_HOME"] = str(tmp_path / "state")
        os.environ.setdefault("AIRFLOW_HOME", str(tmp_path / "airflow"))
        os.environ.pop("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP", None)

        from services.smtp import SmtpServer

        from bench.scale import build_province
        from campaign_ops.mail import OutboxTransport, SmtpSettings, SmtpTransport

        t0 = time.perf_counter()
        province = build_province(tmp_path / "province", units=args.units)
        os.environ["CAMPAIGN_OPS_CAMPAIGNS_DIR"] = str(province.campaign_path.parent)
        campaign = province.campaign
        fixture_s = time.perf_counter() - t0
        server = SmtpServer().start()
        report: dict = {
            "units": args.units,
            "cpu_count": os.cpu_count(),
            "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
            "fixture_s": round(fixture_s, 1),
            "moments": {},
        }
        run = 0
        for name in args.moments.split(","):
            moment = moments(campaign)[name]
            template = seeded_warehouse(province, tmp_path / f"seed-{name}.sqlite", moment)
            use_warehouse(template, tmp_path / "decided.sqlite")
            messages = decide(campaign, moment)
            kinds = Counter(m.kind for m in messages)
            best: dict[str, list[float]] = {"baseline": [], "outbox": [], "smtp": []}
            parts: dict[str, tuple[float, float]] = {}
            for _ in range(args.repeat):  # interleaved: all three see the same load
                run += 1
                best["baseline"].append(run_baseline(campaign, messages, tmp_path / f"eml-{run}"))
                shutil.rmtree(tmp_path / f"eml-{run}")
                for kind in ("outbox", "smtp"):
                    run += 1
                    use_warehouse(template, tmp_path / f"run-{run}.sqlite")
                    if kind == "outbox":
                        transport = OutboxTransport(tmp_path / f"outbox-{run}")
                    else:
                        server.reset()
                        transport = SmtpTransport(
                            SmtpSettings(server.host, server.port, ssl=False, starttls=False)
                        )
                    d, s, n = run_ours(campaign, moment, transport)
                    assert n == len(messages)
                    if kind == "smtp":
                        ids = Counter(m.message["Message-ID"] for m in server.received)
                        assert len(ids) == n and set(ids.values()) == {1}, "lost or doubled"
                    else:
                        shutil.rmtree(tmp_path / f"outbox-{run}")
                    best[kind].append(d + s)
                    if kind not in parts or d + s < sum(parts[kind]):
                        parts[kind] = (d, s)
                    (tmp_path / f"run-{run}.sqlite").unlink()
            base = min(best["baseline"])
            entry = {
                "moment": moment.isoformat(),
                "messages": len(messages),
                "kinds": dict(kinds),
                "baseline_s": round(base, 2),
                "baseline_ms_per_message": round(base / len(messages) * 1000, 2),
            }
            for kind in ("outbox", "smtp"):
                d, s = parts[kind]
                entry[kind] = {
                    "decide_s": round(d, 2),
                    "send_s": round(s, 2),
                    "total_s": round(d + s, 2),
                    "ms_per_message": round((d + s) / len(messages) * 1000, 2),
                    "ratio": round((d + s) / base, 2),
                    "ratios_per_repetition": [
                        round(x / b, 2) for x, b in zip(best[kind], best["baseline"], strict=True)
                    ],
                }
            report["moments"][name] = entry
            print(
                f"{name}: {len(messages)} messages {dict(kinds)}; "
                f"baseline {base:.1f} s ({entry['baseline_ms_per_message']} ms/message)",
                flush=True,
            )
            for kind in ("outbox", "smtp"):
                e = entry[kind]
                print(
                    f"  {kind:6}: decide {e['decide_s']} s + send {e['send_s']} s = "
                    f"{e['total_s']} s ({e['ms_per_message']} ms/message), "
                    f"{e['ratio']}× baseline",
                    flush=True,
                )
        server.stop()
        report["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
