"""Parse many files on several cores: a pool started once and reused for every batch.

Parsing is pure Python per file (safety checks, label search, value cleaning) and
parallelises cleanly; validation stays one GX run per form in the calling process. Workers
are *spawned*, not forked, because the parent may hold great_expectations' threads; their
start-up (about a second) is a one-off for a long-running worker.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from campaign_ops.forms.submission import ParsedSubmission, Refusal


def _parse_chunk(
    args: tuple[list[str], str | None, list[str] | None],
) -> list[ParsedSubmission | Refusal]:
    from campaign_ops.forms.parser import try_parse

    paths, form_id, candidates = args
    out: list[ParsedSubmission | Refusal] = []
    for path in paths:
        item = try_parse(path, form_id, candidates=candidates)
        if isinstance(item, ParsedSubmission):
            item.form = item.form.id  # type: ignore[assignment]  # re-attached by the parent
        out.append(item)
    return out


def _warm() -> int:
    import campaign_ops.forms.parser  # noqa: F401  (import once per worker, before timing)

    return os.getpid()


class ParserPool:
    """``with ParserPool(2) as pool: items = pool.parse(paths)`` — same results as
    ``[try_parse(p) for p in paths]``, in the same order."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or max(1, min(4, (os.cpu_count() or 1)))
        ctx = multiprocessing.get_context("spawn")
        self._executor = ProcessPoolExecutor(self.workers, mp_context=ctx)
        list(self._executor.map(_warm_any, range(self.workers * 2)))

    def parse(
        self,
        paths: Sequence[str | Path],
        form: str | None = None,
        candidates: Sequence[str] | None = None,
    ) -> list[ParsedSubmission | Refusal]:
        from campaign_ops.forms.spec import load_form

        names = [str(p) for p in paths]
        size = max(1, math.ceil(len(names) / (self.workers * 4)))
        chunks = [
            (names[i : i + size], form, list(candidates) if candidates else None)
            for i in range(0, len(names), size)
        ]
        items: list[ParsedSubmission | Refusal] = []
        for part in self._executor.map(_parse_chunk, chunks):
            items.extend(part)
        for item in items:
            if isinstance(item, ParsedSubmission) and isinstance(item.form, str):
                item.form = load_form(item.form)
        return items

    def close(self) -> None:
        self._executor.shutdown()

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _warm_any(_: int) -> int:
    return _warm()
