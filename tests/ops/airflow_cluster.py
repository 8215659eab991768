"""Airflow in the production shape, as separate processes on this machine: scheduler, DAG
processor, API server, triggerer and a Celery worker, on PostgreSQL and Redis — what
docker-compose.yml runs, minus Docker (which has no engine here).

Each component runs in a session of its own with its output in ``<home>/logs/<name>.log``;
``stop`` sends SIGTERM to every session, waits, SIGKILLs what is left, and finally sweeps any
process that still carries this cluster's ``AIRFLOW_HOME``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from services._common import free_port

from campaign_ops import PROJECT_ROOT
from ops.procs import kill_all, processes_with_env

BIN = Path(sys.executable).parent
COMPONENTS: dict[str, list[str]] = {
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "api-server": ["api-server"],
    "triggerer": ["triggerer"],
    "worker": ["celery", "worker", "--concurrency", "2"],
}
HEALTHY_PARTS = ("metadatabase", "scheduler", "dag_processor", "triggerer")


class ClusterError(RuntimeError):
    pass


@dataclass
class AirflowCluster:
    home: Path
    metadata_url: str
    broker_url: str
    warehouse_url: str
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    token: str | None = None
    _secrets: dict[str, str] = field(default_factory=dict)
    _ports: dict[str, int] = field(default_factory=dict)

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CAMPAIGN"))}
        return {
            **keep,
            "PATH": f"{BIN}{os.pathsep}{keep.get('PATH', '')}",
            "AIRFLOW_HOME": str(self.airflow_home),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.metadata_url,
            "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + self.metadata_url.replace("+psycopg2", ""),
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__BASE_URL": self.base_url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
            # Every component must sign and check the same tokens.
            "AIRFLOW__API_AUTH__JWT_SECRET": self._secret("jwt"),
            "AIRFLOW__API__SECRET_KEY": self._secret("api"),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self._port("worker-log")),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self._port("trigger-log")),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "20",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "CAMPAIGN_OPS_HOME": str(self.home / "state"),
            "CAMPAIGN_OPS_DATABASE_URL": self.warehouse_url,
        }

    def _secret(self, name: str) -> str:
        return self._secrets.setdefault(name, secrets.token_urlsafe(32))

    def _port(self, name: str) -> int:
        return self._ports.setdefault(name, free_port())

    # ---- lifecycle ---------------------------------------------------------------------

    def airflow(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(BIN / "airflow"), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise ClusterError(f"airflow {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done

    def start(self, timeout: float = 240) -> AirflowCluster:
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        self.airflow_home.mkdir(parents=True, exist_ok=True)
        self.airflow("db", "migrate")
        env = self.env()
        for name, args in COMPONENTS.items():
            with (self.home / "logs" / f"{name}.log").open("ab") as log:
                self.processes[name] = subprocess.Popen(
                    [str(BIN / "airflow"), *args],
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        self.wait_until(self._healthy, timeout, "all components healthy")
        return self

    def _healthy(self) -> bool:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise ClusterError(f"{name} exited with {process.returncode}:\n{self.log(name)}")
        try:
            report = self.get("/api/v2/monitor/health", auth=False)
        except (urllib.error.URLError, OSError, ValueError):
            return False
        return all((report.get(p) or {}).get("status") == "healthy" for p in HEALTHY_PARTS)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        kill_all(self.leftovers())

    def leftovers(self) -> list[int]:
        return processes_with_env("AIRFLOW_HOME", str(self.airflow_home))

    def log(self, name: str, tail: int = 60) -> str:
        path = self.home / "logs" / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-tail:])

    # ---- the REST API ------------------------------------------------------------------

    def request(self, method: str, path: str, body: dict | None = None, auth: bool = True) -> dict:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self._token()}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers, method=method
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def get(self, path: str, auth: bool = True) -> dict:
        return self.request("GET", path, auth=auth)

    def _token(self) -> str:
        if self.token is None:
            passwords = self.airflow_home / "simple_auth_manager_passwords.json.generated"
            password = json.loads(passwords.read_text())["admin"]
            answer = self.request(
                "POST", "/auth/token", {"username": "admin", "password": password}, auth=False
            )
            self.token = answer["access_token"]
        return self.token

    def wait_until(self, check, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(1)
        logs = "\n".join(f"--- {n} ---\n{self.log(n)}" for n in self.processes)
        raise ClusterError(f"timed out after {timeout:.0f} s waiting for {what}\n{logs}")

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        def parsed() -> bool:
            try:
                self.get(f"/api/v2/dags/{dag_id}")
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return False
                raise
            return True

        self.wait_until(parsed, timeout, f"DAG {dag_id} to be parsed")

    def trigger(self, dag_id: str, logical_date: str) -> str:
        self.request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        run = self.request(
            "POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": logical_date, "conf": {}}
        )
        return run["dag_run_id"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300) -> str:
        state = {"value": ""}

        def finished() -> bool:
            run = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
            state["value"] = run["state"]
            return run["state"] in ("success", "failed")

        self.wait_until(finished, timeout, f"{dag_id} run {run_id}")
        return state["value"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        answer = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        return answer["task_instances"]
