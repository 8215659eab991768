"""``make up`` / ``make down`` for real, and the campaign board in headless Chromium.

One module-scoped Airflow serves every test here. Its state is made the way a person would:
``make demo`` first (it replays the Ankang calendar through the real DAGs, with units on time,
late, rejected and silent, in the same ``CAMPAIGN_OPS_HOME``), then ``make up``. A finalizer
runs ``make down`` and kills anything left, so a failing test never leaves processes behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from services._common import free_port

from campaign_ops import PROJECT_ROOT
from campaign_ops.campaign import get_campaign
from campaign_ops.dag_factory import DAG_KINDS, dag_id
from campaign_ops.demo import BROKEN, DEMO_CAMPAIGN, LATE, SILENT
from campaign_ops.settings import settings
from campaign_ops.synthetic import campaign_dict, write_campaign
from campaign_ops.vocabulary import ROUND_STATUS_LABELS
from ops.procs import kill_all, processes_with_env

pytestmark = [pytest.mark.slow, pytest.mark.airflow_process, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")


@dataclass(frozen=True)
class LocalAirflow:
    home: Path
    port: int
    env: dict[str, str]
    first_up: subprocess.CompletedProcess
    demo: subprocess.CompletedProcess

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def make(self, target: str, timeout: float = 400) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "--no-print-directory", "-C", str(PROJECT_ROOT), target],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def password(self) -> str:
        path = self.airflow_home / "simple_auth_manager_passwords.json.generated"
        return json.loads(path.read_text())["admin"]

    def leftovers(self) -> list[int]:
        return processes_with_env("AIRFLOW_HOME", str(self.airflow_home))


def _demo_rejection(home: Path) -> tuple[str, str]:
    """The unit ``make demo`` leaves rejected in round 1, and the first reason it was given."""
    from campaign_ops.store import findings_of
    from campaign_ops.store.db import create_engine, session_scope
    from campaign_ops.store.models import Submission

    unit = get_campaign(DEMO_CAMPAIGN).units[BROKEN].code
    engine = create_engine(f"sqlite:///{home / 'warehouse.sqlite'}")
    try:
        with session_scope(engine) as session:
            rejected = (
                session.query(Submission)
                .filter_by(
                    campaign_id=DEMO_CAMPAIGN, round_id="r1", unit_code=unit, status="rejected"
                )
                .first()
            )
            return unit, findings_of(session, rejected.id)[0].message
    finally:
        engine.dispose()


LIVE_CAMPAIGN = "live-synthetic"


def _campaigns_with_a_live_one(directory: Path) -> Path:
    """The seed campaigns plus a generated one whose rounds run around today, so the tests of
    a live campaign never depend on the seeds' real dates (they all end by 2026)."""
    shutil.copytree(settings().campaigns_dir, directory)
    start = dt.date.today() - dt.timedelta(days=20)
    write_campaign(directory, campaign_dict(LIVE_CAMPAIGN, units=3, rounds=3, start=start))
    return directory


