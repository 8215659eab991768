"""Report emails at report moments, to a real SMTP server: once per moment, with the report
attached, and a revised version when a late submission changed a round already reported."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from campaign_ops.campaign import Campaign
from campaign_ops.consolidate.deliver import send_reports_due
from campaign_ops.consolidate.seeding import known_values, put_submission
from campaign_ops.mail import SmtpSettings, SmtpTransport

from .helpers import Played, merge, unit_status

BEIJING = ZoneInfo("Asia/Shanghai")
R1_REPORT = dt.datetime(2023, 5, 11, 10, 0, tzinfo=BEIJING)
R2_REPORT = dt.datetime(2023, 6, 12, 10, 0, tzinfo=BEIJING)
R3_REPORT = dt.datetime(2023, 7, 11, 10, 0, tzinfo=BEIJING)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def ankang(ankang_seeded):
    return ankang_seeded


@pytest.fixture
def transport(mailbox):
    t = SmtpTransport(SmtpSettings(mailbox.host, mailbox.port, ssl=False, starttls=False))
    yield t
    t.close()


def attachment_of(message):
    [part] = [p for p in message.iter_attachments()]
    return part.get_filename(), load_workbook(io.BytesIO(part.get_content()))


def test_the_report_arrives_once_per_moment_with_its_attachment(ankang, mailbox, transport):
    campaign, _ = ankang
    [sent] = send_reports_due(campaign, R1_REPORT, transport)
    assert sent.status == "sent" and Path(sent.path).exists()
    [mail] = mailbox.received
    assert sorted(mail.rcpt_tos) == sorted(c.email for c in campaign.reports.recipients)
    message = mail.message
    assert message["Subject"] == "【汇总报告】安康互联网广告治理：第一次阶段性报送（5月10日前）"
    name, wb = attachment_of(message)
    assert name.endswith("汇总报告_r1.xlsx")
    assert wb["工作情况统计表"]["A1"].value == "工作情况汇总表"
    html = message.get_body(("html",)).get_content()
    assert "报送率" in html and "未计入合计" in html

    # a retried task, or the DAG run again for the same moment: nothing goes out twice
    [again] = send_reports_due(campaign, R1_REPORT, transport)
    assert again.status == "skipped"
    assert len(mailbox.received) == 1


def test_a_late_file_brings_a_revised_report_at_the_next_moment(
    ankang: tuple[Campaign, Played], mailbox, transport
):
    from campaign_ops.store import session_scope

    campaign, played = ankang
    send_reports_due(campaign, R1_REPORT, transport)
    missing = next(iter(played.missing))
    with session_scope() as s:  # the missing unit's table arrives a week late
        put_submission(
            s,
            campaign,
            "r1",
            missing,
            "ankang-work-stats",
            known_values("ankang-work-stats", 99),
            late=True,
        )
    merge(campaign)

    results = send_reports_due(campaign, R2_REPORT, transport)
    assert sorted((r.due.kind, r.due.ledger_round, r.status) for r in results) == [
        ("report", "r2", "sent"),
        ("report_revised", "r1", "sent"),
    ]
    revised = next(m.message for m in mailbox.received if "更正版" in m.message["Subject"])
    name, wb = attachment_of(revised)
    assert "更正版" in name
    ws = wb["工作情况统计表"]
    assert ws["A1"].value.startswith("【更正版】")
    assert unit_status(ws, campaign.unit(missing).short_name) == "逾期报送"
    assert "更正版" in revised.get_body(("plain",)).get_content()

    # nothing changed since: the next moment sends its own report and no further revision
    results = send_reports_due(campaign, R3_REPORT, transport)
    assert [(r.due.kind, r.due.ledger_round) for r in results] == [("report", "r3")]


def test_no_revision_when_the_figures_did_not_change(ankang, mailbox, transport):
    campaign, _ = ankang
    send_reports_due(campaign, R1_REPORT, transport)
    merge(campaign)  # refreshed by an Asset event with nothing new
    results = send_reports_due(campaign, R2_REPORT, transport)
    assert [(r.due.kind, r.due.ledger_round) for r in results] == [("report", "r2")]
    assert len(mailbox.received) == 2


def test_a_run_triggered_by_new_data_refreshes_and_sends_nothing(ankang, mailbox, monkeypatch):
    """Asset-triggered runs have no logical date in Airflow 3: tables only, no report."""
    from campaign_ops import tasks

    campaign, _ = ankang
    refreshed = tasks.refresh_merged_tables(campaign.id)
    asked = sum(len(r.forms) * len(campaign.units_for(r)) for r in campaign.rounds)
    assert refreshed["rows"]["merged_units"] == asked
    tasks.build_and_send_report(campaign.id, None, refreshed)
    assert mailbox.received == []


def test_without_smtp_the_report_lands_in_the_outbox_once_under_its_ledger_key(ankang, home):
    """The outbox's one naming rule, as for every other email; the Message-ID from the key."""
    from email import message_from_bytes, policy

    from campaign_ops.mail import OutboxTransport
    from campaign_ops.store import MailKey, message_id_for

    campaign, _ = ankang
    outbox = home / "outbox"
    [sent] = send_reports_due(campaign, R1_REPORT, OutboxTransport(outbox))
    [again] = send_reports_due(campaign, R1_REPORT, OutboxTransport(outbox))
    assert (sent.status, again.status) == ("sent", "skipped")
    [eml] = list(outbox.rglob("*.eml"))
    assert eml.relative_to(outbox).as_posix() == (
        f"{campaign.id}/2023-05-11_100000/report-r1-recipients.eml"
    )
    mail = message_from_bytes(eml.read_bytes(), policy=policy.default)
    key = MailKey(campaign.id, "report", "recipients", R1_REPORT, round_id="r1")
    assert mail["Message-ID"] == message_id_for(key)
    assert mail["X-Campaign-Ops-Key"].strip() == str(key)
    name, _ = attachment_of(mail)
    assert name == Path(sent.path).name
