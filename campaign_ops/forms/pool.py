"""Parse many files on every core: ``parse_many`` is ``try_parse`` for a batch.

Parsing is pure Python per file (safety checks, label search, value cleaning) and
parallelises cleanly; validation stays one GX run per batch in the calling process. Workers
are *spawned*, not forked, because the parent may hold great_expectations' threads. Their
start-up (each imports the parser) is paid once per process, so a small batch
is parsed in place; the pool is used from ``POOL_FROM`` files and then kept for later batches.
Where no pool can be started (a daemonic worker process may not have children) parsing simply
stays in place.
"""

from __future__ import annotations

import atexit
import logging
import math
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from campaign_ops.forms.submission import ParsedSubmission, Refusal

if TYPE_CHECKING:
    from campaign_ops.forms.spec import FormSpec

log = logging.getLogger(__name__)

POOL_FROM = 1000  # files; below this, starting workers costs more than it saves
WORKERS_ENV = "CAMPAIGN_OPS_PARSE_WORKERS"  # 1 turns the pool off
WORKER_NICENESS = 10  # added to the workers' niceness (lower priority), see _lower_priority


@dataclass(frozen=True)
class Job:
    """One file to parse: ``path`` names it (and is read when ``data`` is None).

    ``keep`` is given the bytes and the file key just before the file is parsed, in the
    process that parses it: intake archives them there, off its own critical path (a
    module-level function or a ``partial`` of one, so that it can cross to the workers)."""

    path: str
    data: bytes | None = None
    file_key: str | None = None
    keep: Callable[[bytes, str | None], object] | None = None


Parsed = ParsedSubmission | Refusal


def parse_one(job: Job, form: str | None = None, candidates: Sequence[str] | None = None) -> Parsed:
    from campaign_ops.forms.parser import try_parse

    if job.keep is not None and job.data is not None:
        job.keep(job.data, job.file_key)
    return try_parse(job.path, form, candidates=candidates, file_key=job.file_key, data=job.data)


def parse_many(
    jobs: Sequence[Job],
    form: str | None = None,
    candidates: Sequence[str] | None = None,
    run_size: int | None = None,
) -> list[Parsed]:
    """``parse_one`` for every job, in order; on several cores when the run is big enough.

    ``run_size`` is how many files the whole run parses, when ``jobs`` is one part of it.
    """
    return parse_later(jobs, form, candidates, run_size).result()


def parse_later(
    jobs: Sequence[Job],
    form: str | None = None,
    candidates: Sequence[str] | None = None,
    run_size: int | None = None,
) -> Parsing:
    """Start ``parse_many`` and return at once, so the caller can read the next files while
    the workers parse these; without a pool the files are parsed when ``result()`` is asked."""
    pool = shared_pool() if (run_size or len(jobs)) >= POOL_FROM else None
    if pool is not None:
        try:
            return Parsing(jobs, form, candidates, pool.submit(jobs, form, candidates))
        except BrokenProcessPool as exc:
            _give_up_pool(exc)
    return Parsing(jobs, form, candidates)


class Parsing:
    """Files being parsed; ``result()`` is ``parse_one`` of each job, in order."""

    def __init__(
        self,
        jobs: Sequence[Job],
        form: str | None,
        candidates: Sequence[str] | None,
        futures: list[Future] | None = None,
    ):
        self.jobs, self.form, self.candidates = jobs, form, candidates
        self._futures = futures

    def result(self) -> list[Parsed]:
        if self._futures is not None:
            try:
                return _gathered(self._futures)
            except BrokenProcessPool as exc:  # a worker died (killed, out of memory)
                _give_up_pool(exc)
        return [parse_one(job, self.form, self.candidates) for job in self.jobs]


def _give_up_pool(exc: BaseException) -> None:
    """Parse in place from now on; the broken pool is shut down."""
    log.warning("解析进程意外退出，改为逐个解析：%s", exc)
    pool = _shared[0] if _shared else None
    _shared[:] = [None]
    if pool is not None:
        pool.close()


def _gathered(futures: list[Future]) -> list[Parsed]:
    """The workers' results in job order, each with its form's spec back in place: workers
    send a form's id, not the spec (smaller to pickle)."""
    from campaign_ops.forms.spec import load_form

    items = [item for f in futures for item in f.result()]
    specs: dict[str, FormSpec] = {}  # one lookup per form, not per file
    for item in items:
        if isinstance(item, ParsedSubmission) and isinstance(item.form, str):
            if item.form not in specs:
                specs[item.form] = load_form(item.form)
            item.form = specs[item.form]
    return items


def _parse_chunk(args: tuple[list[Job], str | None, list[str] | None]) -> list[Parsed]:
    jobs, form, candidates = args
    out = []
    for job in jobs:
        item = parse_one(job, form, candidates)
        if isinstance(item, ParsedSubmission):
            item.form = item.form.id  # type: ignore[assignment]  # re-attached by the parent
        out.append(item)
    return out


def _lower_priority() -> None:
    """Workers yield to the process that feeds them: it reads, validates and stores every
    file, so it is the critical path, and sharing the cores equally with the workers it got
    about two thirds of one (on 2 cores, its wall time per CPU second fell from 1.43 to 1.29)."""
    os.nice(WORKER_NICENESS)


def _warm(_: int) -> int:
    import campaign_ops.forms.parser  # noqa: F401  (import once per worker, up front)

    return os.getpid()


class ParserPool:
    """``with ParserPool(2) as pool: items = pool.parse(jobs)`` — the same results as
    ``[parse_one(j) for j in jobs]``, in the same order."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        ctx = multiprocessing.get_context("spawn")
        self._executor = ProcessPoolExecutor(
            self.workers, mp_context=ctx, initializer=_lower_priority
        )
        list(self._executor.map(_warm, range(self.workers * 2)))

    def parse(
        self,
        jobs: Sequence[Job | str | Path],
        form: str | None = None,
        candidates: Sequence[str] | None = None,
    ) -> list[Parsed]:
        return _gathered(self.submit(jobs, form, candidates))

    def submit(
        self,
        jobs: Sequence[Job | str | Path],
        form: str | None = None,
        candidates: Sequence[str] | None = None,
    ) -> list[Future]:
        """Send the jobs to the workers in a few slices each; the futures are in job order."""
        todo = [j if isinstance(j, Job) else Job(str(j)) for j in jobs]
        size = max(1, math.ceil(len(todo) / (self.workers * 4)))
        names = list(candidates) if candidates else None
        return [
            self._executor.submit(_parse_chunk, (todo[i : i + size], form, names))
            for i in range(0, len(todo), size)
        ]

    def worker_pids(self) -> list[int]:
        """The workers' process ids (benchmarks count their CPU time)."""
        return list(self._executor._processes)

    def close(self) -> None:
        self._executor.shutdown()

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_workers() -> int:
    try:
        return max(1, int(os.environ.get(WORKERS_ENV, "")))
    except ValueError:
        return max(1, min(4, os.cpu_count() or 1))


_shared: list[ParserPool | None] = []  # empty: not tried yet; [None]: none can be had


def shared_pool() -> ParserPool | None:
    """The process's pool, started on first use; None with one core or where none can start."""
    if not _shared:
        pool = None
        if default_workers() > 1:
            try:
                pool = ParserPool()
                atexit.register(pool.close)
            except (AssertionError, OSError, RuntimeError) as exc:
                log.warning("无法启动解析进程池，改为逐个解析：%s", exc)
        _shared.append(pool)
    return _shared[0]
