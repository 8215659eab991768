"""The board's 起草 page: from a circular (pasted text or a .docx) to a saved campaign YAML.

The drafter (``campaign_ops.drafting``) reads; the person checks. The page shows the draft's
calendar as the DAGs would run it, every extracted value with the sentence it came from, each
guess (待核实) highlighted, and ``lint``'s problems; the YAML stays editable and is linted again
on every check and before saving (``board.draft_yaml`` does both). Airflow builds a saved
campaign's DAGs when it next parses ``dags/campaigns.py``.

Who may save: whoever the auth manager lets *edit* the board resource (``PUT`` on
``BOARD_RESOURCE``): under FAB the ``can_edit`` permission (``docker/init_security.py`` grants
it to Admin and Op); the simple auth manager does not tell methods apart for custom views, so
there every logged-in user may. Forms carry a token bound to the user (HMAC with the API's
JWT secret) and must come from the board's own origin: the login cookie alone never saves.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse

from campaign_ops.board import BOARD_RESOURCE
from campaign_ops.board.app import render, require_board_access, ui_links
from campaign_ops.board.draft_yaml import (
    Review,
    Saved,
    SaveOutcome,
    field_label,
    findings_from_json,
    findings_json,
    marked_lines,
    normalized,
    review,
    save_campaign,
)
from campaign_ops.dag_factory import dag_id, dag_kinds, is_live
from campaign_ops.drafting import Draft, circular_text, draft_from_text
from campaign_ops.settings import settings
from campaign_ops.vocabulary import TO_VERIFY

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".docx", ".pdf", ".doc", ".wps")  # .doc/.wps: the reader says what to do
NOT_FROM_BOARD = "表单不是从本看板提交的"
NEEDS_EDIT = "需要看板的编辑权限（can_edit）"

router = APIRouter()


# ---- who may do what ---------------------------------------------------------------------


def may_save(user: BaseUser) -> bool:
    """Whether ``user`` may write campaign files: edit permission on the board."""
    return get_auth_manager().is_authorized_custom_view(
        method="PUT", resource_name=BOARD_RESOURCE, user=user
    )


@cache
def _fallback_key() -> bytes:
    return secrets.token_bytes(32)


def _form_key() -> bytes:
    """The API server's shared secret (every API worker signs JWTs with it)."""
    from airflow.configuration import conf

    for section, key in (("api_auth", "jwt_secret"), ("api", "secret_key")):
        value = conf.get(section, key, fallback="") or ""
        if value and value != "{SECRET_KEY}":
            return value.encode()
    return _fallback_key()  # one process only: enough for a single local API server


def form_token(user: BaseUser) -> str:
    """A token only pages rendered for ``user`` carry (a forged cross-site form lacks it)."""
    message = f"campaign-board-draft:{user.get_id()}".encode()
    return hmac.new(_form_key(), message, hashlib.sha256).hexdigest()


def check_form(request: Request, user: BaseUser, token: str) -> None:
    """403 unless the form came from the board's origin with this user's token."""
    hosts = {request.headers.get("host", ""), request.headers.get("x-forwarded-host", "")}
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value:
            if urlsplit(value).netloc not in hosts - {""}:
                raise HTTPException(403, f"{NOT_FROM_BOARD}，已拒绝。请在看板的起草页面重新操作")
            break
    if not hmac.compare_digest(token or "", form_token(user)):
        raise HTTPException(403, f"表单已过期或{NOT_FROM_BOARD}，请刷新起草页面后重新操作")


def parse_interval_seconds() -> int:
    """How often the DAG processor re-parses a DAG file (``dags/campaigns.py`` included)."""
    from airflow.configuration import conf

    return conf.getint("dag_processor", "min_file_process_interval", fallback=30)


# ---- the roster choice -------------------------------------------------------------------


def roster_choices() -> list[tuple[str, str]]:
    """(id, label) of every unit roster; empty when rosters are not available."""
    try:
        from campaign_ops.rosters import load_roster, roster_ids
    except ImportError:
        return []
    out = []
    for rid in roster_ids():
        try:
            out.append((rid, f"{load_roster(rid).authority}（{rid}）"))
        except Exception:  # a broken roster is lint's business; still offer its id
            out.append((rid, rid))
    return out


# ---- routes --------------------------------------------------------------------------------


def _page(name: str, request: Request, user: BaseUser, **context: Any) -> HTMLResponse:
    return render(
        name,
        request,
        token=form_token(user),
        can_save=may_save(user),
        campaigns_dir=settings().campaigns_dir,
        to_verify=TO_VERIFY,
        **context,
    )


def _form_page(request: Request, user: BaseUser, **context: Any) -> HTMLResponse:
    context.setdefault("text", "")
    context.setdefault("roster", "")
    return _page("board_draft.html", request, user, rosters=roster_choices(), **context)


def _review_page(request: Request, user: BaseUser, result: Review, **context: Any) -> HTMLResponse:
    return _page(
        "board_draft_review.html",
        request,
        user,
        review=result,
        findings_data=findings_json(result.findings),
        labels={f.field: field_label(f.field) for f in result.findings},
        **context,
    )


