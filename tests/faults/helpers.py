"""What the fault tests share: a round of files from the units, and the end state a user sees
(warehouse rows, archive files, mail ledger, mail the server really received)."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from services.smtp import SmtpServer

from campaign_ops.campaign import get_campaign
from campaign_ops.intake.archive_files import sha256_of

CAMPAIGN = "ankang-2023-internet-ads"
BEIJING = ZoneInfo("Asia/Shanghai")
ON_TIME = dt.datetime(2023, 5, 10, 15, 0, tzinfo=BEIJING)
COLLECT_AT = dt.datetime(2023, 5, 11, 9, 0, tzinfo=BEIJING)
REPORT_AT = dt.datetime(2023, 5, 11, 10, 0, tzinfo=BEIJING)
R1_OVERDUE = dt.datetime(2023, 5, 12, 9, 0, tzinfo=BEIJING)

# unit → whether its table is good; one unit sends a table with a negative number
UNITS = {
    "hanbin": True,
    "hanyin": True,
    "shiquan": False,
    "ningshan": True,
    "ziyang": True,
    "langao": True,
}


@dataclass
class Batch:
    """The files units put in the drop zone, and what they typed into them."""

    files: dict[str, bytes] = field(default_factory=dict)  # path in the drop zone → bytes
    typed: dict[str, dict] = field(default_factory=dict)  # good unit → values typed
    units: dict[str, str] = field(default_factory=dict)  # path → unit

    @property
    def accepted_units(self) -> set[str]:
        return set(self.typed)

    def typed_cells(self) -> dict[tuple[str, str, str], float]:
        """(unit, row, column) → number, for every number an accepted table holds."""
        return {
            (unit, row, col): float(v)
            for unit, rows in self.typed.items()
            for row, cols in rows.items()
            for col, v in cols.items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        }


def drop_round1(drop: Path, work: Path) -> Batch:
    """Round 1's statistics tables, one per unit, in each unit's folder, sent on time."""
    from campaign_ops.synthetic import write_submission

    campaign = get_campaign(CAMPAIGN)
    batch = Batch()
    for seed, (unit, good) in enumerate(UNITS.items()):
        path, values = write_submission(
            campaign,
            "r1",
            unit,
            "ankang-work-stats",
            work / f"{unit}.xlsx",
            seed=seed,
            broken=not good,
        )
        rel = f"{campaign.unit(unit).name}/工作情况统计表.xlsx"
        target = drop / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        os.utime(target, (ON_TIME.timestamp(), ON_TIME.timestamp()))
        batch.files[rel] = target.read_bytes()
        batch.units[rel] = unit
        if good:
            batch.typed[unit] = values
    return batch


# ---- the end state --------------------------------------------------------------------------


def warehouse(url: str) -> dict:
    """Everything a user could count in the warehouse after a scan."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:

            def rows(sql: str) -> list[tuple]:
                return [tuple(r) for r in conn.execute(sa.text(sql)).all()]

            return {
                "archived": rows("select sha256 from archived_files order by sha256"),
                "submissions": rows(
                    "select unit_code, round_id, deliverable_key, version, status"
                    " from submissions order by unit_code, deliverable_key, version"
                ),
                "values": rows(
                    "select s.unit_code, v.row_key, v.column_key, v.value"
                    " from submitted_values v join submissions s on s.id = v.submission_id"
                    " where v.value is not null"
                ),
                "events": rows(
                    "select path, sha256, outcome from intake_events order by path, sha256"
                ),
                "ledger": rows(
                    "select kind, round_id, recipient_key, moment, status, message_id"
                    " from mail_ledger order by kind, recipient_key, moment"
                ),
            }
    finally:
        engine.dispose()


def archive_files(home: Path) -> list[str]:
    """Every file under the archive folder (names only: the sha256 of their content)."""
    root = home / "archive"
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def assert_collected_once(batch: Batch, state: dict, home: Path) -> None:
    """Every file archived once, every accepted figure stored once, statuses right."""
    shas = sorted(sha256_of(b) for b in batch.files.values())
    assert archive_files(home) == shas  # nothing half-written left behind, nothing missing
    for rel, data in batch.files.items():
        stored = home / "archive" / sha256_of(data)[:2] / sha256_of(data)
        assert stored.read_bytes() == data, rel
    assert [s for (s,) in state["archived"]] == shas
    assert state["submissions"] == sorted(
        (unit, "r1", "ankang-work-stats", 1, "accepted" if good else "rejected")
        for unit, good in UNITS.items()
    )
    assert sorted((p, o) for p, _, o in state["events"]) == sorted(
        (rel, "accepted" if UNITS[unit] else "rejected") for rel, unit in batch.units.items()
    )
    stored_cells = Counter((u, r, c) for u, r, c, _ in state["values"])
    assert max(stored_cells.values()) == 1  # no figure twice
    typed = batch.typed_cells()
    got = {(u, r, c): float(v) for u, r, c, v in state["values"]}
    assert got == typed  # exactly what the units typed, for the accepted units only
    assert sum(got.values()) == sum(typed.values())


# ---- mail -----------------------------------------------------------------------------------


def received_ids(server: SmtpServer) -> Counter:
    """Message-ID → how many copies the server really received."""
    return Counter(m["Message-ID"] for m in server.messages())


def receipts_received(server: SmtpServer) -> Counter:
    """Recipient → receipts received by the server."""
    return Counter(
        rcpt
        for mail in server.received
        if "报送回执" in mail.message["Subject"]
        for rcpt in mail.rcpt_tos
    )


def reports_received(server: SmtpServer) -> list:
    return [m for m in server.messages() if m["Subject"].startswith("【汇总报告")]


def assert_ledger_truthful(ledger: list[tuple], server: SmtpServer) -> None:
    """No message is reported sent that the server did not receive, and none arrived twice."""
    got = received_ids(server)
    assert all(n == 1 for n in got.values()), got
    for kind, round_id, who, moment, status, message_id in ledger:
        if status == "sent":
            assert got[message_id] == 1, (kind, round_id, who, moment)
        if status == "failed":
            assert got[message_id] == 0, (kind, round_id, who, moment)
    ledger_ids = {row[-1] for row in ledger}
    assert set(got) <= ledger_ids  # nothing went out behind the ledger's back
