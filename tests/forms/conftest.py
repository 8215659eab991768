"""Fixtures for the forms tests: seed campaigns per form, templates, filled submissions, and
LibreOffice Calc to save a file the way a person's Calc does.

Templates are generated once per session per form; each test copies and fills its own.
"""

from __future__ import annotations

import shutil
import subprocess
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


# Calc recalculates every formula when it opens an .xlsx, as Excel, WPS and a person's Calc
# do; headless Calc does not unless its profile says so.
_RECALC_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@pytest.fixture(scope="session")
def calc(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path, Path], Path]:
    """``calc(file, out_dir)`` → the file opened and saved again as .xlsx by LibreOffice Calc
    (formulas recalculated, results saved, Calc's own shared strings and styles)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail(
            "LibreOffice Calc (soffice) is not installed; these tests check files saved by "
            "Calc. Run `make services` (Debian package libreoffice-calc-nogui)."
        )
    profile = tmp_path_factory.mktemp("lo-profile")
    (profile / "user").mkdir()
    (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ON_LOAD)

    def resave(path: Path, out_dir: Path) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        assert out_dir.resolve() != path.parent.resolve(), "Calc would overwrite its input"
        done = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(out_dir),
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
        saved = out_dir / f"{path.stem}.xlsx"
        assert done.returncode == 0 and saved.exists(), f"Calc did not save {path}: {done}"
        return saved

    return resave
