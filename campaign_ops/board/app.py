"""The campaign board as a FastAPI app, mounted by Airflow's API server (``plugins/``).

Airflow does not protect a plugin's app: every route here depends on
``require_board_access``, which takes the user from the ``Authorization: Bearer`` header or the
``_token`` cookie the UI sets at login (Airflow's ``get_user``) and asks the configured auth
manager whether that user may read the board. Under the FAB auth manager the ``can_read``
permission on ``BOARD_RESOURCE`` must exist and be granted (``docker/init_security.py``);
the simple auth manager lets every logged-in user read it.

Routes are plain ``def`` so the blocking database reads run in FastAPI's thread pool.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from airflow.api_fastapi.core_api.security import get_user
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from campaign_ops import INCLUDE_DIR, vocabulary
from campaign_ops.board import BOARD_NAME, BOARD_RESOURCE
from campaign_ops.board.data import (
    RUN_STATE_LABELS,
    Links,
    broken_campaigns,
    build_board,
    group_runs,
)
from campaign_ops.board.view import BrokenCampaign, CampaignBoard, RunInfo, legend
from campaign_ops.campaign import Campaign, load_campaigns
from campaign_ops.dag_factory import dag_id, dag_kinds

log = logging.getLogger(__name__)

RUNS_PER_DAG = 5
TEMPLATES_DIR = INCLUDE_DIR / "templates"


# ---- authentication and authorization ------------------------------------------------------


async def require_board_access(user: BaseUser = Depends(get_user)) -> BaseUser:  # noqa: B008
    """The logged-in user, if the auth manager lets them read the board; 401/403 otherwise."""
    allowed = get_auth_manager().is_authorized_custom_view(
        method="GET", resource_name=BOARD_RESOURCE, user=user
    )
    if not allowed:
        raise HTTPException(status_code=403, detail="没有查看专项行动看板的权限")
    return user


# ---- data from Airflow -----------------------------------------------------------------------


def ui_links() -> Links:
    """Links into the UI, under the path of ``[api] base_url`` (empty when served at /)."""
    from airflow.configuration import conf

    base_url = conf.get("api", "base_url", fallback="") or ""
    return Links(urlsplit(base_url).path)


def recent_runs(dag_ids: list[str], links: Links, per_dag: int = RUNS_PER_DAG) -> list[RunInfo]:
    """The latest runs of each DAG, newest first, from Airflow's metadata database."""
    import sqlalchemy as sa
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    numbered = (
        sa.select(
            DagRun.dag_id,
            DagRun.run_id,
            DagRun.state,
            DagRun.logical_date,
            DagRun.run_after,
            sa.func.row_number()
            .over(partition_by=DagRun.dag_id, order_by=DagRun.run_after.desc())
            .label("n"),
        )
        .where(DagRun.dag_id.in_(dag_ids))
        .subquery()
    )
    query = sa.select(numbered).where(numbered.c.n <= per_dag).order_by(numbered.c.n)
    with create_session() as session:
        rows = session.execute(query).all()
    return [
        RunInfo(
            dag_id=row.dag_id,
            run_id=row.run_id,
            state=str(row.state or ""),
            when=row.logical_date or row.run_after,
            url=links.run(row.dag_id, row.run_id),
        )
        for row in rows
    ]


def paused_dags(dag_ids: list[str]) -> dict[str, bool]:
    """Airflow's pause switch of each DAG it has registered."""
    import sqlalchemy as sa
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    query = sa.select(DagModel.dag_id, DagModel.is_paused).where(DagModel.dag_id.in_(dag_ids))
    with create_session() as session:
        return {row.dag_id: bool(row.is_paused) for row in session.execute(query)}


def missing_connections(campaigns: list[Campaign]) -> frozenset[str]:
    """The mailbox Connections the campaigns name that Airflow does not have."""
    from campaign_ops.mailbox.imap import MailboxLogin

    named = {z.connection_id for c in campaigns for z in c.mailboxes}
    return frozenset(n for n in named if MailboxLogin.lookup(n) is None)


