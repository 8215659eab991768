"""The unit × round board: complete only when every deliverable asked for is accepted."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from campaign_ops.store import MatrixStatus, record_submission, submission_matrix
from store.helpers import LATE, ON_TIME


class Board:
    """Submit files for the test campaign in one line each."""

    def __init__(self, session: Session, archived: Callable[[str], str]) -> None:
        self.session = session
        self.archived = archived
        self.n = 0

    def send(
        self,
        unit: str,
        round_id: str,
        key: str,
        received=ON_TIME,
        status: str = "received",
        reason: str | None = None,
    ) -> int:
        self.n += 1
        sha = self.archived(f"{unit}-{round_id}-{key}-{self.n}")
        recorded = record_submission(
            self.session,
            campaign_id="test-campaign",
            round_id=round_id,
            unit_code=unit,
            deliverable_key=key,
            sha256=sha,
            received_at=received,
            identified_by="path",
            status=status,
            rejection_summary=reason,
        )
        return recorded.submission.id

    def accept(self, *args: object, **kw: object) -> int:
        return self.send(*args, status="accepted", **kw)

    def reject(self, unit: str, round_id: str, key: str, reason: str) -> int:
        return self.send(unit, round_id, key, status="rejected", reason=reason)


def test_matrix_statuses(synced: Session, archived: Callable[[str], str]) -> None:
    board = Board(synced, archived)
    # hanbin: both r1 deliverables accepted on time; r2 report rejected
    board.accept("hanbin", "r1", "progress_note")
    board.accept("hanbin", "r1", "work-stats")
    board.reject("hanbin", "r2", "self_check_report", "缺少盖章页")
    # hanyin: statistics only accepted after the deadline; r2 file still being copied
    board.accept("hanyin", "r1", "progress_note")
    board.accept("hanyin", "r1", "work-stats", received=LATE)
    board.send("hanyin", "r2", "self_check_report", status="not_ready")
    # shiquan: the note is accepted, the statistics never came (partly delivered)
    board.accept("shiquan", "r1", "progress_note")
    synced.commit()

    matrix = submission_matrix(synced, "test-campaign")

    assert matrix.units == ("hanbin", "hanyin", "shiquan")
    assert matrix.rounds == ("r1", "r2")
    assert matrix.status("hanbin", "r1") == MatrixStatus.accepted_on_time
    assert matrix.status("hanyin", "r1") == MatrixStatus.accepted_late
    assert matrix.status("shiquan", "r1") == MatrixStatus.partial
    assert matrix.cells[("shiquan", "r1")].outstanding == ("work-stats",)
    assert matrix.status("hanbin", "r2") == MatrixStatus.rejected
    assert matrix.status("hanyin", "r2") == MatrixStatus.not_ready
    assert matrix.status("shiquan", "r2") is None  # r2 asks nothing of shiquan
    assert matrix.counts("r1") == {
        MatrixStatus.accepted_on_time: 1,
        MatrixStatus.accepted_late: 1,
        MatrixStatus.partial: 1,
    }
    assert matrix.units_with("r1", MatrixStatus.partial, MatrixStatus.rejected) == ["shiquan"]


def test_nothing_received_means_missing_everywhere(synced: Session) -> None:
    matrix = submission_matrix(synced, "test-campaign")
    assert {c.status for c in matrix.cells.values()} == {MatrixStatus.missing}
    assert len(matrix.cells) == 5
    assert matrix.cells[("hanbin", "r1")].outstanding == ("progress_note", "work-stats")


def test_a_rejected_file_outweighs_a_missing_one(
    synced: Session, archived: Callable[[str], str]
) -> None:
    board = Board(synced, archived)
    board.reject("hanbin", "r1", "work-stats", "表头与模板不符")
    assert submission_matrix(synced, "test-campaign").status("hanbin", "r1") == "rejected"


def test_a_received_but_unchecked_file_is_shown_as_received(
    synced: Session, archived: Callable[[str], str]
) -> None:
    board = Board(synced, archived)
    board.accept("hanbin", "r1", "progress_note")
    board.send("hanbin", "r1", "work-stats")
    assert submission_matrix(synced, "test-campaign").status("hanbin", "r1") == "received"


def test_a_late_correction_of_an_on_time_submission_stays_on_time(
    synced: Session, archived: Callable[[str], str]
) -> None:
    board = Board(synced, archived)
    board.accept("hanbin", "r1", "progress_note")
    board.accept("hanbin", "r1", "work-stats")
    board.accept("hanbin", "r1", "work-stats", received=LATE)  # supersedes the on-time one
    assert submission_matrix(synced, "test-campaign").status("hanbin", "r1") == "accepted_on_time"


def test_rejected_on_time_then_accepted_late_is_late(
    synced: Session, archived: Callable[[str], str]
) -> None:
    board = Board(synced, archived)
    board.accept("hanbin", "r1", "progress_note")
    board.reject("hanbin", "r1", "work-stats", "合计不符")
    board.accept("hanbin", "r1", "work-stats", received=LATE)
    assert submission_matrix(synced, "test-campaign").status("hanbin", "r1") == "accepted_late"


def test_a_new_rejected_version_after_acceptance_keeps_the_round_complete(
    synced: Session, archived: Callable[[str], str]
) -> None:
    board = Board(synced, archived)
    board.accept("hanbin", "r1", "progress_note")
    board.accept("hanbin", "r1", "work-stats")
    board.reject("hanbin", "r1", "work-stats", "格式错误")
    matrix = submission_matrix(synced, "test-campaign")
    assert matrix.status("hanbin", "r1") == "accepted_on_time"
