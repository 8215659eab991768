"""Every campaign's DAGs load, carry what ops need in the UI, and a broken file stays contained."""

from __future__ import annotations

import shutil

import pytest
from airflow.dag_processing.dagbag import DagBag

from campaign_ops import INCLUDE_DIR, PROJECT_ROOT
from campaign_ops.campaign import get_campaign
from campaign_ops.dag_factory import DAG_KINDS, dag_id, dag_kinds
from campaign_ops.timeline import build_timeline

SEEDS = [
    "ankang-2023-internet-ads",
    "saic-2016-internet-ads",
    "huangshan-2024-network-market",
    "fangxian-2023-livestream",
    "maanshan-2024-livestream",
]


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=PROJECT_ROOT / "dags")


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


@pytest.mark.parametrize("campaign_id", SEEDS)
def test_every_seed_campaign_has_its_dags(dagbag, campaign_id):
    for kind in dag_kinds(get_campaign(campaign_id)):
        assert dag_id(campaign_id, kind) in dagbag.dags


def test_only_a_campaign_that_reviews_has_a_review_dag(dagbag):
    reviewing = {c for c in SEEDS if dag_id(c, "review") in dagbag.dags}
    assert reviewing == {c for c in SEEDS if get_campaign(c).review.required}
    assert "ankang-2023-internet-ads" in reviewing  # the 广告科 reviews county tables


def test_dags_carry_tags_owner_retries_and_chinese_docs(dagbag):
    assert dagbag.dags
    for d in dagbag.dags.values():
        assert d.tags, d.dag_id
        assert d.catchup is False
        assert d.doc_md and "行动日程" in d.doc_md, d.dag_id
        for t in d.tasks:
            assert t.owner == "campaign-ops"
            assert t.retries >= 2, f"{d.dag_id}.{t.task_id}"


@pytest.mark.parametrize("campaign_id", SEEDS)
def test_schedules_come_from_the_timeline(dagbag, campaign_id):
    timeline = build_timeline(get_campaign(campaign_id))
    remind = dagbag.dags[dag_id(campaign_id, "remind")]
    assert list(remind.timetable.event_dates) == timeline.reminder_moments()
    consolidate = dagbag.dags[dag_id(campaign_id, "consolidate")]
    assert list(consolidate.timetable.timetable.event_dates) == timeline.report_moments()
    collect = dagbag.dags[dag_id(campaign_id, "collect")]
    assert collect.start_date.in_timezone("Asia/Shanghai").date() == get_campaign(campaign_id).start
    assert collect.end_date >= timeline.report_moments()[-1]


def test_doc_shows_the_calendar(dagbag):
    doc = dagbag.dags[dag_id("ankang-2023-internet-ads", "remind")].doc_md
    assert "安市监函〔2023〕229号" in doc
    assert "2023-05-10" in doc and "2023-12-10" in doc
    assert "汉滨区局" in doc and "恒口示范区局" in doc
    assert "非工作日（周六）" in doc  # 2023-06-10


def test_broken_campaign_file_is_contained(tmp_path, monkeypatch):
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    shutil.copy(INCLUDE_DIR / "campaigns" / "ankang-2023-internet-ads.yaml", campaigns)
    (campaigns / "bad-campaign.yaml").write_text(
        "id: bad-campaign\ntitle: 坏的配置\nrounds: []\n", encoding="utf-8"
    )
    (campaigns / "worse.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(campaigns))

    bag = DagBag(dag_folder=PROJECT_ROOT / "dags")

    assert bag.import_errors == {}
    assert {dag_id("ankang-2023-internet-ads", k) for k in DAG_KINDS} <= set(bag.dags)
    broken = bag.dags["bad-campaign__config_error"]
    assert "配置错误" in broken.tags
    assert "bad-campaign.yaml" in broken.doc_md and "rounds" in broken.doc_md
    assert (
        "- bad-campaign.yaml:authority：缺少必填字段 authority（发文机关），请补上" in broken.doc_md
    )
    assert "worse.yaml:第1行第5列：语法错误" in bag.dags["worse__config_error"].doc_md


def test_broken_campaign_dag_fails_with_the_message(tmp_path, monkeypatch, airflow_db):
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    (campaigns / "bad-campaign.yaml").write_text("id: bad-campaign\n", encoding="utf-8")
    monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(campaigns))
    bag = DagBag(dag_folder=PROJECT_ROOT / "dags")
    run = bag.dags["bad-campaign__config_error"].test()
    assert run.state == "failed"


def test_parsing_the_dag_folder_imports_no_heavy_library():
    """The scheduler parses dags/ every few minutes: pandas, Great Expectations, openpyxl,
    calamine and yagmail are imported inside tasks only."""
    import subprocess
    import sys

    heavy = ("pandas", "great_expectations", "openpyxl", "python_calamine", "yagmail", "smbclient")
    code = (
        "import sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        "before = set(sys.modules)\n"
        f"bag = DagBag({str(PROJECT_ROOT / 'dags')!r})\n"
        "assert not bag.import_errors and bag.dags\n"
        f"print(sorted(m for m in {heavy!r} if m in set(sys.modules) - before))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
