"""One scan of a drop zone, end to end: list → settle → archive → identify → validate → store.

The same functions serve the collect DAG (``pending`` in one task, ``process`` mapped over
batches) and ``campaign-ops ingest``. Work is split so that nothing is lost and nothing is
done twice:

1. ``pending``: list the drop zone, skip files whose content already has a final outcome
   (same path, same size), and mark files still being copied as not ready.
2. ``process``: read each file once, archive its bytes by sha256 (a table's by the parse
   pool's worker, just before it parses it while the next files are read; whatever was read
   is archived here if the scan fails first) and identify it; then, a group of files at a
   time while the next ones are parsed, validate the group's statistics in one Great
   Expectations run and write its outcomes in one transaction — split in halves, each in a
   savepoint, down to a file at fault if it fails — so one bad file never takes the others
   down and a retried task resumes where the last one stopped.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from campaign_ops.campaign import Campaign, DeliverableKind, Round, Unit
from campaign_ops.intake.archiving import archive_bytes, flush_archive, sha256_of
from campaign_ops.intake.identify import (
    MAX_MEDIA_BYTES,
    UnitMatcher,
    document_kind,
    is_spreadsheet,
    matcher_for,
    size_limit,
    unit_from_path,
)
from campaign_ops.intake.routing import (
    Deliveries,
    RoundChoice,
    already_delivered,
    choose_round,
    load_deliveries,
    round_from_path,
)
from campaign_ops.intake.sources import Entry, Source

if TYPE_CHECKING:
    from campaign_ops.forms.pool import Parsing

log = logging.getLogger(__name__)

SETTLE_SECONDS = 60  # a file modified this recently may still be being copied
BROKEN_AFTER = dt.timedelta(hours=1)  # an incomplete file unchanged this long is broken


@dataclass
class FileOutcome:
    """What happened to one file, for receipts, logs and the DAG's XCom."""

    path: str
    outcome: str  # accepted, rejected, not_ready, duplicate, unidentified, refused
    message: str
    sha256: str = ""
    unit: str | None = None
    round: str | None = None
    deliverable: str | None = None
    version: int | None = None
    on_time: bool | None = None
    submission_id: int | None = None
    received_at: str | None = None
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Work:
    """A file between reading and storing."""

    entry: Entry
    sha256: str
    received_at: dt.datetime
    unit: Unit | None = None
    round: Round | None = None
    round_choice: RoundChoice | None = None
    deliverable: str | None = None
    identified_by: str = "path"
    parsed: Any = None  # ParsedSubmission
    refusal: Any = None  # Refusal
    outcome: FileOutcome | None = None  # decided early (duplicate, unidentified, …)
    result: Any = None  # FileResult from validation

    def conclude(self, outcome: str, message: str) -> None:
        """Settle this file without a submission (duplicate, unidentified, refused, …)."""
        self.outcome = FileOutcome(
            self.entry.path,
            outcome,
            message,
            sha256=self.sha256,
            unit=self.unit.code if self.unit else None,
            round=self.round.id if self.round else None,
            deliverable=self.deliverable,
        )


# ---- listing --------------------------------------------------------------------------------


def pending(
    campaign: Campaign, source: Source, now: dt.datetime
) -> tuple[list[Entry], list[FileOutcome]]:
    """Files to process now, and the outcomes of files that are not ready yet.

    ``now`` is the scan's moment (the DAG run's logical date, so a replayed calendar gets the
    on-time/late decisions of its own time); readiness is judged on the real clock."""
    from campaign_ops.store import log_outcome, session_scope, sync_campaign
    from campaign_ops.store.intake_log import settled_paths

    entries = list(source.entries())
    matcher = matcher_for(campaign)
    with session_scope() as session:
        sync_campaign(session, campaign)
        done = settled_paths(session, campaign.id, source.name)
        todo: list[Entry] = []
        waiting: list[FileOutcome] = []
        for e in entries:
            if done.get(e.path) == (e.size, e.mtime):
                continue  # unchanged since it got its final outcome
            reason = _not_ready_reason(e, dt.datetime.now(dt.UTC))
            if reason is None:
                todo.append(e)
                continue
            unit = unit_from_path(matcher, e.path)
            round_ = round_from_path(campaign, e.path) or _current_round(campaign, now)
            log_outcome(
                session,
                campaign_id=campaign.id,
                source=source.name,
                path=e.path,
                size=e.size,
                mtime=e.mtime,
                outcome="not_ready",
                unit_code=unit.code if unit else None,
                round_id=round_.id if round_ else None,
                message=reason,
                seen_at=now,
            )
            waiting.append(FileOutcome(e.path, "not_ready", reason, unit=unit and unit.code))
    return todo, waiting


