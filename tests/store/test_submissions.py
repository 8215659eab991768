"""Submissions: one row per distinct content, versions in arrival order, one accepted version."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign_ops.store import latest_accepted, record_submission, submission_versions
from campaign_ops.store.models import Submission
from store.helpers import LATE, ON_TIME, beijing


def _record(session: Session, sha: str, unit: str = "hanbin", **kw: object):
    args = {
        "campaign_id": "test-campaign",
        "round_id": "r1",
        "unit_code": unit,
        "deliverable_key": "work-stats",
        "sha256": sha,
        "received_at": ON_TIME,
        "identified_by": "metadata",
        **kw,
    }
    return record_submission(session, **args)


def test_recording_the_same_content_twice_keeps_one_submission(
    synced: Session, archived: Callable[[str], str]
) -> None:
    sha = archived("汉滨 v1")
    first = _record(synced, sha)
    again = _record(synced, sha, received_at=LATE)
    synced.commit()

    assert first.created is True and again.created is False
    assert again.submission.id == first.submission.id
    assert again.submission.on_time is True  # the first receipt counts
    assert synced.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1


def test_the_same_content_may_serve_two_deliverables(
    synced: Session, archived: Callable[[str], str]
) -> None:
    sha = archived("one workbook, two forms")
    stats = _record(synced, sha)
    note = _record(synced, sha, deliverable_key="progress_note")
    assert stats.created and note.created
    assert stats.submission.id != note.submission.id


def test_each_new_content_is_the_next_version(
    synced: Session, archived: Callable[[str], str]
) -> None:
    versions = [_record(synced, archived(f"汉滨 v{n}")).submission.version for n in (1, 2, 3)]
    other_unit = _record(synced, archived("汉阴 v1"), unit="hanyin").submission.version
    synced.commit()
    assert versions == [1, 2, 3]
    assert other_unit == 1


@pytest.mark.parametrize(
    ("received", "on_time"),
    [
        (beijing("2023-05-10", "17:59"), True),
        (beijing("2023-05-10", "18:00"), True),
        (beijing("2023-05-10", "18:01"), False),
    ],
)
def test_on_time_is_judged_against_the_deadline_in_beijing_time(
    synced: Session, archived: Callable[[str], str], received, on_time: bool
) -> None:
    sub = _record(synced, archived("stats"), received_at=received).submission
    assert sub.on_time is on_time


def test_accepting_a_new_version_supersedes_the_old_one(
    synced: Session, archived: Callable[[str], str]
) -> None:
    v1 = _record(synced, archived("v1"), status="accepted").submission
    synced.commit()
    assert [s.id for s in latest_accepted(synced, "test-campaign", "r1")] == [v1.id]

    v2 = _record(synced, archived("v2"), received_at=LATE, status="accepted").submission
    synced.commit()

    assert [s.id for s in latest_accepted(synced, "test-campaign", "r1")] == [v2.id]
    history = submission_versions(synced, "test-campaign", "r1", "hanbin", "work-stats")
    assert [(s.version, s.status) for s in history] == [(1, "superseded"), (2, "accepted")]


def test_rejected_and_not_ready_versions_stay_with_their_reasons(
    synced: Session, archived: Callable[[str], str]
) -> None:
    _record(
        synced,
        archived("half copied"),
        status="not_ready",
        rejection_summary="文件为空或尚未复制完成",
    )
    _record(
        synced,
        archived("wrong totals"),
        status="rejected",
        rejection_summary="合计行与各行之和不符，请核对后重新报送",
    )
    synced.commit()

    history = submission_versions(synced, "test-campaign", "r1", "hanbin", "work-stats")
    assert [(s.status, s.rejection_summary) for s in history] == [
        ("not_ready", "文件为空或尚未复制完成"),
        ("rejected", "合计行与各行之和不符，请核对后重新报送"),
    ]
    assert latest_accepted(synced, "test-campaign", "r1") == []


def test_recording_an_accepted_version_supersedes_the_previous_one(
    synced: Session, archived: Callable[[str], str]
) -> None:
    v1 = _record(synced, archived("v1"), status="accepted").submission
    v2 = _record(synced, archived("v2"), status="accepted").submission
    synced.commit()
    assert (synced.get(Submission, v1.id).status, v2.status) == ("superseded", "accepted")


def test_the_database_refuses_two_accepted_versions_of_one_slot(
    synced: Session, archived: Callable[[str], str]
) -> None:
    """The last line of defence when code bypasses record_versions."""
    v1 = _record(synced, archived("v1")).submission
    v2 = _record(synced, archived("v2")).submission
    synced.execute(sa.update(Submission).where(Submission.id == v1.id).values(status="accepted"))
    with pytest.raises(IntegrityError):
        synced.execute(
            sa.update(Submission).where(Submission.id == v2.id).values(status="accepted")
        )


def test_an_unknown_round_says_to_sync_the_campaign(
    synced: Session, archived: Callable[[str], str]
) -> None:
    with pytest.raises(KeyError, match="sync_campaign"):
        _record(synced, archived("x"), round_id="r9")


@pytest.mark.timeout(60)  # a lost lock shows up as a hang: fail instead
def test_concurrent_workers_get_distinct_versions(
    synced: Session, warehouse: sa.Engine, archived: Callable[[str], str]
) -> None:
    shas = [archived(f"parallel {n}") for n in range(6)]
    synced.commit()
    start = threading.Barrier(len(shas))
    errors: list[BaseException] = []

    def worker(sha: str) -> None:
        try:
            with Session(warehouse) as s:
                start.wait()
                _record(s, sha)
                s.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(sha,)) for sha in shas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    history = submission_versions(synced, "test-campaign", "r1", "hanbin", "work-stats")
    assert sorted(s.version for s in history) == [1, 2, 3, 4, 5, 6]
    assert sorted(s.sha256 for s in history) == sorted(shas)


# ---- a whole scan batch at once (record_versions) -----------------------------------------


def _arrival(sha: str, unit: str = "hanbin", status: str = "accepted", **kw: object):
    from campaign_ops.store import NewVersion

    args = {
        "round_id": "r1",
        "unit_code": unit,
        "deliverable_key": "work-stats",
        "sha256": sha,
        "received_at": ON_TIME,
        "identified_by": "path",
        "status": status,
        **kw,
    }
    return NewVersion(**args)


def test_a_batch_numbers_versions_in_arrival_order_and_keeps_the_last_accepted(
    synced: Session, archived: Callable[[str], str]
) -> None:
    from campaign_ops.store import record_versions

    _record(synced, archived("汉滨 v1"), status="accepted")  # stored by an earlier scan
    synced.commit()
    batch = [
        _arrival(archived("汉滨 v2")),
        _arrival(archived("汉阴 v1"), unit="hanyin", status="rejected", rejection_summary="有误"),
        _arrival(archived("汉滨 v3"), received_at=LATE),
        _arrival(archived("汉滨 v2")),  # the same content twice in one scan
    ]
    recorded = record_versions(synced, "test-campaign", batch)
    synced.commit()

    assert [r.created for r in recorded] == [True, True, True, False]
    assert recorded[3].submission.id == recorded[0].submission.id
    versions = submission_versions(synced, "test-campaign", "r1", "hanbin", "work-stats")
    assert [(s.version, s.status, s.on_time) for s in versions] == [
        (1, "superseded", True),
        (2, "superseded", True),
        (3, "accepted", False),
    ]
    (hanyin,) = submission_versions(synced, "test-campaign", "r1", "hanyin", "work-stats")
    assert (hanyin.version, hanyin.status, hanyin.rejection_summary) == (1, "rejected", "有误")
    assert [s.unit_code for s in latest_accepted(synced, "test-campaign", "r1")] == ["hanbin"]


def test_a_batch_for_a_round_the_warehouse_does_not_know_is_refused(
    synced: Session, archived: Callable[[str], str]
) -> None:
    from campaign_ops.store import record_versions

    with pytest.raises(KeyError, match="sync_campaign"):
        record_versions(synced, "test-campaign", [_arrival(archived("x"), round_id="r9")])
