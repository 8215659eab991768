"""The 起草 page for real: Airflow's own API server (its UI, login, auth manager and the board
plugin) under uvicorn, a real DAG processor on the same metadata database, and headless
Chromium driving the page inside the UI's iframe, as ops staff use it.

The campaigns folder is a throwaway one (``CAMPAIGN_OPS_CAMPAIGNS_DIR``); the DAG processor
parses the project's ``dags/campaigns.py`` every ``PARSE_SECONDS``, so a saved campaign's DAGs
must show up in Airflow's DAG list within that interval (plus the parse itself).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from drafting.seeds import SEEDS
from ops.test_local_airflow import _chromium
from services._common import free_port, wait_for

from board.test_draft_page import seed_yaml
from campaign_ops import INCLUDE_DIR, PROJECT_ROOT
from campaign_ops.campaign import load_campaign_file
from campaign_ops.campaign_lint import lint_file
from campaign_ops.dag_factory import DAG_KINDS, build_all_dags, dag_id
from campaign_ops.timeline import build_timeline
from campaign_ops.vocabulary import TO_VERIFY

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.airflow_process]

BIN = Path(sys.executable).parent
PARSE_SECONDS = 10
ANKANG_CIRCULAR = SEEDS / "000_15b4e97cc9af4117.txt"
ANKANG_DEADLINES = ["2023-05-10", "2023-06-10", "2023-07-10", "2023-09-10", "2023-11-10"]
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="seed circulars not on this machine")
PASSWORD = "draft-page-pw"
SAVE = "保存到专项行动文件夹"
CHECK_AGAIN = "按修改后的文本重新检查"


@dataclass
class BoardServer:
    home: Path
    port: int
    env: dict[str, str]
    procs: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def campaigns_dir(self) -> Path:
        return self.home / "campaigns"

    def start(self, name: str, *args: str) -> None:
        log = (self.home / f"{name}.log").open("wb")
        self.procs.append(
            subprocess.Popen(
                args, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )

    def stop(self) -> None:
        for proc in self.procs:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)

    def token(self) -> str:
        body = json.dumps({"username": "admin", "password": PASSWORD}).encode()
        request = urllib.request.Request(
            f"{self.url}/auth/token", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["access_token"]

    def request(
        self, path: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        data = urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data, headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def dag_ids(self, prefix: str) -> list[str]:
        auth = {"Authorization": f"Bearer {self.token()}"}
        status, body = self.request(f"/api/v2/dags?dag_id_pattern={prefix}&limit=50", None, auth)
        assert status == 200, body
        return sorted(d["dag_id"] for d in json.loads(body)["dags"])


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoardServer]:
    home = tmp_path_factory.mktemp("draft-page")
    (home / "campaigns").mkdir()
    (home / "passwords.json").write_text(json.dumps({"admin": PASSWORD}))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CAMPAIGN_OPS"))},
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": f"{PROJECT_ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__API_AUTH__JWT_SECRET": "draft-page-test-" + "s" * 32,
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": str(PARSE_SECONDS),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": str(PARSE_SECONDS),
        "CAMPAIGN_OPS_HOME": str(home / "state"),
        "CAMPAIGN_OPS_CAMPAIGNS_DIR": str(home / "campaigns"),
    }
    migrate = subprocess.run(
        [str(BIN / "airflow"), "db", "migrate"], env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    server = BoardServer(home, free_port(), env)
    try:
        server.start(
            "api-server",
            str(BIN / "python"),
            "-m",
            "uvicorn",
            "--factory",
            "airflow.api_fastapi.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(server.port),
        )
        server.start("dag-processor", str(BIN / "airflow"), "dag-processor")
        wait_for(lambda: _healthy(server), 120, "Airflow's API server")
        yield server
    finally:
        server.stop()


def _healthy(server: BoardServer) -> bool:
    try:
        return server.request("/api/v2/monitor/health")[0] == 200
    except OSError:
        return False


# ---- the browser -------------------------------------------------------------------------


@contextmanager
def ui_page(board: BoardServer) -> Iterator[tuple[Any, Any]]:
    """A page logged into the Airflow UI, and the board's frame opened from its navigation."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
            page.set_default_timeout(60_000)
            page.goto(f"{board.url}/")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/auth/login" not in url)
            page.get_by_text("专项行动", exact=False).first.click()
            frame = page.wait_for_selector("iframe").content_frame()
            assert frame is not None
            frame.get_by_role("link", name="起草新专项行动").click()
            frame.wait_for_selector("textarea#text")
            yield page, frame
        finally:
            browser.close()


def open_review(frame: Any, yaml_text: str) -> None:
    """The review page of ``yaml_text``, as after drafting and pasting it over the draft."""
    with frame.expect_navigation():
        frame.evaluate(
            """(text) => {
              const form = document.createElement('form');
              form.method = 'post';
              form.action = '/campaign-board/draft/check';
              const token = document.querySelector('input[name=token]').value;
              for (const [name, value] of [['token', token], ['yaml_text', text]]) {
                const field = document.createElement('textarea');
                field.name = name; field.value = value; form.appendChild(field);
              }
              document.body.appendChild(form);
              form.submit();
            }""",
            yaml_text,
        )
    frame.wait_for_selector("h2:has-text('配置文本')")


