"""``make up`` / ``make down`` for real, and the campaign board in headless Chromium.

One module-scoped Airflow serves every test here. Its state is made the way a person would:
``make demo`` first (it replays the Ankang calendar through the real DAGs, with units on time,
late, rejected and silent, in the same ``CAMPAIGN_OPS_HOME``), then ``make up``. A finalizer
runs ``make down`` and kills anything left, so a failing test never leaves processes behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from services._common import free_port

from campaign_ops import PROJECT_ROOT
from campaign_ops.campaign import get_campaign
from campaign_ops.demo import BROKEN, DEMO_CAMPAIGN, LATE, SILENT
from ops.procs import kill_all, processes_with_env

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")


@dataclass(frozen=True)
class LocalAirflow:
    home: Path
    port: int
    env: dict[str, str]
    first_up: subprocess.CompletedProcess

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


@pytest.fixture(scope="module")
def local_airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAirflow]:
    home = tmp_path_factory.mktemp("make-up")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CAMPAIGN_OPS"))},
        "CAMPAIGN_OPS_HOME": str(home),
        "CAMPAIGN_OPS_AIRFLOW_PORT": str(free_port()),
        # Log servers off the default ports, so a developer's own `make up` does not clash.
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    }
    port = int(env["CAMPAIGN_OPS_AIRFLOW_PORT"])
    airflow = LocalAirflow(home, port, env, subprocess.CompletedProcess([], 0))
    demo = airflow.make("demo")
    assert demo.returncode == 0, demo.stdout[-4000:] + demo.stderr[-4000:]
    try:
        first = airflow.make("up")
        airflow = LocalAirflow(home, port, env, first)
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
            assert cell(units[BROKEN].code) == "已退回"
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


def test_make_down_stops_everything_and_twice_is_harmless(local_airflow: LocalAirflow) -> None:
    assert local_airflow.leftovers(), "Airflow should be running before make down"
    down = local_airflow.make("down", timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
    assert local_airflow.leftovers() == []
    again = local_airflow.make("down", timeout=60)
    assert again.returncode == 0
    assert "没有在运行" in again.stdout
