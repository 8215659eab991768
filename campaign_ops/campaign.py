"""The campaign model: one YAML file per campaign, validated by a pydantic schema.

A campaign is described once, in ``include/campaigns/<id>.yaml``; every date the system acts
on (phase changes, deadlines, reminders, reports) is derived from it by ``timeline``. Errors
name the file, the field path and what to fix, in Chinese, because the people who edit these
files are the city bureau's ops staff.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from campaign_ops.campaign_checks import check_campaign, file_checks
from campaign_ops.campaign_errors import explain_all, not_a_mapping
from campaign_ops.campaign_expand import expand_campaign
from campaign_ops.mailbox.zone import MailboxZone, split_drop_zones, where_written
from campaign_ops.review.policy import ReviewPolicy
from campaign_ops.rosters import UnitsFrom
from campaign_ops.rounds import DELIVERABLE_LABELS, Deliverable, DeliverableKind, Round
from campaign_ops.specfile import Problem, SpecFileError, load_yaml_text, read_text, render, suggest
from campaign_ops.units import (
    LEVEL_LABELS,
    ClockTime,
    Code,
    Contact,
    Department,
    Email,
    Strict,
    Unit,
    UnitLevel,
)

__all__ = [
    "DELIVERABLE_LABELS",
    "LEVEL_LABELS",
    "Contact",
    "Deliverable",
    "DeliverableKind",
    "Department",
    "Round",
    "Unit",
    "UnitLevel",
]

CampaignId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]


class CircularContact(Strict):
    """A contact printed in the circular itself: kept as information, never emailed."""

    name: str
    department: str | None = None
    phone: str | None = None
    email: str | None = None


class Task(Strict):
    """A key task of the circular and who is responsible for it (unit or department codes)."""

    id: Code
    title: str
    responsible: tuple[Code, ...] = ()


class Phase(Strict):
    """A phase (动员部署 → 集中整治 → 总结评估) or a yearly stage (夯实基础年 …)."""

    id: Code
    name: str
    kind: Literal["phase", "stage"] = "phase"
    start: dt.date
    end: dt.date
    description: str | None = None


class ReminderPolicy(Strict):
    """When to chase units: days before a deadline, then every N working days when overdue."""

    before_days: tuple[int, ...] = (7, 3, 1)
    send_at: ClockTime = "09:00"
    overdue_every_working_days: int = Field(default=2, ge=1)
    escalate_after_working_days: int = Field(default=5, ge=1)
    overdue_max_reminders: int = Field(default=5, ge=0)
    working_days_only: bool = True

    @field_validator("before_days")
    @classmethod
    def _positive_days(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(d < 1 for d in v):
            raise ValueError("提前提醒天数必须是正整数，请改为例如 [7, 3, 1]")
        return tuple(sorted(set(v), reverse=True))


class ReportPolicy(Strict):
    """Who receives consolidated reports and when (N working days after each deadline)."""

    recipients: tuple[Contact, ...] = Field(min_length=1)
    after_deadline_working_days: int = Field(default=1, ge=0)
    send_at: ClockTime = "10:00"
    extra_dates: tuple[dt.date, ...] = ()
    final_summary: bool = True


class DropZone(Strict):
    """Where the submissions arrive and how the folder is organised."""

    kind: Literal["folder", "smb"] = "folder"
    path: str = Field(
        description="folder: 相对 CAMPAIGN_OPS_DROPZONE_DIR 的路径或绝对路径; smb: 共享名/路径"
    )
    layout: Literal["per_unit", "per_round", "per_round_unit", "flat"] = "per_unit"
    connection_id: str = "campaign_ops_share"


class Sender(Strict):
    name: str
    email: Email


class Campaign(Strict):
    """A special campaign (专项行动) as issued by circular."""

    id: CampaignId
    title: str
    short_title: str | None = None
    authority: str
    document_number: str | None = None
    parent_document: str | None = Field(
        default=None, description="依据的上级文件及文号，如 皖市监网监〔2024〕1号"
    )
    issued_on: dt.date
    timezone: str = "Asia/Shanghai"
    source: str | None = Field(default=None, description="来源文件（../shared/seeds/ 下的文件名）")
    summary: str | None = None
    sender: Sender
    ops: tuple[Contact, ...] = Field(
        min_length=1, description="市局工作人员：接收汇总日报和任务失败提醒"
    )
    circular_contacts: tuple[CircularContact, ...] = ()
    units_from: UnitsFrom | None = Field(
        default=None, exclude=True, description="报送单位取自哪个单位名册（include/rosters/）"
    )
    units: tuple[Unit, ...] = Field(min_length=1)
    departments: tuple[Department, ...] = ()
    tasks: tuple[Task, ...] = ()
    phases: tuple[Phase, ...] = Field(min_length=1)
    rounds: tuple[Round, ...] = Field(min_length=1)
    reminders: ReminderPolicy = ReminderPolicy()
    reports: ReportPolicy
    review: ReviewPolicy = ReviewPolicy()
    drop_zone: DropZone
    mailboxes: tuple[MailboxZone, ...] = ()  # drop_zone's mailbox entries (mailbox.zone)
    collect_every_minutes: int = Field(default=30, ge=5, le=24 * 60)
    cumulative_since: Literal["campaign", "phase"] = Field(
        default="campaign",
        description="累计数的起算点：campaign=自行动开始；phase=自每个阶段/年度开始（跨阶段重新计数）",
    )
    assumptions: tuple[str, ...] = Field(
        default=(), description="本地假设：通知未写明、由市局按惯例确定的内容"
    )

    @model_validator(mode="before")
    @classmethod
    def _expand(cls, data: object, info: ValidationInfo) -> object:
        """Roster units and recurring rounds as plain units and rounds (``campaign_expand``),
        and a list of drop zones as the folder or share plus ``mailboxes`` (``mailbox.zone``);
        ``campaign_problems`` expands first itself, to report at the file's places."""
        if isinstance(data, dict) and not (info.context and info.context.get(_CHECKED_SEPARATELY)):
            expansion = expand_campaign(data)
            if expansion.problems:
                raise ValueError("；".join(render(expansion.problems, data)))
            data = expansion.data
        return split_drop_zones(data)

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> Campaign:
        """Codes, ids and dates that must fit together (see ``campaign_checks``); skipped when
        ``parse_campaign`` runs those checks itself, on the raw data, beside the schema's."""
        if info.context and info.context.get(_CHECKED_SEPARATELY):
            return self
        data = self.model_dump()
        problems = check_campaign(data)
        if problems:
            raise ValueError("；".join(render(problems, data)))
        return self

    # ---- derived views -------------------------------------------------------------------

    @property
    def start(self) -> dt.date:
        return min(p.start for p in self.phases)

    @property
    def end(self) -> dt.date:
        return max(p.end for p in self.phases)

    @property
    def recurring(self) -> dict[str, int]:
        """Each recurring rule of the campaign (as the circular says it) → its rounds."""
        counts: dict[str, int] = {}
        for r in self.rounds:
            if r.rule:
                counts[r.rule] = counts.get(r.rule, 0) + 1
        return counts

    @property
    def sources_note(self) -> str:
        """「名册 ankang；其中 31 轮按“每月21日15:00前”展开」 for lint, list and the DAG page."""
        parts = [f"单位取自名册 {self.units_from.roster}"] if self.units_from else []
        parts += [f"{n} 轮按“{rule}”展开" for rule, n in self.recurring.items()]
        return "；".join(parts)

    @property
    def display_title(self) -> str:
        return self.short_title or self.title

    @cached_property
    def units_by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    def unit(self, code: str) -> Unit:
        try:
            return self.units_by_code[code]
        except KeyError:
            hint = suggest(code, self.units_by_code, _names_of(self.units)) or "请用单位代码"
            raise KeyError(f"专项行动 {self.id} 没有代码为 {code} 的报送单位，{hint}") from None

    def round(self, round_id: str) -> Round:
        for r in self.rounds:
            if r.id == round_id:
                return r
        ids = [r.id for r in self.rounds]
        hint = suggest(round_id, ids) or f"已有的轮次：{'、'.join(ids)}"
        raise KeyError(f"专项行动 {self.id} 没有轮次 {round_id}，{hint}")

    def units_for(self, round_: Round) -> list[Unit]:
        """The units that must report in this round."""
        if round_.units is None:
            return list(self.units)
        return [self.unit(code) for code in round_.units]

    def phase_on(self, day: dt.date) -> Phase | None:
        for p in self.phases:
            if p.start <= day <= p.end:
                return p
        return None

    @property
    def forms(self) -> list[str]:
        """Every statistics form the campaign uses, in order of first use."""
        seen: dict[str, None] = {}
        for r in self.rounds:
            for f in r.forms:
                seen.setdefault(f)
        return list(seen)

    def previous_comparable_round(self, round_: Round, form: str) -> Round | None:
        """The latest earlier round with this form whose cumulative figures the given round
        must not undercut; None for the first, a non-cumulative round, or when counting
        restarted in a new phase/year (``cumulative_since: phase``)."""
        if not round_.cumulative:
            return None
        earlier = [
            r
            for r in self.rounds
            if r.deadline < round_.deadline and r.cumulative and form in r.forms
        ]
        if self.cumulative_since == "phase":
            phase = self.phase_on(round_.deadline)
            earlier = [r for r in earlier if self.phase_on(r.deadline) == phase]
        return max(earlier, key=lambda r: r.deadline, default=None)

    def tasks_of(self, code: str) -> list[Task]:
        return [t for t in self.tasks if code in t.responsible]


