"""The bad input counties really send, end to end through the real collect and consolidate DAGs.

Hostile files and other units' valid files are dropped together; one collect run
(``dag.test``) must give each hostile file its status and a Chinese message that says what to
fix, archive every received file, accept the others with their figures, and the report built
afterwards must keep formula-like text as text. The parser's refusals themselves are
unit-tested in ``tests/forms``; this is about the path around them.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import shutil
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from campaign_ops import PROJECT_ROOT
from campaign_ops.intake.archive_files import archive_path, sha256_of

from .files import FORMULA_TEXT
from .scene import CAMPAIGN, CASES, Case, build, still_copying

BEIJING = ZoneInfo("Asia/Shanghai")
RUN_AT = dt.datetime(2023, 5, 11, 9, 0, tzinfo=BEIJING)  # the morning after round 1's deadline
REPORT_AT = dt.datetime(2023, 5, 11, 10, 0, tzinfo=BEIJING)  # round 1's report moment
COLLECT_SECONDS = 120  # the whole collect run, Airflow's own overhead included


def _reviewer_approves_all(now: dt.datetime) -> None:
    from campaign_ops.campaign import get_campaign
    from campaign_ops.review.queue import approve_open
    from campaign_ops.store import session_scope

    campaign = get_campaign(CAMPAIGN)
    with session_scope() as s:
        approve_open(s, campaign, campaign.review.reviewers[0], now)


@dataclass
class Event:
    outcome: str
    message: str
    unit: str | None
    sha256: str
    submission_id: int | None


@dataclass
class Scene:
    """What one collect run and one consolidate run left behind."""

    home: Path
    cases: list[Case]
    collect_state: str
    consolidate_state: str
    collect_seconds: float
    events: dict[str, Event]
    findings: dict[int, list[tuple[str, str]]]  # submission → (code, message)
    values: dict[int, dict[tuple[str, str], object]]
    receipts: dict[str, str]  # unit → plain-text body
    reports: list[Path]

    @property
    def settled(self) -> list[Case]:
        """The cases whose expected outcome is what happens today (no known bug)."""
        return [c for c in self.cases if c.bug is None]

    def case(self, key: str) -> Case:
        return next(c for c in self.cases if c.key == key)

    def event(self, case: Case) -> Event:
        assert case.path in self.events, f"{case.key}: no outcome recorded for {case.path!r}"
        return self.events[case.path]


def _read_state(url: str) -> tuple[dict, dict, dict]:
    from campaign_ops.store.values import values_of

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select path, outcome, message, unit_code, sha256, submission_id"
                " from intake_events where campaign_id = :c order by id"
            ),
            {"c": CAMPAIGN},
        ).all()
        findings: dict[int, list[tuple[str, str]]] = {}
        for sub, code, message in conn.execute(
            sa.text("select submission_id, code, message from validation_findings")
        ):
            findings.setdefault(sub, []).append((code, message))
    events = {r[0]: Event(*r[1:]) for r in rows}  # the last event of a path wins
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        values = {
            e.submission_id: values_of(session, e.submission_id)
            for e in events.values()
            if e.outcome == "accepted" and e.submission_id
        }
    engine.dispose()
    return events, findings, values


def _receipts(outbox: Path) -> dict[str, str]:
    out = {}
    for path in sorted(outbox.rglob("receipt-*.eml")):
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        unit = path.name.removesuffix(".eml").rsplit("-", 1)[-1]
        out[unit] = mail.get_body(preferencelist=("plain",)).get_content()
    return out


@pytest.fixture(scope="module")
def scene(
    tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path, airflow_db: Path
) -> Iterator[Scene]:
    from airflow.dag_processing.dagbag import DagBag

    from campaign_ops.store.db import dispose_engines

    home = tmp_path_factory.mktemp("hostile") / "state"
    home.mkdir()
    shutil.copyfile(_sqlite_template, home / "warehouse.sqlite")
    url = f"sqlite:///{home / 'warehouse.sqlite'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CAMPAIGN_OPS_HOME", str(home))
        mp.setenv("CAMPAIGN_OPS_DATABASE_URL", url)
        for name in ("AIRFLOW_CONN_CAMPAIGN_OPS_SMTP", "CAMPAIGN_OPS_REPORTS_DIR"):
            mp.delenv(name, raising=False)  # mail goes to the outbox, reports under home
        cases = build(home / "dropzone" / CAMPAIGN, home.parent / "work", RUN_AT)
        bag = DagBag(dag_folder=PROJECT_ROOT / "dags")
        assert not bag.import_errors
        collect, consolidate = (bag.dags[f"{CAMPAIGN}__{k}"] for k in ("collect", "consolidate"))
        for t in (*collect.tasks, *consolidate.tasks):
            t.retry_delay = dt.timedelta(0)
            t.retry_exponential_backoff = False
        still_copying(home / "dropzone" / CAMPAIGN, cases)
        started = time.monotonic()
        collected = collect.test(logical_date=RUN_AT)
        seconds = time.monotonic() - started
        _reviewer_approves_all(RUN_AT)  # the report counts reviewed tables only
        consolidated = consolidate.test(logical_date=REPORT_AT)
        events, findings, values = _read_state(url)
        yield Scene(
            home=home,
            cases=cases,
            collect_state=collected.state,
            consolidate_state=consolidated.state,
            collect_seconds=seconds,
            events=events,
            findings=findings,
            values=values,
            receipts=_receipts(home / "outbox"),
            reports=sorted((home / "reports").rglob("*.xlsx")),
        )
        dispose_engines()


def test_the_runs_succeed_in_bounded_time(scene: Scene) -> None:
    """No hostile file may fail, hang or crash a run (a failed run sends no receipts)."""
    assert scene.collect_state == "success"
    assert scene.consolidate_state == "success"
    assert scene.collect_seconds < COLLECT_SECONDS


def test_each_file_ends_in_its_status_with_its_message(scene: Scene) -> None:
    wrong = []
    for case in scene.settled:
        got = scene.event(case)
        if (got.outcome, got.unit) != (case.outcome, case.unit):
            wrong.append(f"{case.key}: {got.outcome}/{got.unit}, want {case.outcome}/{case.unit}")
        missing = [w for w in case.says if w not in got.message]
        if missing:
            wrong.append(f"{case.key}: message {got.message!r} lacks {missing}")
        if case.outcome in ("rejected", "accepted"):
            assert got.submission_id, case.key
        if case.code is not None:
            codes = [code for code, _ in scene.findings.get(got.submission_id, [])]
            if codes != [case.code]:
                wrong.append(f"{case.key}: finding codes {codes}, want [{case.code}]")
    assert not wrong, "\n".join(wrong)


def test_messages_speak_to_the_unit_in_chinese(scene: Scene) -> None:
    """Every message a unit can read is Chinese and says what to do next, never a bare
    technical error."""
    for case in scene.settled:
        message = scene.event(case).message
        assert re.search(r"[\u4e00-\u9fff]{4}", message), (case.key, message)
        if case.outcome in ("rejected", "refused", "not_ready", "unidentified"):
            assert any(w in message for w in ("请", "稍后", "再检查", "再处理")), (
                case.key,
                message,
            )


def test_every_unit_hears_about_its_files_in_one_receipt(scene: Scene) -> None:
    """The receipt names each processed file and carries its message; nothing is sent for
    files still being copied."""
    want = {c.unit for c in scene.settled if c.receipt}
    assert set(scene.receipts) == want
    for case in scene.settled:
        if not case.receipt:
            continue
        body = scene.receipts[case.unit]
        name = re.split(r"[\x00-\x1f]", case.path.rsplit("/", 1)[-1])[0]
        assert name in body, (case.key, name)
        assert scene.event(case).message in body, case.key
    for case in scene.settled:
        if case.outcome == "not_ready" and case.unit in scene.receipts:
            assert case.path.rsplit("/", 1)[-1] not in scene.receipts[case.unit], case.key


def test_every_received_file_is_archived_unchanged(scene: Scene) -> None:
    """Before anything else happens to it; a file still being copied is not received yet."""
    missing = []
    for case in scene.cases:
        if case.when is None:
            continue  # still being copied
        path = archive_path(sha256_of(case.data), scene.home / "archive")
        if not path.exists() or path.read_bytes() != case.data:
            missing.append(case.key)
        elif scene.event(case).outcome != "not_ready":  # not-ready events carry no hash
            assert scene.event(case).sha256 == sha256_of(case.data), case.key
    assert missing == []


def test_nothing_is_written_outside_the_state_folder(scene: Scene) -> None:
    """Names with ``..``, backslashes or drive letters never become paths we write to."""
    outside = [p for p in scene.home.parent.iterdir() if p.name not in ("state", "work")]
    assert outside == []
    for p in scene.home.rglob("*"):
        assert p.resolve().is_relative_to(scene.home.resolve()), p
    assert not Path("/tmp/pwned").exists()  # the .xlsm's macro never ran


def test_valid_files_are_accepted_with_the_figures_typed_in(scene: Scene) -> None:
    checked = 0
    for case in scene.cases:
        if case.outcome != "accepted" or not case.values:
            continue
        stored = scene.values[scene.event(case).submission_id]
        for row, line in case.values.items():
            for col, typed in line.items():
                if typed is None:
                    continue
                got = stored.get((row, col))
                if isinstance(typed, int | float):
                    assert got == pytest.approx(typed), (case.key, row, col)
                else:
                    assert str(got) == str(typed), (case.key, row, col)
        checked += 1
    assert checked >= 10


def test_formula_text_stays_text_in_the_consolidated_report(scene: Scene) -> None:
    (report,) = scene.reports
    wb = load_workbook(report)
    found: dict[str, str] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in FORMULA_TEXT:
                    found[cell.value] = cell.data_type
                    assert cell.quotePrefix, cell.coordinate
    assert found == dict.fromkeys(FORMULA_TEXT, "s")
    with zipfile.ZipFile(report) as zf:
        sheets = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    for xml in sheets:  # no cell of the report is a formula made from a unit's text
        for formula in re.findall(rb"<f>(.*?)</f>", xml):
            assert b"HYPERLINK" not in formula and b"cmd" not in formula, formula
    assert any(c.form == CASES and c.key == "formula_text_for_the_report" for c in scene.cases)


# ---- once known bugs, now fixed: each still checked on its own ------------------------------


def _expect(scene: Scene, key: str) -> None:
    case = scene.case(key)
    got = scene.event(case)
    assert (got.outcome, got.unit) == (case.outcome, case.unit), got
    assert all(w in got.message for w in case.says), got.message
    if case.receipt:
        assert got.message in scene.receipts.get(case.unit, ""), "not in the unit's receipt"


def test_an_entity_attack_is_refused_at_once_as_unsafe(scene: Scene) -> None:
    _expect(scene, "xml_entity_expansion_just_arrived")
    got = scene.event(scene.case("xml_entity_expansion"))
    assert not re.search(r"[A-Za-z]{4,} [A-Za-z]{4,}", got.message), got.message


def test_another_campaigns_template_is_reported_to_the_unit(scene: Scene) -> None:
    _expect(scene, "another_campaigns_template")


def test_a_vaguely_named_refused_file_still_says_why(scene: Scene) -> None:
    _expect(scene, "refused_file_named_vaguely")


def test_the_unit_is_told_its_macros_were_not_run(scene: Scene) -> None:
    assert "不运行宏" in scene.receipts["ziyang"]
