"""A campaign soak: a seed campaign's whole calendar through the real DAGs, checked at the end.

``play.py`` (a child process: Airflow gets a home and an SMTP connection of its own) replays
``fangxian-2023-livestream`` from the mobilization notice to the last overdue reminder with
``dag.test`` at every scheduled moment, while its 20 units drop files when their time comes:
on time, late, broken then corrected after the report, broken for good, or nothing. Mail goes
to the real SMTP test server (``smtp_server``) through the Airflow connection
``campaign_ops_smtp``; Airflow's own failure alerts (``smtp_default``) go there too, so a
failed task would show up as an unexpected email.

The end state is checked against ``expected.py``, worked out from the script alone: each
unit × round's status and versions, the merged figures, the archive, the mail ledger and what
the server received, the reports at each report moment. Then the whole calendar runs again:
nothing may change.

Why Fangxian and not the demo's Ankang: it exercises what Ankang does not (20 units, two
statistics tables per round, a deadline on a public holiday, a final summary two days after
the last round's report so the last correction has to squeeze in between), and its calendar
is half as long (31 runs against the demo's 72), which keeps the soak and its second replay
inside a few minutes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from consolidate.helpers import city_cell, unit_cell
from openpyxl import load_workbook

from campaign_ops import PROJECT_ROOT
from campaign_ops.campaign import Campaign, get_campaign
from campaign_ops.intake.archive_files import archive_path, sha256_of

from .expected import Expected, Report, expected_from, forms_of, report_cells, utc_text

pytestmark = [pytest.mark.slow, pytest.mark.airflow_process]

CAMPAIGN = "fangxian-2023-livestream"
PLAY = Path(__file__).with_name("play.py")
BIN = Path(sys.executable).parent
REPLAY_TIMEOUT = 600  # seconds; one replay takes about a minute and a half on 2 cores
TOTAL_LABEL = "合计"


@dataclass
class Soak:
    """Where the replay left its state, and what it did."""

    campaign: Campaign
    home: Path
    env: dict[str, str]
    script: dict
    expected: Expected
    mail: list  # services.smtp.ReceivedMail, as received during the first replay

    @property
    def url(self) -> str:
        return f"sqlite:///{self.home / 'warehouse.sqlite'}"

    @property
    def drop(self) -> Path:
        return self.home / "dropzone" / self.campaign.drop_zone.path

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def reports(self) -> Path:
        return self.home / "reports" / self.campaign.id

    def rows(self, sql: str, **params: object) -> list[tuple]:
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(sa.text(sql), params)]
        finally:
            engine.dispose()


def _play(env: dict[str, str], script: Path, *extra: str) -> None:
    done = subprocess.run(
        [sys.executable, str(PLAY), CAMPAIGN, "--script", str(script), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=REPLAY_TIMEOUT,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]


@pytest.fixture(scope="module")
def soak(tmp_path_factory: pytest.TempPathFactory, smtp_server) -> Soak:
    base = tmp_path_factory.mktemp("soak")
    smtp = smtp_server.airflow_connection()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CAMPAIGN_OPS"))},
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "AIRFLOW_HOME": str(base / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW_CONN_CAMPAIGN_OPS_SMTP": smtp,
        "AIRFLOW_CONN_SMTP_DEFAULT": smtp,
        "CAMPAIGN_OPS_HOME": str(base / "state"),
        "CAMPAIGN_OPS_RETRY_DELAY_SECONDS": "1",
    }
    smtp_server.reset()
    _play(env, base / "script.json")
    campaign = get_campaign(CAMPAIGN)
    script = json.loads((base / "script.json").read_text("utf-8"))
    return Soak(
        campaign,
        base / "state",
        env,
        script,
        expected_from(campaign, script),
        smtp_server.received,
    )


# ---- the script covers the story -----------------------------------------------------------


def test_the_script_has_every_kind_of_unit_and_report(soak: Soak):
    exp = soak.expected
    assert set(exp.matrix().values()) == {
        "accepted_on_time",
        "accepted_late",
        "rejected",
        "missing",
    }
    assert sum(r.revised for r in exp.reports) == len(soak.campaign.rounds)
    assert soak.script["counts"] == dict(Counter(kind for _, kind in exp.runs))
    reminders = [k for k in exp.mails if k[0] in ("reminder", "overdue")]
    # before a deadline the units that delivered early are not chased
    first_chase = {k[3] for k in reminders if k[0] == "reminder"}
    assert any(
        0 < len([k for k in reminders if k[3] == m]) < len(soak.campaign.units) for m in first_chase
    )


# ---- the warehouse ---------------------------------------------------------------------------


def test_every_submission_has_the_scripted_version_status_and_time(soak: Soak):
    rows = soak.rows(
        "SELECT unit_code, round_id, deliverable_key, version, status, on_time, received_at"
        " FROM submissions WHERE campaign_id = :c",
        c=CAMPAIGN,
    )
    got = {(*r[:5], bool(r[5]), _utc(r[6])) for r in rows}
    assert len(rows) == len(soak.script["dropped"])
    assert got == soak.expected.submissions()


def test_every_unit_and_round_ends_in_the_scripted_status(soak: Soak):
    from sqlalchemy.orm import Session

    from campaign_ops.status import campaign_status
    from campaign_ops.store.db import create_engine

    engine = create_engine(soak.url)
    try:
        with Session(engine) as s:
            status = campaign_status(s, soak.campaign)
    finally:
        engine.dispose()
    got = {(u.unit, r.round): u.status for r in status.rounds for u in r.units}
    want = soak.expected.matrix()
    assert got == want
    for r in status.rounds:
        mine = [s for (_, rid), s in want.items() if rid == r.round]
        assert r.expected == len(mine)
        assert r.actual == sum(s.startswith("accepted") for s in mine)
        assert r.on_time == mine.count("accepted_on_time")


def test_merged_units_count_the_newest_accepted_version(soak: Soak):
    exp = soak.expected
    rows = soak.rows(
        "SELECT round_id, form_id, unit_code, status, version, on_time FROM merged_units"
        " WHERE campaign_id = :c",
        c=CAMPAIGN,
    )
    counting = exp.counting()
    versions = exp.versions()
    for round_id, form_id, unit, status, version, on_time in rows:
        slot = (unit, round_id, form_id)
        if slot in counting:
            files = versions[slot]
            assert (status, version) == ("accepted", files.index(counting[slot]) + 1), slot
            assert bool(on_time) == (counting[slot].at <= exp.due(round_id)), slot
        else:
            assert (status, version) == ("rejected" if slot in versions else "missing", None)
    asked = {
        (r.id, f, u.code)
        for r in soak.campaign.rounds
        for f in r.forms
        for u in soak.campaign.units_for(r)
    }
    assert {(r, f, u) for r, f, u, *_ in rows} == asked


def test_merged_round_totals_are_the_sums_of_the_figures_typed_in(soak: Soak):
    exp = soak.expected
    rows = soak.rows(
        "SELECT round_id, form_id, row_key, column_key, value, units_counted"
        " FROM merged_round_totals WHERE campaign_id = :c",
        c=CAMPAIGN,
    )
    got = {(r, f, row, col): (v, n) for r, f, row, col, v, n in rows}
    checked = 0
    for round_ in soak.campaign.rounds:
        for form in forms_of(soak.campaign, round_.id):
            typed = exp.figures(round_.id, form.id)
            assert typed, f"nobody's {form.id} counts in {round_.id}"
            cells = [(r.key, c.key) for r in form.rows for c in form.columns if c.numeric]
            for cell in cells + report_cells(form):
                value, counted = got[(round_.id, form.id, *cell)]
                assert counted == len(typed), (round_.id, form.id, cell)
                assert value == pytest.approx(city_cell(form, typed, cell)), (round_.id, cell)
                checked += 1
    assert checked > 100


# ---- the archive -----------------------------------------------------------------------------


def test_every_dropped_file_is_archived_exactly_once(soak: Soak):
    dropped = {d["path"]: (soak.drop / d["path"]).read_bytes() for d in soak.script["dropped"]}
    assert len(dropped) == len(soak.script["dropped"])  # no path dropped twice
    shas = {sha256_of(data) for data in dropped.values()}
    assert len(shas) == len(dropped)  # and no two files alike
    for data in dropped.values():
        assert archive_path(sha256_of(data), soak.archive).read_bytes() == data
    in_archive = [p for p in soak.archive.rglob("*") if p.is_file()]
    assert sorted(p.name for p in in_archive) == sorted(shas)
    rows = soak.rows("SELECT sha256 FROM archived_files")
    assert sorted(r[0] for r in rows) == sorted(shas)
    events = soak.rows("SELECT path, outcome FROM intake_events WHERE campaign_id = :c", c=CAMPAIGN)
    assert sorted(events) == sorted(
        (d["path"], "rejected" if d["broken"] else "accepted") for d in soak.script["dropped"]
    )


# ---- the mail --------------------------------------------------------------------------------


def _key_of(message) -> tuple[str, str, str, str]:
    # a long key is folded onto its own line, and parsing keeps the fold's space: strip it
    key = message["X-Campaign-Ops-Key"].strip()
    campaign, kind, round_id, recipient, moment = key.split("/")
    assert campaign == CAMPAIGN
    return (kind, "" if round_id == "-" else round_id, recipient, moment)


def test_every_ledger_key_was_sent_exactly_once(soak: Soak):
    rows = soak.rows(
        "SELECT kind, round_id, recipient_key, moment, status, attempts FROM mail_ledger"
        " WHERE campaign_id = :c",
        c=CAMPAIGN,
    )
    assert len(rows) == len({r[:4] for r in rows})
    assert {r[:4] for r in rows} == set(soak.expected.mails)
    assert {(status, attempts) for *_, status, attempts in rows} == {("sent", 1)}


def test_the_server_received_each_expected_email_once_and_nothing_else(soak: Soak):
    exp = soak.expected
    messages = [(m, m.message) for m in soak.mail]
    assert all(msg["X-Campaign-Ops-Key"] for _, msg in messages), "a mail without a key"
    keys = Counter(_key_of(msg) for _, msg in messages)
    assert [k for k, n in keys.items() if n > 1] == []
    assert set(keys) - set(exp.mails) == set(), "emails nobody expected"
    assert set(exp.mails) - set(keys) == set(), "expected emails never received"
    for received, msg in messages:
        want = exp.mails[_key_of(msg)]
        assert set(received.rcpt_tos) == want.recipients, want.key
        assert received.mail_from == soak.campaign.sender.email
        for part in want.subject_has:
            assert part in msg["Subject"], (want.key, msg["Subject"])
        assert ("更正版" in msg["Subject"]) == (want.key[0] == "report_revised"), msg["Subject"]
    kinds = Counter(k[0] for k in keys)
    assert kinds["notice"] == len(soak.campaign.units)
    assert kinds["report"] == len([r for r in exp.reports if not r.revised])


def test_reminders_go_only_to_units_missing_something_at_that_moment(soak: Soak):
    """Also checked by the key sets above; spelled out here for the late and the corrected
    unit, whose chasing must stop the moment their file is in."""
    exp = soak.expected
    roles = soak.script["roles"]
    r1 = soak.campaign.rounds[0]
    units = soak.campaign.units_for(r1)
    late, corrected = units[roles["late"]].code, units[roles["corrected"]].code
    chased = {k for k in exp.mails if k[0] == "overdue" and k[1] == r1.id}
    late_fix = max(f.seen for f in exp.files if f.unit == corrected and f.round_id == r1.id)
    for _, _, unit, moment in chased:
        assert unit != late  # its files were in before the first overdue reminder
        if unit == corrected:
            assert moment < utc_text(late_fix)
    assert any(k[2] == corrected for k in chased)
    received = {_key_of(m.message) for m in soak.mail}
    assert chased <= received


# ---- the reports ------------------------------------------------------------------------------


def _folder(soak: Soak, moment: dt.datetime) -> Path:
    local = moment.astimezone(ZoneInfo(soak.campaign.timezone))
    return soak.reports / f"{local:%Y-%m-%d_%H%M}"


def _report_file(soak: Soak, report: Report) -> Path:
    suffix = report.round_id or "总结"
    name = f"_{suffix}{'_更正版' if report.revised else ''}.xlsx"
    [path] = [p for p in _folder(soak, report.moment).glob("*.xlsx") if p.name.endswith(name)]
    return path


def test_each_report_moment_has_its_reports_and_nothing_else(soak: Soak):
    exp = soak.expected
    moments = sorted({r.moment for r in exp.reports})
    assert sorted(p.name for p in soak.reports.iterdir()) == sorted(
        _folder(soak, m).name for m in moments
    )
    for m in moments:
        files = {_report_file(soak, r) for r in exp.reports if r.moment == m}
        assert set(_folder(soak, m).iterdir()) == files
    # the mailed attachment is the file on disk
    for received in soak.mail:
        msg = received.message
        kind, round_id, _, moment = _key_of(msg)
        if not kind.startswith("report"):
            continue
        at = dt.datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        rid = None if round_id in ("final", "extra") else round_id
        [attachment] = list(msg.iter_attachments())
        path = _report_file(soak, Report(at, rid, kind == "report_revised"))
        assert attachment.get_filename() == path.name
        assert attachment.get_content() == path.read_bytes()


def test_each_report_shows_the_figures_and_statuses_of_its_moment(soak: Soak):
    exp = soak.expected
    for report in exp.reports:
        wb = load_workbook(io.BytesIO(_report_file(soak, report).read_bytes()), read_only=False)
        for form in forms_of(soak.campaign, report.round_id):
            _check_sheet(soak, wb[form.title], form, report)


def _check_sheet(soak: Soak, ws, form, report: Report) -> None:
    exp, campaign = soak.expected, soak.campaign
    where = (report.moment.isoformat(), report.round_id, report.revised, form.id)
    assert str(ws["A1"].value).startswith("【更正版】") == report.revised, where
    cells = report_cells(form)
    status_col = 2 + len(cells)
    for j, (_, col) in enumerate(cells):
        heads = [str(ws.cell(row=r, column=2 + j).value or "") for r in (4, 5)]
        assert any(h.startswith(form.columns_by_key[col].label) for h in heads), (where, heads)
    lines = {ws.cell(row=r, column=1).value: r for r in range(1, ws.max_row + 1)}
    total = lines[TOTAL_LABEL]
    if report.round_id is not None:
        round_ = campaign.round(report.round_id)
        units = campaign.units_for(round_)
        typed = exp.figures(round_.id, form.id, until=report.moment)
        for u in units:
            row = lines[u.short_name]
            status = exp.form_status(u.code, round_.id, form.id, report.moment)
            assert ws.cell(row=row, column=status_col).value == status, (where, u.code)
            for j, cell in enumerate(cells):
                want = unit_cell(form, typed[u.code], cell) if u.code in typed else None
                assert ws.cell(row=row, column=2 + j).value == _approx(want), (where, u.code, cell)
        for j, cell in enumerate(cells):
            got = ws.cell(row=total, column=2 + j).value
            assert got == _approx(city_cell(form, typed, cell)), (where, cell)
        done = f"{len(typed)}/{len(units)} 个单位已报送"
        assert ws.cell(row=total, column=status_col).value == done, where
    else:
        to_date = exp.to_date(form)
        for u in campaign.units:
            row = lines[u.short_name]
            for j, cell in enumerate(cells):
                want = to_date.get(u.code, {}).get(cell)
                assert ws.cell(row=row, column=2 + j).value == _approx(want), (where, u.code, cell)
        for j, cell in enumerate(cells):
            numbers = [line[cell] for line in to_date.values() if cell in line]
            want = sum(numbers) if numbers else None
            assert ws.cell(row=total, column=2 + j).value == _approx(want), (where, cell)


def _approx(value: float | None):
    return None if value is None else pytest.approx(value, abs=1e-4)


def _utc(value: object) -> dt.datetime:
    """A UTC timestamp as SQLite hands it back (text) or a driver does (datetime)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# ---- the second replay -----------------------------------------------------------------------