def _circular(text: str, upload: UploadFile | None) -> tuple[str, str | None]:
    """The circular's text and file name, from the upload when one was chosen."""
    if upload is None or not upload.filename:
        if not text.strip():
            raise ValueError("请粘贴通知全文，或选择通知的 Word 文件（.docx）")
        return text, None
    name = upload.filename
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        why = "请上传通知的 .docx、.pdf 或 .txt 文件"
        raise ValueError(f"{name} 不是可起草的通知文件：{why}")
    data = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"{name} 超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请只上传通知正文")
    if not data:
        raise ValueError(f"{name} 是空文件，请重新选择")
    return circular_text(data, name), name


def _draft(text: str, upload: UploadFile | None, roster: str) -> Draft:
    body, name = _circular(text, upload)
    return draft_from_text(body, roster=roster or None, source_name=name)


def _why_not(exc: Exception) -> str:
    if isinstance(exc, NotImplementedError):
        return "起草功能尚未安装完成，请联系开发人员（campaign_ops.drafting）"
    said = str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc).strip()
    if said and not said.isascii():
        return said
    log.exception("drafting a campaign on the board failed")
    retry = "请检查文件，或把通知全文粘贴到文本框中再试"
    return f"无法从这份通知生成草稿（{type(exc).__name__}），{retry}"


class ReviewForm:
    """The review page's form, checked (origin and token) before any route sees it: the
    (edited) YAML, the findings carried along for display, and the 已逐项核实 tick."""

    def __init__(
        self,
        request: Request,
        token: str = Form(""),
        yaml_text: str = Form(""),
        findings: str = Form(""),
        verified: str = Form(""),
        user: BaseUser = Depends(require_board_access),  # noqa: B008
    ) -> None:
        check_form(request, user, token)
        self.request, self.user = request, user
        self.yaml_text, self.verified = yaml_text, bool(verified)
        self.findings = findings_from_json(findings)

    def again(self, **context: Any) -> HTMLResponse:
        """The review page of this form's YAML, with ``context`` (a note, an error)."""
        return _review_page(
            self.request, self.user, review(self.yaml_text, self.findings), **context
        )


@router.get("/draft", response_class=HTMLResponse)
def draft_form(
    request: Request,
    user: BaseUser = Depends(require_board_access),  # noqa: B008
) -> HTMLResponse:
    return _form_page(request, user)


@router.post("/draft", response_class=HTMLResponse)
def make_draft(
    request: Request,
    token: str = Form(""),
    text: str = Form(""),
    roster: str = Form(""),
    circular: UploadFile | None = File(None),  # noqa: B008
    user: BaseUser = Depends(require_board_access),  # noqa: B008
) -> HTMLResponse:
    check_form(request, user, token)
    try:
        drafted = _draft(text, circular, roster)
    except Exception as exc:  # every failure is told to the person, the form kept
        return _form_page(request, user, error=_why_not(exc), text=text, roster=roster)
    result = review(drafted.yaml_text, drafted.findings)
    return _review_page(request, user, result, summary=drafted.summary_zh)


@router.post("/draft/check", response_class=HTMLResponse)
def check_draft(form: ReviewForm = Depends()) -> HTMLResponse:  # noqa: B008
    return form.again(checked_again=True)


@router.post("/draft/save", response_class=HTMLResponse)
def save_draft(form: ReviewForm = Depends()) -> HTMLResponse:  # noqa: B008
    if not may_save(form.user):
        raise HTTPException(403, f"没有保存专项行动配置的权限：{NEEDS_EDIT}，请联系管理员")
    marked = marked_lines(normalized(form.yaml_text))
    if marked and not form.verified:
        return form.again(
            save_error=f"还有 {len(marked)} 处标注“{TO_VERIFY}”：请逐项核对原文，"
            "改正或确认后勾选“已逐项核实”再保存"
        )
    saved = save_campaign(form.yaml_text, settings().campaigns_dir)
    if saved.outcome == SaveOutcome.invalid:
        return form.again(save_error="配置还有错误，没有保存：请按下面的提示修改")
    if saved.outcome == SaveOutcome.unwritable:
        return form.again(save_error=f"没有保存：{saved.problems[0]}")
    if saved.outcome == SaveOutcome.exists:
        return form.again(
            save_error=f"没有保存：{saved.path} 已存在，不会覆盖。新行动请把 id 改成一个新名字；"
            "要修改已有的行动，请直接编辑该文件并运行 campaign-ops lint"
        )
    return _saved_page(form, saved)


def _saved_page(form: ReviewForm, saved: Saved) -> HTMLResponse:
    from campaign_ops.timeline import build_timeline

    assert saved.campaign is not None  # saved or unchanged: the text linted
    campaign_id = saved.campaign.id
    links = ui_links()
    ids = [dag_id(campaign_id, kind) for kind in dag_kinds(saved.campaign)]
    dags = [(one, links.dag(one)) for one in ids]
    return _page(
        "board_draft_saved.html",
        form.request,
        form.user,
        saved=saved,
        unchanged=saved.outcome == SaveOutcome.unchanged,
        campaign_id=campaign_id,
        dags=dags,
        interval=parse_interval_seconds(),
        live=is_live(build_timeline(saved.campaign)),
    )