def _current_round(campaign: Campaign, now: dt.datetime) -> Round | None:
    today = now.astimezone(_tz(campaign)).date()
    upcoming = [r for r in campaign.rounds if r.deadline >= today]
    return min(upcoming, key=lambda r: r.deadline) if upcoming else None


def _not_ready_reason(entry: Entry, wall_clock: dt.datetime) -> str | None:
    """Why a file cannot be read yet. Always judged on the real clock (a replayed run's
    logical time must never make a file that is being copied look settled)."""
    if entry.size == 0:
        return "文件为空（0 字节），可能仍在复制中，系统会在下次收取时再检查。"
    age = (wall_clock - entry.mtime).total_seconds()
    if 0 <= age < SETTLE_SECONDS:
        return "文件刚刚被修改，可能仍在复制中，系统会在下次收取时再处理。"
    return None


# A Great Expectations run costs about half a second per form whatever its size, so a batch
# should hold enough files to amortise it; more batches than workers only add that cost.
MIN_BATCH_FILES = 500


def batches(entries: list[Entry], campaign: Campaign, max_batches: int) -> list[list[Entry]]:
    """Split work into at most ``max_batches`` batches of about ``MIN_BATCH_FILES`` files or
    more, keeping each unit's files together (versions stay in arrival order) — Airflow maps
    one task per batch, never one per file."""
    matcher = matcher_for(campaign)
    by_unit: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        unit = unit_from_path(matcher, e.path)
        by_unit[unit.code if unit else ""].append(e)
    groups = sorted(by_unit.values(), key=len, reverse=True)
    wanted = -(-len(entries) // MIN_BATCH_FILES)  # ceil
    count = max(1, min(max_batches, len(groups), wanted))
    out: list[list[Entry]] = [[] for _ in range(count)]
    for group in groups:  # largest first into the smallest batch
        min(out, key=len).extend(sorted(group, key=lambda e: (e.mtime, e.path)))
    return [b for b in out if b]


# ---- processing -------------------------------------------------------------------------------


CHUNK = 100  # files read (and their tables sent to the parser) per progress step
HELD_BYTES = 32 * 1024 * 1024  # table bytes in one parse group, at most (about)
# Files are validated and stored a group at a time while the next files are parsed: memory is
# bounded by the group, not the batch, and a fault only costs its group. A Great Expectations
# run costs about 0.1 s whatever its size, so a group holds many files; as many are read ahead
# so that the parse workers have work while this process validates and stores.
SETTLE_FILES = 750
AHEAD_FILES = SETTLE_FILES


def process(
    campaign: Campaign,
    source: Source,
    entries: Iterable[Entry],
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
) -> list[FileOutcome]:
    """Archive, identify, validate and store these files; one outcome per file, in arrival
    order. Raises once all the others are stored if some file's outcome could not be."""
    with _no_full_collections():
        return _process(campaign, source, entries, now, progress)


@contextmanager
def _no_full_collections() -> Iterator[None]:
    """Keep Python's full garbage collections out of a scan. Each walks every object of the
    process (Great Expectations, pandas, the files in flight) for about 0.25 s, and a scan of
    3,000 files set off three of them in the middle of its work. Young collections go on (they
    free the short-lived cycles); the full ones resume afterwards."""
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, 2**31 - 1)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)


