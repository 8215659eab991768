"""The Great Expectations side: one ephemeral context per process, suites attached once.

Importing great_expectations costs seconds, so it happens here, on first use, never at module
import. A validation run is one call per batch: GX's cost is per run and expectation, not per row,
and the forms' suites check the same generic frame columns, so they merge into one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import pandas as pd

from campaign_ops.forms.spec import FormSpec


@lru_cache(maxsize=1)
def _context() -> tuple[Any, Any]:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("campaign_ops_forms").add_dataframe_asset("batch")
    return context, asset.add_batch_definition_whole_dataframe("whole")


def _key(forms: Sequence[FormSpec]) -> tuple[tuple[str, str], ...]:
    return tuple((form.id, form.fingerprint()) for form in forms)


_SUITES: dict[tuple[tuple[str, str], ...], Any] = {}


def _suite(forms: Sequence[FormSpec]) -> Any:
    from campaign_ops.forms.expectations import load_suite

    key = _key(forms)
    if key not in _SUITES:
        context, _ = _context()
        suite = load_suite(*forms)
        existing = [s for s in context.suites.all() if s.name == suite.name]
        for s in existing:
            context.suites.delete(s.name)
        _SUITES[key] = context.suites.add(suite)
    return _SUITES[key]


_GROUPS: dict[tuple[tuple[str, str], ...], list[list[int]]] = {}


def run_groups(forms: Sequence[FormSpec]) -> list[list[FormSpec]]:
    """``forms`` split into the fewest GX runs (usually one; see ``mergeable``)."""
    from campaign_ops.forms.expectations import load_suite_dict, mergeable

    key = _key(forms)
    if key not in _GROUPS:
        _GROUPS[key] = mergeable([load_suite_dict(form) for form in forms])
    return [[forms[i] for i in group] for group in _GROUPS[key]]


def run_suite(
    forms: Sequence[FormSpec], frame: pd.DataFrame
) -> list[tuple[dict[str, Any], list[Any]]]:
    """Validate ``frame`` with the committed suite of ``forms`` (merged when several).

    Returns (expectation meta, unexpected frame positions) for each failed expectation. The
    whole suite first runs with ``BOOLEAN_ONLY`` (about half the cost of ``COMPLETE``); only
    the expectations that failed run again to list their failing rows. A crashed expectation
    raises: it must never pass silently.
    """
    _, batch_definition = _context()
    suite = _suite(forms)
    failed = []
    with _configurations_built_once():
        boolean_only = _validator(batch_definition, frame, "BOOLEAN_ONLY")
        quick = boolean_only.validate_expectation_suite(suite)
        complete = None
        for r in quick.results:
            if r.success:
                continue
            _check_raised(r)
            complete = complete or _validator(batch_definition, frame, "COMPLETE")
            full = complete.validate_expectation(r.expectation_config.to_domain_obj())
            _check_raised(full)
            rows = list(full.result.get("unexpected_index_list") or [])
            failed.append((dict(r.expectation_config.meta or {}), rows))
    return failed


def _validator(batch_definition: Any, frame: pd.DataFrame, result_format: str) -> Any:
    """GX's own validator of ``Batch.validate``, made once per result format and run: it
    builds the batch (copying and fingerprinting the whole frame) on first use and keeps it.
    ``Batch.validate`` makes a new one for every call, so a run that also lists the failing
    rows of three expectations built the same batch four times."""
    from great_expectations.validator.v1_validator import Validator

    return Validator(
        batch_definition=batch_definition,
        batch_parameters={"dataframe": frame},
        result_format={"result_format": result_format},
    )


@contextmanager
def _configurations_built_once() -> Iterator[None]:
    """GX (1.24) rebuilds an expectation's whole configuration, a pydantic ``dict()``, every
    time it looks up one of its keywords: about 60 times per expectation and run, 30 ms of
    a run's 100 ms fixed cost. The expectations of a run are objects GX makes for that run
    and nothing changes them while it runs, so within a run (in this thread) each one's
    configuration is built once; outside a run GX builds it as it always does."""
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


def _check_raised(result: Any) -> None:
    error = _raised(result.exception_info or {})
    if error:
        check = (result.expectation_config.meta or {}).get("check")
        raise RuntimeError(f"校验规则 {check} 执行出错：{error}")


def _raised(info: dict[str, Any]) -> str | None:
    """GX reports a crashed expectation as a failed one; find its message (flat or per metric)."""
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None
