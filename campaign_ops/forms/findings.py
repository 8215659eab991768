"""Findings (one problem in one cell) and per-file results, the currency of the report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass
class Finding:
    """One thing wrong (error: the file is sent back) or worth a look (warning)."""

    severity: Severity
    # readable, required, min, max, precision, choice, length, rule, part_of, total, shrink,
    # growth; parser notes: missing_row, extra_row, hidden_sheet, old_version, recomputed (a
    # formula's saved result differs from what its cells give, see ``derived``), …
    code: str
    message: str  # a full Chinese sentence: what is wrong and what to do
    file: str = ""
    sheet: str | None = None
    row_label: str | None = None
    column_label: str | None = None
    cell: str | None = None
    value: str | None = None  # the value found, as shown to a person
    expected: str | None = None  # what was expected, in Chinese
    row_key: str | None = None
    column_key: str | None = None
    check: str | None = None  # the suite expectation's id (meta.check)

    @property
    def where(self) -> str:
        """``工作表“X” 第5行“医疗” “立案数” 单元格 D5`` — as much as is known."""
        parts = []
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row_label:
            parts.append(f"“{self.row_label}”行")
        if self.column_label:
            parts.append(f"“{self.column_label}”栏")
        if self.cell:
            parts.append(f"（单元格 {self.cell}）")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FileResult:
    """The outcome for one file: accepted, rejected (errors) or refused (not read at all)."""

    file: str
    file_key: str
    form_id: str | None = None
    form_title: str | None = None
    status: Literal["accepted", "rejected", "refused"] = "accepted"
    refusal_code: str | None = None
    refusal_message: str | None = None
    retry_later: bool = False
    identity: dict[str, Any] | None = None
    reporting_unit: str | None = None
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    # what intake would make of it, for a file checked against a campaign (``check``)
    outcome: str | None = None  # intake's outcome: accepted, rejected, unidentified, …
    counted_for: str | None = None  # 单位 · 轮次 · 材料
    note: str | None = None  # why, when the outcome is not the validation's own

    @property
    def accepted(self) -> bool:
        if self.outcome is not None:
            return self.outcome in ("accepted", "duplicate")
        return self.status == "accepted"

    def add(self, finding: Finding) -> None:
        (self.errors if finding.severity == "error" else self.warnings).append(finding)

    def set_status(self) -> FileResult:
        """Set the status from the findings (refusals are settled by the parser)."""
        if self.status != "refused":
            self.status = "rejected" if self.errors else "accepted"
        return self

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["accepted"] = self.accepted
        return d
