"""The outbox's one naming rule (README "Settings"): every kind of email, whichever module
decided it, lands at ``<campaign>/<YYYY-MM-DD_HHMMSS>/<kind>-<round>-<unit>[-<sha>].eml``
in the campaign's time zone, one file per ledger key."""

from __future__ import annotations

import re
from pathlib import Path

from campaign_ops.campaign import Campaign
from campaign_ops.mail import Message, outbox_name

RULE = re.compile(
    r"^(?P<campaign>[^/]+)/\d{4}-\d{2}-\d{2}_\d{6}/"
    r"(?P<kind>[a-z_]+)-(?P<round>[^-/]+)-(?P<who>[^-/]+)(-[0-9a-f]{12})?\.eml$"
)
SHA = "0123456789abcdef" * 4


def _message(kind: str, moment: str, who: str, round_: str | None = None, token: str = ""):
    return Message(kind, moment, who, ("x@example.invalid",), "主题", round=round_, token=token)


def _every_kind() -> list[Message]:
    at = "2023-05-11T10:00:00+08:00"
    return [
        _message("notice", at, "hanbin"),
        _message("reminder", at, "hanbin", "r1"),
        _message("overdue", at, "hanbin", "r1"),
        _message("digest", at, "ops"),
        _message("receipt", at, "hanbin", "r1"),
        _message("receipt", at, "hanbin"),
        _message("precheck", at, "hanbin", token=SHA),
        _message("precheck", at, "hanbin", token="f" * 64),
        _message("report", at, "recipients", "r1"),
        _message("report", at, "recipients", "final"),
        _message("report_revised", at, "recipients", "r1"),
        _message("receipt", "2023-05-11T10:00:01+08:00", "hanbin", "r1"),
    ]


def test_every_kind_follows_the_one_rule_one_file_per_ledger_key(ankang: Campaign) -> None:
    messages = _every_kind()
    names = [outbox_name(ankang, m) for m in messages]
    for name in names:
        assert RULE.match(name), name
    assert len(set(names)) == len({m.key(ankang.id) for m in messages}) == len(messages)
    assert names[8] == f"{ankang.id}/2023-05-11_100000/report-r1-recipients.eml"
    assert names[6] == f"{ankang.id}/2023-05-11_100000/precheck-all-hanbin-{SHA[:12]}.eml"
    assert names[-1] == f"{ankang.id}/2023-05-11_100001/receipt-r1-hanbin.eml"


def test_the_folder_is_the_campaigns_local_time(ankang: Campaign) -> None:
    utc = _message("report", "2023-05-11T02:00:00+00:00", "recipients", "r1")
    local = _message("report", "2023-05-11T10:00:00+08:00", "recipients", "r1")
    # the same key; Message.moment is decided in the campaign's zone (Asia/Shanghai)
    assert utc.key(ankang.id) == local.key(ankang.id)
    assert Path(outbox_name(ankang, local)).parent.name == "2023-05-11_100000"
