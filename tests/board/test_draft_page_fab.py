"""Who may save a drafted campaign under the production auth setup (FAB): the roles
``docker/init_security.py`` gives ``can_edit`` on the board (Admin, Op), not a Viewer, who may
still draft and check. Airflow's real API app runs in a child process (this file, run as a
script: Airflow reads its auth manager once, at import) on a throwaway SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ops.fab import BIN, fab_env, run

from campaign_ops import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.airflow_process]

USERS = {"admin": "admin-pw-for-test", "viewer": "viewer-pw-for-test"}
SEED = "ankang-2023-internet-ads"


def test_ops_roles_may_save_a_viewer_may_only_draft(tmp_path: Path) -> None:
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    env = fab_env(tmp_path, USERS["admin"], CAMPAIGN_OPS_CAMPAIGNS_DIR=str(campaigns))
    run([str(BIN / "airflow"), "db", "migrate"], env)
    init = run([str(BIN / "python"), str(PROJECT_ROOT / "docker" / "init_security.py")], env)
    assert "角色 Op 可在看板上保存新专项行动" in init.stdout
    assert "Viewer 可在看板上保存" not in init.stdout
    viewer = ["--username", "viewer", "--role", "Viewer", "--password", USERS["viewer"]]
    names = ["--firstname", "v", "--lastname", "t", "--email", "viewer@example.invalid"]
    run([str(BIN / "airflow"), "users", "create", *viewer, *names], env)
    check = run([str(BIN / "python"), __file__], env)
    seen = json.loads(check.stdout.strip().splitlines()[-1])
    assert seen["viewer"]["page"] == 200 and seen["viewer"]["told"]  # drafts, told who saves
    assert seen["viewer"]["save"] == 403 and "编辑权限" in seen["viewer"]["why"]
    assert seen["admin"]["page"] == 200 and not seen["admin"]["told"]
    assert seen["admin"]["save"] == 200
    assert sorted(p.name for p in campaigns.iterdir()) == ["fab-admin-draft.yaml"]


def _visit(client, user: str) -> dict:
    """What ``user`` gets: the 起草 page, and an attempt to save a campaign."""
    from campaign_ops import INCLUDE_DIR

    answer = client.post("/auth/token", json={"username": user, "password": USERS[user]})
    answer.raise_for_status()
    auth = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    page = client.get("/campaign-board/draft", headers=auth)
    token = page.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    seed = (INCLUDE_DIR / "campaigns" / f"{SEED}.yaml").read_text(encoding="utf-8")
    form = {"token": token, "yaml_text": seed.replace(f"id: {SEED}", f"id: fab-{user}-draft")}
    saved = client.post("/campaign-board/draft/save", data=form, headers=auth)
    return {
        "page": page.status_code,
        "told": "没有保存权限" in page.text,
        "save": saved.status_code,
        "why": saved.text if saved.status_code != 200 else "",
    }


def main() -> None:
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    client = TestClient(create_app())
    print(json.dumps({user: _visit(client, user) for user in USERS}, ensure_ascii=False))


if __name__ == "__main__":
    main()
