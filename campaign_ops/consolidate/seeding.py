"""Put known figures straight into the warehouse, as intake would after accepting a file.

For tests and the benchmark: they need thousands of accepted (or rejected) submissions with
values they know, without paying for parsing and validation, which have their own tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy.orm import Session

from campaign_ops.campaign import Campaign
from campaign_ops.forms.samples import Values, sample_values
from campaign_ops.forms.spec import load_form
from campaign_ops.review.records import record_approval
from campaign_ops.review.state import needs_review
from campaign_ops.store import record_file, record_submission, store_values
from campaign_ops.store.campaigns import round_due_at

SEEDING = "seeding"  # who approved seeded figures (test and benchmark data only)


def put_submission(
    session: Session,
    campaign: Campaign,
    round_id: str,
    unit_code: str,
    form_id: str,
    values: Values,
    *,
    late: bool = False,
    rejected: bool = False,
    approved: bool = True,
) -> int:
    """Record one submission of ``values`` (row → column → value); returns its id. Where the
    campaign's review policy covers the form, ``approved`` also records a reviewer's 通过 (by
    ``seeding``), so the figures count as they would after review; False leaves it waiting."""
    due = round_due_at(campaign, campaign.round(round_id))
    received = due + (dt.timedelta(days=1) if late else -dt.timedelta(hours=2))
    blob = repr((campaign.id, round_id, unit_code, form_id, sorted(values.items()), rejected))
    sha = hashlib.sha256(blob.encode()).hexdigest()
    record_file(session, sha256=sha, source=campaign.id, path=f"{unit_code}/{sha[:8]}.xlsx", size=1)
    sub = record_submission(
        session,
        campaign_id=campaign.id,
        round_id=round_id,
        unit_code=unit_code,
        deliverable_key=form_id,
        sha256=sha,
        received_at=received.astimezone(dt.UTC),
        identified_by="metadata",
        status="rejected" if rejected else "accepted",
        rejection_summary="测试：数据有误，退回修改" if rejected else None,
    ).submission
    if not rejected:
        cells = [(r, c, v) for r, line in values.items() for c, v in line.items() if v is not None]
        store_values(session, sub.id, cells)
        if approved and needs_review(campaign, round_id, form_id):
            record_approval(session, campaign.id, sub.id, SEEDING, received)
    return sub.id


def known_values(form_id: str, seed: int) -> Values:
    """Plausible figures that satisfy the form's rules (``forms.samples``)."""
    return sample_values(load_form(form_id), seed=seed)


def expected_totals(form_id: str, per_unit: list[Values]) -> dict[str, Any]:
    """合计 per numeric column over the given units' figures, computed the plain way
    (rows that count in the total; every row of a list form): the test oracle."""
    form = load_form(form_id)
    rows = {r.key for r in form.detail_rows} if form.rows else None
    out: dict[str, Any] = {}
    for col in form.numeric_columns:
        cells = [
            line.get(col.key)
            for values in per_unit
            for row, line in values.items()
            if rows is None or row in rows
        ]
        numbers = [c for c in cells if c is not None]
        out[col.key] = sum(numbers) if numbers else None
    return out
