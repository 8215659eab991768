"""The Chinese report a unit gets about its files: text and HTML for people, JSON for machines.

Every finding names the sheet, the row, the column (and cell), the value found and what was
expected; errors (the file is sent back) are kept apart from warnings (please check).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from campaign_ops import INCLUDE_DIR
from campaign_ops.forms.findings import FileResult, Finding
from campaign_ops.vocabulary import CHECK_VERDICT_LABELS

TEMPLATE = "forms_report.html.j2"


def verdict(r: FileResult) -> str:
    """The file's verdict: intake's outcome when checked against a campaign, else the form's."""
    return r.outcome or r.status


def summary(results: Sequence[FileResult]) -> str:
    counts = {s: sum(verdict(r) == s for r in results) for s in CHECK_VERDICT_LABELS}
    parts = [f"{CHECK_VERDICT_LABELS[s]} {n} 个" for s, n in counts.items() if n]
    return f"共检查 {len(results)} 个文件：" + "，".join(parts) + "。"


def _line(n: int, f: Finding) -> list[str]:
    where = f.where or f.file
    out = [f"  {n}. {where}：{f.message}"]
    detail = []
    if f.value is not None:
        detail.append(f"填写的值：{f.value}")
    if f.expected:
        detail.append(f"要求：{f.expected}")
    if detail:
        out.append("     " + "；".join(detail))
    return out


def report_text(results: Sequence[FileResult], note: str | None = None) -> str:
    lines = [summary(results), *([note] if note else []), ""]
    for r in results:
        lines.append(f"【{CHECK_VERDICT_LABELS[verdict(r)]}】{r.file}")
        if r.counted_for:
            lines.append(f"  计入：{r.counted_for}")
        if r.note:
            lines.append(f"  说明：{r.note}")
        info = []
        if r.form_title:
            info.append(f"表单：{r.form_title}")
        if r.reporting_unit:
            info.append(f"填报单位：{r.reporting_unit}")
        if info:
            lines.append("  " + "　".join(info))
        if r.status == "refused":
            lines.append(f"  原因：{r.refusal_message}")
        if r.errors:
            lines.append(f"  错误 {len(r.errors)} 处（请修改后重新报送）：")
            for n, f in enumerate(r.errors, 1):
                lines += _line(n, f)
        if r.warnings:
            lines.append(f"  提醒 {len(r.warnings)} 处（请核实，不影响接收）：")
            for n, f in enumerate(r.warnings, 1):
                lines += _line(n, f)
        if verdict(r) == "accepted" and not r.warnings:
            lines.append("  检查通过。")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def report_dict(results: Sequence[FileResult], note: str | None = None) -> dict[str, Any]:
    return {
        "summary": summary(results),
        "note": note,
        "accepted": sum(r.accepted for r in results),
        "total": len(results),
        "files": [r.to_dict() for r in results],
    }


def report_json(results: Sequence[FileResult], note: str | None = None) -> str:
    return json.dumps(report_dict(results, note), ensure_ascii=False, indent=2, default=str)


def report_html(
    results: Sequence[FileResult], title: str = "报送材料检查结果", note: str | None = None
) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(INCLUDE_DIR / "templates")),
        autoescape=select_autoescape(["html", "j2"]),
    )
    return env.get_template(TEMPLATE).render(
        title=title,
        summary=summary(results),
        note=note,
        results=results,
        verdict=verdict,
        verdict_label=CHECK_VERDICT_LABELS,
    )
