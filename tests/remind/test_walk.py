"""Walk the demo campaign's whole calendar, moment by moment, with a scripted pattern of
submissions, and check every email sent against the list a person would expect."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from campaign_ops import remind
from campaign_ops.mail import OutboxTransport, send_messages
from campaign_ops.remind import messages_due
from campaign_ops.store import session_scope
from campaign_ops.timeline import build_timeline
from remind.helpers import Desk, beijing

EVERYONE = "hanbin hanyin shiquan ningshan ziyang langao pingli zhenping xunyang baihe hengkou"
ALL_BUT_PINGLI = EVERYONE.replace(" pingli", "")

# Who sends what, when (Beijing time). 平利 never sends anything: it receives every reminder.
SCRIPT: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    # r1 due 05-10 18:00: eight units on time; 紫阳 late; 岚皋's statistics rejected, then fixed.
    (
        "2023-05-10T12:00",
        "accept",
        "r1",
        "hanbin hanyin shiquan ningshan zhenping xunyang baihe hengkou",
        (),
    ),
    (
        "2023-05-10T12:00",
        "accept",
        "r1",
        "langao",
        ("progress_note", "typical_cases", "ankang-ad-cases"),
    ),
    ("2023-05-10T12:00", "reject", "r1", "langao", ("ankang-work-stats",)),
    ("2023-05-13T10:00", "accept", "r1", "ziyang", ()),
    ("2023-05-17T10:00", "accept", "r1", "langao", ("ankang-work-stats",)),
    # r2 due 06-10: everyone on 06-08 but 旬阳 (06-14, after one overdue reminder).
    ("2023-06-08T10:00", "accept", "r2", ALL_BUT_PINGLI.replace(" xunyang", ""), ()),
    ("2023-06-14T10:00", "accept", "r2", "xunyang", ()),
    # r3 due 07-10, r4 due 09-10: early, after the first pre-deadline reminder of r3.
    ("2023-07-05T10:00", "accept", "r3", ALL_BUT_PINGLI, ()),
    ("2023-08-31T10:00", "accept", "r4", ALL_BUT_PINGLI, ()),
    # r5 due 11-10: 白河's statistics arrive but are never checked: it is not chased.
    ("2023-11-08T10:00", "accept", "r5", ALL_BUT_PINGLI.replace(" baihe", ""), ()),
    ("2023-11-08T10:00", "accept", "r5", "baihe", ("progress_note", "typical_cases")),
    ("2023-11-08T10:00", "receive", "r5", "baihe", ("ankang-work-stats", "ankang-ad-cases")),
    # r6 due 12-10 (a Sunday): everyone on Friday 12-08 at 10:00, after that day's reminder.
    ("2023-12-08T10:00", "accept", "r6", ALL_BUT_PINGLI, ()),
]

# Every email, by moment: "kind round units" (ALL = every unit); "digest" goes to ops.
EXPECTED = """
05-09 notice - ALL
05-09 digest
05-12 overdue r1 ziyang langao pingli
05-12 digest
05-16 overdue r1 langao pingli
05-16 digest
05-18 overdue r1 pingli
05-18 digest
05-22 overdue r1 pingli
05-22 digest
05-24 overdue r1 pingli
05-24 digest
06-01 phase - ALL
06-02 reminder r2 ALL
06-02 digest
06-07 reminder r2 ALL
06-07 digest
06-09 reminder r2 xunyang pingli
06-09 digest
06-13 overdue r2 xunyang pingli
06-13 digest
06-15 overdue r2 pingli
06-15 digest
06-19 overdue r2 pingli
06-19 digest
06-21 overdue r2 pingli
06-21 digest
06-26 overdue r2 pingli
06-26 digest
07-03 reminder r3 ALL
07-03 digest
07-07 reminder r3 pingli
07-07 digest
07-12 overdue r3 pingli
07-12 digest
07-14 overdue r3 pingli
07-14 digest
07-18 overdue r3 pingli
07-18 digest
07-20 overdue r3 pingli
07-20 digest
07-24 overdue r3 pingli
07-24 digest
09-01 reminder r4 pingli
09-01 digest
09-07 reminder r4 pingli
09-07 digest
09-08 reminder r4 pingli
09-08 digest
09-12 overdue r4 pingli
09-12 digest
09-14 overdue r4 pingli
09-14 digest
09-18 overdue r4 pingli
09-18 digest
09-20 overdue r4 pingli
09-20 digest
09-22 overdue r4 pingli
09-22 digest
11-03 reminder r5 ALL
11-03 digest
11-07 reminder r5 ALL
11-07 digest
11-09 reminder r5 pingli
11-09 digest
11-14 overdue r5 pingli
11-14 digest
11-16 overdue r5 pingli
11-16 digest
11-20 overdue r5 pingli
11-20 digest
11-22 overdue r5 pingli
11-22 digest
11-24 overdue r5 pingli
11-24 digest
12-01 phase - ALL
12-01 reminder r6 ALL
12-01 digest
12-07 reminder r6 ALL
12-07 digest
12-08 reminder r6 ALL
12-08 digest
12-12 overdue r6 pingli
12-12 digest
12-14 overdue r6 pingli
12-14 digest
12-18 overdue r6 pingli
12-18 digest
12-20 overdue r6 pingli
12-20 digest
12-22 overdue r6 pingli
12-22 digest
"""


def expected_emails() -> list[tuple[str, str, str | None, str | None]]:
    out = []
    for line in EXPECTED.strip().splitlines():
        day, kind, *rest = line.split()
        if kind == "digest":
            out.append((day, kind, None, None))
            continue
        round_id, *units = rest
        units = EVERYONE.split() if units == ["ALL"] else units
        out += [(day, kind, None if round_id == "-" else round_id, u) for u in units]
    return sorted(out, key=str)


def apply(desk: Desk, action: str, round_id: str, units: str, keys: tuple[str, ...], at):
    for unit in units.split():
        if action == "accept":
            desk.accept(unit, round_id, *keys, at=at)
        elif action == "receive":
            for key in keys:
                desk.receive(unit, round_id, key)
        else:
            for key in keys:
                desk.reject(unit, round_id, key, "合计行与各行之和不一致。", ["合计应为 12"])


@pytest.fixture
def no_attachments(monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk is about who gets what; the templates are tested once elsewhere (~5 s)."""
    monkeypatch.setattr(remind.drafts, "blank_templates", lambda *a, **k: [])


