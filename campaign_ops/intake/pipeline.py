"""The scan engine: one scan of a drop zone, list → wait until copied → archive → identify →
validate → store. Which unit, round and deliverable a file is lives in ``routing``;
validating and writing the outcomes in ``recording``.

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
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from campaign_ops.campaign import Campaign, Round
from campaign_ops.intake.archive_files import archive_bytes, flush_archive, sha256_of
from campaign_ops.intake.identify import (
    MAX_MEDIA_BYTES,
    is_spreadsheet,
    matcher_for,
    unit_from_path,
)
from campaign_ops.intake.recording import store_all, validate, verdict
from campaign_ops.intake.routing import (
    Deliveries,
    identify_document,
    identify_table,
    load_deliveries,
    round_from_path,
    size_limit_of,
    too_big,
)
from campaign_ops.intake.sources import Entry, Source
from campaign_ops.intake.work import FileOutcome, Scan, Work
from campaign_ops.store.intake_log import Outcome

if TYPE_CHECKING:
    from campaign_ops.forms.findings import FileResult
    from campaign_ops.forms.pool import Parsing

log = logging.getLogger(__name__)

QUIET_SECONDS = 60  # a file modified this recently may still be being copied


# ---- listing --------------------------------------------------------------------------------


def pending(
    campaign: Campaign, source: Source, now: dt.datetime
) -> tuple[list[Entry], list[FileOutcome]]:
    """Files to process now, and the outcomes of files that are not ready yet.

    ``now`` is the scan's moment (the DAG run's logical date, so a replayed calendar gets the
    on-time/late decisions of its own time); readiness is judged on the real clock."""
    from campaign_ops.store import log_outcome, session_scope, sync_campaign
    from campaign_ops.store.intake_log import finished_paths

    entries = list(source.entries())
    matcher = matcher_for(campaign)
    with session_scope() as session:
        sync_campaign(session, campaign)
        done = finished_paths(session, campaign.id, source.name)
        todo: list[Entry] = []
        waiting: list[FileOutcome] = []
        for e in entries:
            if done.get(e.path) == (e.size, e.mtime):
                continue  # unchanged since it got its final outcome
            exact = getattr(source, "exact", False)  # a mailbox: whole files, server times
            reason = None if exact else not_ready_reason(e, dt.datetime.now(dt.UTC))
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
                outcome=Outcome.not_ready,
                unit_code=unit.code if unit else None,
                round_id=round_.id if round_ else None,
                message=reason,
                seen_at=now,
            )
            waiting.append(
                FileOutcome(e.path, Outcome.not_ready.value, reason, unit=unit and unit.code)
            )
    return todo, waiting


def _current_round(campaign: Campaign, now: dt.datetime) -> Round | None:
    today = now.astimezone(ZoneInfo(campaign.timezone)).date()
    upcoming = [r for r in campaign.rounds if r.deadline >= today]
    return min(upcoming, key=lambda r: r.deadline) if upcoming else None


def not_ready_reason(entry: Entry, wall_clock: dt.datetime) -> str | None:
    """Why a file cannot be read yet. Always judged on the real clock (a replayed run's
    logical time must never make a file that is being copied look complete)."""
    if entry.size == 0:
        return "文件为空（0 字节），可能仍在复制中，系统会在下次收取时再检查。"
    age = (wall_clock - entry.mtime).total_seconds()
    if 0 <= age < QUIET_SECONDS:
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
# run has a fixed cost whatever its size, so a group holds many files; as many are read ahead
# so that the parse workers have work while this process validates and stores.
GROUP_FILES = 750
AHEAD_FILES = GROUP_FILES


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
    process (Great Expectations, pandas, the files in flight), and a scan of a province's files
    sets off several in the middle of its work (measured in bench/RESULTS.md, session 9).
    Young collections go on (they free the short-lived cycles); the full ones resume
    afterwards."""
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
    scan = Scan(
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
    ready: list[Work] = []  # identified, in arrival order
    outcomes: list[FileOutcome] = []
    failed: list[str] = []

    def store_group() -> None:
        if not ready:
            return
        # the files are safe before anything about them is recorded
        flush_archive((w.sha256 for w in ready if w.sha256), settings().archive_dir)
        validate(campaign, [w for w in ready if w.outcome is None])
        outcomes.extend(store_all(campaign, source, ready, now, failed))
        ready.clear()

    def identify_oldest() -> None:
        ready.extend(_identified(scan, reading[0]))
        reading.popleft()  # only now: had identifying it failed, it would be archived below
        if len(ready) >= GROUP_FILES:
            store_group()  # while the chunks after it are still being parsed

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
        store_group()
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
class _Chunk:
    """Files read together: their works in arrival order, and the parsing of their tables."""

    works: list[Work]
    parsing: list[tuple[list[Work], Parsing]]

    def archive_here(self) -> None:
        """Archive the tables in this process, whether or not their parse has done it yet
        (archiving is idempotent): for a scan that stops before its parses finish."""
        for _, parsing in self.parsing:
            for job in parsing.jobs:
                if job.keep is not None:
                    job.keep(job.data, job.file_key)


def _read_and_parse(scan: Scan, entries: list[Entry]) -> _Chunk:
    """Read files; documents are archived and identified at once, tables are sent to the
    parser (``forms.pool``: on every core when there are many), which archives each one just
    before parsing it, in groups of at most ``HELD_BYTES``, so that reading goes on
    meanwhile. Nothing about a file is recorded before its parse, so before its archiving."""
    from campaign_ops.forms.pool import Job, parse_later

    chunk = _Chunk([], [])
    keep = scan.keep or _keep_nothing

    def start(tables: list[tuple[Work, bytes]]) -> None:
        # the name is only the file's name: the parser never sees the drop zone's folders
        jobs = [Job(PurePosixPath(w.entry.path).name, d, w.sha256, scan.keep) for w, d in tables]
        later = parse_later(jobs, candidates=scan.campaign.forms, run_size=scan.files)
        chunk.parsing.append(([w for w, _ in tables], later))

    tables: list[tuple[Work, bytes]] = []
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
                    identify_document(scan, work)
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


def _identified(scan: Scan, chunk: _Chunk) -> list[Work]:
    """The chunk's works, once its tables are parsed and identified."""
    for works, parsing in chunk.parsing:
        for work, item in zip(works, parsing.result(), strict=True):
            identify_table(scan, work, item)
    return chunk.works


def _read(scan: Scan, entry: Entry) -> tuple[Work, bytes] | None:
    """The file's bytes and what is known about it at once (None: nothing more to do)."""
    if entry.size > MAX_MEDIA_BYTES:
        # refused unread: a 4 GiB video must not take the whole scan's memory (its path, size
        # and time are recorded, its bytes not archived). Smaller files over their type's limit
        # are archived and refused with the type's own message further on.
        work = Work(entry, "", received_time(entry, scan.now, scan.previous_scan))
        work.unit = unit_from_path(scan.matcher, entry.path)
        work.conclude(Outcome.refused, too_big(entry.size, size_limit_of(entry.path)))
        return work, b""
    try:
        data = scan.source.read(entry)
    except FileNotFoundError:
        log.info("%s 在读取前被移走，跳过", entry.path)
        return None
    sha = sha256_of(data)
    if (sha, entry.path) in scan.processed:
        return None  # this very file was stored by an earlier try of this task: done
    previous = None if getattr(scan.source, "exact", False) else scan.previous_scan
    return Work(entry, sha, received_time(entry, scan.now, previous)), data


def _keep_nothing(data: bytes, sha256: str) -> None:
    """A preview archives nothing."""


# ---- preview ------------------------------------------------------------------------------


@dataclass
class Preview:
    """What intake would make of a file dropped now, without storing or archiving anything."""

    outcome: FileOutcome
    result: FileResult | None  # a table's validation; None for other files


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
    scan = Scan(campaign, source, now, now, set(), deliveries, matcher_for(campaign), None)
    scan.files = len(entries)
    works = _identified(scan, _read_and_parse(scan, entries))
    validate(campaign, [w for w in works if w.outcome is None], previous=warehouse)
    return [Preview(w.outcome or verdict(campaign, w), w.result) for w in works]


# ---- storing --------------------------------------------------------------------------------
