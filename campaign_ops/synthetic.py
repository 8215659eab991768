"""Generated campaigns for tests, benchmarks and scale fixtures.

They follow the same schema as the seed campaigns, so anything that works on one works on the
other; addresses are on the reserved ``example.invalid`` domain.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from campaign_ops.forms.spec import FormSpec

DOMAIN = "example.invalid"


def campaign_dict(
    campaign_id: str = "synthetic-campaign",
    *,
    units: int = 5,
    rounds: int = 3,
    start: dt.date = dt.date(2024, 3, 1),
    round_every_days: int = 30,
    forms: tuple[str, ...] = (),
) -> dict:
    """A valid campaign as plain data: three phases, ``rounds`` deadlines ``round_every_days``
    apart, ``units`` county bureaus with a contact and a leader each."""
    deadlines = [start + dt.timedelta(days=round_every_days * (i + 1)) for i in range(rounds)]
    end = deadlines[-1] + dt.timedelta(days=10)
    mid1 = start + dt.timedelta(days=9)
    mid2 = deadlines[-1] - dt.timedelta(days=max(1, round_every_days // 2))
    mid2 = max(mid2, mid1 + dt.timedelta(days=2))
    deliverables: list[dict] = [{"kind": "progress_note"}]
    deliverables += [{"kind": "statistics", "form": f} for f in forms]
    return {
        "id": campaign_id,
        "title": f"测试专项行动 {campaign_id}",
        "authority": "测试市市场监督管理局",
        "document_number": "测市监函〔2024〕1号",
        "issued_on": start.isoformat(),
        "sender": {"name": "测试市市场监督管理局", "email": f"sender@{DOMAIN}"},
        "ops": [{"name": "市局值班", "email": f"ops@{DOMAIN}", "role": "ops"}],
        "units": [
            {
                "code": f"u{i:04d}",
                "name": f"测试{i}县市场监督管理局",
                "short_name": f"测试{i}县局",
                "aliases": [f"测试{i}县"],
                "level": "county",
                "contacts": [
                    {"name": f"测试{i}县联系人", "email": f"u{i:04d}@{DOMAIN}"},
                    {
                        "name": f"测试{i}县领导",
                        "email": f"u{i:04d}-leader@{DOMAIN}",
                        "role": "leader",
                    },
                ],
            }
            for i in range(1, units + 1)
        ],
        "phases": [
            {
                "id": "deploy",
                "name": "动员部署",
                "start": start.isoformat(),
                "end": mid1.isoformat(),
            },
            {
                "id": "rectify",
                "name": "集中整治",
                "start": (mid1 + dt.timedelta(days=1)).isoformat(),
                "end": mid2.isoformat(),
            },
            {
                "id": "review",
                "name": "总结评估",
                "start": (mid2 + dt.timedelta(days=1)).isoformat(),
                "end": end.isoformat(),
            },
        ],
        "rounds": [
            {
                "id": f"r{i + 1}",
                "title": f"第{i + 1}次报送",
                "deadline": d.isoformat(),
                "deliverables": deliverables,
            }
            for i, d in enumerate(deadlines)
        ],
        "reports": {"recipients": [{"name": "市局领导", "email": f"leader@{DOMAIN}"}]},
        "drop_zone": {"kind": "folder", "path": campaign_id, "layout": "per_unit"},
    }


def write_campaign(directory: Path, data: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{data['id']}.yaml"
    # The C dumper when PyYAML has it: a province-size campaign is dumped ten times faster.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


# How a unit's table goes wrong in ways validation must catch (values; a damaged file is a
# separate matter of bytes, see bench/scale.py).
DEFECTS = ("negative", "text", "blank", "rule")


def break_values(form: FormSpec, values: dict, how: str = "negative") -> dict:
    """Spoil ``values`` (in place, and returned) the way people do: ``negative`` a negative
    count, ``text`` a remark typed into a number cell, ``blank`` a required number left empty
    (blank is not zero), ``rule`` 结案 greater than 立案 (the form's first ``le`` rule)."""
    first_row = next(iter(values))
    line = values[first_row]
    first_col = next(k for k, v in line.items() if isinstance(v, int | float))
    if how == "negative":
        line[first_col] = -5
    elif how == "text":
        line[first_col] = "待统计"
    elif how == "blank":
        line[first_col] = None
    elif how == "rule":
        rule = next((r for r in form.rules if r.kind == "le" and r.left in line), None)
        if rule is None:
            line[first_col] = -5  # a form without such a rule: fall back to a negative count
        else:
            line[rule.left] = (line[rule.right] or 0) + 3
    else:
        raise ValueError(f"unknown defect {how!r}; one of {DEFECTS}")
    return values


def write_submission(
    campaign,
    round_id: str,
    unit_code: str,
    form_id: str,
    dest: Path,
    *,
    seed: int = 0,
    style: str = "plain",
    broken: bool = False,
    previous: dict | None = None,
) -> tuple[Path, dict]:
    """A unit's filled-in statistics table, made from the project's own template the way a
    person fills it; ``broken`` puts a negative number in the first numeric cell (an error the
    unit must fix). Returns the file and the values typed in."""
    import tempfile

    from campaign_ops.forms.samples import fill_template, sample_values
    from campaign_ops.forms.spec import load_form
    from campaign_ops.forms.template import write_template

    form = load_form(form_id)
    values = sample_values(form, seed=seed, previous=previous)
    if broken:
        break_values(form, values, "negative")
    with tempfile.TemporaryDirectory() as tmp:
        template = write_template(
            form,
            Path(tmp) / "template.xlsx",
            campaign=campaign,
            round_=campaign.round(round_id),
            unit=campaign.unit(unit_code),
        )
        fill_template(template, Path(dest), form, values, style=style)
    return Path(dest), values