def press(frame: Any, button: str) -> None:
    """Click a form's button and wait for the page it answers with (not the old one)."""
    with frame.expect_navigation():
        frame.get_by_role("button", name=button).click()


def text_of(frame: Any, selector: str) -> str:
    return frame.locator(selector).inner_text()


# ---- tests ---------------------------------------------------------------------------------


def test_an_edit_with_an_error_is_explained_in_chinese_and_not_saved(
    board: BoardServer, tmp_path: Path
) -> None:
    campaign_id = "draft-page-lint-error"
    with ui_page(board) as (page, frame):
        open_review(frame, seed_yaml(campaign_id))
        assert "配置检查通过" in text_of(frame, "#lint-ok")
        assert "2023-06-10（周六）" in text_of(frame, "#deadlines")
        broken = seed_yaml(campaign_id).replace("issued_on: 2023-05-09", "issued_on: 2023-13-40")
        frame.locator("textarea.yaml").fill(broken)
        press(frame, CHECK_AGAIN)
        problems = frame.wait_for_selector("#problems").inner_text()
        page.screenshot(path=str(tmp_path / "problems.png"))
        assert "“2023-13-40”不是有效日期：没有 13 月" in problems and "第10行" in problems
        assert frame.locator("#deadlines").count() == 0  # no calendar from a broken file
        press(frame, SAVE)
        assert "没有保存" in frame.wait_for_selector("#save-error").inner_text()
        assert "不是有效日期" in text_of(frame, "#problems")
    assert not (board.campaigns_dir / f"{campaign_id}.yaml").exists()


def test_saving_asks_for_the_marks_then_never_overwrites(board: BoardServer) -> None:
    campaign_id = "draft-page-overwrite"
    target = board.campaigns_dir / f"{campaign_id}.yaml"
    marked = seed_yaml(campaign_id).replace(
        "issued_on: 2023-05-09", f"issued_on: 2023-05-09  # {TO_VERIFY}：按落款日期推定"
    )
    with ui_page(board) as (_page, frame):
        open_review(frame, marked)
        assert "按落款日期推定" in text_of(frame, "#marked")
        press(frame, SAVE)
        assert f"还有 1 处标注“{TO_VERIFY}”" in frame.wait_for_selector("#save-error").inner_text()
        assert not target.exists()
        frame.check("input[name=verified]")
        press(frame, SAVE)
        assert str(target) in frame.wait_for_selector("#saved").inner_text()
        saved = target.read_bytes()
        assert lint_file(target)[1] == []

        # the same campaign id again, with other content: refused, the file untouched
        frame.get_by_role("link", name="再起草一个").click()
        frame.wait_for_selector("textarea#text")
        open_review(frame, seed_yaml(campaign_id).replace("王瑞岚", "王某某"))
        press(frame, SAVE)
        refusal = frame.wait_for_selector("#save-error").inner_text()
        assert "已存在，不会覆盖" in refusal and "id 改成一个新名字" in refusal
        assert target.read_bytes() == saved

        # the very text saved before (a second click, a retry): said so, nothing written
        open_review(frame, marked)
        frame.check("input[name=verified]")
        press(frame, SAVE)
        assert "没有重复写入" in frame.wait_for_selector("#saved").inner_text()
        assert target.read_bytes() == saved
    target.unlink()


def test_a_saved_campaign_appears_in_airflow_at_the_next_parse(board: BoardServer) -> None:
    campaign_id = "draft-page-scan"
    expected = sorted(dag_id(campaign_id, kind) for kind in DAG_KINDS)
    assert board.dag_ids(campaign_id) == []
    with ui_page(board) as (page, frame):
        open_review(frame, seed_yaml(campaign_id))
        press(frame, SAVE)
        said = frame.wait_for_selector("#saved").inner_text()
        page_text = text_of(frame, "body")
        assert f"Airflow 每 {PARSE_SECONDS} 秒重新解析一次 DAG 文件" in page_text
        assert "保持暂停" in page_text  # a 2023 campaign: nothing will be sent
        assert campaign_id in said
        saved_at = time.monotonic()
        wait_for(lambda: board.dag_ids(campaign_id) == expected, 3 * PARSE_SECONDS + 60, "DAGs")
        took = time.monotonic() - saved_at
        frame.get_by_role("link", name=dag_id(campaign_id, "remind")).click()
        page.wait_for_url(lambda url: url.endswith(f"/dags/{dag_id(campaign_id, 'remind')}"))
    assert took < 3 * PARSE_SECONDS + 60
    assert sorted(build_all_dags(board.campaigns_dir)) >= expected


