"""The review DAG as the factory builds it, and the claims that keep one review per version —
without a running Airflow (the tests in ``test_review_dag.py`` run it for real)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from campaign_ops import PROJECT_ROOT
from campaign_ops.campaign import get_campaign
from campaign_ops.dag_factory import accepted_data_asset, build_all_dags
from campaign_ops.review.airflow_claims import TaskSlot, held_by, open_claims, run_listing
from campaign_ops.review.airflow_dag import reopen_asset
from campaign_ops.review.airflow_operator import ReviewOperator
from campaign_ops.review.airflow_work import item_to_dict, version_key
from campaign_ops.vocabulary import REVIEW_DECISION_LABELS

from .conftest import ANKANG, REVIEWER, seed


def _campaigns(tmp_path: Path, review: dict | None) -> Path:
    data = yaml.safe_load((PROJECT_ROOT / "include" / "campaigns" / f"{ANKANG}.yaml").read_text())
    data.pop("review", None)
    if review is not None:
        data["review"] = review
    (tmp_path / f"{ANKANG}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return tmp_path


def test_a_campaign_without_review_gets_no_review_dag(tmp_path: Path) -> None:
    dags = build_all_dags(_campaigns(tmp_path, None))
    assert f"{ANKANG}__review" not in dags
    assert f"{ANKANG}__collect" in dags


@pytest.mark.parametrize("on_timeout", ["remind", "approve"])
def test_the_review_dag_asks_the_reviewers_per_version(tmp_path: Path, on_timeout: str) -> None:
    policy = {"required": True, "reviewers": [REVIEWER], "on_timeout": on_timeout}
    d = build_all_dags(_campaigns(tmp_path, policy))[f"{ANKANG}__review"]
    # runs when collect accepts data, when a review must be asked again, and on its schedule
    assets = {a.uri for a in d.timetable.asset_condition.objects}
    assert assets == {accepted_data_asset(ANKANG).uri, reopen_asset(ANKANG).uri}
    ask = d.get_task("review.ask")
    assert isinstance(ask, ReviewOperator)  # in a mapped group: one per listed item
    assert ask.options == [REVIEW_DECISION_LABELS["approve"], REVIEW_DECISION_LABELS["return"]]
    assert ask.assigned_users == [{"id": REVIEWER, "name": REVIEWER}]
    expected = [REVIEW_DECISION_LABELS["approve"]] if on_timeout == "approve" else None
    assert ask.defaults == expected
    assert "reason" in ask.params
    assert ask.map_index_template == "{{ task.item.label }}"
    assert d.max_active_runs > 1  # runs wait for people without holding a worker
    assert "行动日程" in d.doc_md and "浏览 → 待操作的任务实例" in d.doc_md


def test_a_cleared_run_lists_the_same_items_and_a_second_run_none(session) -> None:
    from campaign_ops.review.queue import reviews_open

    campaign = get_campaign(ANKANG)
    seed(session, campaign, units=2)

    waiting = [item_to_dict(i) for i in reviews_open(session, campaign)]
    assert waiting
    first = run_listing(session, ANKANG, "d", "run-1", "review.ask", waiting)
    assert first == waiting
    # the run is cleared: same items at the same map indexes, even those decided meanwhile
    again = run_listing(session, ANKANG, "d", "run-1", "review.ask", waiting[1:])
    assert again == first
    # another run while they wait: nothing new to ask
    assert run_listing(session, ANKANG, "d", "run-2", "review.ask", waiting) == []
    held = open_claims(session, ANKANG)
    assert [c.item_key for c in held] == [version_key(i["key"], i["version"]) for i in waiting]
    slot = TaskSlot("d", "run-1", "review.ask", 0)
    assert held_by(session, ANKANG, waiting[0]["claim"], slot) is not None
    other = TaskSlot("d", "run-2", "review.ask", 0)
    assert held_by(session, ANKANG, waiting[0]["claim"], other) is None
