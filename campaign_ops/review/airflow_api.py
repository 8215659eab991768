"""Answering a review task through Airflow's REST API (``/api/v2``), for ``campaign-ops review``.

A person's answer must go through Airflow, not around it: the task waiting in Required Actions
resumes only when its human-in-the-loop detail is answered (``PATCH …/hitlDetails``), and
Airflow checks there that the user is one of the task's assigned reviewers (403 otherwise)
and that nobody answered before (409). The standard library is enough for three calls.

Settings (environment): ``CAMPAIGN_OPS_AIRFLOW_URL`` (default ``http://localhost:<port>`` with
``CAMPAIGN_OPS_AIRFLOW_PORT``, 8080), ``CAMPAIGN_OPS_AIRFLOW_USER`` and
``CAMPAIGN_OPS_AIRFLOW_PASSWORD``: the reviewer's own Airflow login, since the answer is
recorded under that name.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

# Airflow 3.3.2 loses an answer given within about a second of the review task parking in
# ``awaiting_input``: the scheduler takes the parked process's exit for an external kill,
# retries the task, and the retry writes the request again without the answer. A script that
# answers a review it has just seen appear waits until the request is this old.
SETTLE = dt.timedelta(seconds=10)


def settle(created_at: str, now: dt.datetime | None = None) -> float:
    """Seconds to wait before answering a request created at ``created_at`` (ISO 8601)."""
    created = dt.datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (created + SETTLE - now).total_seconds())


class AirflowUnavailable(RuntimeError):
    """Airflow cannot be reached or refuses the login; the message says what to do."""


@dataclass
class AirflowApi:
    base_url: str
    username: str
    password: str
    timeout: float = 30.0
    _token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> AirflowApi:
        env = dict(os.environ if env is None else env)
        port = env.get("CAMPAIGN_OPS_AIRFLOW_PORT") or "8080"
        url = env.get("CAMPAIGN_OPS_AIRFLOW_URL") or f"http://localhost:{port}"
        user = env.get("CAMPAIGN_OPS_AIRFLOW_USER") or ""
        password = env.get("CAMPAIGN_OPS_AIRFLOW_PASSWORD") or ""
        if not user or not password:
            raise AirflowUnavailable(
                "请用环境变量 CAMPAIGN_OPS_AIRFLOW_USER 和 CAMPAIGN_OPS_AIRFLOW_PASSWORD "
                "给出您自己的 Airflow 用户名和密码（审核记录以这个用户名登记）"
            )
        return cls(url.rstrip("/"), user, password)

    def _send(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, OSError) as exc:
            raise AirflowUnavailable(
                f"无法连接 Airflow（{self.base_url}）：{exc}；请确认 Airflow 正在运行（make up），"
                "或用 CAMPAIGN_OPS_AIRFLOW_URL 指明它的地址"
            ) from None

    def token(self) -> str:
        if self._token is None:
            try:
                answer = self._send(
                    "POST",
                    "/auth/token",
                    {"username": self.username, "password": self.password},
                    auth=False,
                )
            except urllib.error.HTTPError as exc:
                raise AirflowUnavailable(
                    f"Airflow 拒绝登录（HTTP {exc.code}）：请检查用户名 {self.username} 和密码"
                ) from None
            self._token = answer["access_token"]
        return self._token

    def pending_reviews(self, dag_id: str) -> list[dict[str, Any]]:
        """Human-in-the-loop details of ``dag_id`` that nobody answered yet, every run."""
        query = urllib.parse.urlencode({"response_received": "false", "limit": 1000})
        path = f"/api/v2/dags/{urllib.parse.quote(dag_id)}/dagRuns/~/hitlDetails?{query}"
        return list(self._send("GET", path)["hitl_details"])

    def answer(
        self,
        dag_id: str,
        run_id: str,
        task_id: str,
        map_index: int,
        chosen: str,
        params: dict[str, Any],
    ) -> tuple[int, Any]:
        """PATCH the answer; returns the HTTP status and the body (the detail on 200)."""
        path = "/api/v2/dags/{}/dagRuns/{}/taskInstances/{}/{}/hitlDetails".format(
            *(urllib.parse.quote(str(p), safe="") for p in (dag_id, run_id, task_id, map_index))
        )
        body = {"chosen_options": [chosen], "params_input": params}
        try:
            return 200, self._send("PATCH", path, body)
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")
            try:
                detail = json.loads(text).get("detail", text)
            except ValueError:
                detail = text
            return exc.code, detail
