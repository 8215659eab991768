"""The one place campaign-ops reaches past Great Expectations' public API, and why.

``gxrun`` validates a frame the public way in shape — ``Batch.validate(suite)``, then
``Batch.validate(expectation)`` for each failed one — on the ``GxRun`` that ``validating``
gives, which does the same with two GX (1.24) internals, because the public calls took about
one and a half times as long per run (bench/RESULTS.md, session 9; a run is on every intake
group's critical path):

- ``Batch.validate`` makes a new ``v1_validator.Validator`` for every call, and each one
  builds the batch again (a copy and an md5 fingerprint of the whole frame). A run keeps
  one validator per result format instead.
- GX rebuilds an expectation's whole configuration (a pydantic ``dict()``) every time it
  looks up one of its keywords, dozens of times per expectation and run. Within a run (in
  this thread) each one's configuration is built once. That needs ``Expectation.configuration``
  replaced, once per process; outside a run the replacement calls GX's own property.

If GX changes underneath (no ``Validator`` to import, ``configuration`` no longer a property),
that part falls back to GX's own way: slower, never wrong. ``tests/forms/test_gx_internal.py``
fails when that happens, and checks the findings equal the public ``Batch.validate``'s.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import pandas as pd


@contextmanager
def validating(batch_definition: Any, frame: pd.DataFrame) -> Iterator[GxRun]:
    """One validation run of ``frame``: ``Batch.validate`` as ``GxRun.validate``."""
    with _one_run():
        yield GxRun(batch_definition, frame)


class GxRun:
    """``Batch.validate`` for one frame and run, each batch built once per result format."""

    def __init__(self, batch_definition: Any, frame: pd.DataFrame) -> None:
        self._definition = batch_definition
        self._frame = frame
        self._validators: dict[str, Any] = {}

    def validate(self, expect: Any, result_format: str) -> Any:
        """What ``Batch.validate(expect, result_format=...)`` returns, for a suite or one
        expectation."""
        from great_expectations.core import ExpectationSuite

        validator = self._validator(result_format)
        if validator is None:
            batch = self._definition.get_batch(batch_parameters={"dataframe": self._frame})
            return batch.validate(expect, result_format=result_format)
        if isinstance(expect, ExpectationSuite):
            return validator.validate_expectation_suite(expect)
        return validator.validate_expectation(expect)

    def _validator(self, result_format: str) -> Any:
        if result_format not in self._validators:
            self._validators[result_format] = _new_validator(
                self._definition, self._frame, result_format
            )
        return self._validators[result_format]


def _new_validator(batch_definition: Any, frame: pd.DataFrame, result_format: str) -> Any:
    """GX's own validator, as ``Batch.validate`` makes it; None if GX no longer has it."""
    try:
        from great_expectations.validator.v1_validator import Validator
    except ImportError:
        return None
    return Validator(
        batch_definition=batch_definition,
        batch_parameters={"dataframe": frame},
        result_format={"result_format": result_format},
    )


def uses_internals() -> bool:
    """Whether both internals are in use (False: GX changed, ``GxRun`` is the public way)."""
    try:
        from great_expectations.validator.v1_validator import Validator  # noqa: F401
    except ImportError:
        return False
    return _remember_configurations()


@contextmanager
def _one_run() -> Iterator[None]:
    """Within this block (in this thread), each expectation's configuration is built once.
    The expectations of a run are objects GX makes for that run and nothing changes them while
    it runs; outside a run GX builds the configuration as it always does."""
    if not _remember_configurations():
        yield
        return
    outer = getattr(_RUN, "built", None)
    _RUN.built = {}
    try:
        yield
    finally:
        _RUN.built = outer


_RUN = threading.local()  # .built: id → (expectation, kept alive; its configuration)


@lru_cache(maxsize=1)
def _remember_configurations() -> bool:
    """Make ``Expectation.configuration`` use the current run's memory, once per process
    (not per run: two threads validating at once must not undo each other's change).
    False if GX no longer makes it a property: then nothing is changed."""
    from great_expectations.expectations.expectation import Expectation

    rebuilt = Expectation.__dict__.get("configuration")
    if not isinstance(rebuilt, property) or rebuilt.fget is None:
        return False
    build = rebuilt.fget

    def configuration(expectation: Any) -> Any:
        built = getattr(_RUN, "built", None)
        if built is None:
            return build(expectation)
        known = built.get(id(expectation))
        if known is None or known[0] is not expectation:
            known = built[id(expectation)] = (expectation, build(expectation))
        return known[1]

    Expectation.configuration = property(configuration)  # type: ignore[method-assign,assignment]
    return True
