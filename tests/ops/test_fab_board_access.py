"""The production auth setup: under the FAB auth manager, docker/init_security.py creates the
admin and the board's permission (idempotently), and the board answers each role accordingly.
Runs Airflow's real API app in a child process on a throwaway SQLite metadata database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from campaign_ops import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.airflow_process]

BIN = Path(sys.executable).parent
FAB = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def test_init_security_grants_the_board_to_roles_not_to_the_public(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CAMPAIGN"))},
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__AUTH_MANAGER": FAB,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(tmp_path / "no-dags"),
        "AIRFLOW__API_AUTH__JWT_SECRET": "test-secret-" + "x" * 32,
        "CAMPAIGN_OPS_HOME": str(tmp_path / "state"),
        "AIRFLOW_ADMIN_PASSWORD": "admin-pw-for-test",
    }
    _run([str(BIN / "airflow"), "db", "migrate"], env)
    first = _run([str(BIN / "python"), str(PROJECT_ROOT / "docker" / "init_security.py")], env)
    assert "已创建管理员 admin" in first.stdout
    assert "角色 Viewer 可查看专项行动看板" in first.stdout
    again = _run([str(BIN / "python"), str(PROJECT_ROOT / "docker" / "init_security.py")], env)
    assert "管理员 admin 已存在" in again.stdout
    for user, role, password in (
        ("viewer", "Viewer", "viewer-pw-for-test"),
        ("nobody", "Public", "public-pw-for-test"),
    ):
        _run(
            [
                str(BIN / "airflow"),
                "users",
                "create",
                "--username",
                user,
                "--password",
                password,
                "--role",
                role,
                "--firstname",
                user,
                "--lastname",
                "test",
                "--email",
                f"{user}@example.invalid",
            ],
            env,
        )
    check = _run([str(BIN / "python"), str(Path(__file__).with_name("fab_board_check.py"))], env)
    statuses = json.loads(check.stdout.strip().splitlines()[-1])
    assert statuses == {"admin": 200, "viewer": 200, "public": 403, "anonymous": 401}
