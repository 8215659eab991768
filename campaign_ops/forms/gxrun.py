"""The Great Expectations side: one ephemeral context per process, suites attached once.

Importing great_expectations costs seconds, so it happens here, on first use, never at module
import. A validation run is one call per batch: GX's cost is per run and expectation, not per row,
and the forms' suites check the same generic frame columns, so they merge into one.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    from campaign_ops.forms.gx_internal import validating

    _, batch_definition = _context()
    suite = _suite(forms)
    failed = []
    with validating(batch_definition, frame) as batch:
        quick = batch.validate(suite, result_format="BOOLEAN_ONLY")
        for r in quick.results:
            if r.success:
                continue
            _check_raised(r)
            full = batch.validate(r.expectation_config.to_domain_obj(), result_format="COMPLETE")
            _check_raised(full)
            rows = list(full.result.get("unexpected_index_list") or [])
            failed.append((dict(r.expectation_config.meta or {}), rows))
    return failed


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
