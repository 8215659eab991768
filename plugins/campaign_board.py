"""Registers the campaign board (专项行动看板) with Airflow: a FastAPI app on the API server
under /campaign-board/, a link to it in the UI's navigation, and the campaign time zone as the
UI's default time zone. The code is in ``campaign_ops.board``; keep this file to the
registration."""

from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin

from campaign_ops.board import BOARD_NAME, NAV_VIEW, URL_PREFIX, BoardApp
from campaign_ops.board.ui_timezone import UiTimezoneMiddleware
from campaign_ops.settings import settings


class CampaignBoardPlugin(AirflowPlugin):
    name = "campaign_board"
    fastapi_apps: ClassVar[list[dict]] = [
        {"app": BoardApp(), "url_prefix": URL_PREFIX, "name": BOARD_NAME}
    ]
    fastapi_root_middlewares: ClassVar[list[dict]] = [
        {
            "middleware": UiTimezoneMiddleware,
            "args": [],
            "kwargs": {"timezone": settings().timezone},
            "name": "campaign_ops_ui_timezone",
        }
    ]
    external_views: ClassVar[list[dict]] = [NAV_VIEW]
