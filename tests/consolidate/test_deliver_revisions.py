"""What the report mails say, received by a real SMTP server: a revised report names the
units and the totals that changed since the version that went out, at the next report
moment; the final summary calls a unit whose file was sent back 退回待改, not 未报送."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from campaign_ops.campaign import Campaign
from campaign_ops.consolidate.deliver import send_reports_due
from campaign_ops.consolidate.figures import report_data
from campaign_ops.consolidate.seeding import known_values, put_submission
from campaign_ops.consolidate.summary import _column_label, _show
from campaign_ops.mail import SmtpSettings, SmtpTransport
from campaign_ops.timeline import build_timeline
from campaign_ops.vocabulary import ROUND_STATUS_LABELS

from .helpers import Played, merge

BEIJING = ZoneInfo("Asia/Shanghai")
R1_REPORT = dt.datetime(2023, 5, 11, 10, 0, tzinfo=BEIJING)
R2_REPORT = dt.datetime(2023, 6, 12, 10, 0, tzinfo=BEIJING)
FORM = "ankang-work-stats"


@pytest.fixture
def ankang(ankang_seeded):
    return ankang_seeded


def totals(campaign: Campaign) -> dict[str, float | None]:
    """The r1 work-stats totals by column label, as the report shows them."""
    from campaign_ops.store import session_scope

    with session_scope(readonly=True) as s:
        [figures] = [f for f in report_data(s, campaign, "r1").forms if f.form.id == FORM]
        return {_column_label(figures, c): figures.totals.get(c.cell) for c in figures.columns}


@pytest.fixture
def transport(mailbox):
    t = SmtpTransport(SmtpSettings(mailbox.host, mailbox.port, ssl=False, starttls=False))
    yield t
    t.close()


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_revised_report_says_which_units_and_totals_changed(
    ankang: tuple[Campaign, Played], mailbox, transport
):
    from campaign_ops.store import session_scope

    campaign, played = ankang
    send_reports_due(campaign, R1_REPORT, transport)
    before = totals(campaign)
    late = next(iter(played.missing))
    with session_scope() as s:  # the missing unit's table arrives after the report went out
        put_submission(s, campaign, "r1", late, FORM, known_values(FORM, 99), late=True)
    merge(campaign)
    after = totals(campaign)
    moved = [label for label in after if after[label] != before[label]]
    assert moved  # the late table adds to the totals

    # the next report moment carries the revision
    results = send_reports_due(campaign, R2_REPORT, transport)
    assert ("report_revised", "r1", "sent") in [
        (r.due.kind, r.due.ledger_round, r.status) for r in results
    ]
    [revised] = [m.message for m in mailbox.received if "更正版" in m.message["Subject"]]
    body = text(revised)
    name = campaign.unit(late).short_name
    was, now = ROUND_STATUS_LABELS["missing"], ROUND_STATUS_LABELS["accepted_late"]
    assert f"{name}：《工作情况统计表》{was} → {now}" in body
    assert f"上次报告发出后，{name}补报或更正了数据" in body
    for label in moved[:3]:
        assert f"“{label}”合计：{_show(before[label])} → {_show(after[label])}" in body
    html = revised.get_body(("html",)).get_content()
    assert "本次更正的内容" in html and name in html
    # units whose data did not change are not listed as changed
    others = [u.short_name for u in campaign.units_for(campaign.round("r1")) if u.code != late]
    section = body.split("本次更正的内容：")[1].split("报送情况")[0]
    assert not [o for o in others if f"{o}：" in section]


def test_the_final_summary_calls_a_rejected_unit_rejected_not_missing(
    ankang: tuple[Campaign, Played], mailbox, transport
):
    campaign, played = ankang
    final = next(
        e.at(campaign.timezone)
        for e in build_timeline(campaign).events
        if e.kind == "report" and e.purpose == "final"
    )
    results = send_reports_due(campaign, final, transport)
    assert ("report", "final", "sent") in [
        (r.due.kind, r.due.ledger_round, r.status) for r in results
    ]
    [summary] = [
        m.message
        for m in mailbox.received
        if "行动总结" in m.message["Subject"] and "更正版" not in m.message["Subject"]
    ]
    body = text(summary)
    rejected = campaign.unit(next(iter(played.rejected))).short_name
    missing = campaign.unit(next(iter(played.missing))).short_name
    assert f"{rejected}（{ROUND_STATUS_LABELS['rejected']}）" in body
    assert f"{rejected}（{ROUND_STATUS_LABELS['missing']}）" not in body
    assert f"{missing}（{ROUND_STATUS_LABELS['missing']}）" in body