def _process(
    campaign: Campaign,
    source: Source,
    entries: Iterable[Entry],
    now: dt.datetime,
    progress: Callable[[int], None] | None,
) -> list[FileOutcome]:
    from campaign_ops.settings import settings

    entries = sorted(entries, key=lambda e: (e.mtime, e.path))
    previous_scan, processed, deliveries = _history(campaign, source, now)
    scan = _Scan(
        campaign,
        source,
        now,
        previous_scan,
        processed,
        deliveries,
        matcher_for(campaign),
        partial(archive_bytes, root=settings().archive_dir, durable=False),
        files=len(entries),
    )
    reading: deque[_Chunk] = deque()  # read, their tables being parsed
    ready: list[_Work] = []  # identified, in arrival order
    outcomes: list[FileOutcome] = []
    failed: list[str] = []

    def settle() -> None:
        if not ready:
            return
        flush_archive()  # the bytes are safe before anything about them is recorded
        _validate(campaign, [w for w in ready if w.outcome is None])
        outcomes.extend(_store_all(campaign, source, ready, now, failed))
        ready.clear()

    def identify_oldest() -> None:
        ready.extend(_identified(scan, reading[0]))
        reading.popleft()  # only now: had identifying it failed, it would be archived below
        if len(ready) >= SETTLE_FILES:
            settle()  # while the chunks after it are still being parsed

    try:
        for start in range(0, len(entries), CHUNK):
            chunk = entries[start : start + CHUNK]
            reading.append(_read_and_parse(scan, chunk))
            while sum(len(c.works) for c in reading) > AHEAD_FILES:
                identify_oldest()
            if progress:
                progress(len(chunk))
        while reading:
            identify_oldest()
        settle()
    except BaseException:
        for c in reading:  # every file read is archived, also when the scan fails
            c.archive_here()
        raise
    if failed:
        raise RuntimeError(f"{len(failed)} 个文件的处理结果未能保存，其余已保存：{failed[:5]}")
    return outcomes


def _history(
    campaign: Campaign, source: Source, now: dt.datetime
) -> tuple[dt.datetime | None, set[tuple[str, str]], Deliveries]:
    """The previous scan's time, the (sha256, path) pairs this campaign already gave a
    final outcome, and what each unit has delivered (a few queries for the batch, not one
    per file)."""
    import sqlalchemy as sa

    from campaign_ops.store import session_scope
    from campaign_ops.store.intake_log import FINAL, IntakeEvent

    with session_scope() as session:
        previous = _previous_scan(session, campaign.id, source.name, before=now)
        processed = set(
            session.execute(
                sa.select(IntakeEvent.sha256, IntakeEvent.path).where(
                    IntakeEvent.campaign_id == campaign.id,
                    IntakeEvent.outcome.in_(FINAL),
                    IntakeEvent.sha256 != "",
                )
            ).tuples()
        )
        deliveries = load_deliveries(session, campaign.id)
    return previous, processed, deliveries


def _previous_scan(
    session, campaign_id: str, source: str, before: dt.datetime
) -> dt.datetime | None:
    """When this drop zone was last scanned before the current scan."""
    import sqlalchemy as sa

    from campaign_ops.store.intake_log import IntakeEvent

    return session.scalar(
        sa.select(sa.func.max(IntakeEvent.last_seen_at)).where(
            IntakeEvent.campaign_id == campaign_id,
            IntakeEvent.source == source,
            IntakeEvent.last_seen_at < before,
        )
    )


def received_time(entry: Entry, now: dt.datetime, previous_scan: dt.datetime | None) -> dt.datetime:
    """When the unit handed the file in, as well as we can tell: its modification time, but
    no earlier than the previous scan that did not see it (copies keep old mtimes) and no
    later than now (clocks drift)."""
    t = entry.mtime
    if previous_scan is not None and t < previous_scan:
        t = previous_scan
    return min(t, now)


@dataclass
class _Scan:
    """What every file of one processing run shares."""

    campaign: Campaign
    source: Source
    now: dt.datetime
    previous_scan: dt.datetime | None
    processed: set[tuple[str, str]]  # (sha256, path) already given a final outcome
    deliveries: Deliveries  # what each unit has delivered, kept up to date by this run
    matcher: UnitMatcher
    keep: Callable[[bytes, str], object] | None  # archives a file's bytes (None: a preview)
    files: int = 0  # in this run