@dataclass
class AirflowState:
    runs: dict[str, list[RunInfo]] = field(default_factory=dict)
    paused: dict[str, bool] = field(default_factory=dict)
    missing: frozenset[str] = frozenset()  # mailbox Connections not configured
    note: str = ""  # why it is empty, in Chinese


def _airflow_state(campaigns: list[Campaign], links: Links) -> AirflowState:
    ids = [dag_id(c.id, kind) for c in campaigns for kind in dag_kinds(c)]
    try:
        runs, paused = group_runs(recent_runs(ids, links)), paused_dags(ids)
    except Exception as exc:  # the board must still show the warehouse side
        log.exception("reading DAG runs for the campaign board failed")
        return AirflowState(note=f"无法读取 Airflow 运行记录：{type(exc).__name__}")
    try:
        missing = missing_connections(campaigns)
    except Exception:  # a secrets backend that refuses: say nothing rather than guess
        log.exception("looking up the mailbox Connections for the campaign board failed")
        missing = frozenset()
    return AirflowState(runs, paused, missing)


def _boards(campaigns: list[Campaign], links: Links) -> tuple[list[CampaignBoard], str]:
    from campaign_ops.store.db import session_scope

    state = _airflow_state(campaigns, links)
    now = dt.datetime.now(dt.UTC)
    common: dict[str, Any] = {
        "now": now,
        "runs": state.runs,
        "paused": state.paused,
        "missing_connections": state.missing,
    }
    try:
        with session_scope() as session:
            boards = [build_board(c, session, links=links, **common) for c in campaigns]
    except Exception as exc:  # e.g. the warehouse server is down: still show the timelines
        log.exception("reading the warehouse for the campaign board failed")
        error = type(exc).__name__
        boards = [
            build_board(c, None, links=links, warehouse_error=error, **common) for c in campaigns
        ]
    return boards, state.note


def _load() -> tuple[list[Campaign], list[BrokenCampaign]]:
    items = load_campaigns()
    return [c for c in items if isinstance(c, Campaign)], broken_campaigns(items)


# ---- rendering -------------------------------------------------------------------------------


@cache
def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        board_name=BOARD_NAME, run_states=RUN_STATE_LABELS, legend=legend(), words=vocabulary
    )
    return env


def render(name: str, request: Request, **context: Any) -> HTMLResponse:
    root = request.scope.get("root_path", "").rstrip("/")
    html = templates().get_template(name).render(board_root=root, **context)
    return HTMLResponse(html)


# ---- the app -------------------------------------------------------------------------------


def create_app() -> FastAPI:
    app = FastAPI(
        title=BOARD_NAME,
        dependencies=[Depends(require_board_access)],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.exception_handler(StarletteHTTPException)
    async def refused(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        """Anonymous or unauthorized visitors get a short Chinese page, never board data."""
        links = ui_links()
        response = render(
            "board_refused.html",
            request,
            status=exc.status_code,
            detail="请先登录 Airflow" if exc.status_code == 401 else exc.detail,
            login_url=f"{links.ui_base}/",
        )
        response.status_code = exc.status_code
        return response

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        links = ui_links()
        campaigns, broken = _load()
        boards, runs_note = _boards(campaigns, links)
        return render(
            "board_index.html",
            request,
            boards=boards,
            broken=broken,
            runs_note=runs_note,
            config_errors_url=links.config_errors(),
        )

    @app.get("/c/{campaign_id}", response_class=HTMLResponse)
    def campaign(campaign_id: str, request: Request) -> HTMLResponse:
        links = ui_links()
        campaigns, _ = _load()
        chosen = [c for c in campaigns if c.id == campaign_id]
        if not chosen:
            raise HTTPException(status_code=404, detail=f"没有专项行动 {campaign_id}")
        boards, runs_note = _boards(chosen, links)
        return render("board_campaign.html", request, board=boards[0], runs_note=runs_note)

    from campaign_ops.board.drafts import router as drafts  # 起草: circular → campaign YAML

    app.include_router(drafts)
    return app
