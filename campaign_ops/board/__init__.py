"""The campaign board (专项行动看板): where each campaign stands and what needs a person.

It lives inside the Airflow UI as a plugin: ``plugins/campaign_board.py`` registers
``BoardApp`` under ``URL_PREFIX`` on the API server and ``NAV_VIEW`` in the UI's navigation.
This module stays light on purpose: every Airflow process (scheduler, DAG processor, task
runners) imports the plugins, but only the API server ever serves a request, so the FastAPI
app, its templates and the warehouse code (``app.py``, ``data.py``) load on the first request.
"""

from __future__ import annotations

from typing import Any

BOARD_NAME = "专项行动看板"
URL_PREFIX = "/campaign-board"
BOARD_RESOURCE = "Campaign Board"  # the FAB resource whose can_read grants the board

# An external view shown in an iframe inside the UI; href is relative to the UI's base URL and
# keeps its trailing slash.
NAV_VIEW = {
    "name": BOARD_NAME,
    "href": URL_PREFIX.lstrip("/") + "/",
    "url_route": "campaign-board",
    "destination": "nav",
}


class BoardApp:
    """An ASGI app that builds the real FastAPI app (``app.create_app``) on first use."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self._app is None:
            from campaign_ops.board.app import create_app

            self._app = create_app()
        await self._app(scope, receive, send)