def test_the_whole_calendar_sends_exactly_the_expected_emails(
    ankang, desk: Desk, outbox, no_attachments
):
    script = sorted(SCRIPT, key=lambda s: s[0])
    sent: list = []
    cc_seen: dict[tuple[str, str], tuple[str, ...]] = {}
    for moment in build_timeline(ankang).reminder_moments():
        while script and beijing(script[0][0]) < moment:
            at, action, round_id, units, keys = script.pop(0)
            apply(desk, action, round_id, units, keys, beijing(at))
        with session_scope(readonly=True) as s:
            messages = messages_due(ankang, moment, s)
        results = send_messages(ankang, messages, OutboxTransport(outbox))
        assert {r.status for r in results} <= {"sent"}, results
        for m in messages:
            day = dt.datetime.fromisoformat(m.moment).strftime("%m-%d")
            sent.append((day, m.kind, m.round, m.unit))
            if m.kind == "overdue":
                cc_seen[(day, m.unit or "")] = m.cc

    assert sorted(sent, key=str) == expected_emails()
    assert len(list(outbox.rglob("*.eml"))) == len(sent) == 207
    # Escalation: 平利's leader is copied from the 6th working day overdue on, never before.
    for (day, unit), cc in cc_seen.items():
        days = next(
            e.days
            for e in build_timeline(ankang).events
            if e.purpose == "overdue" and e.date.strftime("%m-%d") == day
        )
        assert cc == ((f"{unit}-leader@ankang-amr.example.invalid",) if days >= 5 else ()), day


def test_the_digest_keeps_naming_units_that_never_delivered(ankang, desk: Desk, no_attachments):
    with session_scope(readonly=True) as s:
        messages = messages_due(ankang, beijing("2023-07-03T09:00"), s)
    digest = messages[-1]

    assert digest.kind == "digest"
    rounds = {r["round"]: r for r in digest.context["rounds"]}
    assert list(rounds) == ["r1", "r2", "r3"]  # past rounds still missing something, and r3
    assert Counter(len(r["missing"]) for r in rounds.values()) == {11: 3}
