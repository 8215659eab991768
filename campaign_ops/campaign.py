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
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from campaign_ops.specfile import SpecFileError, duplicates, read_yaml

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
CampaignId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
Email = Annotated[
    str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", strip_whitespace=True)
]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]

# Domains reserved for documentation and testing (RFC 2606 / RFC 6761): mail to them can never
# reach a real mailbox, which is what the seed campaigns must use for every address we send to.
RESERVED_MAIL_DOMAINS = (
    ".invalid",
    ".test",
    ".example",
    "example.com",
    "example.org",
    "example.net",
)


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

    @model_validator(mode="after")
    def _ordered(self) -> Phase:
        if self.end < self.start:
            raise ValueError(f"阶段“{self.name}”的结束日期 {self.end} 早于开始日期 {self.start}")
        return self


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
            raise ValueError("统计表类材料必须用 form 指明表单编号（include/forms/ 下的文件名）")
        if self.kind != DeliverableKind.statistics and self.form:
            raise ValueError(f"只有统计表（statistics）才能指定 form，{self.kind} 不能")
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

    @field_validator("deliverables")
    @classmethod
    def _unique_deliverables(cls, v: tuple[Deliverable, ...]) -> tuple[Deliverable, ...]:
        keys = [d.key for d in v]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"同一轮次的材料重复：{', '.join(dupes)}")
        return v

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
            raise ValueError("提前提醒天数必须是正整数，例如 [7, 3, 1]")
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
    collect_every_minutes: int = Field(default=30, ge=5, le=24 * 60)
    cumulative_since: Literal["campaign", "phase"] = Field(
        default="campaign",
        description="累计数的起算点：campaign=自行动开始；phase=自每个阶段/年度开始（跨阶段重新计数）",
    )
    assumptions: tuple[str, ...] = Field(
        default=(), description="本地假设：通知未写明、由市局按惯例确定的内容"
    )

    @model_validator(mode="after")
    def _references_resolve(self) -> Campaign:
        problems: list[str] = []
        unit_codes = [u.code for u in self.units]
        dept_codes = [d.code for d in self.departments]
        duplicates(unit_codes + dept_codes, "单位/部门代码", problems)
        duplicates([p.id for p in self.phases], "阶段编号", problems)
        duplicates([r.id for r in self.rounds], "轮次编号", problems)
        duplicates([t.id for t in self.tasks], "任务编号", problems)
        known = set(unit_codes)
        for u in self.units:
            if u.parent and u.parent not in known:
                problems.append(f"单位 {u.code} 的上级 parent={u.parent} 不在 units 中")
        for r in self.rounds:
            for code in r.units or ():
                if code not in known:
                    problems.append(f"轮次 {r.id} 列出的单位 {code} 不在 units 中")
        owners = known | set(dept_codes)
        for t in self.tasks:
            for code in t.responsible:
                if code not in owners:
                    problems.append(f"任务 {t.id} 的负责单位 {code} 不在 units 或 departments 中")
        phases = sorted(self.phases, key=lambda p: p.start)
        for a, b in pairwise(phases):
            if b.start <= a.end:
                problems.append(f"阶段“{a.name}”与“{b.name}”的日期重叠")
        start, end = phases[0].start, max(p.end for p in phases)
        for r in self.rounds:
            if not start <= r.deadline <= end:
                problems.append(
                    f"轮次 {r.id} 的截止日期 {r.deadline} 不在行动期间 {start}～{end} 内"
                )
        if problems:
            raise ValueError("；".join(problems))
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
            raise KeyError(f"专项行动 {self.id} 没有代码为 {code} 的报送单位") from None

    def round(self, round_id: str) -> Round:
        for r in self.rounds:
            if r.id == round_id:
                return r
        raise KeyError(f"专项行动 {self.id} 没有轮次 {round_id}")

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


_PYDANTIC_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（拼写错误？）",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "string_pattern_mismatch": "格式不对",
    "too_short": "至少需要一项",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "int_parsing": "应为整数",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
}


def _explain(err: dict) -> str:
    path = ".".join(str(p) for p in err["loc"]) or "(文件顶层)"
    kind = err["type"]
    if kind == "value_error":
        return f"{path}: {err['msg'].removeprefix('Value error, ')}"
    hint = _PYDANTIC_MESSAGES.get(kind, "")
    detail = err["msg"]
    if kind == "string_pattern_mismatch" and "pattern" in err.get("ctx", {}):
        detail = f"应匹配 {err['ctx']['pattern']}"
    given = err.get("input")
    shown = "" if kind == "missing" or isinstance(given, dict) else f"（现在是 {given!r}）"
    return f"{path}: {hint}{'：' if hint else ''}{detail}{shown}"


def parse_campaign(data: object, path: Path) -> Campaign:
    if not isinstance(data, dict):
        raise CampaignFileError(path, ["文件内容应为 YAML 映射（键: 值），现在不是"])
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as exc:
        raise CampaignFileError(path, [_explain(e) for e in exc.errors()]) from None
    if campaign.id != path.stem:
        raise CampaignFileError(
            path, [f"id: 应与文件名一致，文件名是 {path.stem}，id 是 {campaign.id}"]
        )
    return campaign


def load_campaign_file(path: Path) -> Campaign:
    path = Path(path)
    return parse_campaign(read_yaml(path, CampaignFileError), path)


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
        known = ", ".join(p.stem for p in campaign_files(directory)) or "(无)"
        raise KeyError(f"没有专项行动 {campaign_id}（{directory} 下已有：{known}）")
    return load_campaign_file(path)


def is_reserved_address(email: str) -> bool:
    """True for addresses on a domain that can never reach a real mailbox."""
    domain = email.rsplit("@", 1)[-1].lower()
    return any(
        domain.endswith(d) if d.startswith(".") else domain == d or domain.endswith("." + d)
        for d in RESERVED_MAIL_DOMAINS
    )


def sendable_addresses(campaign: Campaign) -> list[str]:
    """Every address the system may send to for this campaign (not the circular's own)."""
    contacts = [c for u in campaign.units for c in u.contacts]
    contacts += [c for d in campaign.departments for c in d.contacts]
    contacts += list(campaign.ops) + list(campaign.reports.recipients)
    return [campaign.sender.email] + [c.email for c in contacts if c.email]
