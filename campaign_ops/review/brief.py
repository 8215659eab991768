"""What a reviewer is shown (the HITL task's subject and Markdown body): the unit's figures
beside its own previous round and the city total so far, so an implausible figure stands out
without opening the file, and what each option does."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.store.models import Submission, SubmissionStatus, SubmittedValue
from campaign_ops.vocabulary import REVIEW_DECISION_LABELS, ROUND_STATUS_LABELS

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign, Round
    from campaign_ops.forms.spec import FormSpec
    from campaign_ops.review.queue import ReviewItem

Values = dict[tuple[str, str], float]  # (row_key, column_key) → number
BLANK = "—"


def brief(
    session: Session, campaign: Campaign, item: ReviewItem, board_url: str | None
) -> tuple[str, str]:
    round_ = campaign.round(item.round_id)
    deliverable = next(d for d in round_.deliverables if d.key == item.deliverable)
    sub = session.get(Submission, item.submission_id)
    what = f"“{round_.title}”{_quoted(deliverable.label, bool(deliverable.form))}"
    subject = f"请审核：{item.unit_name} {what}（第 {item.version} 版）"
    lines = [f"**{item.unit_name}** 报送的{what}已通过系统校验，等待您审核。", ""]
    if sub is not None:
        received = sub.received_at.astimezone(ZoneInfo(campaign.timezone))
        when = f"{received.year}年{received.month}月{received.day}日 {received:%H:%M}"
        late = "" if sub.on_time else "（逾期）"
        name = sub.archived_file.original_name if sub.archived_file else ""
        lines += [f"- 文件：{_cell(name)}，第 {item.version} 版，{when} 收到{late}", ""]
    if deliverable.form:
        lines += _figures(session, campaign, round_, item, deliverable.form)
    approve, ret = REVIEW_DECISION_LABELS["approve"], REVIEW_DECISION_LABELS["return"]
    lines += [
        "",
        "请选择：",
        f"- **{approve}**：数据计入汇总报告。",
        f"- **{ret}**：必须在“理由”中写明哪些数据有问题、应如何修改；理由会原样发给该单位，"
        f"单位修改后重新报送，新版本会再次请您审核。在此之前该单位的数据不计入汇总，"
        f"报送情况显示为“{ROUND_STATUS_LABELS['returned']}”。",
    ]
    if board_url:
        lines += ["", f"[在报送看板查看本行动的报送情况]({board_url.rstrip('/')}/c/{campaign.id})"]
    return subject, "\n".join(lines) + "\n"


def _quoted(label: str, form: bool) -> str:
    return f"《{label}》" if form else label


def _figures(
    session: Session, campaign: Campaign, round_: Round, item: ReviewItem, form_id: str
) -> list[str]:
    from campaign_ops.forms.spec import load_form

    form = load_form(form_id)
    total = form.total_row.key if form.total_row else None
    mine = _values(session, [item.submission_id], total)
    earlier = _previous_round(campaign, round_, form_id)
    before = (
        _values(
            session, _accepted(session, campaign.id, earlier.id, form_id, item.unit_code), total
        )
        if earlier
        else None
    )
    everyone = _accepted(session, campaign.id, round_.id, form_id, None)
    city = _values(session, everyone, total)
    head = ["指标", "本单位本轮"]
    if earlier:
        head.append(f"本单位上一轮（{_cell(earlier.title)}）")
    head.append(f"全市本轮合计（已接收 {len(everyone)} 个单位）")
    rows = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|",
    ]
    for label, cell in _indicators(form):
        cells = [_cell(label), _num(mine.get(cell))]
        if earlier:
            cells.append(_num(before.get(cell)) if before else BLANK)
        cells.append(_num(city.get(cell)))
        rows.append("| " + " | ".join(cells) + " |")
    note = "空白（—）表示未填报或没有数据。"
    if earlier and not before:
        note += "该单位上一轮没有已接收的数据。"
    return [*rows, "", note]


def _indicators(form: FormSpec) -> list[tuple[str, tuple[str, str]]]:
    """(label, (row, column)) per indicator: each row × numeric column of a fixed form; for a
    list form, the number of rows filled in and each numeric column's total."""
    cols = form.numeric_columns
    if form.rows:
        return [
            (f"{r.label}（{c.label}）" if len(cols) > 1 else r.label, (r.key, c.key))
            for r in form.rows
            for c in cols
        ]
    out = [("填报条数", ("*", "row_count"))]
    return out + [(f"{c.header}合计", ("*", c.key)) for c in cols]


def _previous_round(campaign: Campaign, round_: Round, form_id: str) -> Round | None:
    earlier = [r for r in campaign.rounds if r.deadline < round_.deadline and form_id in r.forms]
    return max(earlier, key=lambda r: r.deadline, default=None)


def _accepted(
    session: Session, campaign_id: str, round_id: str, form_id: str, unit: str | None
) -> list[int]:
    query = sa.select(Submission.id).where(
        Submission.campaign_id == campaign_id,
        Submission.round_id == round_id,
        Submission.deliverable_key == form_id,
        Submission.status == SubmissionStatus.accepted.value,
    )
    if unit is not None:
        query = query.where(Submission.unit_code == unit)
    return list(session.scalars(query))


def _values(session: Session, submission_ids: list[int], total: str | None = None) -> Values:
    """Numbers summed over the given submissions, and under row ``*`` every row's sum and
    ``row_count`` (rows filled in); the unit's own 合计 row (``total``) is not a row."""
    out: Values = defaultdict(float)
    if not submission_ids:
        return {}
    rows: set[tuple[int, str]] = set()
    for sub_id, row, col, value in session.execute(
        sa.select(
            SubmittedValue.submission_id,
            SubmittedValue.row_key,
            SubmittedValue.column_key,
            SubmittedValue.value,
        ).where(SubmittedValue.submission_id.in_(submission_ids))
    ):
        if value is not None:
            out[(row, col)] += value
        if row == total:
            continue
        rows.add((sub_id, row))
        if value is not None:
            out[("*", col)] += value
    out[("*", "row_count")] = len(rows)
    return dict(out)


def _num(value: float | None) -> str:
    if value is None:
        return BLANK
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _cell(text: str) -> str:
    """Safe inside a Markdown table cell."""
    return text.replace("|", "｜").replace("\n", " ")
