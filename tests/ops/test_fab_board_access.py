"""The production auth setup: under the FAB auth manager, docker/init_security.py creates the
admin and the board's permission (idempotently), and the board answers each role accordingly.
Runs Airflow's real API app in a child process on a throwaway SQLite metadata database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from campaign_ops import PROJECT_ROOT

from .fab import BIN, fab_env, run

pytestmark = [pytest.mark.slow, pytest.mark.airflow_process]


def test_init_security_grants_the_board_to_roles_not_to_the_public(tmp_path: Path) -> None:
    env = fab_env(tmp_path, "admin-pw-for-test")
    run([str(BIN / "airflow"), "db", "migrate"], env)
    first = run([str(BIN / "python"), str(PROJECT_ROOT / "docker" / "init_security.py")], env)
    assert "已创建管理员 admin" in first.stdout
    assert "角色 Viewer 可查看专项行动看板" in first.stdout
    again = run([str(BIN / "python"), str(PROJECT_ROOT / "docker" / "init_security.py")], env)
    assert "管理员 admin 已存在" in again.stdout
    for user, role, password in (
        ("viewer", "Viewer", "viewer-pw-for-test"),
        ("nobody", "Public", "public-pw-for-test"),
    ):
        run(
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
    check = run([str(BIN / "python"), str(Path(__file__).with_name("fab_board_check.py"))], env)
    statuses = json.loads(check.stdout.strip().splitlines()[-1])
    assert statuses == {"admin": 200, "viewer": 200, "public": 403, "anonymous": 401}