# The one column a re-run may touch: every DAG run syncs the campaign's YAML into the warehouse
# and stamps when it did (checked: nothing else, not even a ledger row's updated_at, moves).
VOLATILE = {("campaigns", "loaded_at")}


def _snapshot(soak: Soak) -> dict:
    engine = sa.create_engine(soak.url)
    tables: dict[str, list] = {}
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            for name in names:
                cols = [c["name"] for c in sa.inspect(conn).get_columns(name)]
                keep = [c for c in cols if (name, c) not in VOLATILE]
                select = ", ".join(f'"{c}"' for c in keep)
                rows = conn.execute(sa.text(f'SELECT {select} FROM "{name}"')).all()
                tables[name] = sorted(tuple(map(repr, r)) for r in rows)
    finally:
        engine.dispose()
    files = {
        str(p.relative_to(soak.home)): sha256_of(p.read_bytes())
        for p in soak.home.rglob("*")
        if p.is_file() and "warehouse.sqlite" not in p.name and "work" not in p.parts
    }
    return {"tables": tables, "files": files}


def test_a_second_replay_of_the_whole_calendar_changes_nothing(soak: Soak, smtp_server):
    before = _snapshot(soak)
    received = len(smtp_server.received)
    _play(soak.env, soak.home.parent / "script-again.json", "--again")
    assert smtp_server.received[received:] == [], "the second replay sent mail"
    after = _snapshot(soak)
    assert after["files"] == before["files"]
    changed = [t for t in before["tables"] if before["tables"][t] != after["tables"].get(t)]
    assert changed == []
    assert set(after["tables"]) == set(before["tables"])