@dataclass
class _Chunk:
    """Files read together: their works in arrival order, and the parsing of their tables."""

    works: list[_Work]
    parsing: list[tuple[list[_Work], Parsing]]

    def archive_here(self) -> None:
        """Archive the tables in this process, whether or not their parse has done it yet
        (archiving is idempotent): for a scan that stops before its parses finish."""
        for _, parsing in self.parsing:
            for job in parsing.jobs:
                if job.keep is not None:
                    job.keep(job.data, job.file_key)


def _read_and_parse(scan: _Scan, entries: list[Entry]) -> _Chunk:
    """Read files; documents are archived and identified at once, tables are sent to the
    parser (``forms.pool``: on every core when there are many), which archives each one just
    before parsing it, in groups of at most ``HELD_BYTES``, so that reading goes on
    meanwhile. Nothing about a file is recorded before its parse, so before its archiving."""
    from campaign_ops.forms.pool import Job, parse_later

    chunk = _Chunk([], [])
    keep = scan.keep or _keep_nothing

    def start(tables: list[tuple[_Work, bytes]]) -> None:
        # the name is only the file's name: the parser never sees the drop zone's folders
        jobs = [Job(PurePosixPath(w.entry.path).name, d, w.sha256, scan.keep) for w, d in tables]
        later = parse_later(jobs, candidates=scan.campaign.forms, run_size=scan.files)
        chunk.parsing.append(([w for w, _ in tables], later))

    tables: list[tuple[_Work, bytes]] = []
    held = 0
    try:
        for entry in entries:
            read = _read(scan, entry)
            if read is None:
                continue
            work, data = read
            chunk.works.append(work)
            if work.outcome is not None or not is_spreadsheet(entry.path):
                if work.sha256:  # not a file refused unread for its size
                    keep(data, work.sha256)
                if work.outcome is None:
                    _identify_document(scan, work)
                continue
            tables.append((work, data))
            held += len(data)
            if held > HELD_BYTES:
                start(tables)
                tables, held = [], 0
        if tables:
            start(tables)
            tables = []
    except BaseException:  # every file read is archived, also when reading fails
        chunk.archive_here()
        for work, data in tables:
            keep(data, work.sha256)
        raise
    return chunk


def _identified(scan: _Scan, chunk: _Chunk) -> list[_Work]:
    """The chunk's works, once its tables are parsed and identified."""
    for works, parsing in chunk.parsing:
        for work, item in zip(works, parsing.result(), strict=True):
            _identify_table(scan, work, item)
    return chunk.works


def _read(scan: _Scan, entry: Entry) -> tuple[_Work, bytes] | None:
    """The file's bytes and what is known about it at once (None: nothing more to do)."""
    if entry.size > MAX_MEDIA_BYTES:
        # refused unread: a 4 GiB video must not take the whole scan's memory (its path, size
        # and time are recorded, its bytes not archived). Smaller files over their type's limit
        # are archived and refused with the type's own message further on.
        work = _Work(entry, "", received_time(entry, scan.now, scan.previous_scan))
        work.unit = unit_from_path(scan.matcher, entry.path)
        work.conclude("refused", _too_big(entry.size, _size_limit_of(entry.path)))
        return work, b""
    try:
        data = scan.source.read(entry)
    except FileNotFoundError:
        log.info("%s 在读取前被移走，跳过", entry.path)
        return None
    sha = sha256_of(data)
    if (sha, entry.path) in scan.processed:
        return None  # this very file was stored by an earlier try of this task: done
    return _Work(entry, sha, received_time(entry, scan.now, scan.previous_scan)), data


