"""The campaign model: one YAML file per campaign, validated by a pydantic schema.

A campaign is described once, in ``include/campaigns/<id>.yaml``; every date the system acts
on (phase changes, deadlines, reminders, reports) is derived from it by ``timeline``. Errors
name the file, the field path and what to fix, in Chinese, because the people who edit these
files are the city bureau's ops staff.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from campaign_ops.campaign_checks import check_campaign, file_checks
from campaign_ops.campaign_errors import explain_all, not_a_mapping
from campaign_ops.mailbox.zone import MailboxZone, split_drop_zones, where_written
from campaign_ops.specfile import Problem, SpecFileError, load_yaml_text, read_text, render, suggest

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
CampaignId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
Email = Annotated[
    str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", strip_whitespace=True)
]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(Strict):
    """A person we may email. ``role: leader`` is copied on escalated overdue reminders."""

    name: str
    email: Email | None = None
    phone: str | None = None
    role: Literal["contact", "leader", "ops"] = "contact"
    title: str | None = None


class CircularContact(Strict):
    """A contact printed in the circular itself: kept as information, never emailed."""

    name: str
    department: str | None = None
    phone: str | None = None
    email: str | None = None


class UnitLevel(StrEnum):
    province = "province"
    city = "city"
    county = "county"
    district = "district"
    zone = "zone"
    township = "township"
    department = "department"
    office = "office"


LEVEL_LABELS = {
    UnitLevel.province: "省级",
    UnitLevel.city: "市级",
    UnitLevel.county: "县（市）",
    UnitLevel.district: "区",
    UnitLevel.zone: "园区/示范区",
    UnitLevel.township: "乡镇",
    UnitLevel.department: "部门",
    UnitLevel.office: "科室",
}


class Unit(Strict):
    """A reporting unit: a county/district bureau, a township office or a partner department."""

    code: Code
    name: str = Field(description="全称, e.g. 汉滨区市场监督管理局")
    short_name: str = Field(description="简称, e.g. 汉滨区局")
    aliases: tuple[str, ...] = ()
    level: UnitLevel
    parent: Code | None = None
    contacts: tuple[Contact, ...] = Field(min_length=1)

    @property
    def names(self) -> tuple[str, ...]:
        """Every spelling a submission might use for this unit."""
        return (self.name, self.short_name, *self.aliases)

    @property
    def emails(self) -> list[str]:
        return [c.email for c in self.contacts if c.email and c.role != "leader"]

    @property
    def leader_emails(self) -> list[str]:
        return [c.email for c in self.contacts if c.email and c.role == "leader"]


class Department(Strict):
    """A partner department that shares tasks but does not report statistics to us."""

    code: Code
    name: str
    contacts: tuple[Contact, ...] = ()


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


class DeliverableKind(StrEnum):
    statistics = "statistics"
    progress_note = "progress_note"
    typical_cases = "typical_cases"
    summary = "summary"
    self_check_report = "self_check_report"
    photos_video = "photos_video"


DELIVERABLE_LABELS = {
    DeliverableKind.statistics: "统计表",
    DeliverableKind.progress_note: "阶段性工作进展情况",
    DeliverableKind.typical_cases: "典型案例",
    DeliverableKind.summary: "工作总结",
    DeliverableKind.self_check_report: "企业自查整改书面报告",
    DeliverableKind.photos_video: "图片视频资料",
}


class Deliverable(Strict):
    """One thing a unit must hand in for a round; statistics name their form."""

    kind: DeliverableKind
    form: Code | None = None
    title: str | None = None

    @model_validator(mode="after")
    def _form_iff_statistics(self) -> Deliverable:
        if self.kind == DeliverableKind.statistics and not self.form:
            raise ValueError(
                "统计表（kind: statistics）要用 form 写明表单编号，"
                "请补上 form: 表单编号（表单目录中统计表文件的文件名，不含扩展名）"
            )
        if self.kind != DeliverableKind.statistics and self.form:
            raise ValueError(
                "只有统计表（kind: statistics）才能填写 form，"
                f"这一项是“{DELIVERABLE_LABELS[self.kind]}”，请删除 form，或把 kind 改为 statistics"
            )
        return self

    @property
    def key(self) -> str:
        """Stable identifier within a round: the form id for statistics, else the kind."""
        return self.form or self.kind.value

    @property
    def label(self) -> str:
        """Chinese name: the YAML's title, else the form's title, else the kind's name."""
        if self.title:
            return self.title
        if self.form:
            return form_title(self.form)
        return DELIVERABLE_LABELS[self.kind]


def form_title(form_id: str) -> str:
    """A statistics form's title from its spec (the one description of a form)."""
    from campaign_ops.forms.spec import load_form

    try:
        return load_form(form_id).title
    except Exception:  # a missing or broken form is reported by the forms lint, not here
        return f"统计表（{form_id}）"


class Round(Strict):
    """A reporting round: a deadline and what each unit must deliver by then."""

    id: Code
    title: str
    deadline: dt.date
    deadline_time: ClockTime = "18:00"
    deliverables: tuple[Deliverable, ...] = Field(min_length=1)
    units: tuple[Code, ...] | None = Field(
        default=None, description="只要求部分单位报送时列出单位代码；缺省为全部报送单位"
    )
    cumulative: bool = Field(
        default=True,
        description="本轮统计数据是否为累计数（累计起点见行动的 cumulative_since）",
    )

    @property
    def forms(self) -> list[str]:
        return [d.form for d in self.deliverables if d.form]

    @property
    def deliverables_label(self) -> str:
        return "、".join(d.label for d in self.deliverables)

    def asks(self, unit_code: str) -> bool:
        """Whether this round asks this unit to report (compares codes, not whole units)."""
        return self.units is None or unit_code in self.units


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
    units: tuple[Unit, ...] = Field(min_length=1)
    departments: tuple[Department, ...] = ()
    tasks: tuple[Task, ...] = ()
    phases: tuple[Phase, ...] = Field(min_length=1)
    rounds: tuple[Round, ...] = Field(min_length=1)
    reminders: ReminderPolicy = ReminderPolicy()
    reports: ReportPolicy
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

    _zones = model_validator(mode="before")(classmethod(lambda cls, d: split_drop_zones(d)))

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
    problems = check_campaign(data, Path(path).stem)
    campaign: Campaign | None = None
    try:
        campaign = Campaign.model_validate(data, context={_CHECKED_SEPARATELY: True})
    except ValidationError as exc:
        # a cross-field check that names the same value says more ("是否应为 hanbin？")
        checked = {p.loc for p in problems}
        found = [
            where_written(p, data) for p in explain_all(exc.errors(include_url=False), Campaign)
        ]
        problems = [p for p in found if p.loc not in checked] + problems
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
