"""Fixtures for the forms tests: seed campaigns per form, templates, filled submissions.

Templates are generated once per session per form; each test copies and fills its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from campaign_ops.forms.samples import Values, campaign_using, fill_template, sample_values
from campaign_ops.forms.spec import all_forms, load_form
from campaign_ops.forms.template import write_template


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """form id → a template generated for its seed campaign's first round and unit."""
    out = {}
    directory = tmp_path_factory.mktemp("templates")
    for form in all_forms():
        campaign, round_, unit = campaign_using(form.id)
        out[form.id] = write_template(
            form, directory / f"{form.id}.xlsx", campaign=campaign, round_=round_, unit=unit
        )
    return out


Filler = Callable[..., tuple[Path, Values]]


@pytest.fixture
def fill(templates: dict[str, Path], tmp_path: Path) -> Filler:
    """``fill(form_id, style="plain", seed=0, name=None, values=None)`` → (path, values)."""
    counter = iter(range(10_000))

    def _fill(
        form_id: str,
        style: str = "plain",
        seed: int = 0,
        name: str | None = None,
        values: Values | None = None,
    ) -> tuple[Path, Values]:
        form = load_form(form_id)
        values = values if values is not None else sample_values(form, seed=seed)
        path = tmp_path / (name or f"{form_id}-{next(counter)}.xlsx")
        fill_template(templates[form_id], path, form, values, style)
        return path, values

    return _fill
