"""Run in a fresh process by test_fab_board_access.py (Airflow reads its configuration once,
so the FAB auth manager must be set before Airflow is imported). Prints one JSON line with the
HTTP status each kind of visitor gets from the board, through Airflow's real API app."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient


def status_for(client: TestClient, username: str | None, password: str | None) -> int:
    headers = {}
    if username:
        answer = client.post("/auth/token", json={"username": username, "password": password})
        answer.raise_for_status()
        headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return client.get("/campaign-board/", headers=headers).status_code


def main() -> None:
    from airflow.api_fastapi.app import create_app

    client = TestClient(create_app())
    print(
        json.dumps(
            {
                "admin": status_for(client, "admin", "admin-pw-for-test"),
                "viewer": status_for(client, "viewer", "viewer-pw-for-test"),
                "public": status_for(client, "nobody", "public-pw-for-test"),
                "anonymous": status_for(client, None, None),
            }
        )
    )


if __name__ == "__main__":
    main()
