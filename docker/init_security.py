"""Run by the ``airflow-init`` job (after ``airflow db migrate``) under the FAB auth manager:
make sure the admin user exists, let roles read the campaign board, and let ops roles save
new campaigns from its 起草 page (``can_edit`` on the board).

Airflow does not create permissions for a plugin's own pages, and ``airflow roles add-perms``
refuses a resource it does not know, so the permission is created through FAB's security
manager. Idempotent: safe to run at every ``docker compose up``.

Environment: ``AIRFLOW_ADMIN_USERNAME`` (default admin), ``AIRFLOW_ADMIN_PASSWORD`` (required),
``AIRFLOW_ADMIN_EMAIL``, ``CAMPAIGN_BOARD_ROLES`` (comma-separated, default
``Admin,Op,User,Viewer``), ``CAMPAIGN_BOARD_EDIT_ROLES`` (default ``Admin,Op``: who may save a
drafted campaign into the campaigns folder). An existing admin keeps its password: change it
in the UI or with ``airflow users reset-password``.
"""

from __future__ import annotations

import os
import sys

from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder

from campaign_ops.board import BOARD_RESOURCE

DEFAULT_ROLES = "Admin,Op,User,Viewer"
DEFAULT_EDIT_ROLES = "Admin,Op"


def ensure_admin(sm, username: str, password: str, email: str) -> str:
    if sm.find_user(username=username) is not None:
        return f"管理员 {username} 已存在（保留原密码）"
    role = sm.find_role("Admin")
    user = sm.add_user(username, "Campaign", "Ops", email, role, password)
    if not user:
        raise SystemExit(f"无法创建管理员 {username}：请查看上面的日志")
    return f"已创建管理员 {username}"


def grant_board(
    sm, roles: list[str], action: str = "can_read", may: str = "可查看专项行动看板"
) -> list[str]:
    permission = sm.create_permission(action, BOARD_RESOURCE)
    said = []
    for name in roles:
        role = sm.find_role(name)
        if role is None:
            said.append(f"角色 {name} 不存在，跳过")
            continue
        sm.add_permission_to_role(role, permission)
        said.append(f"角色 {name} {may}")
    return said


def main() -> int:
    password = os.environ.get("AIRFLOW_ADMIN_PASSWORD")
    if not password:
        print("缺少 AIRFLOW_ADMIN_PASSWORD：复制 .env.example 为 .env 并设置管理员密码", flush=True)
        return 1
    username = os.environ.get("AIRFLOW_ADMIN_USERNAME") or "admin"
    email = os.environ.get("AIRFLOW_ADMIN_EMAIL") or "admin@example.invalid"
    roles = (os.environ.get("CAMPAIGN_BOARD_ROLES") or DEFAULT_ROLES).split(",")
    editors = (os.environ.get("CAMPAIGN_BOARD_EDIT_ROLES") or DEFAULT_EDIT_ROLES).split(",")
    with get_application_builder() as appbuilder:
        sm = appbuilder.sm
        print(ensure_admin(sm, username, password, email), flush=True)
        for line in grant_board(sm, [r.strip() for r in roles if r.strip()]):
            print(line, flush=True)
        editing = [r.strip() for r in editors if r.strip()]
        for line in grant_board(sm, editing, "can_edit", "可在看板上保存新专项行动"):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