# ---- loading ------------------------------------------------------------------------------


class CampaignFileError(SpecFileError):
    """A campaign file that cannot be used, with a message that says where and what to fix."""

    what = "专项行动配置文件"


_CHECKED_SEPARATELY = "cross_field_checks_run_separately"


def campaign_problems(
    data: object, path: Path, text: str | None = None, every_check: bool = False
) -> tuple[Campaign | None, list[Problem]]:
    """The campaign (None when anything is wrong) and every problem of its data, from every
    stage at once: the schema's findings do not hide the cross-field ones, nor the reverse.
    ``file_checks`` run when something is wrong already, or always with ``every_check``."""
    if not isinstance(data, dict):
        return None, [Problem((), not_a_mapping(data))]
    expansion = expand_campaign(data)
    problems = check_campaign(expansion.data, Path(path).stem)
    campaign: Campaign | None = None
    try:
        campaign = Campaign.model_validate(expansion.data, context={_CHECKED_SEPARATELY: True})
    except ValidationError as exc:
        # a cross-field check that names the same value says more ("是否应为 hanbin？")
        checked = {p.loc for p in problems}
        found = [
            where_written(p, data) for p in explain_all(exc.errors(include_url=False), Campaign)
        ]
        problems = [p for p in found if p.loc not in checked] + problems
    problems = expansion.problems + expansion.back_to_file(problems)
    if problems or every_check:
        problems += file_checks(data, text)
    return (None if problems else campaign), problems