def _identify_table(scan: _Scan, work: _Work, parsed: Any) -> None:
    """Unit, form and round of a parsed table (``parsed``: the submission or its refusal)."""
    campaign, matcher, entry = scan.campaign, scan.matcher, work.entry
    identity = getattr(parsed, "identity", None)
    if identity and identity.campaign and identity.campaign != campaign.id:
        work.unit = unit_from_path(matcher, entry.path)  # so that the unit is told
        work.conclude(
            "unidentified",
            f"这是专项行动“{identity.campaign}”的报表模板，不属于本专项行动，请放到正确的报送目录。",
        )
        return
    # unit: metadata sheet → path → 填报单位 cell
    unit = campaign.units_by_code.get(identity.unit) if identity and identity.unit else None
    work.identified_by = "metadata" if unit else "path"
    unit = unit or unit_from_path(matcher, entry.path)
    if unit is None and getattr(parsed, "reporting_unit", None):
        unit = matcher.find(parsed.reporting_unit)
        work.identified_by = "unit_cell"
    form_id = _form_of(campaign, parsed, entry.path)
    work.unit, work.deliverable = unit, form_id
    if hasattr(parsed, "rows"):
        work.parsed = parsed
        _note_unit_mismatch(matcher, work)
    else:
        work.refusal = parsed
    named = (
        campaign.round(identity.round)
        if identity and identity.round in _round_ids(campaign)
        else round_from_path(campaign, entry.path)
    )
    incomplete = work.refusal is not None and work.refusal.code == "not_ready"
    if incomplete and scan.now - entry.mtime < BROKEN_AFTER:
        # probably still arriving; an incomplete file unchanged for an hour is rejected
        work.conclude("not_ready", work.refusal.message)
        return
    _route(scan, work, named)


def _note_unit_mismatch(matcher: UnitMatcher, work: _Work) -> None:
    """A template made for one unit with another unit in its 填报单位 cell: counted for the
    template's (or folder's) unit, and the unit is asked to check it."""
    written = work.parsed.reporting_unit
    other = matcher.find(written)
    if work.unit is None or other is None or other.code == work.unit.code:
        return
    from campaign_ops.forms.findings import Finding

    unit = work.unit
    if work.identified_by == "metadata":
        found, fix = f"模板是为“{unit.name}”生成的", "如果用了其他单位的模板，请改用本单位的模板"
    else:
        found, fix = f"文件放在“{unit.name}”的文件夹中", "如果放错了文件夹，请放到本单位的文件夹"
    work.parsed.notes.append(
        Finding(
            severity="warning",
            code="unit_mismatch",
            message=f"{found}，但填报单位写的是“{written}”：已计入{unit.short_name}。"
            f"{fix}重新报送。",
            file=work.parsed.file_name,
            sheet=work.parsed.sheet,
        )
    )


def _round_ids(campaign: Campaign) -> set[str]:
    return {r.id for r in campaign.rounds}


def _form_of(campaign: Campaign, parsed: Any, path: str) -> str | None:
    """The statistics form a file is (or was meant to be, for a refused one)."""
    if hasattr(parsed, "form"):
        return parsed.form.id
    from campaign_ops.forms.spec import load_form

    name = PurePosixPath(path).stem
    for form_id in campaign.forms:
        if load_form(form_id).title in name or form_id in name:
            return form_id
    return campaign.forms[0] if len(campaign.forms) == 1 else None


def _identify_document(scan: _Scan, work: _Work) -> None:
    campaign, matcher, entry = scan.campaign, scan.matcher, work.entry
    limit = size_limit(entry.path)
    suffix = PurePosixPath(entry.path).suffix or "（无扩展名）"
    work.unit = unit_from_path(matcher, entry.path)
    if limit is None:
        work.conclude(
            "refused",
            f"不接受 {suffix} 类型的文件。工作总结、典型案例等请用 Word（.docx）或 PDF，"
            "图片用 .jpg/.png，视频用 .mp4。",
        )
        return
    if entry.size > limit:
        work.conclude("refused", _too_big(entry.size, limit))
        return
    kind = document_kind(entry.path)
    work.deliverable = kind.value if kind else None
    work.identified_by = "path"
    _route(scan, work, round_from_path(campaign, entry.path))


def _size_limit_of(path: str) -> int:
    """The most a file of this type may weigh (an unaccepted type: the largest limit)."""
    from campaign_ops.forms.safety import MAX_FILE_BYTES

    if is_spreadsheet(path):
        return MAX_FILE_BYTES
    return size_limit(path) or MAX_MEDIA_BYTES