@pytest.fixture(scope="module")
def local_airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAirflow]:
    home = tmp_path_factory.mktemp("make-up")
    campaigns = _campaigns_with_a_live_one(tmp_path_factory.mktemp("live") / "campaigns")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CAMPAIGN_OPS"))},
        "CAMPAIGN_OPS_HOME": str(home),
        "CAMPAIGN_OPS_CAMPAIGNS_DIR": str(campaigns),
        "CAMPAIGN_OPS_AIRFLOW_PORT": str(free_port()),
        # Log servers off the default ports, so a developer's own `make up` does not clash.
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    }
    port = int(env["CAMPAIGN_OPS_AIRFLOW_PORT"])
    none = subprocess.CompletedProcess([], 0)
    airflow = LocalAirflow(home, port, env, none, none)
    demo = airflow.make("demo")
    assert demo.returncode == 0, demo.stdout[-4000:] + demo.stderr[-4000:]
    try:
        first = airflow.make("up")
        airflow = LocalAirflow(home, port, env, first, demo)
        assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
        yield airflow
    finally:
        airflow.make("down", timeout=120)
        kill_all(airflow.leftovers())


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _token(airflow: LocalAirflow) -> str:
    body = json.dumps({"username": "admin", "password": airflow.password()}).encode()
    request = urllib.request.Request(
        f"{airflow.url}/auth/token",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["access_token"]


def test_make_up_prints_url_and_login_and_is_healthy(local_airflow: LocalAirflow) -> None:
    out = local_airflow.first_up.stdout
    assert f"Airflow 界面：{local_airflow.url}/" in out
    assert f"密码 {local_airflow.password()}" in out
    status, body = _get(f"http://127.0.0.1:{local_airflow.port}/api/v2/monitor/health")
    assert status == 200
    health = json.loads(body)
    assert health["scheduler"]["status"] == "healthy"
    assert health["dag_processor"]["status"] == "healthy"


def test_make_up_twice_is_harmless(local_airflow: LocalAirflow) -> None:
    before = sorted(local_airflow.leftovers())
    again = local_airflow.make("up")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "已在运行" in again.stdout
    assert sorted(local_airflow.leftovers()) == before  # nothing new was started


def test_the_board_refuses_anonymous_visitors(local_airflow: LocalAirflow) -> None:
    for path in ("/campaign-board/", f"/campaign-board/c/{DEMO_CAMPAIGN}"):
        status, body = _get(local_airflow.url + path)
        assert status == 401, path
        assert "请先登录" in body
        assert "汉滨区局" not in body and "报送矩阵" not in body


def test_the_board_answers_a_token_from_the_api(local_airflow: LocalAirflow) -> None:
    status, body = _get(f"{local_airflow.url}/campaign-board/", _token(local_airflow))
    assert status == 200
    assert "安康" in body


def test_logged_in_user_sees_units_and_statuses_in_chromium(local_airflow: LocalAirflow) -> None:
    if not CHROMIUM.exists():
        subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "install-browser.sh")], check=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{local_airflow.url}/")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", local_airflow.password())
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/auth/login" not in url)

            # The board is a page of the UI, in its navigation and shown in an iframe.
            page.get_by_text("专项行动", exact=False).first.click()
            frame = page.wait_for_selector("iframe").content_frame()
            assert frame is not None
            frame.get_by_text("安康互联网广告治理").click()
            frame.wait_for_selector("table.matrix")

            def cell(unit: str) -> str:
                return frame.locator(f"td[data-unit={unit}][data-round=r1]").inner_text().strip()

            # The statuses `make demo` produced in round 1, by its plan of who does what.
            units = get_campaign(DEMO_CAMPAIGN).units
            text = frame.locator("body").inner_text()
            for unit in units:
                assert unit.short_name in text
            assert cell(units[0].code) == "按时报送"
            assert cell(units[LATE].code) == "逾期报送"
            assert cell(units[BROKEN].code) == ROUND_STATUS_LABELS["rejected"]
            assert cell(units[SILENT].code) == "逾期未报"
            rejected, reason = _demo_rejection(local_airflow.home)
            frame.locator(f"td[data-unit={rejected}][data-round=r1] a").click()
            text = frame.locator("body").inner_text()
            assert reason in text
            # What `make demo` did shows too: its DAG runs and the mails it sent.
            remind_link = frame.get_by_role("link", name="提醒", exact=True)
            assert "成功" in frame.locator("tr", has=remind_link).inner_text()
            # the board lists the latest mails: the demo's last reminders, sent
            assert "催报提醒" in text and "已发送" in text
        finally:
            browser.close()


def _patch(url: str, payload: dict, token: str) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="PATCH",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_a_successful_demo_prints_no_error_and_no_warning(local_airflow: LocalAirflow) -> None:
    out = local_airflow.demo.stdout + local_airflow.demo.stderr
    assert "演示完成" in out
    noisy = re.compile(r"error|warn|deprecat|traceback|not found", re.IGNORECASE)
    assert [line for line in out.splitlines() if noisy.search(line)] == []


def test_demo_runs_are_named_after_their_moments_and_last_seconds(
    local_airflow: LocalAirflow,
) -> None:
    token = _token(local_airflow)
    tz = ZoneInfo(get_campaign(DEMO_CAMPAIGN).timezone)
    for kind in DAG_KINDS:
        url = f"{local_airflow.url}/api/v2/dags/{dag_id(DEMO_CAMPAIGN, kind)}/dagRuns?limit=100"
        status, body = _get(url, token)
        assert status == 200, body
        runs = json.loads(body)["dag_runs"]
        assert runs
        for run in runs:
            moment = dt.datetime.fromisoformat(run["logical_date"]).astimezone(tz)
            assert run["dag_run_id"] == f"manual__{moment.isoformat()}"  # 2023-05-10T18:30:00+08:00
            took = dt.datetime.fromisoformat(run["end_date"]) - dt.datetime.fromisoformat(
                run["start_date"]
            )
            assert dt.timedelta(0) <= took < dt.timedelta(minutes=5), run


