"""scripts/airflow_local.py without starting Airflow: its environment, connections and the
process bookkeeping that makes ``make up``/``make down`` idempotent."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from campaign_ops import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "airflow_local.py"


@pytest.fixture(scope="module")
def local():
    spec = importlib.util.spec_from_file_location("airflow_local", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["airflow_local"] = module
    spec.loader.exec_module(module)
    return module


def _layout(local, tmp_path: Path, port: int = 8123):
    return local.Layout(tmp_path, port)


def test_environment_points_airflow_at_the_project(local, tmp_path: Path) -> None:
    env = local.airflow_env(_layout(local, tmp_path), base={"PATH": "/usr/bin"})
    assert env["AIRFLOW_HOME"] == str(tmp_path / "airflow")  # the home `make demo` uses
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(PROJECT_ROOT / "dags")
    assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == str(PROJECT_ROOT / "plugins")
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__PARALLELISM"] == "4"
    assert env["AIRFLOW__API__BASE_URL"] == "http://localhost:8123"
    assert env["PATH"].split(":")[0] == str(Path(sys.executable).parent)
    assert "AIRFLOW_CONN_CAMPAIGN_OPS_SMTP" not in env  # no host: mail goes to the outbox
    assert "AIRFLOW_CONN_CAMPAIGN_OPS_SHARE" not in env


def test_connections_come_from_the_environment(local, tmp_path: Path) -> None:
    base = {
        "CAMPAIGN_OPS_SMTP_HOST": "mail.example.invalid",
        "CAMPAIGN_OPS_SMTP_PORT": "2525",
        "CAMPAIGN_OPS_SMTP_USER": "ops",
        "CAMPAIGN_OPS_SMTP_PASSWORD": "s3cret",
        "CAMPAIGN_OPS_SMTP_STARTTLS": "true",
        "CAMPAIGN_OPS_SHARE_HOST": "fileserver",
        "CAMPAIGN_OPS_SHARE_USER": "collector",
        "CAMPAIGN_OPS_SHARE_PASSWORD": "pw",
        "AIRFLOW__CORE__PARALLELISM": "2",  # anything set by hand wins
    }
    env = local.airflow_env(_layout(local, tmp_path), base=base)
    smtp = json.loads(env["AIRFLOW_CONN_CAMPAIGN_OPS_SMTP"])
    assert (smtp["host"], smtp["port"], smtp["login"], smtp["password"]) == (
        "mail.example.invalid",
        2525,
        "ops",
        "s3cret",
    )
    assert smtp["extra"] == {"disable_tls": False, "disable_ssl": True}
    assert env["AIRFLOW_CONN_SMTP_DEFAULT"] == env["AIRFLOW_CONN_CAMPAIGN_OPS_SMTP"]
    share = json.loads(env["AIRFLOW_CONN_CAMPAIGN_OPS_SHARE"])
    assert (share["conn_type"], share["host"], share["port"]) == ("samba", "fileserver", 445)
    assert env["AIRFLOW__CORE__PARALLELISM"] == "2"
    lines = local.connection_summary(env)
    assert "mail.example.invalid:2525" in lines[0] and "fileserver:445" in lines[1]


def test_stale_pid_file_is_not_mistaken_for_a_running_airflow(local, tmp_path: Path) -> None:
    layout = _layout(local, tmp_path)
    dead = subprocess.Popen(["true"])
    dead.wait()
    layout.pid_file.write_text(json.dumps({"pid": dead.pid, "start_ticks": 1}))
    assert local.running_leader(layout) is None
    assert not layout.pid_file.exists()


def test_a_reused_pid_is_never_signalled(local, tmp_path: Path) -> None:
    layout = _layout(local, tmp_path)
    sleeper = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        layout.pid_file.write_text(json.dumps({"pid": sleeper.pid, "start_ticks": 1}))
        assert local.down(layout) == 0  # start time differs: not ours, left alone
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_down_stops_the_whole_session_even_when_sigint_is_ignored(
    local, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = _layout(local, tmp_path)
    # A leader that ignores SIGINT, with a child that moves to a process group of its own.
    child = f"{sys.executable} -c 'import os, time; os.setpgid(0, 0); time.sleep(60)'"
    leader = subprocess.Popen(
        ["bash", "-c", f"trap '' INT; {child} & sleep 60 & wait"],
        start_new_session=True,
    )
    try:
        info = local.proc_info(leader.pid)
        layout.pid_file.write_text(json.dumps({"pid": leader.pid, "start_ticks": info.start_ticks}))
        time.sleep(0.5)  # let bash start both children
        assert len(local.session_members(leader.pid)) == 3
        monkeypatch.setattr(local, "SHUTDOWN_GRACE_S", 1.0)
        assert local.down(layout) == 0
        leader.wait(timeout=15)
        assert local.session_members(leader.pid) == []
    finally:
        if leader.poll() is None:
            leader.kill()
            leader.wait()


def test_down_without_anything_running_is_harmless(local, tmp_path: Path) -> None:
    assert local.down(_layout(local, tmp_path)) == 0
    assert local.status(_layout(local, tmp_path)) == 3