def _too_big(size: int, limit: int) -> str:
    return (
        f"文件大小 {size / 1024 / 1024:.0f} MB 超过上限 {limit // 1024 // 1024} MB，"
        "请压缩后重新报送。"
    )


def _route(scan: _Scan, work: _Work, named: Round | None) -> None:
    """Choose the round (``intake.routing``), tell a no-op from a delivery, and say clearly
    what is missing when nothing fits."""
    campaign = scan.campaign
    if work.outcome is not None:
        return
    if work.unit is None:
        work.conclude(
            "unidentified",
            "无法确定报送单位：请使用系统下发的模板，或把文件放在本单位的文件夹中、"
            "在文件名中写明单位名称（如“汉滨区局”）。",
        )
        return
    if work.deliverable is None:
        asked = sorted({d.label for r in campaign.rounds for d in r.deliverables})
        why = f"另外，{work.refusal.message}" if work.refusal is not None else ""
        work.conclude(
            "unidentified",
            "无法判断这是哪一项报送材料：请在文件名中写明材料名称（"
            + "、".join(asked)
            + "）。"
            + why,
        )
        return
    arrived = work.received_at.astimezone(_tz(campaign)).date()
    choice = choose_round(
        campaign, work.unit, work.deliverable, arrived, scan.deliveries, named=named
    )
    if choice is None:
        work.conclude(
            "unidentified",
            f"本专项行动没有要求{work.unit.short_name}报送这项材料，请核对后再报送。",
        )
        return
    sent_for = already_delivered(
        campaign, scan.deliveries, work.unit, work.deliverable, work.sha256, choice
    )
    if sent_for is not None:
        work.round = campaign.round(sent_for)
        work.conclude(
            "duplicate",
            f"与贵单位此前为“{work.round.title}”报送的{_label(campaign, work)}内容完全相同，"
            "未重复计入。如果这是另一轮次的材料，请在文件名中写明该轮截止日期"
            "（如“7月10日”）后重新放入。",
        )
        return
    work.round, work.round_choice = choice.round, choice
    scan.deliveries.add((choice.round.id, work.unit.code, work.deliverable), work.sha256)


def _tz(campaign: Campaign):
    from zoneinfo import ZoneInfo

    return ZoneInfo(campaign.timezone)


def _keep_nothing(data: bytes, sha256: str) -> None:
    """A preview archives nothing."""


# ---- preview ------------------------------------------------------------------------------


@dataclass
class Preview:
    """What intake would make of a file dropped now, without storing or archiving anything."""

    outcome: FileOutcome
    result: Any  # the validation FileResult of a table; None for other files


def preview(
    campaign: Campaign,
    source: Source,
    now: dt.datetime,
    *,
    warehouse: bool,
) -> list[Preview]:
    """Identify, route and validate ``source``'s files exactly as a scan at ``now`` would,
    as if they had just been dropped: ``campaign-ops check`` and the 预检 folder. With
    ``warehouse``, the units' earlier deliveries and previous rounds are read from it (routing
    and the cross-round rules); without, neither is known."""
    deliveries = Deliveries()
    if warehouse:
        from campaign_ops.store import session_scope

        with session_scope() as session:
            deliveries = load_deliveries(session, campaign.id)
    entries = sorted(source.entries(), key=lambda e: e.path)
    # previous scan = now: every file counts as arriving now, as it will when it is dropped
    scan = _Scan(campaign, source, now, now, set(), deliveries, matcher_for(campaign), None)
    scan.files = len(entries)
    works = _identified(scan, _read_and_parse(scan, entries))
    _validate(campaign, [w for w in works if w.outcome is None], previous=warehouse)
    return [Preview(w.outcome or _verdict(campaign, w), w.result) for w in works]


# ---- validation -----------------------------------------------------------------------------


def _validate(campaign: Campaign, works: list[_Work], previous: bool = True) -> None:
    """One Great Expectations run per form for the whole batch, with each unit's previous
    round merged in for the cross-round rules (``previous``: read from the warehouse)."""
    tables = [w for w in works if w.parsed is not None or w.refusal is not None]
    if not tables:
        return
    from campaign_ops.forms.validate import validate_batch

    items = [w.parsed if w.parsed is not None else w.refusal for w in tables]
    before = _previous_values(campaign, tables) if previous else {}
    results = validate_batch(items, previous=before)
    for work, result in zip(tables, results, strict=True):
        work.result = result


