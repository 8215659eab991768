"""The report email's body: key totals, reporting rate, who is missing, and bar charts.

Rendered from ``include/templates/report_summary.html`` / ``.txt``. The charts are table
cells with a background colour and a width: no images, scripts or CSS layout, so they render
in Outlook, Foxmail and web mailers alike.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import jinja2

from campaign_ops.campaign import Campaign
from campaign_ops.consolidate.figures import FormFigures, ReportData
from campaign_ops.mail.render import TEMPLATES_DIR, cn_date
from campaign_ops.vocabulary import ROUND_STATUS_LABELS

MAX_TOTALS = 8  # figures listed per form; the attachment has them all
BAR_MAX_PERCENT = 100


@lru_cache(maxsize=2)
def _env(autoescape: bool) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _show(value: float | None, unit: str | None = None) -> str:
    if value is None:
        return "—"
    text = str(int(value)) if float(value).is_integer() else f"{value:,.2f}"
    return f"{text}{unit or ''}"


def _change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return "—"
    diff = now - before
    return ("+" if diff >= 0 else "") + _show(diff)


def form_context(figures: FormFigures) -> dict[str, Any]:
    totals = []
    for col in figures.columns[:MAX_TOTALS]:
        now = figures.totals.get(col.cell)
        label = (
            f"{col.group}·{col.label}" if col.group and not figures.form.total_row else col.label
        )
        totals.append(
            {
                "label": label + (f"（{col.unit}）" if col.unit else ""),
                "value": _show(now),
                "change": _change(now, figures.previous.get(col.cell)),
            }
        )
    bars: list[dict[str, Any]] = []
    bar_label = ""
    if figures.columns:
        head = figures.columns[0]
        group = f"{head.group}·" if head.group and not figures.form.total_row else ""
        bar_label = group + head.label + (f"（{head.unit}）" if head.unit else "")
        values = [(u.name, u.values.get(head.cell)) for u in figures.reported]
        top = max((v for _, v in values if v is not None), default=0) or 1
        bars = [
            {
                "name": name,
                "value": _show(v),
                "width": max(1, round(BAR_MAX_PERCENT * (v or 0) / top)) if v else 0,
            }
            for name, v in values
        ]
    return {
        "title": figures.form.title,
        "counted": len(figures.reported),
        "totals": totals,
        "has_change": bool(figures.previous),
        "bars": bars,
        "bar_label": bar_label,
        "not_counted": [{"name": u.name, "label": u.status_label} for u in figures.not_counted],
    }


def missing_units(data: ReportData) -> list[dict[str, str]]:
    """Units that have not delivered everything the round asks (campaign_ops.status)."""
    if data.round is None:
        return []
    out = []
    for unit in data.campaign.units_for(data.round):
        status = data.matrix.get((unit.code, data.round.id))
        if status not in ("accepted_on_time", "accepted_late"):
            out.append(
                {"name": unit.short_name, "label": ROUND_STATUS_LABELS.get(status or "missing", "")}
            )
    return out


def subject_for(campaign: Campaign, round_id: str | None, revised: bool) -> str:
    mark = "【汇总报告·更正版】" if revised else "【汇总报告】"
    if round_id is None:
        return f"{mark}{campaign.display_title}：行动总结汇总"
    return f"{mark}{campaign.display_title}：{campaign.round(round_id).title}"


def render_summary(
    data: ReportData,
    *,
    attachment: str,
    made_on: dt.date,
    revised: bool = False,
    revision_note: str = "",
) -> tuple[str, str]:
    """``(html, text)`` of the report email."""
    if data.round is None:
        intro = f"现将《{data.campaign.title}》开展以来各单位报送数据汇总如下。"
    else:
        intro = f"现将“{data.round.title}”各单位报送数据汇总如下。"
    context = {
        "subject": subject_for(data.campaign, data.round.id if data.round else None, revised),
        "campaign": data.campaign,
        "intro": intro,
        "attachment": attachment,
        "rate": data.rate,
        "missing": missing_units(data),
        "forms": [form_context(f) for f in data.forms],
        "made_on": cn_date(made_on),
        "revised": revised,
        "revision_note": revision_note,
    }
    html = _env(True).get_template("report_summary.html").render(context)
    text = _env(False).get_template("report_summary.txt").render(context)
    return html, text
