"""``campaign-ops status`` on ankang, whose YAML turns review on: the JSON carries
``awaiting_review`` and ``returned`` with the reason, the text names the reason too."""

from __future__ import annotations

import json

from campaign_ops.cli import main
from campaign_ops.review.queue import decide
from campaign_ops.store import session_scope

from .conftest import NOW, REVIEWER, seed

REASON = "案件数为 0 但罚没款不为 0，请核对"


def test_status_shows_waiting_and_returned_with_the_reason(ankang, capsys) -> None:
    assert ankang.review.required and ankang.review.reviewers == (REVIEWER,)
    first, second = ankang.units[:2]
    with session_scope() as s:
        seed(s, ankang, units=2)
        decide(s, ankang, f"r1/{first.code}/ankang-ad-cases", "return", REASON, REVIEWER, NOW)

    assert main(["status", ankang.id, "--round", "r1", "--json"]) == 0
    units = {u["unit"]: u for u in json.loads(capsys.readouterr().out)["rounds"][0]["units"]}
    assert units[first.code]["status"] == "returned"
    assert units[first.code]["reason"] == f"《互联网广告案件查处情况统计表》：{REASON}"
    returned = [x for x in units[first.code]["review"] if x["status"] == "returned"]
    assert returned[0]["decided_by"] == REVIEWER and returned[0]["version"] == 1
    assert units[second.code]["status"] == "awaiting_review"
    assert units[second.code]["reason"] is None

    assert main(["status", ankang.id, "--round", "r1"]) == 0
    text = capsys.readouterr().out
    assert f"退回理由：《互联网广告案件查处情况统计表》：{REASON}" in text
    line = next(x for x in text.splitlines() if x.strip().startswith(second.short_name))
    assert "待审核" in line and "尚缺" not in line  # delivered: only the reviewer is waited for
