"""``campaign-ops review`` when it cannot reach Airflow or has no login: a Chinese message
that says what to do, and exit code 4 (the answers themselves are tested on a running Airflow
in ``test_review_dag.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign_ops.campaign import get_campaign
from campaign_ops.cli import main

from .conftest import ANKANG, seed


@pytest.fixture
def waiting_review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A warehouse where hanbin's work statistics wait in a review task of some run."""
    from campaign_ops.review.airflow_claims import run_listing
    from campaign_ops.review.airflow_work import item_to_dict
    from campaign_ops.review.queue import reviews_open
    from campaign_ops.store import dispose_engines, session_scope, upgrade

    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path))
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", f"sqlite:///{tmp_path / 'w.sqlite'}")
    upgrade()
    campaign = get_campaign(ANKANG)
    with session_scope() as s:
        seed(s, campaign, units=1)
    with session_scope() as s:
        items = [item_to_dict(i) for i in reviews_open(s, campaign)]
        form = [i for i in items if i["deliverable"] == "ankang-work-stats"]
        run_listing(s, ANKANG, f"{ANKANG}__review", "run-1", "review.ask", form)
    yield
    dispose_engines()


ARGS = ["review", ANKANG, "--round", "r1", "--unit", "hanbin", "--approve", "--no-wait"]


def test_without_a_login_it_says_which_settings_to_give(
    waiting_review: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.delenv("CAMPAIGN_OPS_AIRFLOW_USER", raising=False)
    assert main(ARGS) == 4
    assert "CAMPAIGN_OPS_AIRFLOW_USER" in capsys.readouterr().err


def test_when_airflow_is_down_it_says_so(
    waiting_review: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("CAMPAIGN_OPS_AIRFLOW_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("CAMPAIGN_OPS_AIRFLOW_USER", "guanggaoke")
    monkeypatch.setenv("CAMPAIGN_OPS_AIRFLOW_PASSWORD", "x")
    assert main(ARGS) == 4
    err = capsys.readouterr().err
    assert "无法连接 Airflow（http://127.0.0.1:9）" in err and "make up" in err
