"""A unit whose table waits for review is told so in its receipt: accepted by the checks,
counted only once approved, and a return would come as its own mail. Tables the policy does
not review, and campaigns without review, keep the plain 已通过校验并入库."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
from pathlib import Path

import yaml

from campaign_ops import INCLUDE_DIR
from campaign_ops.campaign import get_campaign
from campaign_ops.cli import main
from campaign_ops.synthetic import write_submission

ANKANG = "ankang-2023-internet-ads"


def _receipt_text(outbox: Path, unit: str) -> str:
    [path] = [p for p in outbox.rglob("*.eml") if unit in p.name]
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return mail.get_body(("plain",)).get_content()


def _deliver(campaign_id: str, unit: str, drop: Path) -> None:
    """The unit's table, saved before the first deadline (settled, not still being copied)."""
    c = get_campaign(campaign_id)
    path = drop / c.unit(unit).short_name / "表.xlsx"
    write_submission(c, "r1", unit, "ankang-work-stats", path)
    saved = dt.datetime(2023, 5, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
    os.utime(path, (saved, saved))


def test_a_table_waiting_for_review_says_so_in_the_receipt(state, outbox, tmp_path):
    assert get_campaign(ANKANG).review.applies("ankang-work-stats")  # the 广告科 reviews it
    _deliver(ANKANG, "hanbin", tmp_path / "drop")
    assert main(["ingest", ANKANG, "--source", str(tmp_path / "drop")]) == 0
    text = _receipt_text(outbox, "hanbin")
    assert "《工作情况统计表》已通过校验，正在等待市局审核" in text
    assert "审核通过后计入汇总" in text and "退回修改通知" in text
    assert "并入库" not in text


def test_without_review_the_receipt_says_accepted(state, outbox, tmp_path, monkeypatch):
    data = yaml.safe_load((INCLUDE_DIR / "campaigns" / f"{ANKANG}.yaml").read_text("utf-8"))
    data["review"]["required"] = False
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    (campaigns / f"{ANKANG}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(campaigns))
    _deliver(ANKANG, "hanbin", tmp_path / "drop")
    assert main(["ingest", ANKANG, "--source", str(tmp_path / "drop")]) == 0
    text = _receipt_text(outbox, "hanbin")
    assert "《工作情况统计表》已通过校验并入库" in text and "审核" not in text
