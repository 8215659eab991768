"""Registers the campaign board (专项行动看板) with Airflow: a FastAPI app on the API server
under /campaign-board/ and a link to it in the UI's navigation. The code is in
``campaign_ops.board``; keep this file to the registration."""

from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin

from campaign_ops.board import BOARD_NAME, NAV_VIEW, URL_PREFIX, BoardApp


class CampaignBoardPlugin(AirflowPlugin):
    name = "campaign_board"
    fastapi_apps: ClassVar[list[dict]] = [
        {"app": BoardApp(), "url_prefix": URL_PREFIX, "name": BOARD_NAME}
    ]
    external_views: ClassVar[list[dict]] = [NAV_VIEW]
