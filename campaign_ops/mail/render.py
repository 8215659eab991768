"""Render an email's two bodies from ``include/templates/mail_<name>.html`` and ``.txt``.

HTML is autoescaped (unit names and rejection reasons come from YAML and from submitted
files); the text version is not, so it reads naturally in any mail client. Undefined
variables raise instead of rendering as blanks: a half-filled reminder is worse than none.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from campaign_ops import INCLUDE_DIR

TEMPLATES_DIR = INCLUDE_DIR / "templates"
_WEEKDAYS = "一二三四五六日"


def cn_date(value: dt.date | str) -> str:
    """``2023年5月10日``: how a circular writes a date."""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


def cn_weekday(value: dt.date | str) -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"星期{_WEEKDAYS[day.weekday()]}"


@lru_cache(maxsize=4)
def _environment(directory: Path, autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cn_date"] = cn_date
    env.filters["cn_weekday"] = cn_weekday
    return env


def render_mail(
    name: str, context: dict[str, Any], directory: Path | None = None
) -> tuple[str, str]:
    """``(html, text)`` of template ``mail_<name>``."""
    directory = Path(directory or TEMPLATES_DIR)
    html = _environment(directory, True).get_template(f"mail_{name}.html").render(context)
    text = _environment(directory, False).get_template(f"mail_{name}.txt").render(context)
    return html, text
