"""A reporting round as the rest of the system sees it: a deadline and what is due by then.

Dated rounds are written in the campaign file; recurring ones (``recurring``) are expanded
into these when the campaign loads, so nothing downstream knows the difference.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, model_validator

from campaign_ops.units import ClockTime, Code, Strict


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
    rule: str | None = Field(
        default=None,
        description="由哪条周期规则展开，例如“每月21日15:00前”；手写的轮次为空",
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