def _chromium(p: Any) -> Any:
    if not CHROMIUM.exists():
        subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "install-browser.sh")], check=True)
    return p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])


def _log_in(page: Any, airflow: LocalAirflow) -> None:
    page.set_default_timeout(60_000)
    page.goto(f"{airflow.url}/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", airflow.password())
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)


def test_board_links_open_in_the_airflow_window_which_shows_beijing_time(
    local_airflow: LocalAirflow,
) -> None:
    from playwright.sync_api import sync_playwright

    remind = dag_id(DEMO_CAMPAIGN, "remind")
    with sync_playwright() as p:
        browser = _chromium(p)
        try:
            # A browser in UTC, as on a server: the UI's zone must come from the campaigns.
            page = browser.new_context(timezone_id="UTC").new_page()
            _log_in(page, local_airflow)
            page.get_by_text("专项行动", exact=False).first.click()
            frame = page.wait_for_selector("iframe").content_frame()
            assert frame is not None
            frame.get_by_text("安康互联网广告治理").click()
            frame.wait_for_selector("table.matrix")

            row = frame.locator("tr", has=frame.get_by_role("link", name="提醒", exact=True))
            run_link = row.locator("td").nth(1).locator("a").first
            href, when = run_link.get_attribute("href"), run_link.inner_text().strip()
            run_link.click()
            # The Airflow window itself went to the run: no board frame left around it ...
            page.wait_for_url(lambda url: urlsplit(url).path == href, timeout=15_000)
            page.wait_for_selector(f"text={when}:00")  # ... showing its moment in Beijing time
            assert page.locator("iframe").count() == 0
            assert page.get_by_text("+08:00").count() >= 1  # the UI's time zone button

            page.go_back()  # back to the board, where the link to the DAG works the same way
            frame = page.wait_for_selector("iframe").content_frame()
            assert frame is not None
            frame.get_by_role("link", name="提醒", exact=True).click()
            page.wait_for_url(lambda url: urlsplit(url).path == f"/dags/{remind}")
            page.wait_for_selector(f"text={remind}")
            assert page.locator("iframe").count() == 0

            # A zone the person picks in the UI (it stores it under "timezone") is kept.
            page.evaluate("localStorage.setItem('timezone', JSON.stringify('Europe/Berlin'))")
            page.reload()
            page.wait_for_selector("text=+01:00")
        finally:
            browser.close()


def test_a_paused_live_campaign_needs_a_person_and_make_up_unpauses_it(
    local_airflow: LocalAirflow,
) -> None:
    campaign_id = LIVE_CAMPAIGN
    remind = dag_id(campaign_id, "remind")
    token = _token(local_airflow)
    api = f"{local_airflow.url}/api/v2/dags/{remind}"
    board = f"{local_airflow.url}/campaign-board/c/{campaign_id}"
    assert json.loads(_get(api, token)[1])["is_paused"] is False  # running since make up

    assert _patch(api, {"is_paused": True}, token)["is_paused"] is True  # someone pauses it
    status, body = _get(board, token)
    assert status == 200
    attention = body[body.index("需要处理") : body.index("下一个截止日")]
    assert "提醒任务已暂停" in attention and "取消暂停" in attention

    down = local_airflow.make("down", timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
    up = local_airflow.make("up")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "已启用进行中专项行动" in up.stdout and remind in up.stdout
    assert "时区：Asia/Shanghai" in up.stdout
    token = _token(local_airflow)
    assert json.loads(_get(api, token)[1])["is_paused"] is False
    assert "提醒任务已暂停" not in _get(board, token)[1]
    # A finished campaign's DAGs stay paused: unpaused, they would replay their last moment.
    status, body = _get(f"{local_airflow.url}/api/v2/dags/{dag_id(DEMO_CAMPAIGN, 'remind')}", token)
    assert json.loads(body)["is_paused"] is True


def test_make_down_stops_everything_and_twice_is_harmless(local_airflow: LocalAirflow) -> None:
    assert local_airflow.leftovers(), "Airflow should be running before make down"
    down = local_airflow.make("down", timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
    assert local_airflow.leftovers() == []
    again = local_airflow.make("down", timeout=60)
    assert again.returncode == 0
    assert "没有在运行" in again.stdout
