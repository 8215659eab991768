"""The report email's body: key totals, reporting rate, who is missing, and bar charts; for
a revised report, what changed since the version that went out (which units, which figures).

Rendered from ``include/templates/report_summary.html`` / ``.txt``. The charts are table
cells with a background colour and a width: no images, scripts or CSS layout, so they render
in Outlook, Foxmail and web mailers alike.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import jinja2

from campaign_ops import vocabulary
from campaign_ops.campaign import Campaign
from campaign_ops.consolidate.figures import FormFigures, ReportData, UnitLine
from campaign_ops.mail.render import TEMPLATES_DIR, cn_date
from campaign_ops.vocabulary import FORM_STATUS_LABELS, MAIL_KIND_LABELS, ROUND_STATUS_LABELS

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


def _column_label(figures: FormFigures, col) -> str:
    label = f"{col.group}·{col.label}" if col.group and not figures.form.total_row else col.label
    return label + (f"（{col.unit}）" if col.unit else "")


def form_context(figures: FormFigures, data: ReportData | None = None) -> dict[str, Any]:
    totals = []
    for col in figures.columns[:MAX_TOTALS]:
        now = figures.totals.get(col.cell)
        totals.append(
            {
                "label": _column_label(figures, col),
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
        "not_counted": [
            {"name": u.name, "label": not_counted_label(data, figures, u)}
            for u in figures.not_counted
        ],
    }


# A unit without figures in the campaign summary: the worst thing its rounds say, so a unit
# whose file was sent back reads 退回待改, not 未报送.
_SUMMARY_ORDER = ("rejected", "not_ready", "received", "partial")


def not_counted_label(data: ReportData | None, figures: FormFigures, unit: UnitLine) -> str:
    """Why a unit's figures are not in the 合计, in the vocabulary's words."""
    if data is None or data.round is not None:
        return FORM_STATUS_LABELS.get(unit.status, unit.status_label)
    asked = [r.id for r in data.campaign.rounds if figures.form.id in r.forms and r.asks(unit.code)]
    seen = {data.matrix.get((unit.code, r)) for r in asked}
    for status in _SUMMARY_ORDER:
        if status in seen:
            return ROUND_STATUS_LABELS[status]
    return ROUND_STATUS_LABELS["missing"]


def missing_units(data: ReportData) -> list[dict[str, str]]:
    """Units that have not delivered everything the round asks (campaign_ops.status)."""
    if data.round is None:
        return []
    out = []
    for unit in data.campaign.units_for(data.round):
        status = data.matrix.get((unit.code, data.round.id))
        if status not in ("accepted_on_time", "accepted_late"):
            out.append(
                {
                    "name": unit.short_name,
                    "label": ROUND_STATUS_LABELS.get(status or "missing", status or ""),
                }
            )
    return out


# ---- what a revised report changed ----------------------------------------------------------

MAX_CHANGED_FIGURES = 20  # listed in the mail; the attachment has them all


def unit_label(unit: UnitLine) -> str:
    """A unit's standing in one form, in the vocabulary's words (timeliness when known)."""
    if unit.status == "accepted" and unit.on_time is not None:
        return ROUND_STATUS_LABELS["accepted_on_time" if unit.on_time else "accepted_late"]
    return FORM_STATUS_LABELS.get(unit.status, unit.status)


def snapshot(data: ReportData) -> dict[str, Any]:
    """What a report showed, kept beside the sent file: the next revision of it says what
    changed against exactly this (units' standing and versions, each figure's 合计)."""
    forms = {}
    for f in data.forms:
        forms[f.form.id] = {
            "title": f.form.title,
            "units": {
                u.code: {
                    "name": u.name,
                    "label": unit_label(u),
                    "version": u.version,
                    "values": {f"{r}|{c}": v for (r, c), v in sorted(u.values.items())},
                }
                for u in f.units
            },
            "totals": {
                f"{col.cell[0]}|{col.cell[1]}": [_column_label(f, col), f.totals.get(col.cell)]
                for col in f.columns
            },
        }
    return {"forms": forms}


def revision_changes(before: dict[str, Any] | None, data: ReportData) -> dict[str, Any] | None:
    """Units whose standing or figures changed, and the totals that moved, against the
    report that went out (None when that report's snapshot is not available)."""
    if before is None:
        return None
    units: dict[str, list[str]] = {}
    figures = []
    for f in data.forms:
        old = before["forms"].get(f.form.id, {"units": {}, "totals": {}})
        now = snapshot(ReportData(data.campaign, data.round, [f], [], {}))["forms"][f.form.id]
        for code, unit in now["units"].items():
            was = old["units"].get(code)
            if was is not None and was == unit:
                continue
            if was is not None and was["label"] == unit["label"]:
                what = f"《{f.form.title}》数据更正" + (
                    f"（第 {unit['version']} 版）" if unit["version"] else ""
                )
            else:
                label = was["label"] if was else ROUND_STATUS_LABELS["missing"]
                what = f"《{f.form.title}》{label} → {unit['label']}"
            units.setdefault(unit["name"], []).append(what)
        for cell, (label, value) in now["totals"].items():
            previous = old["totals"].get(cell, [label, None])[1]
            if previous != value:
                figures.append(
                    {
                        "form": f.form.title,
                        "label": label,
                        "before": _show(previous),
                        "after": _show(value),
                    }
                )
    return {
        "units": [{"name": name, "what": "；".join(whats)} for name, whats in units.items()],
        "figures": figures[:MAX_CHANGED_FIGURES],
        "more_figures": max(0, len(figures) - MAX_CHANGED_FIGURES),
    }


def revision_note(changes: dict[str, Any] | None) -> str:
    """One sentence for the revised report's title area and the mail's first line."""
    if not changes or not changes["units"]:
        return "上次报告发出后，有单位补报或更正了本轮数据，合计等数据已更新。"
    names = "、".join(u["name"] for u in changes["units"])
    moved = len(changes["figures"]) + changes["more_figures"]
    return f"上次报告发出后，{names}补报或更正了数据，" + (
        f"{moved} 项合计随之变动。" if moved else "合计未变。"
    )


def subject_for(campaign: Campaign, round_id: str | None, revised: bool) -> str:
    mark = (
        f"【{MAIL_KIND_LABELS['report']}·更正版】"
        if revised
        else f"【{MAIL_KIND_LABELS['report']}】"
    )
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
    changes: dict[str, Any] | None = None,
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
        "forms": [form_context(f, data) for f in data.forms],
        "made_on": cn_date(made_on),
        "revised": revised,
        "revision_note": revision_note,
        "changes": changes,
        "words": {
            "expected": vocabulary.EXPECTED,
            "actual": vocabulary.ACTUAL,
            "on_time": vocabulary.ON_TIME,
            "reporting_rate": vocabulary.REPORTING_RATE,
            "on_time_rate": vocabulary.ON_TIME_RATE,
        },
    }
    html = _env(True).get_template("report_summary.html").render(context)
    text = _env(False).get_template("report_summary.txt").render(context)
    return html, text
