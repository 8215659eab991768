"""Shared steps of the mailbox integration tests: tables to attach, running the real collect
DAG, and reading back what the warehouse, the archive and the outbox hold."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from airflow.dag_processing.dagbag import DagBag

from campaign_ops import PROJECT_ROOT
from campaign_ops.campaign import get_campaign
from campaign_ops.synthetic import write_submission
from tests.mailbox.messages import attachment, b_word, message, multipart, text_part

CAMPAIGN = "ankang-2023-internet-ads"
CST = dt.timezone(dt.timedelta(hours=8))
RUN_AT = dt.datetime(2023, 5, 11, 9, 0, tzinfo=CST)  # the morning after the first deadline
ON_TIME = dt.datetime(2023, 5, 10, 15, 0, tzinfo=CST)
LATE = dt.datetime(2023, 5, 11, 8, 30, tzinfo=CST)


def table(work: Path, unit: str, form: str = "ankang-work-stats", **kw) -> bytes:
    """The unit's filled-in template for round r1 (its metadata names unit and round)."""
    path, _ = write_submission(
        get_campaign(CAMPAIGN), "r1", unit, form, work / f"{unit}-{form}-{len(kw)}.xlsx", **kw
    )
    return path.read_bytes()


def mail_with(
    files: list[tuple[str, bytes]], *, subject: str, sender: str, message_id: str, text: str = ""
) -> bytes:
    """A Foxmail-shaped message (GB2312-labelled encoded words) with these attachments."""
    parts = [text_part(text or f"{subject}，请查收。")]
    parts += [attachment(f'"{b_word(name)}"', data) for name, data in files]
    return message(multipart(parts), subject=subject, sender=sender, message_id=message_id)


def send_tables(imap, work: Path, units: tuple[str, ...], tag: str) -> None:
    """Each unit's contact mails its r1 statistics, received on time."""
    for unit in units:
        imap.append(
            mail_with(
                [("工作情况统计表.xlsx", table(work, unit))],
                subject=f"{unit} 报送统计表",
                sender=f"{unit}@ankang-amr.example.invalid",
                message_id=f"<{tag}-{unit}@ankang-amr.example.invalid>",
            ),
            ON_TIME,
        )


def run_collect(at: dt.datetime = RUN_AT):
    bag = DagBag(dag_folder=PROJECT_ROOT / "dags")
    assert not bag.import_errors
    return bag.dags[f"{CAMPAIGN}__collect"].test(logical_date=at)


def _short(path: str) -> str:
    """``邮件12/<subject>/<file>`` → ``<subject>/<file>`` (mail numbers differ per backend)."""
    return path.split("/", 1)[1] if path.startswith("邮件") else path


def warehouse_state(url: str) -> dict:
    """Everything a re-run must leave unchanged."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = {
            t: conn.execute(sa.text(f"select count(*) from {t}")).scalar()
            for t in (
                "archived_files",
                "submissions",
                "submitted_values",
                "mailbox_mails",
                "mailbox_files",
                "mail_ledger",
            )
        }
        subs = conn.execute(
            sa.text(
                "select unit_code, deliverable_key, version, status, on_time from submissions"
                " order by unit_code, deliverable_key, version"
            )
        ).all()
        rows = conn.execute(
            sa.text("select path, outcome, unit_code, message from intake_events")
        ).all()
        mails = conn.execute(
            sa.text("select uid, sha256, sender, sender_unit, received_at from mailbox_mails")
        ).all()
    engine.dispose()
    return {
        "counts": counts,
        "subs": [tuple(s) for s in subs],
        "events": {_short(p): (o, u, m) for p, o, u, m in rows},
        "mails": sorted(tuple(m) for m in mails),
    }


def outcomes(state: dict) -> dict[str, str]:
    return {path: o for path, (o, _, _) in state["events"].items()}


def receipts(outbox: Path) -> dict[str, EmailMessage]:
    """Receipt file name → the parsed email."""
    return {
        p.name: email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(outbox.rglob("receipt-*.eml"))
    }


def body(mail: EmailMessage) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()
