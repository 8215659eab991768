"""A real Airflow for the review tests: ``scripts/airflow_local.py up`` (standalone, SQLite,
LocalExecutor) with this worktree's DAGs, an SMTP server that keeps what it receives, and
three users of the simple auth manager: ``admin``, the reviewer ``guanggaoke`` and
``outsider`` (an admin of Airflow, but not a reviewer of the campaign).

Two campaigns, both Ankang's with review on for the work statistics form: the seed campaign
reminds the desk when a review is late (``on_timeout: remind``), its copy
``ankang-review-approve`` approves by default (``on_timeout: approve``). One start for every
review test (the session fixture in ``conftest.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ops.procs import kill_all, processes_with_env
from services._common import free_port
from services.smtp import SmtpServer

from campaign_ops import PROJECT_ROOT

BIN = Path(sys.executable).parent
REMIND = "ankang-2023-internet-ads"
APPROVE = "ankang-review-approve"
FORM = "ankang-work-stats"
REVIEWER = "guanggaoke"
OUTSIDER = "outsider"
USERS = ("admin", REVIEWER, OUTSIDER)


def write_campaigns(directory: Path) -> None:
    """The seed campaign with review on (remind on time-out), and a copy that approves."""
    directory.mkdir(parents=True, exist_ok=True)
    source = PROJECT_ROOT / "include" / "campaigns" / f"{REMIND}.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    for campaign_id, on_timeout in ((REMIND, "remind"), (APPROVE, "approve")):
        data["id"] = campaign_id
        data["review"] = {
            "required": True,
            "reviewers": [REVIEWER],
            "applies_to": [FORM],
            "decide_within_working_days": 3,
            "on_timeout": on_timeout,
        }
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (directory / f"{campaign_id}.yaml").write_text(text, encoding="utf-8")


@dataclass
class ReviewAirflow:
    home: Path
    smtp: SmtpServer
    port: int = field(default_factory=free_port)
    _tokens: dict[str, str] = field(default_factory=dict)

    # ---- where things are --------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def campaigns_dir(self) -> Path:
        return self.home / "campaigns"

    @property
    def warehouse_url(self) -> str:
        return f"sqlite:///{self.home / 'warehouse.sqlite'}"

    def env(self) -> dict[str, str]:
        """What Airflow and the ``campaign-ops`` command run with (and this process, for
        seeding: ``campaign_env``)."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CAMPAIGN"))}
        return {
            **keep,
            **self.campaign_env(),
            "PYTHONPATH": str(PROJECT_ROOT),  # this worktree's code in every Airflow process
            "CAMPAIGN_OPS_AIRFLOW_PORT": str(self.port),
            "CAMPAIGN_OPS_SMTP_HOST": self.smtp.host,
            "CAMPAIGN_OPS_SMTP_PORT": str(self.smtp.port),
            "CAMPAIGN_OPS_RETRY_DELAY_SECONDS": "5",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{u}:admin" for u in USERS),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "20",
        }

    def campaign_env(self) -> dict[str, str]:
        return {
            "CAMPAIGN_OPS_HOME": str(self.home),
            "CAMPAIGN_OPS_CAMPAIGNS_DIR": str(self.campaigns_dir),
            "CAMPAIGN_OPS_DATABASE_URL": self.warehouse_url,
        }

    # ---- lifecycle ---------------------------------------------------------------------

    def local(self, command: str, timeout: float = 400) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "python"), str(PROJECT_ROOT / "scripts" / "airflow_local.py"), command],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self) -> ReviewAirflow:
        write_campaigns(self.campaigns_dir)
        up = self.local("up")
        if up.returncode != 0:
            raise RuntimeError(f"make up failed:\n{up.stdout[-3000:]}\n{up.stderr[-3000:]}")
        for campaign_id in (REMIND, APPROVE):
            self.wait_for_dag(f"{campaign_id}__review")
            self.request("PATCH", f"/api/v2/dags/{campaign_id}__review", {"is_paused": False})
        return self

    def stop(self) -> None:
        self.local("down", timeout=120)
        kill_all(processes_with_env("AIRFLOW_HOME", str(self.airflow_home)))

    # ---- the REST API ------------------------------------------------------------------

    def password(self, user: str) -> str:
        path = self.airflow_home / "simple_auth_manager_passwords.json.generated"
        return json.loads(path.read_text())[user]

    def token(self, user: str) -> str:
        if user not in self._tokens:
            body = {"username": user, "password": self.password(user)}
            self._tokens[user] = self.request("POST", "/auth/token", body, user=None)[
                "access_token"
            ]
        return self._tokens[user]

    def call(
        self, method: str, path: str, body: Any = None, user: str | None = "admin"
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if user:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")
            try:
                return exc.code, json.loads(text)
            except ValueError:
                return exc.code, text

    def request(self, method: str, path: str, body: Any = None, user: str | None = "admin") -> Any:
        status, answer = self.call(method, path, body, user)
        if status >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {status} {answer}")
        return answer

    def wait_until(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(1)
        log = self.airflow_home / "standalone.log"
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-60:]) if log.exists() else ""
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")

    def wait_for_dag(self, dag_id: str, timeout: float = 240) -> None:
        def parsed() -> bool:
            return self.call("GET", f"/api/v2/dags/{dag_id}")[0] == 200

        self.wait_until(parsed, timeout, f"DAG {dag_id} to be parsed")

    def trigger(self, dag_id: str) -> str:
        now = dt.datetime.now(dt.UTC).isoformat()
        run = self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": now})
        return run["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        quoted = urllib.parse.quote(run_id, safe="")
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quoted}")["state"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 240) -> str:
        return self.wait_until(
            lambda: (s := self.run_state(dag_id, run_id)) in ("success", "failed") and s,
            timeout,
            f"{dag_id} run {run_id} to finish",
        )

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        quoted = urllib.parse.quote(run_id, safe="")
        path = f"/api/v2/dags/{dag_id}/dagRuns/{quoted}/taskInstances?limit=1000"
        return self.request("GET", path)["task_instances"]

    def hitl(self, dag_id: str, pending: bool | None = None) -> list[dict]:
        query = "limit=1000" + ("" if pending is None else f"&response_received={not pending}")
        path = f"/api/v2/dags/{dag_id}/dagRuns/~/hitlDetails?{query.lower()}"
        return self.request("GET", path)["hitl_details"]

    def pending_for(self, dag_id: str, label: str) -> list[dict]:
        return [
            d
            for d in self.hitl(dag_id, pending=True)
            if d["task_instance"]["rendered_map_index"] == label
        ]

    def answer(self, detail: dict, chosen: str, reason: str, user: str) -> tuple[int, Any]:
        """Answer as a person would: not within a second of the request appearing, which
        Airflow 3.3.2 loses (``campaign_ops.review.airflow_api.SETTLE``)."""
        from campaign_ops.review.airflow_api import settle

        time.sleep(settle(detail["created_at"]))
        ti = detail["task_instance"]
        path = "/api/v2/dags/{}/dagRuns/{}/taskInstances/{}/{}/hitlDetails".format(
            ti["dag_id"],
            urllib.parse.quote(ti["dag_run_id"], safe=""),
            ti["task_id"],
            ti["map_index"],
        )
        return self.call(
            "PATCH", path, {"chosen_options": [chosen], "params_input": {"reason": reason}}, user
        )

    def cli(self, *args: str, user: str) -> subprocess.CompletedProcess[str]:
        env = {
            **self.env(),
            "CAMPAIGN_OPS_AIRFLOW_USER": user,
            "CAMPAIGN_OPS_AIRFLOW_PASSWORD": self.password(user),
        }
        return subprocess.run(
            [str(BIN / "python"), "-m", "campaign_ops.cli", *args],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