def test_a_form_without_the_pages_token_or_from_elsewhere_is_refused(board: BoardServer) -> None:
    token = board.token()
    auth = {"Authorization": f"Bearer {token}"}
    status, page = board.request("/campaign-board/draft", None, auth)
    assert status == 200
    form_token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    form = {"yaml_text": seed_yaml("draft-page-forged"), "verified": "yes"}
    status, body = board.request("/campaign-board/draft/save", form, auth)
    assert status == 403 and "请刷新起草页面" in body
    elsewhere = {**auth, "Origin": "http://elsewhere.example"}
    status, body = board.request(
        "/campaign-board/draft/save", {**form, "token": form_token}, elsewhere
    )
    assert status == 403 and "不是从本看板提交的" in body
    assert board.request("/campaign-board/draft")[0] == 401  # no login, no page
    assert not (board.campaigns_dir / "draft-page-forged.yaml").exists()
    status, _ = board.request("/campaign-board/draft/save", {**form, "token": form_token}, auth)
    assert status == 200 and (board.campaigns_dir / "draft-page-forged.yaml").exists()
    (board.campaigns_dir / "draft-page-forged.yaml").unlink()


def _deadlines(path: Path) -> list[str]:
    timeline = build_timeline(load_campaign_file(path))
    return [e.date.isoformat() for e in timeline.of_kind("deadline")]


@needs_seeds
def test_a_pasted_circular_becomes_a_checked_campaign_with_its_dags(
    board: BoardServer, tmp_path: Path
) -> None:
    campaign_id = "ankang-2023-drafted"
    with ui_page(board) as (page, frame):
        frame.fill("textarea#text", ANKANG_CIRCULAR.read_text(encoding="utf-8"))
        frame.select_option("select#roster", "ankang")
        press(frame, "生成草稿")
        deadlines = frame.wait_for_selector("#deadlines").inner_text()
        page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
        # the circular's "5月10日、7月10日、9月10日、11月10日前" and "6月10日、12月10日前"
        for day in ANKANG_DEADLINES:
            assert day in deadlines
        assert "2023-09-10（周日）" in deadlines and "非工作日：周日" in deadlines
        assert "工作情况统计表" in deadlines
        marked = text_of(frame, "#marked")
        assert TO_VERIFY in marked and "id: circular-" in marked  # the id is a guess
        guesses = frame.locator("#findings tr.verify")
        assert guesses.count() >= 1 and TO_VERIFY in guesses.first.inner_text()
        plain = frame.locator("#findings tr:not(.verify)", has_text="安市监函〔2023〕229号")
        assert "原文明确" in plain.first.inner_text()

        # the person names the campaign, as the id's mark asks, and saves it
        drafted = frame.locator("textarea.yaml").input_value()
        drafted_id = next(
            line.split(":", 1)[1].strip() for line in drafted.splitlines() if line.startswith("id:")
        )
        frame.locator("textarea.yaml").fill(drafted.replace(drafted_id, campaign_id))
        press(frame, CHECK_AGAIN)
        assert "配置检查通过" in frame.wait_for_selector("#lint-ok").inner_text()
        frame.check("input[name=verified]")
        press(frame, SAVE)
        frame.wait_for_selector("#saved")
    target = board.campaigns_dir / f"{campaign_id}.yaml"
    assert lint_file(target)[1] == []
    hand_written = INCLUDE_DIR / "campaigns" / "ankang-2023-internet-ads.yaml"
    assert _deadlines(target) == _deadlines(hand_written)
    dags = build_all_dags(board.campaigns_dir)
    assert {dag_id(campaign_id, kind) for kind in DAG_KINDS} <= set(dags)
    target.unlink()


@needs_seeds
def test_an_uploaded_docx_is_drafted_like_the_pasted_text(
    board: BoardServer, tmp_path: Path
) -> None:
    from docx import Document

    document = Document()
    for line in ANKANG_CIRCULAR.read_text(encoding="utf-8").split("\n"):
        document.add_paragraph(line)
    upload = tmp_path / "安康互联网广告治理通知.docx"
    document.save(str(upload))
    with ui_page(board) as (_page, frame):
        frame.set_input_files("input#circular", str(upload))
        frame.select_option("select#roster", "ankang")
        press(frame, "生成草稿")
        deadlines = frame.wait_for_selector("#deadlines").inner_text()
        assert all(day in deadlines for day in ANKANG_DEADLINES)
        assert upload.name in frame.locator("textarea.yaml").input_value()  # its source

        frame.get_by_role("link", name="起草新专项行动").click()
        frame.wait_for_selector("textarea#text")
        wrong = tmp_path / "统计表.xlsx"
        wrong.write_bytes(b"PK not a circular")
        frame.set_input_files("input#circular", str(wrong))
        press(frame, "生成草稿")
        error = frame.wait_for_selector(".error").inner_text()
        assert "统计表.xlsx 不是可起草的通知文件" in error and ".docx" in error