def parse_campaign(data: object, path: Path, text: str | None = None) -> Campaign:
    """The campaign, or ``CampaignFileError`` listing every problem, one line each, in file
    order (with line numbers when the file's ``text`` is given)."""
    campaign, problems = campaign_problems(data, path, text)
    if problems or campaign is None:
        raise CampaignFileError(path, render(problems, data, text))
    return campaign


def load_campaign_file(path: Path) -> Campaign:
    path = Path(path)
    text = read_text(path, CampaignFileError)
    return parse_campaign(load_yaml_text(text, path, CampaignFileError), path, text)


def campaign_files(directory: Path | None = None) -> list[Path]:
    from campaign_ops.settings import settings

    directory = Path(directory or settings().campaigns_dir)
    return sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))


def load_campaigns(directory: Path | None = None) -> list[Campaign | CampaignFileError]:
    """Every campaign in the folder; a broken file comes back as its error, not raised,
    so one bad YAML never hides the others."""
    out: list[Campaign | CampaignFileError] = []
    for path in campaign_files(directory):
        try:
            out.append(load_campaign_file(path))
        except CampaignFileError as exc:
            out.append(exc)
    return out


def get_campaign(campaign_id: str, directory: Path | None = None) -> Campaign:
    from campaign_ops.settings import settings

    directory = Path(directory or settings().campaigns_dir)
    path = directory / f"{campaign_id}.yaml"
    if not path.exists():
        known = [p.stem for p in campaign_files(directory)]
        hint = suggest(campaign_id, known) or f"{directory} 下已有：{'、'.join(known) or '（无）'}"
        raise KeyError(f"没有专项行动 {campaign_id}，{hint}")
    return load_campaign_file(path)


def _names_of(units: tuple[Unit, ...]) -> dict[str, str]:
    """Every name a person may type for a unit (全称, 简称, 别名) → its code."""
    return {name: u.code for u in units for name in u.names}
