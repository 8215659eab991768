"""Parsing a big batch on every core gives exactly what parsing it file by file gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign_ops.forms import pool
from campaign_ops.forms.pool import Job, parse_many
from campaign_ops.forms.spec import all_forms
from campaign_ops.forms.submission import ParsedSubmission, Refusal


def _summary(item: ParsedSubmission | Refusal) -> tuple:
    if isinstance(item, Refusal):
        return ("refused", item.code, item.message)
    rows = tuple(
        (r.key, tuple(sorted(r.values.items())), tuple(sorted(r.bad.items()))) for r in item.rows
    )
    notes = tuple((n.code, n.message) for n in item.notes)
    return (item.form.id, item.file_key, item.reporting_unit, rows, notes)


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch):
    """A two-worker pool used from the first file (not from POOL_FROM)."""
    monkeypatch.setenv(pool.WORKERS_ENV, "2")
    monkeypatch.setattr(pool, "POOL_FROM", 1)
    monkeypatch.setattr(pool, "_shared", [])
    yield
    if pool._shared and pool._shared[0] is not None:
        pool._shared[0].close()


def test_the_pool_parses_like_one_process_in_the_same_order(pooled, fill, tmp_path: Path):
    files = [
        fill(f.id, style=s, seed=i)[0]
        for i, f in enumerate(all_forms())
        for s in ("plain", "fullwidth")
    ]
    (tmp_path / "旧版.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (tmp_path / "半截.xlsx").write_bytes(files[0].read_bytes()[:900])
    files += [tmp_path / "旧版.xls", tmp_path / "半截.xlsx"]
    jobs = [Job(p.name, p.read_bytes(), f"key-{i}") for i, p in enumerate(files)]

    in_pool = parse_many(jobs)
    assert pool._shared and pool._shared[0] is not None, "the pool should have been used"
    one_by_one = [pool.parse_one(job) for job in jobs]
    assert [_summary(x) for x in in_pool] == [_summary(x) for x in one_by_one]
    assert [type(x).__name__ for x in in_pool[-2:]] == ["Refusal", "Refusal"]
    assert [x.file_key for x in in_pool[:-2]] == [f"key-{i}" for i in range(len(files) - 2)]


def test_one_worker_means_no_pool(monkeypatch: pytest.MonkeyPatch, fill):
    monkeypatch.setenv(pool.WORKERS_ENV, "1")
    monkeypatch.setattr(pool, "POOL_FROM", 1)
    monkeypatch.setattr(pool, "_shared", [])
    path, _ = fill("livestream-cases")
    (item,) = parse_many([Job(str(path))])
    assert pool._shared == [None]
    assert isinstance(item, ParsedSubmission) and item.form.id == "livestream-cases"


def test_groups_in_flight_together_each_get_their_own_files(pooled, fill):
    paths = [fill(f.id, seed=i)[0] for i, f in enumerate(all_forms())]
    jobs = [Job(p.name, p.read_bytes(), f"key-{i}") for i, p in enumerate(paths)]
    groups = [jobs[:2], jobs[2:3], jobs[3:]]
    started = [pool.parse_later(g) for g in groups]  # all sent before any result is asked
    results = [later.result() for later in started]
    assert [[x.file_key for x in r] for r in results] == [[j.file_key for j in g] for g in groups]
    assert [_summary(x) for r in results for x in r] == [_summary(pool.parse_one(j)) for j in jobs]


def test_killed_workers_leave_the_files_parsed_in_place(pooled, fill):
    import os
    import signal

    path, _ = fill("ankang-work-stats")
    jobs = [Job(path.name, path.read_bytes(), f"key-{i}") for i in range(4)]
    shared = pool.shared_pool()
    assert shared is not None
    for pid in list(shared._executor._processes):  # as the kernel's OOM killer would
        os.kill(pid, signal.SIGKILL)
    # whether the pool notices before the files are sent or while they are parsed, the
    # files are parsed in place
    items = pool.parse_later(jobs).result()
    assert [x.file_key for x in items] == [j.file_key for j in jobs]
    assert all(isinstance(x, ParsedSubmission) for x in items)
    assert pool._shared == [None]  # and the next files are parsed in place from the start


def test_workers_yield_the_cores_to_the_process_that_feeds_them(pooled):
    """The process that reads, validates and stores is the critical path: the parse
    workers run at a lower priority (``top`` shows them niced)."""
    import os

    shared = pool.shared_pool()
    assert shared is not None
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    expected = min(19, mine + pool.WORKER_NICENESS)
    assert [os.getpriority(os.PRIO_PROCESS, pid) for pid in shared.worker_pids()] == [
        expected
    ] * shared.workers