def _previous_values(campaign: Campaign, works: list[_Work]) -> dict[str, Any]:
    """``file_key`` → the unit's accepted figures of the previous comparable round (row →
    column → number), for the cross-round checks: one query per round and form, not one per
    file (per file, a round of 1,000 tables took 44 s here; now 0.2 s)."""
    from campaign_ops.store import accepted_numbers, session_scope

    comparing: dict[tuple[str, str], list[_Work]] = defaultdict(list)
    for w in works:
        if w.parsed is None or w.round is None or w.unit is None:
            continue
        prev = campaign.previous_comparable_round(w.round, w.deliverable)
        if prev is not None:
            comparing[(prev.id, w.deliverable)].append(w)
    out: dict[str, Any] = {}
    if not comparing:
        return out
    with session_scope() as session:
        for (round_id, form), group in comparing.items():
            units = {w.unit.code for w in group}
            numbers = accepted_numbers(session, campaign.id, round_id, form, units)
            for w in group:
                if w.unit.code in numbers:
                    out[w.parsed.file_key] = numbers[w.unit.code]
    return out


# ---- storing --------------------------------------------------------------------------------


def _store_all(
    campaign: Campaign,
    source: Source,
    works: list[_Work],
    now: dt.datetime,
    failed: list[str],
) -> list[FileOutcome]:
    """Write these files' facts and outcomes in a few set-based statements, in one
    transaction. If that fails, the files are split in halves, each in a savepoint of its own,
    down to the file at fault: that file is left out (its path added to ``failed``) and the
    others are kept; the task then fails so that Airflow retries it, and the retry skips what
    was stored."""
    from campaign_ops.store import session_scope

    outcomes: list[FileOutcome] = []
    with session_scope() as session:
        _store_halving(session, campaign, source, works, now, outcomes, failed)
    return outcomes


def _store_halving(
    session,
    campaign: Campaign,
    source: Source,
    works: list[_Work],
    now: dt.datetime,
    outcomes: list[FileOutcome],
    failed: list[str],
) -> None:
    import sqlalchemy as sa

    if not works:
        return
    try:
        with session.begin_nested():
            stored = _store(session, campaign, source, works, now)
    except (sa.exc.OperationalError, sa.exc.InterfaceError):
        raise  # the database itself is unwell: no file is at fault, let the task retry
    except Exception:
        if len(works) == 1:
            log.exception("保存 %s 的处理结果失败，将在重试时再处理", works[0].entry.path)
            failed.append(works[0].entry.path)
            return
        half = len(works) // 2
        for part in (works[:half], works[half:]):  # arrival order is kept: versions follow it
            _store_halving(session, campaign, source, part, now, outcomes, failed)
        return
    outcomes.extend(stored)


def _store(
    session, campaign: Campaign, source: Source, works: list[_Work], now: dt.datetime
) -> list[FileOutcome]:
    """Write these files' facts, their submissions (next versions, accepted or rejected),
    values and findings, and every file's outcome."""
    from campaign_ops.store import log_outcomes, record_files

    record_files(
        session,
        [
            {
                "sha256": w.sha256,
                "source": source.name,
                "path": w.entry.path,
                "size": w.entry.size,
                "mtime": w.entry.mtime,
            }
            for w in works
            if w.sha256  # a file refused unread for its size has no archived content
        ],
        seen_at=now,
    )
    fresh = [w for w in works if w.outcome is None]
    decided = dict(zip(map(id, fresh), _store_submissions(session, campaign, fresh), strict=True))
    outcomes = [w.outcome or decided[id(w)] for w in works]
    log_outcomes(
        session,
        [
            {
                "campaign_id": campaign.id,
                "source": source.name,
                "path": o.path,
                "size": w.entry.size,
                "mtime": w.entry.mtime,
                "outcome": o.outcome,
                "sha256": w.sha256 if o.outcome != "not_ready" else "",
                "unit_code": o.unit,
                "round_id": o.round,
                "submission_id": o.submission_id,
                "message": o.message,
            }
            for w, o in zip(works, outcomes, strict=True)
        ],
        seen_at=now,
    )
    return outcomes


