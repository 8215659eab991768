"""The board's 起草 page: from a circular (pasted text or a .docx) to a saved campaign YAML.

The drafter (``campaign_ops.drafting``) reads; the person checks. The page shows the draft's
calendar as the DAGs would run it (``build_timeline`` on the parsed draft), every extracted
value with the sentence it came from, each guess (待核实) highlighted, and ``lint``'s problems;
the YAML stays editable and is linted again on every check and before saving. Saving writes
``<campaigns dir>/<id>.yaml`` once: never over an existing file, atomically (a reader never
sees half a file), and a repeated save of the same text is a no-op. Airflow builds the
campaign's DAGs when it next parses ``dags/campaigns.py``.

Who may save: whoever the auth manager lets *edit* the board resource (``PUT`` on
``BOARD_RESOURCE``): under FAB the ``can_edit`` permission (``docker/init_security.py`` grants
it to Admin and Op); the simple auth manager does not tell methods apart for custom views, so
there every logged-in user may. Forms carry a token bound to the user (HMAC with the API's
JWT secret) and must come from the board's own origin: the login cookie alone never saves.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse

from campaign_ops.board import BOARD_RESOURCE
from campaign_ops.board.app import render, require_board_access, ui_links
from campaign_ops.campaign import Campaign
from campaign_ops.campaign_lint import lint_file
from campaign_ops.dag_factory import DAG_KINDS, dag_id, is_live
from campaign_ops.drafting import Draft, Finding, circular_text, draft_from_text
from campaign_ops.settings import settings
from campaign_ops.specfile import load_yaml_text
from campaign_ops.vocabulary import TO_VERIFY

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".docx", ".pdf", ".doc", ".wps")  # .doc/.wps: the reader says what to do
WEEKDAYS = "一二三四五六日"
DEADLINE_PREFIX = "报送截止："  # the timeline's deadline titles; the table's column says it
# A line the drafter marked for a person: ``deadline: 2024-05-10  # 待核实：年份按印发日期推定``
_MARK = re.compile(rf"#\s*{TO_VERIFY}\s*[:：]?\s*(?P<why>.*)$")
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
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


# ---- reviewing a draft ---------------------------------------------------------------------


@dataclass(frozen=True)
class Marked:
    """A line of the YAML still marked 待核实."""

    line: int
    text: str
    why: str


@dataclass(frozen=True)
class CalendarRow:
    date: str
    weekday: str
    time: str
    title: str
    round: str
    deliverables: str
    non_working_day: str | None


@dataclass
class Review:
    """Everything the review page shows about one YAML text."""

    yaml_text: str
    campaign_id: str
    findings: tuple[Finding, ...] = ()
    problems: list[str] = field(default_factory=list)
    marked: list[Marked] = field(default_factory=list)
    campaign: Campaign | None = None
    phases: list[tuple[str, str, str]] = field(default_factory=list)
    deadlines: list[CalendarRow] = field(default_factory=list)
    reminders: int = 0
    reports: int = 0

    @property
    def guesses(self) -> list[Finding]:
        return [f for f in self.findings if f.guess]

    @property
    def holiday_deadlines(self) -> list[CalendarRow]:
        return [d for d in self.deadlines if d.non_working_day]


def normalized(yaml_text: str) -> str:
    """Browsers send a textarea with CRLF line ends; files keep LF and end with one."""
    text = yaml_text.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


def marked_lines(yaml_text: str) -> list[Marked]:
    """Every 待核实 mark: at the end of a value's line, or on a comment line of its own above
    the value (the drafter's way), shown with that value."""
    lines = yaml_text.splitlines()
    out = []
    for number, line in enumerate(lines, start=1):
        found = _MARK.search(line)
        if not found:
            continue
        value = line[: found.start()].strip()
        if not value:
            below = (s.strip() for s in lines[number:] if s.strip())
            value = next((s for s in below if not s.startswith("#")), "")
        out.append(Marked(number, value, found.group("why").strip() or "请核对原文"))
    return out


def declared_id(yaml_text: str) -> str | None:
    """The campaign id the YAML declares, when it reads and names a usable file name."""
    try:
        data = load_yaml_text(yaml_text, Path("draft.yaml"), ValueError)
    except Exception:
        return None
    given = data.get("id") if isinstance(data, dict) else None
    return given if isinstance(given, str) and _SAFE_ID.match(given) else None


def lint_text(yaml_text: str) -> tuple[Campaign | None, list[str]]:
    """``campaign-ops lint`` on a text, as the file ``<id>.yaml`` it would be saved as."""
    name = declared_id(yaml_text) or "draft"
    with tempfile.TemporaryDirectory(prefix="campaign-draft-") as tmp:
        path = Path(tmp) / f"{name}.yaml"
        path.write_text(yaml_text, encoding="utf-8")
        return lint_file(path)


def review(yaml_text: str, findings: tuple[Finding, ...] = ()) -> Review:
    """Lint the YAML and, when it is sound, lay out its calendar."""
    from campaign_ops.timeline import build_timeline

    text = normalized(yaml_text)
    campaign, problems = lint_text(text)
    result = Review(text, declared_id(text) or "", findings, problems, marked_lines(text))
    if campaign is None:
        return result
    result.campaign = campaign
    result.phases = [(p.name, p.start.isoformat(), p.end.isoformat()) for p in campaign.phases]
    timeline = build_timeline(campaign)
    for e in timeline.of_kind("deadline"):
        result.deadlines.append(
            CalendarRow(
                date=e.date.isoformat(),
                weekday=f"周{WEEKDAYS[e.date.weekday()]}",
                time=e.time or "",
                title=e.title.removeprefix(DEADLINE_PREFIX),
                round=e.round or "",
                deliverables="、".join(e.deliverables or ()),
                non_working_day=e.non_working_day,
            )
        )
    result.reminders = len(timeline.reminder_moments())
    result.reports = len(timeline.report_moments())
    return result


def field_label(path: str) -> str:
    """The Chinese name of a finding's field: ``rounds[0].deadline`` → 截止日期."""
    from campaign_ops.campaign_errors import FIELD_LABELS

    names = [re.sub(r"\[.*?\]", "", part) for part in path.split(".")]
    return next((FIELD_LABELS[n] for n in reversed(names) if n in FIELD_LABELS), "")


def findings_json(findings: tuple[Finding, ...]) -> str:
    return json.dumps([dataclasses.asdict(f) for f in findings], ensure_ascii=False)


def findings_from_json(text: str) -> tuple[Finding, ...]:
    """The findings a review page carried along (display only: the YAML is what counts)."""
    try:
        items = json.loads(text or "[]")
        return tuple(
            Finding(**{k: item.get(k) for k in ("field", "value", "sentence", "guess")})
            for item in items
            if isinstance(item, dict)
        )
    except (ValueError, TypeError):
        return ()


# ---- saving --------------------------------------------------------------------------------


class SaveOutcome(StrEnum):
    saved = "saved"
    unchanged = "unchanged"  # the same text was saved before (a repeated click or retry)
    exists = "exists"  # another file of that name: never overwritten
    invalid = "invalid"


@dataclass(frozen=True)
class Saved:
    outcome: SaveOutcome
    path: Path | None = None
    problems: list[str] = field(default_factory=list)
    campaign: Campaign | None = None


def save_campaign(yaml_text: str, directory: Path) -> Saved:
    """Write the linted YAML as ``directory/<id>.yaml``, never over an existing file."""
    text = normalized(yaml_text)
    campaign, problems = lint_text(text)
    if campaign is None:
        return Saved(SaveOutcome.invalid, problems=problems)
    directory = Path(directory)
    target = directory / f"{campaign.id}.yaml"
    if target.exists():
        return Saved(_existing(target, text), target, campaign=campaign)
    directory.mkdir(parents=True, exist_ok=True)
    # "_" and ".partial" keep the half-written file out of campaign_files(); link() refuses
    # an existing name, so two saves at once cannot overwrite each other.
    fd, partial = tempfile.mkstemp(prefix=f"_{campaign.id}.", suffix=".partial", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, 0o644)
        try:
            os.link(partial, target)
        except FileExistsError:
            return Saved(_existing(target, text), target, campaign=campaign)
    finally:
        os.unlink(partial)
    return Saved(SaveOutcome.saved, target, campaign=campaign)


def _existing(target: Path, text: str) -> SaveOutcome:
    same = target.read_text(encoding="utf-8", errors="replace") == text
    return SaveOutcome.unchanged if same else SaveOutcome.exists


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
            out.append((rid, f"{rid}（{load_roster(rid).authority}）"))
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
    said = str(exc).strip()
    if said and not said.isascii():
        return said
    log.exception("drafting a campaign on the board failed")
    retry = "请检查文件，或把通知全文粘贴到文本框中再试"
    return f"无法从这份通知生成草稿（{type(exc).__name__}），{retry}"


@router.get("/draft", response_class=HTMLResponse)
def draft_form(request: Request, user: BaseUser = Depends(require_board_access)) -> HTMLResponse:  # noqa: B008
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
def check_draft(
    request: Request,
    token: str = Form(""),
    yaml_text: str = Form(""),
    findings: str = Form(""),
    user: BaseUser = Depends(require_board_access),  # noqa: B008
) -> HTMLResponse:
    check_form(request, user, token)
    result = review(yaml_text, findings_from_json(findings))
    return _review_page(request, user, result, checked_again=True)


@router.post("/draft/save", response_class=HTMLResponse)
def save_draft(
    request: Request,
    token: str = Form(""),
    yaml_text: str = Form(""),
    findings: str = Form(""),
    verified: str = Form(""),
    user: BaseUser = Depends(require_board_access),  # noqa: B008
) -> HTMLResponse:
    check_form(request, user, token)
    if not may_save(user):
        raise HTTPException(403, f"没有保存专项行动配置的权限：{NEEDS_EDIT}，请联系管理员")
    kept = findings_from_json(findings)
    marked = marked_lines(normalized(yaml_text))
    if marked and not verified:
        result = review(yaml_text, kept)
        note = (
            f"还有 {len(marked)} 处标注“{TO_VERIFY}”：请逐项核对原文，"
            "改正或确认后勾选“已逐项核实”再保存"
        )
        return _review_page(request, user, result, save_error=note)
    saved = save_campaign(yaml_text, settings().campaigns_dir)
    if saved.outcome == SaveOutcome.invalid:
        result = review(yaml_text, kept)
        note = "配置还有错误，没有保存：请按下面的提示修改"
        return _review_page(request, user, result, save_error=note)
    if saved.outcome == SaveOutcome.exists:
        result = review(yaml_text, kept)
        note = (
            f"没有保存：{saved.path} 已存在，不会覆盖。新行动请把 id 改成一个新名字；"
            "要修改已有的行动，请直接编辑该文件并运行 campaign-ops lint"
        )
        return _review_page(request, user, result, save_error=note)
    from campaign_ops.timeline import build_timeline

    assert saved.campaign is not None  # saved or unchanged: the text linted
    campaign_id = saved.campaign.id
    links = ui_links()
    dags = [(dag_id(campaign_id, kind), links.dag(dag_id(campaign_id, kind))) for kind in DAG_KINDS]
    return _page(
        "board_draft_saved.html",
        request,
        user,
        saved=saved,
        unchanged=saved.outcome == SaveOutcome.unchanged,
        campaign_id=campaign_id,
        dags=dags,
        interval=parse_interval_seconds(),
        live=is_live(build_timeline(saved.campaign)),
    )
