"""Cell values and validation findings: stored once, readable back, blank never becomes zero."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.store import (
    Finding,
    create_wide_view,
    findings_of,
    record_findings,
    record_submission,
    store_values,
    values_of,
)
from campaign_ops.store.models import SubmittedValue, ValidationFinding
from store.helpers import ON_TIME


@pytest.fixture
def submission_id(synced: Session, archived: Callable[[str], str]) -> int:
    return _submit(synced, archived("汉滨 stats"), "hanbin")


def _submit(session: Session, sha: str, unit: str, status: str = "received") -> int:
    recorded = record_submission(
        session,
        campaign_id="test-campaign",
        round_id="r1",
        unit_code=unit,
        deliverable_key="work-stats",
        sha256=sha,
        received_at=ON_TIME,
        identified_by="metadata",
        status=status,
    )
    return recorded.submission.id


def _count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


CELLS = [
    ("检查网站", "本期数", 12),
    ("检查网站", "累计数", Decimal("30.5")),
    ("检查网站", "备注", "含2家新媒体平台"),
    ("立案", "本期数", 0),
    ("立案", "累计数", None),  # left blank: not zero
    ("罚没款", "本期数", float("nan")),
    ("罚没款", "备注", "无"),
]


def test_storing_values_twice_keeps_one_copy(session: Session, submission_id: int) -> None:
    assert store_values(session, submission_id, CELLS) == len(CELLS)
    store_values(session, submission_id, CELLS)
    session.commit()
    assert _count(session, SubmittedValue) == len(CELLS)


def test_numbers_text_and_blanks_read_back_as_written(session: Session, submission_id: int) -> None:
    store_values(session, submission_id, CELLS)
    session.commit()
    got = values_of(session, submission_id)
    assert got[("检查网站", "本期数")] == 12
    assert got[("检查网站", "累计数")] == 30.5
    assert got[("检查网站", "备注")] == "含2家新媒体平台"
    assert got[("立案", "本期数")] == 0
    assert got[("立案", "累计数")] is None
    assert got[("罚没款", "本期数")] is None
    assert got[("罚没款", "备注")] == "无"


def test_storing_again_replaces_what_was_stored(session: Session, submission_id: int) -> None:
    store_values(session, submission_id, {("立案", "本期数"): 1, ("立案", "累计数"): 5})
    store_values(session, submission_id, {("立案", "本期数"): 2})  # e.g. after a parser fix
    session.commit()
    assert values_of(session, submission_id) == {("立案", "本期数"): 2}


def test_a_cell_given_twice_is_a_parser_bug(session: Session, submission_id: int) -> None:
    with pytest.raises(ValueError, match="given twice"):
        store_values(session, submission_id, [("立案", "本期数", 1), ("立案", "本期数", 2)])


def test_findings_are_replaced_not_doubled_when_validation_reruns(
    session: Session, submission_id: int
) -> None:
    findings = [
        Finding(
            severity="error",
            code="total_mismatch",
            message="“合计”行的本期数应为各行之和 12，实际填写 10",
            sheet="统计表",
            row_label="合计",
            column_label="本期数",
            value_found=10,
            expected=12,
        ),
        {"severity": "warning", "code": "blank", "message": "立案累计数未填写，按未填处理"},
    ]
    assert record_findings(session, submission_id, findings) == 2
    record_findings(session, submission_id, findings)
    session.commit()

    stored = findings_of(session, submission_id)
    assert _count(session, ValidationFinding) == 2
    assert [(f.severity, f.code) for f in stored] == [
        ("error", "total_mismatch"),
        ("warning", "blank"),
    ]
    assert stored[0].message == "“合计”行的本期数应为各行之和 12，实际填写 10"
    assert (stored[0].value_found, stored[0].expected) == ("10", "12")


def test_a_finding_with_an_unknown_severity_is_refused(
    session: Session, submission_id: int
) -> None:
    with pytest.raises(ValueError, match="fatal"):
        record_findings(session, submission_id, [Finding("fatal", "x", "未知")])


def test_wide_view_shows_only_accepted_versions_one_column_per_key(
    synced: Session, warehouse: sa.Engine, archived: Callable[[str], str]
) -> None:
    old = _submit(synced, archived("汉滨 v1"), "hanbin", status="accepted")
    new = _submit(synced, archived("汉滨 v2"), "hanbin", status="accepted")
    pending = _submit(synced, archived("汉阴 v1"), "hanyin")
    store_values(synced, old, [("立案", "本期数", 1)])
    store_values(synced, new, [("立案", "本期数", 3), ("立案", "占比%", 0.5)])
    store_values(synced, pending, [("立案", "本期数", 99)])
    synced.commit()

    create_wide_view(
        warehouse, "v_work_stats", "work-stats", {"本期数": "cases", "占比%": "share_pct"}
    )
    create_wide_view(warehouse, "v_work_stats", "work-stats", ["本期数"])  # replaced, no error

    rows = synced.execute(sa.text("SELECT * FROM v_work_stats")).mappings()
    assert [dict(r) for r in rows] == [
        {
            "campaign_id": "test-campaign",
            "round_id": "r1",
            "unit_code": "hanbin",
            "unit_name": "汉滨区市场监督管理局",
            "unit_position": 0,
            "row_key": "立案",
            "本期数": 3,
        }
    ]
