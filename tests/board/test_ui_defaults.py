"""The UI's default time zone is injected into the UI's page only, and which campaigns count
as live (their DAGs run) on a given day."""

from __future__ import annotations

import asyncio
import datetime as dt

from campaign_ops.board.live_dags import live_dag_ids
from campaign_ops.board.ui_timezone import UiTimezoneMiddleware

UI_PAGE = b'<!doctype html><html><head><title>Airflow</title></head><body><div id="root"></div>'


def _serve(body: bytes, content_type: bytes, chunks: int = 1) -> tuple[dict, bytes]:
    """One GET through the middleware around an app that answers ``body``."""

    async def app(scope, receive, send) -> None:
        headers = [(b"content-type", content_type), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        step = max(1, len(body) // chunks)
        parts = [body[i : i + step] for i in range(0, len(body), step)]
        for i, part in enumerate(parts):
            more = i < len(parts) - 1
            await send({"type": "http.response.body", "body": part, "more_body": more})

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request"}

    scope = {"type": "http", "method": "GET", "path": "/dags"}
    asyncio.run(UiTimezoneMiddleware(app, timezone="Asia/Shanghai")(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_the_ui_page_gets_the_campaign_zone_with_a_correct_length() -> None:
    headers, body = _serve(UI_PAGE, b"text/html; charset=utf-8", chunks=3)
    assert b'"\\"Asia/Shanghai\\""' in body  # stored as the UI stores it: a JSON string
    assert body.index(b"<script>") < body.index(b"<title>")
    assert int(headers[b"content-length"]) == len(body)


def test_other_pages_pass_unchanged() -> None:
    board = b"<html><head></head><body><h1>board</h1></body></html>"
    assert _serve(board, b"text/html")[1] == board
    data = b'{"dags": []}'
    assert _serve(data, b"application/json")[1] == data


def test_live_campaigns_are_those_with_something_ahead() -> None:
    mid_2024 = live_dag_ids(dt.datetime(2024, 7, 1, tzinfo=dt.UTC))
    assert "huangshan-2024-network-market__remind" in mid_2024
    assert "maanshan-2024-livestream__collect" in mid_2024
    assert not [d for d in mid_2024 if d.startswith(("ankang-2023", "saic-2016"))]
    assert live_dag_ids(dt.datetime(2030, 1, 1, tzinfo=dt.UTC)) == []
    before = live_dag_ids(dt.datetime(2016, 1, 1, tzinfo=dt.UTC))  # not started: notice ahead
    assert "saic-2016-internet-ads__remind" in before
