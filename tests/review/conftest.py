"""Ankang with its review policy on, and a round of known figures put straight into the
warehouse (``consolidate.seeding``), for the review tests on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from campaign_ops.campaign import Campaign, get_campaign
from campaign_ops.consolidate.seeding import known_values, put_submission
from campaign_ops.review.policy import ReviewPolicy

ANKANG = "ankang-2023-internet-ads"
REVIEWER = "guanggaoke"
NOW = dt.datetime(2023, 5, 11, 9, 30, tzinfo=dt.UTC)
STATS = ("ankang-work-stats", "ankang-ad-cases")


def reviewed_campaign(**policy: object) -> Campaign:
    """Ankang with review required for its statistics forms (unless ``policy`` says else)."""
    campaign = get_campaign(ANKANG)
    settings = {"required": True, "reviewers": (REVIEWER,), "applies_to": STATS, **policy}
    return campaign.model_copy(update={"review": ReviewPolicy(**settings)})


@pytest.fixture
def campaign() -> Campaign:
    return reviewed_campaign()


def seed(session, campaign: Campaign, round_id: str = "r1", units: int = 3, seed: int = 0) -> None:
    """The first ``units`` units deliver everything round ``round_id`` asks, on time; the
    statistics with known figures (``known_values``)."""
    from campaign_ops.store import sync_campaign

    sync_campaign(session, campaign)
    round_ = campaign.round(round_id)
    for i, unit in enumerate(campaign.units_for(round_)[:units]):
        for d in round_.deliverables:
            values = known_values(d.form, seed * 100 + i) if d.form else {}
            put_submission(session, campaign, round_id, unit.code, d.key, values, approved=False)
    session.flush()


@pytest.fixture(scope="session")
def review_airflow(smtp_server, tmp_path_factory):
    """One real Airflow for every review test that needs one (``review_airflow.py``)."""
    from review.review_airflow import ReviewAirflow

    airflow = ReviewAirflow(tmp_path_factory.mktemp("review-airflow"), smtp_server)
    try:
        yield airflow.start()
    finally:
        airflow.stop()
