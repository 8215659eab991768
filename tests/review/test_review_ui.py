"""A reviewer in the Airflow UI (headless Chromium): logs in, opens Required Actions, reads a
county's figures and returns them with a reason; the campaign board then shows the unit as
退回修改 with that reason. Screenshots of each step are kept next to the test's temp files."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from campaign_ops import PROJECT_ROOT
from campaign_ops.review.airflow_api import settle
from campaign_ops.vocabulary import REVIEW_DECISION_LABELS, ROUND_STATUS_LABELS

from .review_airflow import REMIND, REVIEWER, ReviewAirflow
from .test_review_dag import DAG, decisions, name, seed, wait_decided, wait_pending

pytestmark = [pytest.mark.slow, pytest.mark.airflow_process, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
UNIT = "ziyang"
REASON = "监测互联网广告（本期数）为 0，与上门宣讲记录不符，请核实后重新报送"


def test_a_reviewer_returns_a_submission_in_required_actions(
    review_airflow: ReviewAirflow, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    airflow = review_airflow
    label = name(airflow, UNIT)
    seed(airflow, UNIT, 21)
    airflow.trigger(DAG)
    [detail] = wait_pending(airflow, label)
    if not CHROMIUM.exists():
        subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "install-browser.sh")], check=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
            page.set_default_timeout(60_000)
            page.goto(f"{airflow.url}/")
            page.fill("input[name=username]", REVIEWER)
            page.fill("input[name=password]", airflow.password(REVIEWER))
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/auth/login" not in url)

            page.goto(f"{airflow.url}/required_actions")  # Browse → Required Actions
            row = page.get_by_text(f"请审核：{label}").first
            row.wait_for()
            page.screenshot(path=tmp_path / "1-required-actions.png")
            row.click()

            # The request: the unit's figures beside the city total, the options, the reason.
            back = page.get_by_role("button", name=REVIEW_DECISION_LABELS["return"])
            back.scroll_into_view_if_needed()
            assert page.get_by_text("全市本轮合计").count() >= 1
            page.fill("#element_reason", REASON)
            page.screenshot(path=tmp_path / "2-reason-filled.png")
            time.sleep(settle(detail["created_at"]))  # not within a second (airflow_api.SETTLE)
            back.click()
            wait_decided(airflow, UNIT, 1)
            page.screenshot(path=tmp_path / "3-answered.png")

            page.goto(f"{airflow.url}/campaign-board/c/{REMIND}")
            cell = page.locator(f"td[data-unit={UNIT}][data-round=r1]")
            cell.wait_for()
            page.screenshot(path=tmp_path / "4-board.png", full_page=True)
            assert ROUND_STATUS_LABELS["returned"] in cell.inner_text()
            assert REASON in page.locator("body").inner_text()
        finally:
            browser.close()
    assert decisions(airflow, UNIT) == [(1, "return", REASON, REVIEWER)]
    assert airflow.pending_for(DAG, label) == []