def _store_submissions(session, campaign: Campaign, works: list[_Work]) -> list[FileOutcome]:
    """Record each file as the next version of its unit's deliverable, accepted or rejected:
    a document as it is, a table by its validation result."""
    from campaign_ops.store import record_all_findings, record_versions, store_all_values
    from campaign_ops.store.submissions import NewVersion

    verdicts = [_verdict(campaign, w) for w in works]
    recorded = record_versions(
        session,
        campaign.id,
        [
            NewVersion(
                round_id=w.round.id,
                unit_code=w.unit.code,
                deliverable_key=w.deliverable,
                sha256=w.sha256,
                received_at=w.received_at,
                identified_by=w.identified_by,
                status=v.outcome,
                rejection_summary=v.message if v.outcome == "rejected" else None,
                round_basis=w.round_choice.basis,
                round_candidates=w.round_choice.candidates,
            )
            for w, v in zip(works, verdicts, strict=True)
        ],
    )
    values: dict[int, list] = {}
    findings: dict[int, list] = {}
    for work, verdict, rec in zip(works, verdicts, recorded, strict=True):
        sub = rec.submission
        verdict.version, verdict.on_time, verdict.submission_id = sub.version, sub.on_time, sub.id
        if not rec.created or work.result is None:
            continue
        findings[sub.id] = _findings_to_store(work.result)
        if verdict.outcome == "accepted":
            values[sub.id] = [
                (row.key, col, v)
                for row in work.parsed.rows
                for col, v in row.values.items()
                if v is not None
            ]
    record_all_findings(session, findings)
    store_all_values(session, values)
    return verdicts


def _verdict(campaign: Campaign, work: _Work) -> FileOutcome:
    """What the unit is told about a file that becomes a submission."""
    outcome = FileOutcome(
        work.entry.path,
        "accepted",
        "",
        sha256=work.sha256,
        unit=work.unit.code,
        round=work.round.id,
        deliverable=work.deliverable,
        received_at=work.received_at.isoformat(),
    )
    result = work.result
    if result is None:  # a document: checked for type and size only
        outcome.message = f"已收到“{_label(campaign, work)}”。"
        return outcome
    outcome.errors = [f.to_dict() for f in result.errors]
    outcome.warnings = [f.to_dict() for f in result.warnings]
    if result.status == "accepted":
        outcome.figures = _key_figures(work.parsed)
        outcome.message = f"《{result.form_title}》已通过校验并入库。"
        return outcome
    outcome.outcome = "rejected"
    outcome.message = result.refusal_message or (
        f"《{result.form_title}》有 {len(result.errors)} 处错误，请修改后重新报送。"
    )
    return outcome


def _findings_to_store(result: Any) -> list[dict[str, Any]]:
    if result.status == "refused":
        return [
            {"severity": "error", "code": result.refusal_code, "message": result.refusal_message}
        ]
    return [_store_finding(f) for f in (*result.errors, *result.warnings)]


def _label(campaign: Campaign, work: _Work) -> str:
    for d in work.round.deliverables:
        if d.key == work.deliverable:
            return d.label
    return DeliverableKind(work.deliverable).value


def _store_finding(f: Any) -> dict[str, Any]:
    return {
        "severity": f.severity,
        "code": f.code,
        "message": f.message,
        "sheet": f.sheet,
        "row_label": f.row_label,
        "column_label": f.column_label,
        "value_found": f.value,
        "expected": f.expected,
    }


def _key_figures(parsed: Any) -> dict[str, float]:
    """The 合计 row (or column sums) of an accepted table, for the receipt."""
    total = parsed.total
    rows = [total] if total is not None else parsed.data_rows
    figures: dict[str, float] = {}
    for col in parsed.form.columns:
        values = [r.values.get(col.key) for r in rows]
        numbers = [v for v in values if isinstance(v, int | float)]
        if numbers:
            figures[col.label] = float(sum(numbers))
    return figures
